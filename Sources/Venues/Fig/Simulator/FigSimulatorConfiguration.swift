public import VenueBridgeCore

/// What the Fig simulator serves: who may log in, which instruments RFQs may name, how makers
/// answer, and the session rules (with the venue's defaults; tests shorten them).
public struct FigSimulatorConfiguration: Sendable {
    public struct Instrument: Sendable, Hashable {
        public var instrumentId: Int64
        public var name: String
        public var baseCurrency: String
        /// Where simulated makers price it.
        public var mid: ExactDecimal
        public var tick: ExactDecimal

        public init(instrumentId: Int64, name: String, baseCurrency: String, mid: ExactDecimal, tick: ExactDecimal) {
            self.instrumentId = instrumentId
            self.name = name
            self.baseCurrency = baseCurrency
            self.mid = mid
            self.tick = tick
        }

        public static let btcCall = Instrument(
            instrumentId: 6451, name: "BTC-26SEP25-116000-C", baseCurrency: "BTC", mid: ExactDecimal("0.026")!,
            tick: ExactDecimal("0.0005")!
        )
        public static let ethPut = Instrument(
            instrumentId: 7120, name: "ETH-26SEP25-4000-P", baseCurrency: "ETH", mid: ExactDecimal("0.041")!,
            tick: ExactDecimal("0.0005")!)
        public static let all = [btcCall, ethPut]
    }

    public var host = "127.0.0.1"
    public var port = 0
    /// clientId → clientSecret.
    public var clients: [String: String]
    public var instruments: [Instrument] = [.btcCall, .ethPut]
    public var seed: UInt64 = 7
    /// How long an access token lives (documented example: 3600 s). The WebSocket session ends
    /// when its token expires.
    public var tokenLifetime: Duration = .seconds(3600)
    /// The server closes a socket that sent nothing for this long (documented: 30 s).
    public var silenceLimit: Duration = .seconds(30)
    /// How long an RFQ stays open without a trade.
    public var rfqLifetime: Duration = .seconds(60)
    /// Makers' first quotes arrive this long after an RFQ opens (0: at once); later ones move.
    public var quoteDelay: Duration = .milliseconds(200)
    /// Maker ticks per second (each may quote, requote or pull on every open RFQ); 0: only the
    /// `quoteNow` test control quotes.
    public var makerTicksPerSecond = 5
    /// REST requests per minute per client (documented: 1000, sliding window).
    public var requestsPerMinute = 1_000
    /// The window `requestsPerMinute` counts over: a minute at the venue; shorter in tests, so
    /// that a 429 and the wait for the reset fit in seconds.
    public var rateLimitWindow: Duration = .seconds(60)
    /// RFQs and finished RFQs remembered, oldest forgotten first.
    public var maxRFQs = 10_000
    /// Frames queued per socket before a slow client is cut.
    public var maxOutboundQueue = 10_000

    public init(clients: [String: String], host: String = "127.0.0.1", port: Int = 0) {
        self.clients = clients
        self.host = host
        self.port = port
    }
}
