public import Logging
public import SFOXWire
public import SimulatorKit
import VenueBridgeCore

/// Why `start()` failed: `.alreadyStarting` or `.failedToStart(reason)`.
public typealias SFOXSimulatorError = SimulatorServerError

/// An sFOX venue on one local port, for tests, benchmarks and the demo: the WebSocket at
/// `ws://host:port/ws` (authenticate, subscribe/unsubscribe, full-snapshot books from a seeded
/// random walk, trades, tickers, private feeds) and REST at `http://host:port/v1` (create with
/// client_order_id dedupe, cancel, get, rate limits), sharing one order state, plus controls to
/// provoke failures.
public final class SFOXSimulator: Sendable {
    public let configuration: SFOXSimulatorConfiguration

    private let logger: Logger
    private let counters = SimulatorCounters()
    private let controls = RestControls()
    private let firehose: Firehose
    private let venue: SFOXVenue
    private let server: SimulatorServer

    public init(configuration: SFOXSimulatorConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        firehose = Firehose(updatesPerSecond: configuration.updatesPerSecond)
        venue = SFOXVenue(configuration: configuration, counters: counters, logger: logger)
        server = SFOXServer(
            configuration: configuration, venue: venue, controls: controls, counters: counters, logger: logger
        ).makeServer()
    }

    // MARK: - Lifecycle

    /// Binds, serves in a background task, and returns the bound port once listening
    /// (WebSocket at `ws://host:port/ws`, REST at `http://host:port/v1`). Calling it again while
    /// running returns the same port.
    public func start() async throws -> Int {
        try await server.start(
            background: { [venue, firehose, configuration] in
                await withTaskGroup(of: Void.self) { group in
                    group.addTask { await Self.runFirehose(firehose, venue: venue) }
                    group.addTask { await Self.runTicker(venue: venue, interval: configuration.tickerInterval) }
                }
            },
            onListening: { port in
                logger.info(
                    "sfox simulator listening",
                    metadata: [
                        "ws": "ws://\(configuration.host):\(port)\(SFOXServer.webSocketPath)",
                        "rest": "http://\(configuration.host):\(port)\(SFOXServer.restPrefix)",
                    ])
            })
    }

    /// `ws://host:port/ws` (port 0 before `start()`).
    public var webSocketURL: String {
        "ws://\(configuration.host):\(boundPort)\(SFOXServer.webSocketPath)"
    }

    /// `http://host:port/v1` (port 0 before `start()`).
    public var restBaseURL: String {
        "http://\(configuration.host):\(boundPort)\(SFOXServer.restPrefix)"
    }

    private var boundPort: Int { server.port ?? configuration.port }

    /// Closes every socket and the listener; returns when the server is down. The venue's state
    /// (books, orders, balances) is kept.
    public func stop() async {
        await server.stop { await venue.dropAll() }
    }

    // MARK: - Test controls

    /// Closes every WebSocket abruptly (TCP close, no close handshake).
    public func dropConnections() async {
        await venue.dropAll()
    }

    /// The next message on every open socket skips one sequence number.
    public func skipSequenceNumber() async {
        await venue.sendToAll(.skipSequence)
    }

    /// Sends every socket a text frame that is not JSON.
    public func sendMalformedFrame() async {
        await venue.sendToAll(.raw(#"{"sequence":"#))
    }

    /// Background random-walk steps per second (each step moves every pair); 0 stops it.
    public func setUpdatesPerSecond(_ n: Int) async {
        firehose.updatesPerSecond = n
    }

    /// Advances the random walk `count` times now, publishing a snapshot per step per pair.
    public func step(_ count: Int = 1) async {
        await venue.step(count)
    }

    /// Sends the tickers of every pair now (as the `tickerInterval` timer does).
    public func publishTickers() async {
        await venue.publishTickers()
    }

    /// The latest raw (`orderbook.sfox.*`) snapshot sent for `pair`: what a client should have.
    public func book(pair: String) async -> SFOXOrderBook? {
        await venue.book(pair: pair)
    }

    /// POST creates that reached order handling with this client_order_id (refused duplicates and
    /// invalid orders included; 401/429 refusals not).
    public func createRequestCount(clientOrderId: String) async -> Int {
        await venue.createRequestCount(clientOrderId: clientOrderId)
    }

    /// `createRequestCount` of every client_order_id seen (what `GET /sim/orders` answers).
    public func createRequestCounts() async -> [String: Int] {
        await venue.createRequestCounts()
    }

    /// Orders actually created with this client_order_id (0 or 1 with a correct client).
    public func acceptedOrderCount(clientOrderId: String) async -> Int {
        await venue.acceptedOrderCount(clientOrderId: clientOrderId)
    }

    /// The latest order created with this client_order_id, in its current state.
    public func order(clientOrderId: String) async -> SFOXOrder? {
        await venue.order(clientOrderId: clientOrderId)
    }

    /// Every `Started` order (all keys), by id.
    public func openOrders() async -> [SFOXOrder] {
        await venue.openOrders()
    }

    public func connectionCount() async -> Int {
        await venue.connectionCount
    }

    /// The next `count` successful creates are accepted at the venue, then their HTTP connection
    /// is closed without a response (an ambiguous outcome for the client).
    public func dropNextCreateResponses(_ count: Int) async {
        await venue.dropNextCreateResponses(count)
    }

    /// Every REST response waits this long after the request was handled (`.zero` turns it off).
    public func delayRestResponses(_ delay: Duration) async {
        controls.responseDelay = max(delay, .zero)
    }

    /// Counters since the simulator was created.
    public var stats: SFOXSimulatorStats {
        counters.snapshot
    }

    // MARK: - Background

    /// The random walk at the firehose's rate; GTD expiry is checked every 100 ms (10 ticks).
    private static func runFirehose(_ firehose: Firehose, venue: SFOXVenue) async {
        await firehose.run { tick in
            if tick % 10 == 0 { await venue.expireOrders(nowMillis: venue.configuration.gtdClock()) }
        } step: { steps in
            await venue.step(steps)
        }
    }

    private static func runTicker(venue: SFOXVenue, interval: Duration) async {
        guard interval > .zero else { return }
        while true {
            do { try await Task.sleep(for: interval) } catch { return }
            await venue.publishTickers()
        }
    }
}
