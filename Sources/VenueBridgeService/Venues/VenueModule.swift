import CommandPath
import EventBus
public import Logging
import ServiceLifecycle
public import VenueBridgeCore
import VenueConnector

/// One venue as the service wires it: its `venues.<id>` YAML keys, its `VB_<ID>_*` variables, its
/// validation, its lines in the printed config, and what runs when it is enabled (its services,
/// its order entry for the command path). Before this, each of those lived in a shared file with a
/// case per venue; now the loader, the summary, the runtime and the command path loop over
/// `VenueModules.all`, and a venue's service-side code is one file (`<Venue>Module.swift`).
///
/// The settings themselves stay typed (`BridgeConfig.Finery`, …, declared in the module's file),
/// held in `BridgeConfig.Venues`.
protocol VenueModule: SendableMetatype {
    static var id: VenueID { get }
    /// Where the venue's credentials come from, for the error refusing them in a URL.
    static var credentialsHint: String { get }
    /// How it spells client order ids (its house rules), for the CLI that derives them without a
    /// connector; its order entry says the same to the command path.
    static var clientOrderIdFormat: ClientOrderIdFormat { get }
    /// Its `VB_<ID>_*` variables, for docs and `check-config`.
    static var environmentVariables: [(name: String, meaning: String)] { get }

    /// Reads the `venues.<id>` section.
    static func read(_ r: inout ConfigReader, loader: ConfigLoader, into config: inout BridgeConfig)
    /// Applies the `VB_<ID>_*` variables (after the YAML file, before validation).
    static func applyEnvironment(_ overrides: inout EnvironmentOverrides, into config: inout BridgeConfig)
    /// Reports every problem of an enabled section, with its key path.
    static func validate(_ config: BridgeConfig, loader: ConfigLoader, issues: inout [ConfigIssue])

    static func isEnabled(_ config: BridgeConfig) -> Bool
    /// Every URL of the section with its key: one carrying credentials is refused even while the
    /// venue is disabled (it would be dialled the day the venue is enabled).
    static func urls(_ config: BridgeConfig) -> [(key: String, url: String)]
    /// Normalized symbols it is configured for (command limits are checked against them).
    static func symbols(_ config: BridgeConfig) -> [String]
    /// Whether it takes orders as configured: the command consumer runs when one does.
    static func takesOrders(_ config: BridgeConfig) -> Bool
    /// Its lines of the printed config, secrets as `(set)` / `(none)`.
    static func summary(_ config: BridgeConfig) -> [String: String]

    /// Builds the enabled venue: what runs, and its order entry for the command path (nil when it
    /// takes no orders as configured).
    static func start(_ config: BridgeConfig, sink: any EventSink, logger: Logger) throws -> StartedVenue

    /// The demo: starts the venue's simulator on a free loopback port and points the section at
    /// it (enabled, the simulator's credentials). `updatesPerSecond`: the simulator's pace.
    static func startDemo(_ config: inout BridgeConfig, updatesPerSecond: Int, logger: Logger) async throws -> DemoVenue
}

/// One venue's simulator, started for `venue-bridge demo`.
public struct DemoVenue: Sendable {
    /// The banner line naming where the simulator listens.
    public var banner: String
    public var stop: @Sendable () async -> Void
}

/// `venue-bridge demo`'s venues: every venue's simulator, with the real connector pointed at it.
public enum DemoVenues {
    /// Starts every venue's simulator and points its section of `config` at it. `updatesPerSecond`
    /// sets a simulator's pace by venue (missing: 10).
    public static func start(_ config: inout BridgeConfig, updatesPerSecond: [VenueID: Int], logger: Logger)
        async throws -> [DemoVenue]
    {
        var started: [DemoVenue] = []
        for module in VenueModules.all {
            started.append(
                try await module.startDemo(&config, updatesPerSecond: updatesPerSecond[module.id] ?? 10, logger: logger)
            )
        }
        return started
    }
}

/// An enabled venue, built.
struct StartedVenue: Sendable {
    /// Run for the bridge's lifetime; any of them ending stops the bridge.
    var services: [any Service]
    var commandVenue: CommandVenue?

    init(services: [any Service], commandVenue: CommandVenue?) {
        self.services = services
        self.commandVenue = commandVenue
    }
}

/// The venues this build of the bridge knows, in the order they are read, printed and started.
/// Adding a venue: its module file, one line here, its settings in `BridgeConfig.Venues`.
public enum VenueModules {
    static let all: [any VenueModule.Type] = [FineryModule.self, SFOXModule.self, T4Module.self]

    static func module(for venue: VenueID) -> (any VenueModule.Type)? {
        all.first { $0.id == venue }
    }

    /// The venue's client order id format; the standard one for a venue this build does not know
    /// (its commands are refused as `UNKNOWN_VENUE` anyway).
    public static func clientOrderIdFormat(for venue: VenueID) -> ClientOrderIdFormat {
        module(for: venue)?.clientOrderIdFormat ?? .standard
    }
}

/// `VB_*` variables applied one by one, with every problem collected under `env NAME`.
struct EnvironmentOverrides {
    let environment: [String: String]
    let loader: ConfigLoader
    var issues: [ConfigIssue] = []

    /// `apply` sets the value and returns nil, or returns what is wrong with it.
    mutating func value(_ name: String, _ apply: (String) -> String?) {
        guard let value = environment[name] else { return }
        if let problem = apply(value) { issues.append(ConfigIssue(key: "env \(name)", problem: problem)) }
    }

    mutating func bool(_ name: String, into target: inout Bool) {
        value(name) { v in
            ConfigLoader.parseBool(v).map {
                target = $0
                return nil
            } ?? "must be true or false"
        }
    }

    mutating func string(_ name: String, into target: inout String) {
        value(name) { v in
            target = v
            return nil
        }
    }

    mutating func optionalString(_ name: String, into target: inout String?) {
        value(name) { v in
            target = v
            return nil
        }
    }

    /// `NAME` and `NAME_FILE`; the file wins, being how secrets are mounted in production.
    mutating func secret(_ name: String, into target: inout String?) {
        value(name) { v in
            target = v
            return nil
        }
        guard let file = environment[name + "_FILE"] else { return }
        target = loader.readSecret(file: file, key: "env \(name)_FILE", issues: &issues)
    }
}

extension VenueLinkSettings {
    /// The shared `venues.<id>.*` link keys as the connector runtime takes them.
    init(_ link: BridgeConfig.VenueLink) {
        self.init(url: link.url)
        tlsVerify = link.tlsVerify
        caFile = link.caFile
        tlsServerName = link.tlsServerName
        maxFrameSize = link.maxFrameBytes
        pingInterval = .milliseconds(link.pingIntervalMs)
        deadLinkTimeout = .milliseconds(link.deadLinkTimeoutMs)
        connectTimeout = .milliseconds(link.connectTimeoutMs)
        requestTimeout = .milliseconds(link.requestTimeoutMs)
        reconnect.initialDelay = .milliseconds(link.reconnectInitialMs)
        reconnect.maxDelay = .milliseconds(link.reconnectMaxMs)
        reconnect.maxAttempts = link.reconnectMaxAttempts == 0 ? nil : link.reconnectMaxAttempts
    }
}
