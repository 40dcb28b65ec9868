public import Logging
public import SFOXWire
import ServiceLifecycle
import Synchronization
import VenueBridgeCore

public enum SFOXSimulatorError: Error, Sendable {
    /// `start()` was called while another `start()` was still binding.
    case alreadyStarting
    /// The server stopped before it was listening (e.g. the port was taken).
    case failedToStart(String)
}

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
    private let rate: FirehoseRate
    private let venue: SFOXVenue
    private let server: SFOXServer
    private let lifecycle = Mutex(Lifecycle())

    private struct Lifecycle {
        var starting = false
        var port: Int?
        var serverTask: Task<Void, Never>?
        var serviceGroup: ServiceGroup?
        var backgroundTask: Task<Void, Never>?
    }

    public init(configuration: SFOXSimulatorConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        rate = FirehoseRate(configuration.updatesPerSecond)
        venue = SFOXVenue(configuration: configuration, counters: counters, logger: logger)
        server = SFOXServer(configuration: configuration, venue: venue, controls: controls, counters: counters, logger: logger)
    }

    // MARK: - Lifecycle

    /// Binds, serves in a background task, and returns the bound port once listening
    /// (WebSocket at `ws://host:port/ws`, REST at `http://host:port/v1`). Calling it again while
    /// running returns the same port.
    public func start() async throws -> Int {
        let state = lifecycle.withLock { state -> Result<Int?, SFOXSimulatorError> in
            if let port = state.port { return .success(port) }
            if state.starting { return .failure(.alreadyStarting) }
            state.starting = true
            return .success(nil)
        }
        if let port = try state.get() { return port }

        let (listening, listeningContinuation) = AsyncThrowingStream.makeStream(of: Int.self)
        let application = server.makeApplication { port in listeningContinuation.yield(port) }
        let serviceGroup = ServiceGroup(services: [application], logger: logger)
        let serverTask = Task {
            do {
                try await serviceGroup.run()
                listeningContinuation.finish()
            } catch {
                listeningContinuation.finish(throwing: error)
            }
        }
        var port: Int?
        var failure = "the server stopped"
        do {
            for try await bound in listening {
                port = bound
                break
            }
        } catch {
            failure = "\(error)"
        }
        guard let port else {
            serverTask.cancel()
            await serverTask.value
            lifecycle.withLock { $0.starting = false }
            throw SFOXSimulatorError.failedToStart(failure)
        }
        let backgroundTask = Task { [venue, rate, configuration] in
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await Self.runFirehose(venue: venue, rate: rate) }
                group.addTask { await Self.runTicker(venue: venue, interval: configuration.tickerInterval) }
            }
        }
        lifecycle.withLock {
            $0.starting = false
            $0.port = port
            $0.serverTask = serverTask
            $0.serviceGroup = serviceGroup
            $0.backgroundTask = backgroundTask
        }
        logger.info("sfox simulator listening", metadata: [
            "ws": "ws://\(configuration.host):\(port)\(SFOXServer.webSocketPath)", "rest": "http://\(configuration.host):\(port)\(SFOXServer.restPrefix)",
        ])
        return port
    }

    /// `ws://host:port/ws` (port 0 before `start()`).
    public var webSocketURL: String {
        "ws://\(configuration.host):\(boundPort)\(SFOXServer.webSocketPath)"
    }

    /// `http://host:port/v1` (port 0 before `start()`).
    public var restBaseURL: String {
        "http://\(configuration.host):\(boundPort)\(SFOXServer.restPrefix)"
    }

    private var boundPort: Int { lifecycle.withLock { $0.port } ?? configuration.port }

    /// Closes every socket and the listener; returns when the server is down. The venue's state
    /// (books, orders, balances) is kept.
    public func stop() async {
        let (serverTask, serviceGroup, backgroundTask) = lifecycle.withLock { state in
            defer { state = Lifecycle(starting: state.starting) }
            return (state.serverTask, state.serviceGroup, state.backgroundTask)
        }
        backgroundTask?.cancel()
        await venue.dropAll()
        await serviceGroup?.triggerGracefulShutdown()
        if let serverTask {
            // Graceful shutdown waits for open connections; a peer that never finishes must not
            // hold `stop()` forever.
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await serverTask.value }
                group.addTask {
                    guard (try? await Task.sleep(for: .seconds(5))) != nil else { return }
                    serverTask.cancel()
                }
                await group.next()
                group.cancelAll()
            }
            await serverTask.value
        }
        await backgroundTask?.value
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
        rate.set(n)
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

    /// Spreads `rate` steps per second over 10 ms ticks; a stall causes at most 100 ms of catch-up.
    /// GTD expiry is checked every 100 ms.
    private static func runFirehose(venue: SFOXVenue, rate: FirehoseRate) async {
        let tick: Duration = .milliseconds(10)
        var last = ContinuousClock.now
        var owed: Int128 = 0  // steps × 1e9 not yet applied
        var ticks = 0
        while true {
            do { try await Task.sleep(for: tick) } catch { return }
            ticks += 1
            if ticks % 10 == 0 { await venue.expireOrders(nowMillis: wallClockMillis()) }
            let now = ContinuousClock.now
            let elapsed = now - last
            last = now
            let perSecond = rate.get()
            guard perSecond > 0 else {
                owed = 0
                continue
            }
            owed += Int128(perSecond) * (Int128(elapsed.components.seconds) * 1_000_000_000 + Int128(elapsed.components.attoseconds / 1_000_000_000))
            var steps = owed / 1_000_000_000
            let cap = Int128(max(perSecond / 10, 1))
            if steps > cap {
                steps = cap
                owed = 0
            } else {
                owed -= steps * 1_000_000_000
            }
            if steps > 0 { await venue.step(Int(steps)) }
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

/// The background update rate, changed at run time by `setUpdatesPerSecond`.
final class FirehoseRate: Sendable {
    private let value: Atomic<Int>

    init(_ rate: Int) {
        value = Atomic(max(rate, 0))
    }

    func get() -> Int { value.load(ordering: .relaxed) }
    func set(_ rate: Int) { value.store(max(rate, 0), ordering: .relaxed) }
}
