public import ArgumentParser
import CommandPath
public import EventBus
public import FigConnector
import FigSimulator
import FigWire
public import Logging
public import VenueBridgeCore
import VenueConnector
public import VenueModuleKit

/// Fig Markets (`venues.fig`): RFQs and quotes as the firm's taker, and RFQ commands.
public struct FigSettings: VenueSettings {
    public var enabled: Bool = false
    /// The JSON-RPC socket; the venue's own keep-alive is the heartbeat call (every 25 s).
    public var link = VenueLinkConfig(url: "wss://ws.figmarkets.com", pingIntervalMs: 30_000, deadLinkTimeoutMs: 60_000)
    /// The REST origin; paths carry `/v1`.
    public var restURL: String = "https://api.figmarkets.com"
    public var account: String = "default"
    public var clientID: String?
    /// From `VB_FIG_CLIENT_SECRET[_FILE]` or `client_secret_file`: signs every call, never logged.
    public var clientSecret: String?
    /// `[{symbol, instrument_id, base_currency, quote_currency}]`.
    public var instruments: [FigConnectorConfiguration.Instrument] = []
    /// Beyond the taker's channels, e.g. `rfq.maker` (RFQs the firm may quote, as market data).
    public var extraChannels: [String] = []
    public var loginRetryDelayMs: Int = 30_000

    public init() {}
}

extension VenueSettingsStore {
    public var fig: FigSettings {
        get { self[FigModule.self] }
        set { self[FigModule.self] = newValue }
    }
}

/// Fig in the bridge: `venues.fig`, `VB_FIG_*`, one JSON-RPC socket and signed REST.
public enum FigModule: VenueModule {
    public static let id: VenueID = .fig
    public static let simulatorCommand: any ParsableCommand.Type = FigSimulatorCommand.self
    public static let clientOrderIdFormat = FigHouseRules.clientOrderIdFormat
    public static let credentialsHint = "VB_FIG_CLIENT_ID and VB_FIG_CLIENT_SECRET (or VB_FIG_CLIENT_SECRET_FILE)"
    public static let environmentVariables: [(name: String, meaning: String)] = [
        ("VB_FIG_ENABLED", "venues.fig.enabled"), ("VB_FIG_URL", "venues.fig.url"),
        ("VB_FIG_REST_URL", "venues.fig.rest_url"), ("VB_FIG_CLIENT_ID", "venues.fig.client_id"),
        ("VB_FIG_CLIENT_SECRET", "Fig client secret (secret)"),
        ("VB_FIG_CLIENT_SECRET_FILE", "file holding the Fig client secret"),
    ]

    static let allowedChannels: Set<String> = ["rfq.maker", "rfq_quote.maker"]

    public static func read(_ r: inout ConfigReader, into fig: inout FigSettings) {
        r.bool("enabled", into: &fig.enabled)
        r.link(into: &fig.link)
        r.string("rest_url", into: &fig.restURL)
        r.string("account", into: &fig.account)
        r.optionalString("client_id", into: &fig.clientID)
        r.stringList("extra_channels", into: &fig.extraChannels)
        r.int("login_retry_delay_ms", in: 1_000...3_600_000, into: &fig.loginRetryDelayMs)
        var instruments: [FigConnectorConfiguration.Instrument] = []
        var seen: [String: String] = [:]
        r.mappingList("instruments") { m in
            var symbol = ""
            var id = 0
            var base = ""
            var quote = ""
            m.string("symbol", into: &symbol)
            m.int("instrument_id", in: 1...Int(Int32.max), into: &id)
            m.string("base_currency", into: &base)
            m.string("quote_currency", into: &quote)
            for (key, value) in [("symbol", symbol), ("base_currency", base), ("quote_currency", quote)]
            where value.isEmpty {
                m.issues.append(ConfigIssue(key: m.keyPath(key), problem: "must be set (not empty)"))
            }
            if id == 0 { m.issues.append(ConfigIssue(key: m.keyPath("instrument_id"), problem: "must be set")) }
            if let first = seen[symbol], !symbol.isEmpty {
                m.issues.append(
                    ConfigIssue(key: m.keyPath("symbol"), problem: "'\(symbol)' is already used by \(first)"))
            }
            seen[symbol] = m.keyPath("symbol")
            instruments.append(
                .init(symbol: symbol, instrumentId: Int64(id), baseCurrency: base, quoteCurrency: quote))
        }
        if r.has("instruments") { fig.instruments = instruments }
        r.rejectInlineSecrets(["client_secret"], envPrefix: "VB_FIG_")
        r.secretFile("client_secret_file", into: &fig.clientSecret)
    }

    public static func applyEnvironment(_ overrides: inout EnvironmentOverrides, into fig: inout FigSettings) {
        overrides.bool("VB_FIG_ENABLED", into: &fig.enabled)
        overrides.string("VB_FIG_URL", into: &fig.link.url)
        overrides.string("VB_FIG_REST_URL", into: &fig.restURL)
        overrides.optionalString("VB_FIG_CLIENT_ID", into: &fig.clientID)
        overrides.secret("VB_FIG_CLIENT_SECRET", into: &fig.clientSecret)
    }

    public static func validate(_ fig: FigSettings, issues: inout [ConfigIssue]) {
        fig.link.validate(section: "venues.fig", credentials: credentialsHint, issues: &issues)
        switch VenueConfigChecks.urlProblem(fig.restURL, schemes: VenueURL.httpSchemes) {
        case nil: break
        case .credentials?:
            issues.append(VenueConfigChecks.credentialsIssue(key: "venues.fig.rest_url", from: credentialsHint))
        case let problem?:
            issues.append(
                ConfigIssue(key: "venues.fig.rest_url", problem: "\(problem) (the REST origin; paths carry /v1)"))
        }
        if fig.instruments.isEmpty {
            issues.append(ConfigIssue(key: "venues.fig.instruments", problem: "must name at least one instrument"))
        }
        if fig.clientID?.isEmpty ?? true {
            issues.append(
                ConfigIssue(key: "venues.fig.client_id", problem: "missing: set client_id or VB_FIG_CLIENT_ID"))
        }
        if fig.clientSecret?.isEmpty ?? true {
            issues.append(
                ConfigIssue(
                    key: "venues.fig.client_secret",
                    problem: "missing: set VB_FIG_CLIENT_SECRET or VB_FIG_CLIENT_SECRET_FILE"))
        }
        for channel in fig.extraChannels where !allowedChannels.contains(channel) {
            issues.append(
                ConfigIssue(
                    key: "venues.fig.extra_channels",
                    problem: "'\(channel)' is not one of \(allowedChannels.sorted().joined(separator: ", "))"))
        }
    }

    public static func isEnabled(_ fig: FigSettings) -> Bool { fig.enabled }
    public static func urls(_ fig: FigSettings) -> [(key: String, url: String)] {
        [("venues.fig.url", fig.link.url), ("venues.fig.rest_url", fig.restURL)]
    }
    public static func symbols(_ fig: FigSettings) -> [String] { fig.instruments.map(\.symbol) }
    public static func takesOrders(_ fig: FigSettings) -> Bool { fig.enabled }
    public static func defaultOrderAccount(_ fig: FigSettings) -> String? { fig.account }

    public static func summary(_ fig: FigSettings) -> [String: String] {
        [
            "venues.fig": fig.enabled
                ? "\(VenueURL.redactingCredentials(in: fig.link.url)) \(VenueURL.redactingCredentials(in: fig.restURL)) \(symbols(fig))"
                : "disabled",
            "venues.fig.client_secret": fig.clientSecret == nil ? "(none)" : "(set)",
        ]
    }

    public static func connectorConfiguration(_ fig: FigSettings) -> FigConnectorConfiguration {
        var configuration = FigConnectorConfiguration(
            wsURL: fig.link.url, restURL: fig.restURL, clientId: fig.clientID ?? "",
            clientSecret: fig.clientSecret ?? "",
            account: fig.account, instruments: fig.instruments)
        configuration.link = VenueLinkSettings(fig.link)
        configuration.extraChannels = fig.extraChannels
        configuration.loginRetryDelay = .milliseconds(fig.loginRetryDelayMs)
        return configuration
    }

    public static func start(_ fig: FigSettings, sink: any EventSink, logger: Logger) throws -> StartedVenue {
        let connector = FigConnector(configuration: connectorConfiguration(fig), sink: sink, logger: logger)
        let account = fig.account
        let entry = CommandVenue(
            entry: connector, instruments: Set(symbols(fig)), accounts: { [account] },
            sessionState: { connector.control.state })
        return StartedVenue(services: [connector], commandVenue: entry)
    }

    /// The real connector against the in-process simulator, with its demo client.
    public static func startDemo(_ fig: inout FigSettings, updatesPerSecond: Int, logger: Logger) async throws
        -> DemoVenue
    {
        let simulator = FigSimulator(
            configuration: FigSimulatorConfiguration(clients: ["demo": "demo-secret"]),
            logger: Logger(label: "venue-sim.fig"))
        let port = try await simulator.start()
        fig.enabled = true
        fig.link.url = "ws://127.0.0.1:\(port)\(FigSimulator.webSocketPath)"
        fig.restURL = "http://127.0.0.1:\(port)"
        fig.clientID = "demo"
        fig.clientSecret = "demo-secret"
        fig.account = "demo"
        if fig.instruments.isEmpty {
            fig.instruments = FigSimulatorConfiguration.Instrument.all.map {
                .init(
                    symbol: $0.name, instrumentId: $0.instrumentId, baseCurrency: $0.baseCurrency, quoteCurrency: "USD")
            }
        }
        // No sample instrument: Fig publishes RFQs and quotes, not the books the banner's Redis
        // examples read.
        let instrument = fig.instruments.first?.symbol ?? FigSimulatorConfiguration.Instrument.btcCall.name
        return DemoVenue(
            venue: id, banner: "Fig simulator: \(fig.restURL) and \(fig.link.url)",
            sendRFQArguments: "--venue fig --account \(fig.account) --instrument \(instrument) --qty 25 --side buy",
            stop: { await simulator.stop() })
    }
}
