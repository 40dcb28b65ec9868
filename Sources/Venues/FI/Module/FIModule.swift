public import ArgumentParser
import CommandPath
public import EventBus
public import FIConnector
import FISimulator
import FIWire
public import Logging
public import VenueBridgeCore
public import VenueConnector
public import VenueModuleKit

/// Fundamental Interactions (`venues.fi`): market data, system status and order entry on one login.
public struct FISettings: VenueSettings {
    public var enabled: Bool = false
    /// No default URL: the venue hands each subscriber its own host.
    public var link = VenueLinkConfig(
        url: "", pingIntervalMs: Int(FIHouseRules.pingInterval.components.seconds * 1000),
        deadLinkTimeoutMs: Int(FIHouseRules.deadLinkTimeout.components.seconds * 1000))
    public var userID: String?
    /// From `VB_FI_PASSWORD[_FILE]` or `password_file`; sent only RSA-encrypted.
    public var password: String?
    /// Venue security (`BTCUSD`) → normalized symbol.
    public var instruments: [InstrumentMapping] = []
    /// `internal` (ibook/itrade) or an external destination (`GEMI`: book/trade with `dest`).
    public var destination: String?
    public var subscribeTrades: Bool = true
    public var publishTicker: Bool = true
    public var loginRetryDelayMs: Int = 30_000
    public var maxBookEntries: Int = 100_000
    /// The account commands name and reports carry; FI has one per login, so it defaults to the userid.
    public var account: String?

    public init() {}
}

extension VenueSettingsStore {
    public var fi: FISettings {
        get { self[FIModule.self] }
        set { self[FIModule.self] = newValue }
    }
}

/// Fundamental Interactions in the bridge: `venues.fi`, `VB_FI_*`, one JSON socket with the RSA
/// challenge login.
public enum FIModule: VenueModule {
    public static let id: VenueID = .fi
    public static let simulatorCommand: any ParsableCommand.Type = FISimulatorCommand.self
    public static let clientOrderIdFormat = FIHouseRules.clientOrderIdFormat
    public static let credentialsHint = "VB_FI_USERID and VB_FI_PASSWORD (or VB_FI_PASSWORD_FILE)"
    public static let environmentVariables: [(name: String, meaning: String)] = [
        ("VB_FI_ENABLED", "venues.fi.enabled"), ("VB_FI_URL", "venues.fi.url"), ("VB_FI_USERID", "venues.fi.userid"),
        ("VB_FI_PASSWORD", "FI password (secret)"), ("VB_FI_PASSWORD_FILE", "file holding the FI password"),
    ]

    public static func read(_ r: inout ConfigReader, into fi: inout FISettings) {
        r.bool("enabled", into: &fi.enabled)
        r.link(into: &fi.link)
        r.optionalString("userid", into: &fi.userID)
        r.instruments(into: &fi.instruments)
        r.optionalString("destination", into: &fi.destination)
        r.bool("subscribe_trades", into: &fi.subscribeTrades)
        r.bool("publish_ticker", into: &fi.publishTicker)
        // At least a second: a quick retry of a refused password helps nobody.
        r.int("login_retry_delay_ms", in: 1_000...3_600_000, into: &fi.loginRetryDelayMs)
        r.int("max_book_entries", in: 100...10_000_000, into: &fi.maxBookEntries)
        r.optionalString("account", into: &fi.account)
        r.rejectInlineSecrets(["password"], envPrefix: "VB_FI_")
        r.secretFile("password_file", into: &fi.password)
    }

    public static func applyEnvironment(_ overrides: inout EnvironmentOverrides, into fi: inout FISettings) {
        overrides.bool("VB_FI_ENABLED", into: &fi.enabled)
        overrides.string("VB_FI_URL", into: &fi.link.url)
        overrides.optionalString("VB_FI_USERID", into: &fi.userID)
        overrides.secret("VB_FI_PASSWORD", into: &fi.password)
    }

    public static func validate(_ fi: FISettings, issues: inout [ConfigIssue]) {
        fi.link.validate(
            section: "venues.fi", urlHint: "venues.fi.url or VB_FI_URL (the venue hands each subscriber its host)",
            credentials: credentialsHint, issues: &issues)
        if fi.instruments.isEmpty {
            issues.append(ConfigIssue(key: "venues.fi.instruments", problem: "must map at least one security"))
        }
        if Set(fi.instruments.map(\.symbol)).count != fi.instruments.count {
            issues.append(ConfigIssue(key: "venues.fi.instruments", problem: "two securities map to the same symbol"))
        }
        if fi.userID?.isEmpty ?? true {
            issues.append(ConfigIssue(key: "venues.fi.userid", problem: "missing: set userid or VB_FI_USERID"))
        }
        if fi.password?.isEmpty ?? true {
            issues.append(
                ConfigIssue(key: "venues.fi.password", problem: "missing: set VB_FI_PASSWORD or VB_FI_PASSWORD_FILE"))
        }
        if let account = fi.account, account.isEmpty {
            issues.append(ConfigIssue(key: "venues.fi.account", problem: "must not be empty (left out: the userid)"))
        }
        if let destination = fi.destination, destination.isEmpty {
            issues.append(
                ConfigIssue(key: "venues.fi.destination", problem: "must name a destination (GEMI, …) or be left out"))
        }
    }

    public static func isEnabled(_ fi: FISettings) -> Bool { fi.enabled }
    public static func urls(_ fi: FISettings) -> [(key: String, url: String)] { [("venues.fi.url", fi.link.url)] }
    public static func symbols(_ fi: FISettings) -> [String] { fi.instruments.map(\.symbol) }
    public static func takesOrders(_ fi: FISettings) -> Bool { fi.enabled }
    /// One account per login: `account`, else the userid.
    public static func defaultOrderAccount(_ fi: FISettings) -> String? { fi.account ?? fi.userID }

    public static func summary(_ fi: FISettings) -> [String: String] {
        [
            "venues.fi": fi.enabled
                ? "\(VenueURL.redactingCredentials(in: fi.link.url)) \(fi.instruments.map(\.symbol))" : "disabled",
            "venues.fi.password": fi.password == nil ? "(none)" : "(set)",
        ]
    }

    /// The loader has validated the section; a config built in code gets the mapping error.
    public static func connectorConfiguration(_ fi: FISettings) throws(InstrumentMap.DuplicateMapping)
        -> FIConnectorConfiguration
    {
        var configuration = FIConnectorConfiguration(
            url: fi.link.url, userID: fi.userID ?? "", password: fi.password ?? "",
            instruments: try InstrumentMap(fi.instruments.map { ($0.venueId, $0.symbol) }))
        configuration.link = VenueLinkSettings(fi.link)
        configuration.source = fi.destination.map { .external(destination: $0) } ?? .internal
        configuration.subscribeTrades = fi.subscribeTrades
        configuration.publishTicker = fi.publishTicker
        configuration.loginRetryDelay = .milliseconds(fi.loginRetryDelayMs)
        configuration.maxBookEntries = fi.maxBookEntries
        if let account = defaultOrderAccount(fi) { configuration.account = account }
        return configuration
    }

    public static func start(_ fi: FISettings, sink: any EventSink, logger: Logger) throws -> StartedVenue {
        let connector = FIConnector(configuration: try connectorConfiguration(fi), sink: sink, logger: logger)
        let account = connector.configuration.account
        let orders = CommandVenue(
            entry: connector, instruments: Set(symbols(fi)), accounts: { [account] },
            sessionState: { connector.control.state })
        return StartedVenue(services: [connector.supervisor()], commandVenue: orders)
    }

    /// The real connector against the in-process simulator, with the simulator's demo user.
    public static func startDemo(_ fi: inout FISettings, updatesPerSecond: Int, logger: Logger) async throws
        -> DemoVenue
    {
        var configuration = FISimulatorConfiguration(users: ["demo": "demo-password"])
        configuration.updatesPerSecond = updatesPerSecond
        let simulator = FISimulator(configuration: configuration, logger: Logger(label: "venue-sim.fi"))
        let port = try await simulator.start()
        fi.enabled = true
        fi.link.url = "ws://127.0.0.1:\(port)\(FISimulator.path)"
        fi.userID = "demo"
        fi.password = "demo-password"
        if fi.instruments.isEmpty {
            fi.instruments = [.init(venueId: "BTCUSD", symbol: "BTC-USD"), .init(venueId: "ETHUSD", symbol: "ETH-USD")]
        }
        return DemoVenue(
            venue: id, banner: "FI simulator: \(fi.link.url)", sampleInstrument: fi.instruments.first?.symbol,
            sendOrderArguments:
                "--venue fi --account demo --instrument \(fi.instruments.first?.symbol ?? "BTC-USD") --side buy --qty 0.01 --price 7000.05",
            stop: { await simulator.stop() })
    }
}
