public import ArgumentParser
import CommandPath
public import EventBus
public import Logging
public import SFOXConnector
import SFOXSimulator
import SFOXWire
public import VenueBridgeCore
public import VenueConnector
public import VenueModuleKit

/// sFOX (`venues.sfox`). Public market data needs no key; private feeds and orders do.
public struct SFOXSettings: VenueSettings {
    public var enabled: Bool = false
    /// Keep-alive at the house rules' 30 s ping, dead after 60 s of silence.
    public var link = VenueLinkConfig(url: "wss://ws.sfox.com/ws", pingIntervalMs: 30_000, deadLinkTimeoutMs: 60_000)
    public var restURL: String = "https://api.sfox.com/v1"
    public var account: String = "default"
    /// sFOX pair (`btcusd`) → normalized symbol, in config order.
    public var instruments: [InstrumentMapping] = []
    public var feeds: Set<Feed> = Set(Feed.allCases)
    /// `orderbook.net.<pair>` (fee-adjusted) instead of `orderbook.sfox.<pair>`.
    public var netPriceBooks: Bool = false
    public var publishTicker: Bool = true
    public var enterprise: Bool = false
    /// From `VB_SFOX_API_KEY[_FILE]` or `api_key_file`. Without it: market data only.
    public var apiKey: String?

    public enum Feed: String, Sendable, CaseIterable, Hashable {
        case books, trades, ticker, account
    }

    public init() {}
}

extension VenueSettingsStore {
    public var sfox: SFOXSettings {
        get { self[SFOXModule.self] }
        set { self[SFOXModule.self] = newValue }
    }
}

/// sFOX in the bridge: `venues.sfox`, `VB_SFOX_*`, two sockets (market data; account when a key
/// is set) and REST order entry.
public enum SFOXModule: VenueModule {
    public static let id: VenueID = .sfox
    public static let simulatorCommand: any ParsableCommand.Type = SFOXSimulatorCommand.self
    public static let clientOrderIdFormat = SFOXHouseRules.clientOrderIdFormat
    public static let credentialsHint = "VB_SFOX_API_KEY or VB_SFOX_API_KEY_FILE"
    public static let environmentVariables: [(name: String, meaning: String)] = [
        ("VB_SFOX_ENABLED", "venues.sfox.enabled"), ("VB_SFOX_URL", "venues.sfox.url"),
        ("VB_SFOX_REST_URL", "venues.sfox.rest_url"),
        ("VB_SFOX_API_KEY", "sFOX API key (secret)"), ("VB_SFOX_API_KEY_FILE", "file holding the sFOX API key"),
    ]

    public static func read(_ r: inout ConfigReader, into sfox: inout SFOXSettings) {
        r.bool("enabled", into: &sfox.enabled)
        r.link(into: &sfox.link)
        r.string("rest_url", into: &sfox.restURL)
        r.string("account", into: &sfox.account)
        r.instruments(into: &sfox.instruments)
        r.feeds(into: &sfox.feeds)
        r.bool("net_price_books", into: &sfox.netPriceBooks)
        r.bool("publish_ticker", into: &sfox.publishTicker)
        r.bool("enterprise", into: &sfox.enterprise)
        r.rejectInlineSecrets(["api_key"], envPrefix: "VB_SFOX_")
        r.secretFile("api_key_file", into: &sfox.apiKey)
    }

    public static func applyEnvironment(_ overrides: inout EnvironmentOverrides, into sfox: inout SFOXSettings) {
        overrides.bool("VB_SFOX_ENABLED", into: &sfox.enabled)
        overrides.string("VB_SFOX_URL", into: &sfox.link.url)
        overrides.string("VB_SFOX_REST_URL", into: &sfox.restURL)
        overrides.secret("VB_SFOX_API_KEY", into: &sfox.apiKey)
    }

    public static func validate(_ sfox: SFOXSettings, issues: inout [ConfigIssue]) {
        sfox.link.validate(section: "venues.sfox", credentials: credentialsHint, issues: &issues)
        switch VenueConfigChecks.urlProblem(sfox.restURL, schemes: VenueURL.httpSchemes) {
        case nil: break
        case .credentials?:
            issues.append(VenueConfigChecks.credentialsIssue(key: "venues.sfox.rest_url", from: credentialsHint))
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

    public static func isEnabled(_ sfox: SFOXSettings) -> Bool { sfox.enabled }
    public static func urls(_ sfox: SFOXSettings) -> [(key: String, url: String)] {
        [("venues.sfox.url", sfox.link.url), ("venues.sfox.rest_url", sfox.restURL)]
    }
    public static func symbols(_ sfox: SFOXSettings) -> [String] { sfox.instruments.map(\.symbol) }
    /// Order entry needs the private session: the account feed and an API key.
    public static func takesOrders(_ sfox: SFOXSettings) -> Bool {
        sfox.enabled && sfox.feeds.contains(.account) && sfox.apiKey != nil
    }
    /// One configured account.
    public static func defaultOrderAccount(_ sfox: SFOXSettings) -> String? {
        sfox.account.isEmpty ? nil : sfox.account
    }

    public static func summary(_ sfox: SFOXSettings) -> [String: String] {
        let url = VenueURL.redactingCredentials(in:)
        return [
            "venues.sfox": sfox.enabled
                ? "\(url(sfox.link.url)) \(url(sfox.restURL)) \(sfox.instruments.map(\.symbol))" : "disabled",
            "venues.sfox.api_key": sfox.apiKey == nil ? "(none)" : "(set)",
        ]
    }

    /// The loader has validated the section (pairs unique, a key when the account feed is on); a
    /// config built in code without the loader gets the mapping error.
    public static func connectorConfiguration(_ sfox: SFOXSettings) throws(InstrumentMap.DuplicateMapping)
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

    public static func start(_ sfox: SFOXSettings, sink: any EventSink, logger: Logger) throws -> StartedVenue {
        let connector = try SFOXConnector(
            configuration: connectorConfiguration(sfox), sink: sink, logger: logger)
        var orders: CommandVenue?
        if let control = connector.privateControl {
            let account = sfox.account
            orders = CommandVenue(
                entry: connector, instruments: Set(symbols(sfox)), accounts: { [account] },
                sessionState: { control.state }
            )
        }
        return StartedVenue(services: [connector], commandVenue: orders)
    }

    /// Both sockets and REST against the in-process simulator (WebSocket and REST on one port).
    public static func startDemo(_ sfox: inout SFOXSettings, updatesPerSecond: Int, logger: Logger) async throws
        -> DemoVenue
    {
        var simulatorConfiguration = SFOXSimulatorConfiguration(apiKeys: ["demo-key"])
        simulatorConfiguration.updatesPerSecond = updatesPerSecond
        let simulator = SFOXSimulator(configuration: simulatorConfiguration, logger: Logger(label: "venue-sim.sfox"))
        let port = try await simulator.start()
        sfox.enabled = true
        sfox.link.url = "ws://127.0.0.1:\(port)/ws"
        sfox.restURL = "http://127.0.0.1:\(port)/v1"
        sfox.apiKey = "demo-key"
        sfox.account = "demo"
        if sfox.instruments.isEmpty {
            sfox.instruments = [
                .init(venueId: "btcusd", symbol: "BTC-USD"), .init(venueId: "ethusd", symbol: "ETH-USD"),
            ]
        }
        return DemoVenue(
            venue: id, banner: "sFOX simulator: \(sfox.link.url) and \(sfox.restURL)",
            sampleInstrument: sfox.instruments.first?.symbol,
            sendOrderArguments:
                "--venue sfox --account \(sfox.account) --instrument BTC-USD --side buy --qty 0.01 --price 43000",
            stop: { await simulator.stop() })
    }
}
