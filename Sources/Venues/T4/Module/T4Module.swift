public import ArgumentParser
import CommandPath
public import EventBus
public import Logging
public import T4Connector
import T4Simulator
import T4Wire
public import VenueBridgeCore
import VenueConnector
public import VenueModuleKit

/// Plus500 Futures / T4 (`venues.t4`). The venue has no public market data: every session
/// logs in, with an API key or with a user and a registered application.
public struct T4Settings: VenueSettings {
    public var enabled: Bool = false
    /// No default URL: a guess between live (`wss://wss.t4login.com/v1`) and the venue's own
    /// simulator (`wss://wss-sim.t4login.com/v1`) would send orders to the wrong one.
    /// Keep-alive at the house heartbeat (20 s, dead after 60 s of silence), as the connector does.
    public var link = VenueLinkConfig(url: "", pingIntervalMs: 20_000, deadLinkTimeoutMs: 60_000)
    /// The connector's own market type: the config adds nothing to T4's three ids and our symbol.
    public var markets: [T4Market] = []
    /// Off: market data only (no executions, positions or order entry).
    public var subscribeAccounts: Bool = true
    public var publishTicker: Bool = true
    public var loginRetryDelayMs: Int = 30_000
    /// The application heartbeat period (`Heartbeat` protobuf messages, not WebSocket pings):
    /// nil is the notes' 20 s. The connector heartbeats faster on its own when the venue's
    /// heartbeats arrive more often than this.
    public var heartbeatIntervalMs: Int?
    /// From `VB_T4_API_KEY[_FILE]` or `api_key_file`.
    public var apiKey: String?
    /// The password login; `firm`, `username` and `appName` are not secrets and may be in YAML.
    public var firm: String?
    public var username: String?
    /// From `VB_T4_PASSWORD[_FILE]` or `password_file`.
    public var password: String?
    public var appName: String?
    /// From `VB_T4_APP_LICENSE[_FILE]` or `app_license_file`.
    public var appLicense: String?

    /// True when any part of the password login is set, so a half-configured one is reported.
    var hasPasswordLogin: Bool {
        [firm, username, password, appName, appLicense].contains { !($0?.isEmpty ?? true) }
    }

    public init() {}
}

extension VenueSettingsStore {
    public var t4: T4Settings {
        get { self[T4Module.self] }
        set { self[T4Module.self] = newValue }
    }
}

/// Plus500 Futures (T4) in the bridge: `venues.t4`, `VB_T4_*`, one protobuf socket with login,
/// order entry when accounts are subscribed.
public enum T4Module: VenueModule {
    public static let id: VenueID = .t4
    public static let simulatorCommand: any ParsableCommand.Type = T4SimulatorCommand.self
    public static let clientOrderIdFormat = T4HouseRules.clientOrderIdFormat
    public static let credentialsHint =
        "VB_T4_API_KEY[_FILE] or the password login (VB_T4_USERNAME, VB_T4_PASSWORD[_FILE], …)"
    public static let environmentVariables: [(name: String, meaning: String)] = [
        ("VB_T4_ENABLED", "venues.t4.enabled"), ("VB_T4_URL", "venues.t4.url"),
        ("VB_T4_API_KEY", "T4 API key (secret)"), ("VB_T4_API_KEY_FILE", "file holding the T4 API key"),
        ("VB_T4_FIRM", "venues.t4.firm"), ("VB_T4_USERNAME", "venues.t4.username"),
        ("VB_T4_APP_NAME", "venues.t4.app_name"),
        ("VB_T4_PASSWORD", "T4 password (secret)"), ("VB_T4_PASSWORD_FILE", "file holding the T4 password"),
        ("VB_T4_APP_LICENSE", "T4 application license (secret)"),
        ("VB_T4_APP_LICENSE_FILE", "file holding the T4 application license"),
    ]

    public static func read(_ r: inout ConfigReader, into t4: inout T4Settings) {
        r.bool("enabled", into: &t4.enabled)
        r.link(into: &t4.link)
        readMarkets(&r, into: &t4.markets)
        r.bool("subscribe_accounts", into: &t4.subscribeAccounts)
        r.bool("publish_ticker", into: &t4.publishTicker)
        // At least a second: a quick retry of a refused password can lock the user out.
        r.int("login_retry_delay_ms", in: 1_000...3_600_000, into: &t4.loginRetryDelayMs)
        // The venue drops a client silent for three of its intervals; under a second is noise.
        r.optionalInt("heartbeat_interval_ms", in: 1_000...600_000, into: &t4.heartbeatIntervalMs)
        r.optionalString("firm", into: &t4.firm)
        r.optionalString("username", into: &t4.username)
        r.optionalString("app_name", into: &t4.appName)
        r.rejectInlineSecrets(["api_key", "password", "app_license"], envPrefix: "VB_T4_")
        r.secretFile("api_key_file", into: &t4.apiKey)
        r.secretFile("password_file", into: &t4.password)
        r.secretFile("app_license_file", into: &t4.appLicense)
    }

    /// `markets: [{symbol, exchange_id, contract_id, market_id}]`. T4 subscribes with all three ids
    /// and never lets us derive one from another, so each is required; a repeated symbol or market
    /// id would put two books into one stream or subscribe one market twice.
    private static func readMarkets(_ r: inout ConfigReader, into markets: inout [T4Market]) {
        let fields: [(key: String, field: WritableKeyPath<T4Market, String>)] = [
            ("symbol", \.symbol), ("exchange_id", \.exchangeID), ("contract_id", \.contractID),
            ("market_id", \.marketID),
        ]
        var firstUse: [String: [String: String]] = [:]  // key → value → where it was first set
        r.mappingList("markets") { m in
            var market = T4Market(symbol: "", exchangeID: "", contractID: "", marketID: "")
            for (key, field) in fields {
                m.string(key, into: &market[keyPath: field])
                let value = market[keyPath: field]
                if value.trimmingCharacters(in: .whitespaces).isEmpty {
                    m.issues.append(ConfigIssue(key: m.keyPath(key), problem: "must be set (not empty)"))
                } else if key == "symbol" || key == "market_id" {
                    if let first = firstUse[key]?[value] {
                        m.issues.append(
                            ConfigIssue(key: m.keyPath(key), problem: "'\(value)' is already used by \(first)"))
                    } else {
                        firstUse[key, default: [:]][value] = m.keyPath(key)
                    }
                }
            }
            markets.append(market)
        }
    }

    public static func applyEnvironment(_ overrides: inout EnvironmentOverrides, into t4: inout T4Settings) {
        overrides.bool("VB_T4_ENABLED", into: &t4.enabled)
        overrides.string("VB_T4_URL", into: &t4.link.url)
        overrides.optionalString("VB_T4_FIRM", into: &t4.firm)
        overrides.optionalString("VB_T4_USERNAME", into: &t4.username)
        overrides.optionalString("VB_T4_APP_NAME", into: &t4.appName)
        overrides.secret("VB_T4_API_KEY", into: &t4.apiKey)
        overrides.secret("VB_T4_PASSWORD", into: &t4.password)
        overrides.secret("VB_T4_APP_LICENSE", into: &t4.appLicense)
    }

    /// An enabled `venues.t4`: a URL (no default), markets, and exactly one complete login, since
    /// T4 has no public market data.
    public static func validate(_ t4: T4Settings, issues: inout [ConfigIssue]) {
        t4.link.validate(
            section: "venues.t4",
            urlHint:
                "venues.t4.url or VB_T4_URL (live wss://wss.t4login.com/v1, the venue's simulator wss://wss-sim.t4login.com/v1)",
            credentials: credentialsHint, issues: &issues)
        if t4.markets.isEmpty {
            issues.append(
                ConfigIssue(
                    key: "venues.t4.markets",
                    problem: "must list at least one market ({symbol, exchange_id, contract_id, market_id})"))
        }
        let hasAPIKey = !(t4.apiKey?.isEmpty ?? true)
        switch (hasAPIKey, t4.hasPasswordLogin) {
        case (true, false):
            break
        case (true, true):
            issues.append(
                ConfigIssue(
                    key: "venues.t4.api_key",
                    problem:
                        "set either the API key or the password login (firm, username, password, app_name, app_license), not both"
                ))
        case (false, false):
            issues.append(
                ConfigIssue(
                    key: "venues.t4.api_key",
                    problem:
                        "missing: T4 has no public market data; set VB_T4_API_KEY or VB_T4_API_KEY_FILE, or the password login (VB_T4_FIRM, VB_T4_USERNAME, VB_T4_PASSWORD[_FILE], VB_T4_APP_NAME, VB_T4_APP_LICENSE[_FILE])"
                ))
        case (false, true):
            let parts: [(key: String, value: String?, from: String)] = [
                ("firm", t4.firm, "VB_T4_FIRM or firm"), ("username", t4.username, "VB_T4_USERNAME or username"),
                ("password", t4.password, "VB_T4_PASSWORD, VB_T4_PASSWORD_FILE or password_file"),
                ("app_name", t4.appName, "VB_T4_APP_NAME or app_name"),
                ("app_license", t4.appLicense, "VB_T4_APP_LICENSE, VB_T4_APP_LICENSE_FILE or app_license_file"),
            ]
            for part in parts where part.value?.isEmpty ?? true {
                issues.append(
                    ConfigIssue(
                        key: "venues.t4.\(part.key)", problem: "missing for the password login: set \(part.from)"))
            }
        }
    }

    public static func isEnabled(_ t4: T4Settings) -> Bool { t4.enabled }
    public static func urls(_ t4: T4Settings) -> [(key: String, url: String)] {
        [("venues.t4.url", t4.link.url)]
    }
    public static func symbols(_ t4: T4Settings) -> [String] { t4.markets.map(\.symbol) }
    public static func takesOrders(_ t4: T4Settings) -> Bool {
        t4.enabled && t4.subscribeAccounts
    }

    /// None in the configuration: its accounts are whatever the login lists, so the sender names one.
    public static func defaultOrderAccount(_ t4: T4Settings) -> String? { nil }

    public static func summary(_ t4: T4Settings) -> [String: String] {
        return [
            "venues.t4": t4.enabled
                ? "\(VenueURL.redactingCredentials(in: t4.link.url)) \(t4.markets.map(\.symbol))" : "disabled",
            "venues.t4.api_key": t4.apiKey == nil ? "(none)" : "(set)",
            "venues.t4.user": t4.hasPasswordLogin
                ? "\(t4.firm ?? "?")/\(t4.username ?? "?") via \(t4.appName ?? "?")" : "(none)",
            "venues.t4.password": t4.password == nil ? "(none)" : "(set)",
            "venues.t4.app_license": t4.appLicense == nil ? "(none)" : "(set)",
        ]
    }

    /// The loader has validated the section (markets unique, exactly one complete login form).
    public static func connectorConfiguration(_ t4: T4Settings) -> T4ConnectorConfiguration {
        let credentials: T4Credentials =
            if let apiKey = t4.apiKey, !apiKey.isEmpty {
                .apiKey(apiKey)
            } else {
                .password(
                    firm: t4.firm ?? "", username: t4.username ?? "", password: t4.password ?? "",
                    appName: t4.appName ?? "", appLicense: t4.appLicense ?? "")
            }
        var configuration = T4ConnectorConfiguration(url: t4.link.url, credentials: credentials, markets: t4.markets)
        configuration.link = VenueLinkSettings(t4.link)
        configuration.subscribeAccounts = t4.subscribeAccounts
        configuration.publishTicker = t4.publishTicker
        configuration.loginRetryDelay = .milliseconds(t4.loginRetryDelayMs)
        if let heartbeat = t4.heartbeatIntervalMs { configuration.heartbeatInterval = .milliseconds(heartbeat) }
        return configuration
    }

    public static func start(_ t4: T4Settings, sink: any EventSink, logger: Logger) throws -> StartedVenue {
        let connector = T4Connector(configuration: connectorConfiguration(t4), sink: sink, logger: logger)
        var orders: CommandVenue?
        if t4.subscribeAccounts {
            orders = CommandVenue(
                entry: connector, instruments: Set(symbols(t4)),
                // The login names the accounts; before it does, the session wait decides.
                accounts: { connector.accounts.isEmpty ? nil : Set(connector.accounts) },
                sessionState: { connector.control.state }
            )
        }
        return StartedVenue(services: [connector.supervisor()], commandVenue: orders)
    }

    /// The real connector logged in with an API key to the in-process simulator (protobuf over
    /// plain ws://), following the simulator's own markets.
    public static func startDemo(_ t4: inout T4Settings, updatesPerSecond: Int, logger: Logger) async throws
        -> DemoVenue
    {
        var simulatorConfiguration = T4SimulatorConfiguration(apiKeys: ["demo-key"])
        simulatorConfiguration.updatesPerSecond = updatesPerSecond
        let simulator = T4Simulator(configuration: simulatorConfiguration, logger: Logger(label: "venue-sim.t4"))
        _ = try await simulator.start()
        t4.enabled = true
        t4.link.url = simulator.url
        t4.apiKey = "demo-key"
        // A password login from the environment would otherwise sit next to the demo's key.
        t4.firm = nil
        t4.username = nil
        t4.password = nil
        t4.appName = nil
        t4.appLicense = nil
        if t4.markets.isEmpty {
            t4.markets = simulatorConfiguration.markets.map {
                .init(symbol: symbol($0), exchangeID: $0.exchangeID, contractID: $0.contractID, marketID: $0.marketID)
            }
        }
        return DemoVenue(
            venue: id, banner: "T4 simulator: \(t4.link.url)", sampleInstrument: t4.markets.first?.symbol,
            stop: { await simulator.stop() })
    }

    /// `ES-M25`: the contract and its expiry month as a futures month code, so the demo's symbols
    /// follow the simulator's markets instead of restating them.
    static func symbol(_ market: T4SimulatorConfiguration.Market) -> String {
        let monthCodes = Array("FGHJKMNQUVXZ")
        let month = Int(market.expiryDate) / 100 % 100
        guard monthCodes.indices.contains(month - 1) else { return market.contractID }
        let year = Int(market.expiryDate) / 10_000 % 100
        return "\(market.contractID)-\(monthCodes[month - 1])\(year < 10 ? "0" : "")\(year)"
    }
}
