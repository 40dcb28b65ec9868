public import Logging
public import SimulatorKit

/// Why `start()` failed: `.alreadyStarting` or `.failedToStart(reason)`.
public typealias T4SimulatorError = SimulatorServerError

/// A Plus500 Futures (T4) venue on a local WebSocket (`/v1`, protobuf in binary messages), for
/// tests, benchmarks and the demo: login (API key or password), heartbeats, depth subscriptions
/// on seeded random-walk books with trades, account subscriptions with snapshots, and order entry
/// (submit, pull, revise) matched against the books.
public final class T4Simulator: Sendable {
    public let configuration: T4SimulatorConfiguration

    private let logger: Logger
    private let counters = T4Counters()
    private let firehose: Firehose
    private let venue: T4Venue
    private let server: SimulatorServer

    public init(configuration: T4SimulatorConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        firehose = Firehose(updatesPerSecond: configuration.updatesPerSecond)
        venue = T4Venue(configuration: configuration, counters: counters, logger: logger)
        server = T4Server(configuration: configuration, venue: venue, counters: counters, logger: logger).makeServer()
    }

    /// Binds, serves in a background task, and returns the bound port once listening.
    public func start() async throws -> Int {
        try await server.start(
            background: { [venue, firehose] in
                // Heartbeats are checked every 5 ticks (50 ms).
                await firehose.run(
                    onTick: { tick in
                        if tick % 5 == 0 { await venue.checkHeartbeats() }
                    }, step: { steps in await venue.randomWalk(steps: steps) })
            },
            onListening: { port in
                logger.info(
                    "t4 simulator listening", metadata: ["url": "ws://\(configuration.host):\(port)\(T4Server.path)"])
            })
    }

    /// `ws://host:port/v1` (the configured port before `start()`).
    public var url: String {
        "ws://\(configuration.host):\(server.port ?? configuration.port)\(T4Server.path)"
    }

    /// Closes every socket and the listener; the venue's state (books, orders, positions) is kept.
    public func stop() async {
        await server.stop { await venue.dropAll() }
    }

    // MARK: - Test controls

    /// Closes every client socket abruptly (TCP close, no WebSocket close handshake).
    public func dropConnections() async {
        await venue.dropAll()
    }

    /// Sends every connection a binary message that is not a valid protobuf `ServerMessage`.
    public func sendMalformedFrame() async {
        await venue.sendToAll(.message([0x12, 0xFF, 0xFF]))
    }

    /// Makes the venue hang (true): sockets stay open but nothing is sent, not even heartbeats, so
    /// a client must notice the silence itself. Messages that would have been sent are lost.
    public func setSilent(_ silent: Bool) async {
        await venue.setSilent(silent)
    }

    /// Ends a working order silently: no update is sent, as if it ended while the client was
    /// disconnected (the next `AccountSnapshot` no longer lists it). False when not working.
    @discardableResult
    public func finishOrderQuietly(uniqueID: String) async -> Bool {
        await venue.finishQuietly(uniqueID)
    }

    /// A market's `total_traded_volume` and `total_trade_count` so far; nil for an unknown market.
    public func tradeTotals(marketID: String) async -> (volume: Int32, count: Int32)? {
        await venue.tradeTotals(marketID)
    }

    /// Background random-walk rate over all markets (0 stops it).
    public func setUpdatesPerSecond(_ rate: Int) async {
        firehose.updatesPerSecond = rate
    }

    /// Applies `count` random-walk steps now and publishes them.
    public func step(_ count: Int = 1) async {
        await venue.randomWalk(steps: count)
    }

    /// The whole book of a market, best first; nil for an unknown market.
    public func book(marketID: String) async -> (bids: [T4BookLevel], offers: [T4BookLevel])? {
        await venue.book(marketID)
    }

    /// Orders accepted with this tag (every status).
    public func orders(tag: String) async -> [T4SimulatedOrder] {
        await venue.orders(tag: tag)
    }

    /// Orders received with this tag, rejected ones included.
    public func submittedOrderCount(tag: String) async -> Int {
        await venue.submittedOrderCount(tag: tag)
    }

    /// `submittedOrderCount` of every tag seen (what `GET /sim/orders` answers).
    public func submittedOrderCounts() async -> [String: Int] {
        await venue.submittedOrderCounts()
    }

    /// Working orders of every account, in submission order.
    public func workingOrders() async -> [T4SimulatedOrder] {
        await venue.workingOrders()
    }

    public func connectionCount() async -> Int {
        await venue.connectionCount
    }

    public func stats() async -> T4SimulatorStats {
        counters.snapshot
    }
}
