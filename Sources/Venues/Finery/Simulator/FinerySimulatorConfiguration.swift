public import FineryWire

/// Everything a `FinerySimulator` needs to know before it starts. Prices and sizes are integers in
/// units of 1e-8 (`FineryUnits`), exactly as the venue sends them.
public struct FinerySimulatorConfiguration: Sendable {
    public struct Instrument: Sendable, Hashable {
        public var name: String
        public var id: Int64
        public var assetCurrency: String
        public var balanceCurrency: String
        /// Initial mid price, scaled 1e-8.
        public var midPrice: UInt64
        /// Price increment, scaled 1e-8 (default 0.01).
        public var tickSize: UInt64
        /// Typical size of one book level, scaled 1e-8 (default 1.0); levels are 0.5–1.5 times this.
        public var levelSize: Int64

        public init(
            name: String, id: Int64, assetCurrency: String, balanceCurrency: String, midPrice: UInt64,
            tickSize: UInt64 = 1_000_000, levelSize: Int64 = 100_000_000
        ) {
            self.name = name
            self.id = id
            self.assetCurrency = assetCurrency
            self.balanceCurrency = balanceCurrency
            self.midPrice = midPrice
            self.tickSize = tickSize
            self.levelSize = levelSize
        }

        public static let btcUsd = Instrument(
            name: "BTC-USD", id: 1, assetCurrency: "BTC", balanceCurrency: "USD", midPrice: 6_000_000_000_000)
        public static let ethUsd = Instrument(
            name: "ETH-USD", id: 2, assetCurrency: "ETH", balanceCurrency: "USD", midPrice: 300_000_000_000,
            levelSize: 1_000_000_000)
    }

    public var host: String
    /// 0 lets the kernel pick; `FinerySimulator.start()` returns the bound port.
    public var port: Int
    /// API key → secret.
    public var credentials: [String: String]
    public var instruments: [Instrument]
    /// Seeds the random walk and the initial books: the same seed and the same calls give the same books.
    public var seed: UInt64
    /// Levels per side of feed `B`.
    public var depth: Int
    /// Background random-walk book changes per second over all instruments; 0 = only `step()`.
    public var updatesPerSecond: Int
    /// Send a full `S` snapshot on every book change instead of `M` updates (newer docs say `B` may do this).
    public var snapshotOnly: Bool
    /// A socket with no inbound frame for this long is closed.
    public var idleTimeout: Duration
    /// `EFX-Content`'s timestamp must be within this of the simulator's clock, else error 7.
    public var timestampTolerance: Duration
    /// The counterparty reported on every deal.
    public var counterpartyId: Int64
    /// Frames queued for one connection beyond this disconnect it (a real venue drops slow readers).
    public var maxOutboundQueue: Int
    /// Called with every inbound text frame as the socket hands it over, before the venue looks
    /// at it: the command-path benchmark times a request's arrival at the venue with it.
    public var textFrameArrived: (@Sendable (String) -> Void)?

    public init(
        credentials: [String: String],
        host: String = "127.0.0.1",
        port: Int = 0,
        instruments: [Instrument] = [.btcUsd, .ethUsd],
        seed: UInt64 = 42,
        depth: Int = FineryHouseRules.bookDepth,
        updatesPerSecond: Int = 0,
        snapshotOnly: Bool = false,
        idleTimeout: Duration = FineryHouseRules.serverIdleTimeout,
        timestampTolerance: Duration = .seconds(30),
        counterpartyId: Int64 = 42,
        maxOutboundQueue: Int = 10_000
    ) {
        self.host = host
        self.port = port
        self.credentials = credentials
        self.instruments = instruments
        self.seed = seed
        self.depth = depth
        self.updatesPerSecond = updatesPerSecond
        self.snapshotOnly = snapshotOnly
        self.idleTimeout = idleTimeout
        self.timestampTolerance = timestampTolerance
        self.counterpartyId = counterpartyId
        self.maxOutboundQueue = maxOutboundQueue
    }
}

/// Counters since `start()`.
public struct FinerySimulatorStats: Sendable, Hashable {
    /// Successful WebSocket upgrades.
    public var connectionsAccepted: Int = 0
    /// Upgrades refused (bad key, nonce, timestamp, signature or path).
    public var upgradesRefused: Int = 0
    /// Inbound data messages (text or binary).
    public var framesIn: Int = 0
    /// Outbound frames written to sockets.
    public var framesOut: Int = 0
    /// `B` frames (updates or snapshots caused by a book change) queued to subscribers.
    public var bookUpdatesSent: Int = 0
    /// Connections closed because their outbound queue overflowed.
    public var slowClientDisconnects: Int = 0
    /// Connections closed by the idle timeout.
    public var idleDisconnects: Int = 0
    /// Inbound frames that were not a valid client message.
    public var malformedFramesIn: Int = 0

    public init() {}
}
