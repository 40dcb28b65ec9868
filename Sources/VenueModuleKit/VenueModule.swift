public import ArgumentParser
public import CommandPath
public import EventBus
public import Logging
public import ServiceLifecycle
public import VenueBridgeCore

/// One venue as the bridge runs it, in the venue's own folder (`Sources/Venues/<Venue>/Module`):
/// its `venues.<id>` YAML keys, its `VB_<ID>_*` variables, its checks, its lines in the printed
/// config, what runs when it is enabled (its services and its command entry) and its simulator for
/// the demo. The service knows venues only through this protocol: the loader, the printed config,
/// the runtime, readiness, the command path and the demo loop over the modules they are given, and
/// the list of modules exists once (`VenueCatalog.all`).
public protocol VenueModule: SendableMetatype {
    /// Its settings, defaults from its house rules (`init()`).
    associatedtype Settings: VenueSettings

    static var id: VenueID { get }
    /// How it spells client order ids (its house rules), for the CLI that derives them without a
    /// connector; its command entry says the same to the command path.
    static var clientOrderIdFormat: ClientOrderIdFormat { get }
    /// Where the venue's credentials come from, for the error refusing them in a URL.
    static var credentialsHint: String { get }
    /// Its `VB_<ID>_*` variables, for docs and `check-config`.
    static var environmentVariables: [(name: String, meaning: String)] { get }

    /// Reads the `venues.<id>` section (the reader reports unknown keys afterwards).
    static func read(_ r: inout ConfigReader, into settings: inout Settings)
    /// Applies the `VB_<ID>_*` variables (after the YAML file, before validation).
    static func applyEnvironment(_ overrides: inout EnvironmentOverrides, into settings: inout Settings)
    /// Reports every problem of an enabled section, with its key path.
    static func validate(_ settings: Settings, issues: inout [ConfigIssue])

    static func isEnabled(_ settings: Settings) -> Bool
    /// Every URL of the section with its key: one carrying credentials is refused even while the
    /// venue is disabled (it would be dialled the day the venue is enabled).
    static func urls(_ settings: Settings) -> [(key: String, url: String)]
    /// Normalized symbols it is configured for (command limits are checked against them).
    static func symbols(_ settings: Settings) -> [String]
    /// Whether it takes commands as configured: the command consumer runs when one does.
    static func takesOrders(_ settings: Settings) -> Bool
    /// The account a command names when its sender gives none (nil: the sender must name one).
    static func defaultOrderAccount(_ settings: Settings) -> String?
    /// Its lines of the printed config, secrets as `(set)` / `(none)`.
    static func summary(_ settings: Settings) -> [String: String]

    /// Builds the enabled venue: what runs, and its command entry (nil when it takes no commands
    /// as configured).
    static func start(_ settings: Settings, sink: any EventSink, logger: Logger) throws -> StartedVenue

    /// The demo: starts the venue's simulator on a free loopback port and points the settings at
    /// it (enabled, the simulator's credentials). `updatesPerSecond`: the simulator's pace.
    static func startDemo(_ settings: inout Settings, updatesPerSecond: Int, logger: Logger) async throws
        -> DemoVenue

    /// `venue-sim <id>`: its simulator standalone, with the simulator's own options.
    static var simulatorCommand: any ParsableCommand.Type { get }
}

/// A venue's settings: plain values, defaults from its house rules.
public protocol VenueSettings: Sendable, Equatable {
    init()
}

/// An enabled venue, built.
public struct StartedVenue: Sendable {
    /// Run for the bridge's lifetime; any of them ending stops the bridge.
    public var services: [any Service]
    public var commandVenue: CommandVenue?

    public init(services: [any Service], commandVenue: CommandVenue?) {
        self.services = services
        self.commandVenue = commandVenue
    }
}

/// One venue's simulator, started for `venue-bridge demo`.
public struct DemoVenue: Sendable {
    public var venue: VenueID
    /// The banner line naming where the simulator listens.
    public var banner: String
    /// An instrument it publishes, for the banner's Redis examples.
    public var sampleInstrument: String?
    /// `send-order` arguments that place an order at it, for the banner.
    public var sendOrderArguments: String?
    /// `send-rfq` arguments that ask it for quotes, for the banner (RFQ venues).
    public var sendRFQArguments: String?
    public var stop: @Sendable () async -> Void

    public init(
        venue: VenueID, banner: String, sampleInstrument: String? = nil, sendOrderArguments: String? = nil,
        sendRFQArguments: String? = nil, stop: @escaping @Sendable () async -> Void
    ) {
        self.venue = venue
        self.banner = banner
        self.sampleInstrument = sampleInstrument
        self.sendOrderArguments = sendOrderArguments
        self.sendRFQArguments = sendRFQArguments
        self.stop = stop
    }
}

/// The settings of every venue the bridge was built with, by module, in the modules' order.
public struct VenueSettingsStore: Sendable {
    /// The venues, in the order they are read, printed and started.
    public let modules: [any VenueModule.Type]
    /// Only settings that were set; a venue never set reads as its defaults.
    private var settings: [VenueID: any VenueSettings] = [:]

    public init(_ modules: [any VenueModule.Type]) {
        self.modules = modules
    }

    /// One venue's settings (its defaults until set).
    public subscript<Module: VenueModule>(_ module: Module.Type) -> Module.Settings {
        get { settings[Module.id] as? Module.Settings ?? Module.Settings() }
        set { settings[Module.id] = newValue }
    }

    public func module(for venue: VenueID) -> (any VenueModule.Type)? {
        modules.first { $0.id == venue }
    }
}

extension VenueModule {
    // The module's functions on the store: what the service calls on `any VenueModule.Type`.

    public static func read(_ r: inout ConfigReader, in store: inout VenueSettingsStore) {
        read(&r, into: &store[Self.self])
    }
    public static func applyEnvironment(_ overrides: inout EnvironmentOverrides, in store: inout VenueSettingsStore) {
        applyEnvironment(&overrides, into: &store[Self.self])
    }
    public static func validate(in store: VenueSettingsStore, issues: inout [ConfigIssue]) {
        validate(store[Self.self], issues: &issues)
    }
    public static func isEnabled(in store: VenueSettingsStore) -> Bool { isEnabled(store[Self.self]) }
    public static func urls(in store: VenueSettingsStore) -> [(key: String, url: String)] { urls(store[Self.self]) }
    public static func symbols(in store: VenueSettingsStore) -> [String] { symbols(store[Self.self]) }
    public static func takesOrders(in store: VenueSettingsStore) -> Bool { takesOrders(store[Self.self]) }
    public static func defaultOrderAccount(in store: VenueSettingsStore) -> String? {
        defaultOrderAccount(store[Self.self])
    }
    public static func summary(in store: VenueSettingsStore) -> [String: String] { summary(store[Self.self]) }
    public static func start(in store: VenueSettingsStore, sink: any EventSink, logger: Logger) throws
        -> StartedVenue
    {
        try start(store[Self.self], sink: sink, logger: logger)
    }
    public static func startDemo(in store: inout VenueSettingsStore, updatesPerSecond: Int, logger: Logger)
        async throws -> DemoVenue
    {
        try await startDemo(&store[Self.self], updatesPerSecond: updatesPerSecond, logger: logger)
    }
}
