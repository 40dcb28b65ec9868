public import ArgumentParser
import CommandPath
public import EventBus
public import FineryConnector
import FinerySimulator
import FineryWire
public import Logging
public import VenueBridgeCore
public import VenueConnector
public import VenueModuleKit

/// Finery Markets (`venues.finery`).
public struct FinerySettings: VenueSettings {
    public var enabled: Bool = false
    public var link = VenueLinkConfig(url: "wss://trade.finerymarkets.com/ws")
    public var account: String = "default"
    /// Venue instrument id → normalized symbol, in config order.
    public var instruments: [InstrumentMapping] = []
    public var feeds: Set<Feed> = Set(Feed.allCases)
    public var publishTicker: Bool = true
    public var cancelOnDisconnect: Bool = true
    /// From `VB_FINERY_API_KEY[_FILE]` or `api_key_file`.
    public var apiKey: String?
    /// From `VB_FINERY_API_SECRET[_FILE]` or `api_secret_file`.
    public var apiSecret: String?

    public enum Feed: String, Sendable, CaseIterable, Hashable {
        case books, instruments, orders, positions
    }

    public init() {}
}

extension VenueSettingsStore {
    public var finery: FinerySettings {
        get { self[FineryModule.self] }
        set { self[FineryModule.self] = newValue }
    }
}

/// Finery Markets in the bridge: `venues.finery`, `VB_FINERY_*`, one connector (one socket) with
/// order entry.
public enum FineryModule: VenueModule {
    public static let id: VenueID = .finery
    public static let simulatorCommand: any ParsableCommand.Type = FinerySimulatorCommand.self
    public static let clientOrderIdFormat = FineryHouseRules.clientOrderIdFormat
    public static let credentialsHint = "VB_FINERY_API_KEY and VB_FINERY_API_SECRET (or their _FILE variants)"
    public static let environmentVariables: [(name: String, meaning: String)] = [
        ("VB_FINERY_ENABLED", "venues.finery.enabled"), ("VB_FINERY_URL", "venues.finery.url"),
        ("VB_FINERY_API_KEY", "Finery API key (secret)"), ("VB_FINERY_API_KEY_FILE", "file holding the Finery API key"),
        ("VB_FINERY_API_SECRET", "Finery API secret (secret)"),
        ("VB_FINERY_API_SECRET_FILE", "file holding the Finery API secret"),
    ]

    public static func read(_ r: inout ConfigReader, into finery: inout FinerySettings) {
        r.bool("enabled", into: &finery.enabled)
        r.link(into: &finery.link)
        r.string("account", into: &finery.account)
        r.instruments(into: &finery.instruments)
        r.feeds(into: &finery.feeds)
        r.bool("publish_ticker", into: &finery.publishTicker)
        r.bool("cancel_on_disconnect", into: &finery.cancelOnDisconnect)
        r.rejectInlineSecrets(["api_key", "api_secret"], envPrefix: "VB_FINERY_")
        r.secretFile("api_key_file", into: &finery.apiKey)
        r.secretFile("api_secret_file", into: &finery.apiSecret)
    }

    public static func applyEnvironment(_ overrides: inout EnvironmentOverrides, into finery: inout FinerySettings) {
        overrides.bool("VB_FINERY_ENABLED", into: &finery.enabled)
        overrides.string("VB_FINERY_URL", into: &finery.link.url)
        overrides.secret("VB_FINERY_API_KEY", into: &finery.apiKey)
        overrides.secret("VB_FINERY_API_SECRET", into: &finery.apiSecret)
    }

    public static func validate(_ finery: FinerySettings, issues: inout [ConfigIssue]) {
        finery.link.validate(section: "venues.finery", credentials: credentialsHint, issues: &issues)
        if finery.instruments.isEmpty {
            issues.append(ConfigIssue(key: "venues.finery.instruments", problem: "must map at least one instrument"))
        }
        if finery.apiKey?.isEmpty ?? true {
            issues.append(
                ConfigIssue(
                    key: "venues.finery.api_key", problem: "missing: set VB_FINERY_API_KEY or VB_FINERY_API_KEY_FILE"))
        }
        if finery.apiSecret?.isEmpty ?? true {
            issues.append(
                ConfigIssue(
                    key: "venues.finery.api_secret",
                    problem: "missing: set VB_FINERY_API_SECRET or VB_FINERY_API_SECRET_FILE"))
        }
        if Set(finery.instruments.map(\.symbol)).count != finery.instruments.count {
            issues.append(
                ConfigIssue(key: "venues.finery.instruments", problem: "two venue instruments map to the same symbol"))
        }
    }

    public static func isEnabled(_ finery: FinerySettings) -> Bool { finery.enabled }
    public static func urls(_ finery: FinerySettings) -> [(key: String, url: String)] {
        [("venues.finery.url", finery.link.url)]
    }
    public static func symbols(_ finery: FinerySettings) -> [String] { finery.instruments.map(\.symbol) }
    public static func takesOrders(_ finery: FinerySettings) -> Bool { finery.enabled }
    /// One configured account.
    public static func defaultOrderAccount(_ finery: FinerySettings) -> String? {
        finery.account.isEmpty ? nil : finery.account
    }

    public static func summary(_ finery: FinerySettings) -> [String: String] {
        [
            "venues.finery": finery.enabled
                ? "\(VenueURL.redactingCredentials(in: finery.link.url)) \(finery.instruments.map(\.symbol))"
                : "disabled",
            "venues.finery.api_key": finery.apiKey == nil ? "(none)" : "(set)",
            "venues.finery.api_secret": finery.apiSecret == nil ? "(none)" : "(set)",
        ]
    }

    /// The loader has validated the section (instruments unique, credentials present); a config
    /// built in code without the loader gets the mapping error rather than an empty instrument list.
    public static func connectorConfiguration(_ finery: FinerySettings) throws(InstrumentMap.DuplicateMapping)
        -> FineryConnectorConfiguration
    {
        let instruments = try InstrumentMap(finery.instruments.map { ($0.venueId, $0.symbol) })
        var configuration = FineryConnectorConfiguration(
            url: finery.link.url, apiKey: finery.apiKey ?? "", apiSecret: finery.apiSecret ?? "",
            account: finery.account, instruments: instruments
        )
        configuration.link = VenueLinkSettings(finery.link)
        configuration.bindBooks = finery.feeds.contains(.books)
        configuration.bindInstruments = finery.feeds.contains(.instruments)
        configuration.bindOrders = finery.feeds.contains(.orders)
        configuration.bindPositions = finery.feeds.contains(.positions)
        configuration.publishTicker = finery.publishTicker
        configuration.cancelOnDisconnectByDefault = finery.cancelOnDisconnect
        return configuration
    }

    public static func start(_ finery: FinerySettings, sink: any EventSink, logger: Logger) throws -> StartedVenue {
        let connector = FineryConnector(configuration: try connectorConfiguration(finery), sink: sink, logger: logger)
        let account = finery.account
        let orders = CommandVenue(
            entry: connector, instruments: Set(symbols(finery)), accounts: { [account] },
            sessionState: { connector.control.state }
        )
        return StartedVenue(services: [connector.supervisor()], commandVenue: orders)
    }

    /// The real connector against the in-process simulator, with demo credentials.
    public static func startDemo(_ finery: inout FinerySettings, updatesPerSecond: Int, logger: Logger) async throws
        -> DemoVenue
    {
        let simulator = FinerySimulator(
            configuration: .init(credentials: ["demo-key": "demo-secret"], updatesPerSecond: updatesPerSecond),
            logger: Logger(label: "venue-sim.finery")
        )
        let port = try await simulator.start()
        finery.enabled = true
        finery.link.url = "ws://127.0.0.1:\(port)/ws"
        finery.apiKey = "demo-key"
        finery.apiSecret = "demo-secret"
        finery.account = "demo"
        if finery.instruments.isEmpty {
            finery.instruments = [
                .init(venueId: "BTC-USD", symbol: "BTC-USD"), .init(venueId: "ETH-USD", symbol: "ETH-USD"),
            ]
        }
        return DemoVenue(
            venue: id, banner: "Finery simulator: \(finery.link.url)",
            sampleInstrument: finery.instruments.first?.symbol,
            stop: { await simulator.stop() })
    }
}
