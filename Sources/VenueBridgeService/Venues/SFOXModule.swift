import CommandPath
import EventBus
import Logging
import SFOXConnector
import SFOXSimulator
import SFOXWire
import VenueBridgeCore
import VenueConnector

extension BridgeConfig {
    /// sFOX (`venues.sfox`). Public market data needs no key; private feeds and orders do.
    public struct SFOX: Sendable, Equatable {
        public var enabled: Bool = false
        public var link: VenueLink = {
            var link = VenueLink()
            link.url = "wss://ws.sfox.com/ws"
            link.pingIntervalMs = 30_000
            link.deadLinkTimeoutMs = 60_000
            return link
        }()
        public var restURL: String = "https://api.sfox.com/v1"
        public var account: String = "default"
        /// sFOX pair (`btcusd`) → normalized symbol, in config order.
        public var instruments: [InstrumentMapping] = []
        public var feeds: Set<SFOXFeed> = Set(SFOXFeed.allCases)
        /// `orderbook.net.<pair>` (fee-adjusted) instead of `orderbook.sfox.<pair>`.
        public var netPriceBooks: Bool = false
        public var publishTicker: Bool = true
        public var enterprise: Bool = false
        /// From `VB_SFOX_API_KEY[_FILE]` or `api_key_file`. Without it: market data only.
        public var apiKey: String?
    }

    public enum SFOXFeed: String, Sendable, CaseIterable, Hashable {
        case books, trades, ticker, account
    }
}

/// sFOX in the service: `venues.sfox`, `VB_SFOX_*`, two sockets (market data; account when a key
/// is set) and REST order entry.
enum SFOXModule: VenueModule {
    static let id: VenueID = .sfox
    static let clientOrderIdFormat = SFOXHouseRules.clientOrderIdFormat
    static let credentialsHint = "VB_SFOX_API_KEY or VB_SFOX_API_KEY_FILE"
    static let environmentVariables: [(name: String, meaning: String)] = [
        ("VB_SFOX_ENABLED", "venues.sfox.enabled"), ("VB_SFOX_URL", "venues.sfox.url"),
        ("VB_SFOX_REST_URL", "venues.sfox.rest_url"),
        ("VB_SFOX_API_KEY", "sFOX API key (secret)"), ("VB_SFOX_API_KEY_FILE", "file holding the sFOX API key"),
    ]

    static func read(_ r: inout ConfigReader, loader: ConfigLoader, into config: inout BridgeConfig) {
        var sfox = config.venues.sfox
        r.bool("enabled", into: &sfox.enabled)
        loader.readLink(&r, into: &sfox.link)
        r.string("rest_url", into: &sfox.restURL)
        r.string("account", into: &sfox.account)
        loader.readInstruments(&r, into: &sfox.instruments)
        loader.readFeeds(&r, into: &sfox.feeds)
        r.bool("net_price_books", into: &sfox.netPriceBooks)
        r.bool("publish_ticker", into: &sfox.publishTicker)
        r.bool("enterprise", into: &sfox.enterprise)
        loader.rejectInlineSecrets(&r, ["api_key"], envPrefix: "VB_SFOX_")
        loader.readSecretFile(&r, "api_key_file", into: &sfox.apiKey)
        config.venues.sfox = sfox
    }

    static func applyEnvironment(_ overrides: inout EnvironmentOverrides, into config: inout BridgeConfig) {
        overrides.bool("VB_SFOX_ENABLED", into: &config.venues.sfox.enabled)
        overrides.string("VB_SFOX_URL", into: &config.venues.sfox.link.url)
        overrides.string("VB_SFOX_REST_URL", into: &config.venues.sfox.restURL)
        overrides.secret("VB_SFOX_API_KEY", into: &config.venues.sfox.apiKey)
    }

    static func validate(_ config: BridgeConfig, loader: ConfigLoader, issues: inout [ConfigIssue]) {
        let sfox = config.venues.sfox
        loader.validate(sfox.link, section: "venues.sfox", credentials: credentialsHint, issues: &issues)
        switch ConfigLoader.urlProblem(sfox.restURL, schemes: VenueURL.httpSchemes) {
        case nil: break
        case .credentials?:
            issues.append(ConfigLoader.credentialsIssue(key: "venues.sfox.rest_url", from: credentialsHint))
        case let problem?:
            issues.append(ConfigIssue(key: "venues.sfox.rest_url", problem: "\(problem) (the REST base including /v1)"))
        }
        if sfox.instruments.isEmpty {
            issues.append(ConfigIssue(key: "venues.sfox.instruments", problem: "must map at least one pair"))
        }
        if Set(sfox.instruments.map(\.symbol)).count != sfox.instruments.count {
            issues.append(ConfigIssue(key: "venues.sfox.instruments", problem: "two pairs map to the same symbol"))
        }
        if sfox.feeds.contains(.account), sfox.apiKey?.isEmpty ?? true {
            issues.append(
                ConfigIssue(
                    key: "venues.sfox.api_key",
                    problem:
                        "missing: the account feed and order entry need VB_SFOX_API_KEY or VB_SFOX_API_KEY_FILE (or drop `account` from feeds)"
                ))
        }
    }

    static func isEnabled(_ config: BridgeConfig) -> Bool { config.venues.sfox.enabled }
    static func urls(_ config: BridgeConfig) -> [(key: String, url: String)] {
        [("venues.sfox.url", config.venues.sfox.link.url), ("venues.sfox.rest_url", config.venues.sfox.restURL)]
    }
    static func symbols(_ config: BridgeConfig) -> [String] { config.venues.sfox.instruments.map(\.symbol) }
    /// Order entry needs the private session: the account feed and an API key.
    static func takesOrders(_ config: BridgeConfig) -> Bool {
        config.venues.sfox.enabled && config.venues.sfox.feeds.contains(.account) && config.venues.sfox.apiKey != nil
    }

    static func summary(_ config: BridgeConfig) -> [String: String] {
        let sfox = config.venues.sfox
        let url = VenueURL.redactingCredentials(in:)
        return [
            "venues.sfox": sfox.enabled
                ? "\(url(sfox.link.url)) \(url(sfox.restURL)) \(sfox.instruments.map(\.symbol))" : "disabled",
            "venues.sfox.api_key": sfox.apiKey == nil ? "(none)" : "(set)",
        ]
    }

    /// The loader has validated the section (pairs unique, a key when the account feed is on); a
    /// config built in code without the loader gets the mapping error.
    static func connectorConfiguration(_ sfox: BridgeConfig.SFOX) throws(InstrumentMap.DuplicateMapping)
        -> SFOXConnectorConfiguration
    {
        let instruments = try InstrumentMap(sfox.instruments.map { ($0.venueId, $0.symbol) })
        let apiKey = sfox.feeds.contains(.account) ? sfox.apiKey : nil
        var configuration = SFOXConnectorConfiguration(
            url: sfox.link.url, restBaseURL: sfox.restURL, apiKey: apiKey, account: sfox.account,
            instruments: instruments)
        configuration.marketDataLink = VenueLinkSettings(sfox.link)
        configuration.privateLink = VenueLinkSettings(sfox.link)
        configuration.subscribeBooks = sfox.feeds.contains(.books)
        configuration.subscribeTrades = sfox.feeds.contains(.trades)
        configuration.subscribeTicker = sfox.feeds.contains(.ticker)
        configuration.netPriceBooks = sfox.netPriceBooks
        configuration.publishTopOfBookTicker = sfox.publishTicker
        configuration.enterprise = sfox.enterprise
        return configuration
    }

    static func start(_ config: BridgeConfig, sink: any EventSink, logger: Logger) throws -> StartedVenue {
        let connector = try SFOXConnector(
            configuration: connectorConfiguration(config.venues.sfox), sink: sink, logger: logger)
        var orders: CommandVenue?
        if let control = connector.privateControl {
            let account = config.venues.sfox.account
            orders = CommandVenue(
                entry: connector, instruments: Set(symbols(config)), accounts: { [account] },
                sessionState: { control.state }
            )
        }
        return StartedVenue(services: [connector], commandVenue: orders)
    }

    /// Both sockets and REST against the in-process simulator (WebSocket and REST on one port).
    static func startDemo(_ config: inout BridgeConfig, updatesPerSecond: Int, logger: Logger) async throws -> DemoVenue
    {
        var simulatorConfiguration = SFOXSimulatorConfiguration(apiKeys: ["demo-key"])
        simulatorConfiguration.updatesPerSecond = updatesPerSecond
        let simulator = SFOXSimulator(configuration: simulatorConfiguration, logger: Logger(label: "venue-sim.sfox"))
        let port = try await simulator.start()
        config.venues.sfox.enabled = true
        config.venues.sfox.link.url = "ws://127.0.0.1:\(port)/ws"
        config.venues.sfox.restURL = "http://127.0.0.1:\(port)/v1"
        config.venues.sfox.apiKey = "demo-key"
        config.venues.sfox.account = "demo"
        if config.venues.sfox.instruments.isEmpty {
            config.venues.sfox.instruments = [
                .init(venueId: "btcusd", symbol: "BTC-USD"), .init(venueId: "ethusd", symbol: "ETH-USD"),
            ]
        }
        return DemoVenue(
            banner: "sFOX simulator: \(config.venues.sfox.link.url) and \(config.venues.sfox.restURL)",
            stop: { await simulator.stop() })
    }
}
