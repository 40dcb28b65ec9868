import T4Wire
public import VenueConnector

/// How the connector logs in. Both forms come from the environment or secret files (see the
/// service's config loader), never from the YAML file; `description` never shows a secret.
public enum T4Credentials: Sendable, Equatable, CustomStringConvertible {
    /// `LoginRequest{api_key}`.
    case apiKey(String)
    /// `LoginRequest{firm, username, password, app_name, app_license}`.
    case password(firm: String, username: String, password: String, appName: String, appLicense: String)

    public var description: String {
        switch self {
        case .apiKey: "api key (redacted)"
        case .password(let firm, let username, _, let appName, _):
            "user \(firm)/\(username) via app \(appName) (password redacted)"
        }
    }
}

/// One market the bridge follows and trades: T4's three ids (never parsed) and our symbol.
public struct T4Market: Sendable, Hashable {
    /// Normalized symbol our events carry (e.g. `ES-M25`).
    public var symbol: String
    public var exchangeID: String
    public var contractID: String
    /// Unique across the platform (e.g. `XCME_Eq ES (M25)`).
    public var marketID: String

    public init(symbol: String, exchangeID: String, contractID: String, marketID: String) {
        self.symbol = symbol
        self.exchangeID = exchangeID
        self.contractID = contractID
        self.marketID = marketID
    }
}

/// Everything one T4 connection needs.
public struct T4ConnectorConfiguration: Sendable {
    /// `wss://wss.t4login.com/v1` (live) or `wss://wss-sim.t4login.com/v1` (the venue's simulator).
    public var link: VenueLinkSettings
    public var credentials: T4Credentials
    /// Markets to subscribe (depth with trades) and to accept orders for.
    public var markets: [T4Market]
    /// Subscribe every account (`AccountSubscribe` all) after login: needed for order entry,
    /// executions and positions. Off: market data only.
    public var subscribeAccounts = true
    /// Publish a `ticker` whenever the top of a book changes.
    public var publishTicker = true
    /// Application heartbeat period (both sides) and the silence after which the link is dead.
    public var heartbeatInterval = T4HouseRules.heartbeatInterval
    public var deadAfter = T4HouseRules.deadAfter
    /// The shortest wait after a refused login before trying again: repeated bad passwords can
    /// lock the user out (`LOGIN_RESULT_LOCKED_OUT`), so a refusal never reconnects quickly.
    public var loginRetryDelay: Duration = .seconds(30)
    /// Finished orders remembered for reports and `query` after they stop updating.
    public var finishedOrderMemory = 10_000

    public init(url: String, credentials: T4Credentials, markets: [T4Market]) {
        var link = VenueLinkSettings(url: url)
        // T4 keeps the link alive with protobuf heartbeats, watched by the session itself; the
        // WebSocket-level ping only catches a dead TCP path, so it runs at the same period.
        link.pingInterval = T4HouseRules.heartbeatInterval
        link.deadLinkTimeout = T4HouseRules.deadAfter
        self.link = link
        self.credentials = credentials
        self.markets = markets
    }

    func market(symbol: String) -> T4Market? { markets.first { $0.symbol == symbol } }
    func market(id: String) -> T4Market? { markets.first { $0.marketID == id } }
}
