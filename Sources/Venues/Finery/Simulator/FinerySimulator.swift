public import FineryWire
public import Logging
public import SimulatorKit

/// Why `start()` failed: `.alreadyStarting` or `.failedToStart(reason)`.
public typealias FinerySimulatorError = SimulatorServerError

/// A Finery Markets venue on a local WebSocket, for tests, benchmarks and the demo: upgrade
/// authentication, the `B`/`I`/`O`/`K` feeds, order entry against a seeded random-walk book,
/// cancel-on-disconnect, the idle timeout, and controls to provoke failures.
public final class FinerySimulator: Sendable {
    public let configuration: FinerySimulatorConfiguration

    private let logger: Logger
    private let counters = SimulatorCounters()
    private let firehose: Firehose
    private let venue: FineryVenue
    private let server: SimulatorServer

    public init(configuration: FinerySimulatorConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        firehose = Firehose(updatesPerSecond: configuration.updatesPerSecond)
        venue = FineryVenue(configuration: configuration, counters: counters, logger: logger)
        server = FineryWebSocketServer(
            configuration: configuration, venue: venue,
            authenticator: UpgradeAuthenticator(
                credentials: configuration.credentials, timestampTolerance: configuration.timestampTolerance),
            counters: counters, logger: logger
        ).makeServer()
    }

    // MARK: - Lifecycle

    /// Binds, serves in a background task, and returns the bound port once listening. Calling it
    /// again while running returns the same port.
    public func start() async throws -> Int {
        try await server.start(
            background: { [venue, firehose] in
                await firehose.run { steps in await venue.randomWalk(steps: steps) }
            },
            onListening: { port in
                logger.info(
                    "finery simulator listening",
                    metadata: ["url": "ws://\(configuration.host):\(port)\(FineryWebSocketServer.path)"])
            })
    }

    /// `ws://host:port/ws` (port 0 before `start()`).
    public var url: String {
        get async {
            let port = server.port ?? configuration.port
            return "ws://\(configuration.host):\(port)\(FineryWebSocketServer.path)"
        }
    }

    /// Closes every socket (cancel-on-disconnect applies) and the listener; returns when the
    /// server is down. The venue's state (books, orders, positions) is kept.
    public func stop() async {
        await server.stop { await venue.dropAll() }
    }

    /// Serves until the calling task is cancelled (for the CLI), then stops.
    public func run() async throws {
        _ = try await start()
        await withTaskCancellationHandler {
            await server.waitUntilStopped()
        } onCancel: {
            Task { await self.stop() }
        }
        await stop()
    }

    // MARK: - Test controls

    /// Closes every client socket abruptly (TCP close, no WebSocket close handshake);
    /// cancel-on-disconnect is applied before this returns.
    public func dropConnections() async {
        await venue.dropAll()
    }

    /// Sends every connection a text frame that is not valid JSON.
    public func sendMalformedFrame() async {
        await venue.sendToAll(#"["B","BTC-USD","M",[[["+","#)
    }

    /// Sends every connection `text` exactly as given: hostile or unsolicited venue frames.
    public func sendFrame(_ text: String) async {
        await venue.sendToAll(text)
    }

    /// Applies `bids` / `asks` to the instrument's book in order and broadcasts them as one `B`
    /// `M` frame, repeats of a price included (the random walk never touches a level twice).
    public func sendBookUpdate(_ instrument: String, bids: [FineryBookUpdate], asks: [FineryBookUpdate]) async {
        await venue.applyInOneFrame(instrument, bids: bids, asks: asks)
    }

    /// `bind` / `unbind` requests received for one feed binding (e.g. `"unbind"`, `"B"`, `.name("ETH-USD")`).
    public func feedRequestCount(_ event: String, feed: String, feedId: FineryFeedID) async -> Int {
        await venue.feedRequests[FineryVenue.FeedRequest(event: event, feed: feed, feedId: feedId)] ?? 0
    }

    /// Broadcasts `["X",0,"Z",code]`. While non-zero, requests fail with 2 and binds are refused
    /// with 2, and all feed bindings are dropped (clients rebind after `["X",0,"Z",0]`).
    public func setBackendStatus(_ code: Int64) async {
        await venue.setBackendStatus(code)
    }

    /// Background random-walk rate over all instruments (0 stops it).
    public func setUpdatesPerSecond(_ rate: Int) async {
        firehose.updatesPerSecond = rate
    }

    /// Applies `count` random-walk book changes now and broadcasts them.
    public func step(_ count: Int = 1) async {
        await venue.randomWalk(steps: count)
    }

    /// The current top `depth` levels per side, best first.
    public func book(_ instrument: String) async -> (bids: [FineryLevel], asks: [FineryLevel]) {
        await venue.book(instrument)
    }

    /// Orders actually created with this client order id (0 or 1 with a correct client).
    public func acceptedOrderCount(clientOrderId: Int64, apiKey: String? = nil) async -> Int {
        await venue.acceptedOrderCount(clientOrderId: clientOrderId, apiKey: apiKey)
    }

    /// `add` requests received with this client order id, rejected duplicates included.
    public func addRequestCount(clientOrderId: Int64) async -> Int {
        await venue.addRequestCount(clientOrderId: clientOrderId)
    }

    /// `addRequestCount` of every client order id seen (what `GET /sim/orders` answers, the ids
    /// in decimal).
    public func addRequestCounts() async -> [Int64: Int] {
        await venue.addRequestCounts()
    }

    /// Resting client orders, by order id.
    public func activeOrders(apiKey: String? = nil) async -> [FineryOrder] {
        await venue.activeOrders(apiKey: apiKey)
    }

    public func connectionCount() async -> Int {
        await venue.connectionCount
    }

    public func stats() async -> FinerySimulatorStats {
        counters.snapshot
    }
}
