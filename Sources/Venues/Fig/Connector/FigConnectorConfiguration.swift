import FigWire
public import VenueConnector

/// What the Fig connector needs: where, who, and which instruments RFQs may name.
public struct FigConnectorConfiguration: Sendable {
    /// A Fig instrument behind a normalized symbol: its id (RFQ legs name it) and the currencies
    /// an RFQ on it is in.
    public struct Instrument: Sendable, Hashable {
        public var symbol: String
        public var instrumentId: Int64
        public var baseCurrency: String
        public var quoteCurrency: String

        public init(symbol: String, instrumentId: Int64, baseCurrency: String, quoteCurrency: String) {
            self.symbol = symbol
            self.instrumentId = instrumentId
            self.baseCurrency = baseCurrency
            self.quoteCurrency = quoteCurrency
        }
    }

    /// The JSON-RPC WebSocket (`wss://ws.figmarkets.com`); its link settings (connect timeout,
    /// backoff) are the shared supervisor's. Pings are ours: the venue's heartbeat is a JSON-RPC
    /// call (`FigHouseRules.heartbeatInterval`).
    public var link: VenueLinkSettings
    /// The REST origin (`https://api.figmarkets.com`); request paths carry `/v1`.
    public var restURL: String
    public var clientId: String
    /// Signs every REST call and fetches tokens; never logged.
    public var clientSecret: String
    /// The account commands name and reports carry.
    public var account: String
    public var instruments: [Instrument]
    /// Channels beyond the taker's own (e.g. `rfq.maker`: RFQs the firm may quote, as market data).
    public var extraChannels: [String] = []
    /// How long to wait before logging in again after the venue refused the credentials.
    public var loginRetryDelay: Duration = .seconds(30)
    /// The venue's keep-alive: a `heartbeat` call this often (documented: at least every 30 s).
    public var heartbeatInterval: Duration = FigHouseRules.heartbeatInterval
    /// A token is replaced this long before it expires (REST and the socket's `auth`).
    public var tokenRefreshMargin: Duration = FigHouseRules.tokenRefreshMargin
    /// Finished RFQs, accepts and fill ids remembered (for queries and de-duplication).
    public var memory = 10_000

    public init(
        wsURL: String, restURL: String, clientId: String, clientSecret: String, account: String,
        instruments: [Instrument]
    ) {
        link = VenueLinkSettings(url: wsURL)
        // Activity is the heartbeat's reply at least every 25 s: silence for 60 s is a dead link.
        link.pingInterval = .seconds(30)
        link.deadLinkTimeout = .seconds(60)
        self.restURL = restURL
        self.clientId = clientId
        self.clientSecret = clientSecret
        self.account = account
        self.instruments = instruments
    }

    func instrument(symbol: String) -> Instrument? { instruments.first { $0.symbol == symbol } }
    func symbol(instrumentId: Int64) -> String? { instruments.first { $0.instrumentId == instrumentId }?.symbol }
}
