import SFOXWire
public import VenueBridgeCore

/// Everything an `SFOXSimulator` needs to know before it starts. Limits default to the documented
/// ones (`SFOXHouseRules`); tests lower them to provoke refusals quickly.
public struct SFOXSimulatorConfiguration: Sendable {
    /// One currency pair of the simulated venue. Prices are multiples of `tickSize`, quantities of
    /// `lotSize`; the defaults use sFOX's 8 decimals so that books carry values like
    /// `43222.05828009` that a client must not route through `Double`.
    public struct Pair: Sendable, Hashable {
        /// The venue's name, lower case: `btcusd`.
        public var name: String
        /// Where the random walk starts (it stays near it).
        public var midPrice: ExactDecimal
        /// Price increment.
        public var tickSize: ExactDecimal
        /// Quantity increment.
        public var lotSize: ExactDecimal
        public var baseCurrency: String
        public var quoteCurrency: String
        /// Typical quantity of one book level; levels hold 0.05–2 times this (rounded to the lot).
        public var levelQuantity: ExactDecimal

        public init(
            name: String, midPrice: ExactDecimal, tickSize: ExactDecimal, lotSize: ExactDecimal, baseCurrency: String,
            quoteCurrency: String,
            levelQuantity: ExactDecimal = 1
        ) {
            self.name = name
            self.midPrice = midPrice
            self.tickSize = tickSize
            self.lotSize = lotSize
            self.baseCurrency = baseCurrency
            self.quoteCurrency = quoteCurrency
            self.levelQuantity = levelQuantity
        }

        public static let btcUsd = Pair(
            name: "btcusd", midPrice: ExactDecimal(significand: 4_322_205_828_009, exponent: -8),
            tickSize: ExactDecimal(significand: 1, exponent: -8),
            lotSize: ExactDecimal(significand: 1, exponent: -8), baseCurrency: "btc", quoteCurrency: "usd",
            levelQuantity: 1
        )
        public static let ethUsd = Pair(
            name: "ethusd", midPrice: ExactDecimal(significand: 225_431_374_251, exponent: -8),
            tickSize: ExactDecimal(significand: 1, exponent: -8),
            lotSize: ExactDecimal(significand: 1, exponent: -6), baseCurrency: "eth", quoteCurrency: "usd",
            levelQuantity: 10
        )
    }

    /// Accepted for WebSocket `authenticate` and as the REST `Authorization: Bearer` key.
    public var apiKeys: Set<String>
    public var host: String = "127.0.0.1"
    /// 0 lets the kernel pick; `start()` returns the bound port.
    public var port: Int = 0
    public var pairs: [Pair] = [.btcUsd, .ethUsd]
    /// Seeds the books and the random walk: the same seed and the same calls give the same books.
    public var seed: UInt64 = 42
    /// Book snapshots per second per pair from the background random walk (0: only `step()`).
    public var updatesPerSecond: Int = 10
    /// Levels per side.
    public var bookDepth: Int = 20
    /// `ticker.sfox.*` period.
    public var tickerInterval: Duration = .seconds(3)
    /// REST requests per `restWindow` per client IP; over it, 429.
    public var restRequestsPerWindow = SFOXHouseRules.restRequestsPerWindow
    public var restWindow = SFOXHouseRules.restWindow
    /// Order creations per second per API key; over it, 429.
    public var orderCreatesPerSecond = SFOXHouseRules.orderCreatesPerSecond
    /// WebSocket requests per minute per socket; over it, every request gets an `error` reply for
    /// `webSocketBlockDuration`.
    public var webSocketRequestsPerMinute = SFOXHouseRules.webSocketRequestsPerMinute
    public var webSocketBlockDuration = SFOXHouseRules.webSocketBlockAfterLimit
    /// Open WebSockets per client address; further upgrades are refused.
    public var webSocketConnectionsPerIP = SFOXHouseRules.webSocketConnectionsPerIP
    /// A `client_order_id` is refused (409) for this long after the order it created.
    public var clientOrderIdWindow = SFOXHouseRules.clientOrderIdWindow
    /// Balances per currency (lower case) at start, for every API key.
    public var initialBalances: [String: ExactDecimal] = ["usd": 1_000_000, "btc": 10, "eth": 100]
    /// Fee on every fill, as a fraction of its notional (0.001 = 10 bp). Also the spread of the
    /// `orderbook.net.*` (fee-adjusted) books over the raw ones.
    public var feeRate: ExactDecimal = ExactDecimal(significand: 1, exponent: -3)
    /// Frames queued for one socket beyond this disconnect it (a real venue drops slow readers).
    public var maxOutboundQueue: Int = 10_000
    /// The clock GTD `expires` is checked against, in milliseconds since the epoch. Tests pass one
    /// they move themselves: a wall clock can jump (NTP, a paused VM), and an expiry test must not
    /// depend on how long a loaded machine takes to send a request.
    public var gtdClock: @Sendable () -> Int64 = { wallClockNanos() / 1_000_000 }

    public init(apiKeys: Set<String>, host: String = "127.0.0.1", port: Int = 0) {
        self.apiKeys = apiKeys
        self.host = host
        self.port = port
    }
}

/// Counters since the simulator was created.
public struct SFOXSimulatorStats: Sendable, Hashable {
    /// Successful WebSocket upgrades.
    public var connectionsAccepted = 0
    /// Upgrades refused (more than `webSocketConnectionsPerIP` sockets from one address).
    public var upgradesRefused = 0
    /// Inbound WebSocket text frames.
    public var framesIn = 0
    /// Outbound WebSocket frames written to sockets.
    public var framesOut = 0
    /// Book snapshots queued to subscribers.
    public var bookSnapshotsSent = 0
    /// Inbound frames that were not a valid request (answered with an `error` reply).
    public var malformedFramesIn = 0
    /// Requests refused by the WebSocket rate limit.
    public var webSocketRequestsRefused = 0
    /// Sockets closed because their outbound queue overflowed.
    public var slowClientDisconnects = 0
    /// REST responses by HTTP status (dropped create responses are not counted here).
    public var restResponses: [Int: Int] = [:]
    /// Create responses dropped on purpose (`dropNextCreateResponses`).
    public var droppedCreateResponses = 0
    /// Orders created, fills executed.
    public var ordersCreated = 0
    public var fills = 0

    public init() {}
}
