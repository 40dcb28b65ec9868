import CommandPath
import EventBus
import FineryConnector
import FinerySimulator
import FineryWire
import Logging
import VenueBridgeCore
import VenueConnector

extension BridgeConfig {
    /// Finery Markets (`venues.finery`).
    public struct Finery: Sendable, Equatable {
        public var enabled: Bool = false
        public var link: VenueLink = {
            var link = VenueLink()
            link.url = "wss://trade.finerymarkets.com/ws"
            return link
        }()
        public var account: String = "default"
        /// Venue instrument id → normalized symbol, in config order.
        public var instruments: [InstrumentMapping] = []
        public var feeds: Set<FineryFeed> = Set(FineryFeed.allCases)
        public var publishTicker: Bool = true
        public var cancelOnDisconnect: Bool = true
        /// From `VB_FINERY_API_KEY[_FILE]` or `api_key_file`.
        public var apiKey: String?
        /// From `VB_FINERY_API_SECRET[_FILE]` or `api_secret_file`.
        public var apiSecret: String?
    }

    public enum FineryFeed: String, Sendable, CaseIterable, Hashable {
        case books, instruments, orders, positions
    }
}

/// Finery Markets in the service: `venues.finery`, `VB_FINERY_*`, one connector (one socket) with
/// order entry.
enum FineryModule: VenueModule {
    static let id: VenueID = .finery
    static let clientOrderIdFormat = FineryHouseRules.clientOrderIdFormat
    static let credentialsHint = "VB_FINERY_API_KEY and VB_FINERY_API_SECRET (or their _FILE variants)"
    static let environmentVariables: [(name: String, meaning: String)] = [
        ("VB_FINERY_ENABLED", "venues.finery.enabled"), ("VB_FINERY_URL", "venues.finery.url"),
        ("VB_FINERY_API_KEY", "Finery API key (secret)"), ("VB_FINERY_API_KEY_FILE", "file holding the Finery API key"),
        ("VB_FINERY_API_SECRET", "Finery API secret (secret)"),
        ("VB_FINERY_API_SECRET_FILE", "file holding the Finery API secret"),
    ]

    static func read(_ r: inout ConfigReader, loader: ConfigLoader, into config: inout BridgeConfig) {
        var finery = config.venues.finery
        r.bool("enabled", into: &finery.enabled)
        loader.readLink(&r, into: &finery.link)
        r.string("account", into: &finery.account)
        loader.readInstruments(&r, into: &finery.instruments)
        loader.readFeeds(&r, into: &finery.feeds)
        r.bool("publish_ticker", into: &finery.publishTicker)
        r.bool("cancel_on_disconnect", into: &finery.cancelOnDisconnect)
        loader.rejectInlineSecrets(&r, ["api_key", "api_secret"], envPrefix: "VB_FINERY_")
        loader.readSecretFile(&r, "api_key_file", into: &finery.apiKey)
        loader.readSecretFile(&r, "api_secret_file", into: &finery.apiSecret)
        config.venues.finery = finery
    }

    static func applyEnvironment(_ overrides: inout EnvironmentOverrides, into config: inout BridgeConfig) {
        overrides.bool("VB_FINERY_ENABLED", into: &config.venues.finery.enabled)
        overrides.string("VB_FINERY_URL", into: &config.venues.finery.link.url)
        overrides.secret("VB_FINERY_API_KEY", into: &config.venues.finery.apiKey)
        overrides.secret("VB_FINERY_API_SECRET", into: &config.venues.finery.apiSecret)
    }

    static func validate(_ config: BridgeConfig, loader: ConfigLoader, issues: inout [ConfigIssue]) {
        let finery = config.venues.finery
        loader.validate(finery.link, section: "venues.finery", credentials: credentialsHint, issues: &issues)
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

    static func isEnabled(_ config: BridgeConfig) -> Bool { config.venues.finery.enabled }
    static func urls(_ config: BridgeConfig) -> [(key: String, url: String)] {
        [("venues.finery.url", config.venues.finery.link.url)]
    }
    static func symbols(_ config: BridgeConfig) -> [String] { config.venues.finery.instruments.map(\.symbol) }
    static func takesOrders(_ config: BridgeConfig) -> Bool { config.venues.finery.enabled }

    static func summary(_ config: BridgeConfig) -> [String: String] {
        let finery = config.venues.finery
        return [
            "venues.finery": finery.enabled
                ? "\(VenueURL.redactingCredentials(in: finery.link.url)) \(finery.instruments.map(\.symbol))"
                : "disabled",
            "venues.finery.api_key": finery.apiKey == nil ? "(none)" : "(set)",
            "venues.finery.api_secret": finery.apiSecret == nil ? "(none)" : "(set)",
        ]
    }

    /// The loader has validated the section (instruments unique, credentials present); a config
    /// built in code without the loader gets the mapping error rather than an empty instrument list.
    static func connectorConfiguration(_ finery: BridgeConfig.Finery) throws(InstrumentMap.DuplicateMapping)
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

    static func start(_ config: BridgeConfig, sink: any EventSink, logger: Logger) throws -> StartedVenue {
        let connector = FineryConnector(
            configuration: try connectorConfiguration(config.venues.finery), sink: sink, logger: logger)
        let account = config.venues.finery.account
        let orders = CommandVenue(
            entry: connector, instruments: Set(symbols(config)), accounts: { [account] },
            sessionState: { connector.control.state }
        )
        return StartedVenue(services: [connector.supervisor()], commandVenue: orders)
    }

    /// The real connector against the in-process simulator, with demo credentials.
    static func startDemo(_ config: inout BridgeConfig, updatesPerSecond: Int, logger: Logger) async throws -> DemoVenue
    {
        let simulator = FinerySimulator(
            configuration: .init(credentials: ["demo-key": "demo-secret"], updatesPerSecond: updatesPerSecond),
            logger: Logger(label: "venue-sim.finery")
        )
        let port = try await simulator.start()
        config.venues.finery.enabled = true
        config.venues.finery.link.url = "ws://127.0.0.1:\(port)/ws"
        config.venues.finery.apiKey = "demo-key"
        config.venues.finery.apiSecret = "demo-secret"
        config.venues.finery.account = "demo"
        if config.venues.finery.instruments.isEmpty {
            config.venues.finery.instruments = [
                .init(venueId: "BTC-USD", symbol: "BTC-USD"), .init(venueId: "ETH-USD", symbol: "ETH-USD"),
            ]
        }
        return DemoVenue(banner: "Finery simulator: \(config.venues.finery.link.url)", stop: { await simulator.stop() })
    }
}
