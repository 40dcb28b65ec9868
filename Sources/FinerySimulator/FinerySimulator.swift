public import FineryWire
public import Logging
// ServiceLifecycle comes in through Hummingbird (not a declared dependency of this target): a
// ServiceGroup lets `stop()` shut the server down gracefully instead of cancelling it.
import ServiceLifecycle
import Synchronization

public enum FinerySimulatorError: Error, Sendable {
    /// `start()` was called while another `start()` was still binding.
    case alreadyStarting
    /// The server stopped before it was listening (e.g. the port was taken).
    case failedToStart(String)
}

/// A Finery Markets venue on a local WebSocket, for tests, benchmarks and the demo: upgrade
/// authentication, the `B`/`I`/`O`/`K` feeds, order entry against a seeded random-walk book,
/// cancel-on-disconnect, the idle timeout, and controls to provoke failures.
public final class FinerySimulator: Sendable {
    public let configuration: FinerySimulatorConfiguration

    private let logger: Logger
    private let counters = SimulatorCounters()
    private let rate: FirehoseRate
    private let venue: FineryVenue
    private let server: FineryWebSocketServer
    private let lifecycle = Mutex(Lifecycle())

    private struct Lifecycle {
        var starting = false
        var port: Int?
        var serverTask: Task<Void, Never>?
        var serviceGroup: ServiceGroup?
        var firehoseTask: Task<Void, Never>?
    }

    public init(configuration: FinerySimulatorConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        rate = FirehoseRate(configuration.updatesPerSecond)
        venue = FineryVenue(configuration: configuration, counters: counters, logger: logger)
        server = FineryWebSocketServer(
            configuration: configuration, venue: venue,
            authenticator: UpgradeAuthenticator(credentials: configuration.credentials, timestampTolerance: configuration.timestampTolerance),
            counters: counters, logger: logger
        )
    }

    // MARK: - Lifecycle

    /// Binds, serves in a background task, and returns the bound port once listening. Calling it
    /// again while running returns the same port.
    public func start() async throws -> Int {
        let state = lifecycle.withLock { state -> Result<Int?, FinerySimulatorError> in
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
            throw FinerySimulatorError.failedToStart(failure)
        }
        let firehoseTask = Task { [venue, rate] in await Self.runFirehose(venue: venue, rate: rate) }
        lifecycle.withLock {
            $0.starting = false
            $0.port = port
            $0.serverTask = serverTask
            $0.serviceGroup = serviceGroup
            $0.firehoseTask = firehoseTask
        }
        logger.info("finery simulator listening", metadata: ["url": "ws://\(configuration.host):\(port)\(FineryWebSocketServer.path)"])
        return port
    }

    /// `ws://host:port/ws` (port 0 before `start()`).
    public var url: String {
        get async {
            let port = lifecycle.withLock { $0.port } ?? configuration.port
            return "ws://\(configuration.host):\(port)\(FineryWebSocketServer.path)"
        }
    }

    /// Closes every socket (cancel-on-disconnect applies) and the listener; returns when the
    /// server is down. The venue's state (books, orders, positions) is kept.
    public func stop() async {
        let (serverTask, serviceGroup, firehoseTask) = lifecycle.withLock { state in
            defer { state = Lifecycle(starting: state.starting) }
            return (state.serverTask, state.serviceGroup, state.firehoseTask)
        }
        firehoseTask?.cancel()
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
        await firehoseTask?.value
    }

    /// Serves until the calling task is cancelled (for the CLI), then stops.
    public func run() async throws {
        _ = try await start()
        let serverTask = lifecycle.withLock { $0.serverTask }
        await withTaskCancellationHandler {
            await serverTask?.value
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

    /// Broadcasts `["X",0,"Z",code]`. While non-zero, requests fail with 2 and binds are refused
    /// with 2, and all feed bindings are dropped (clients rebind after `["X",0,"Z",0]`).
    public func setBackendStatus(_ code: Int64) async {
        await venue.setBackendStatus(code)
    }

    /// Background random-walk rate over all instruments (0 stops it).
    public func setUpdatesPerSecond(_ rate: Int) async {
        self.rate.set(rate)
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

    // MARK: - Firehose

    /// Spreads `rate` random-walk steps per second over 10 ms ticks, so high rates (100k/s) are
    /// reachable without one timer per update. A stall does not cause a burst: at most 100 ms
    /// worth of steps is caught up.
    private static func runFirehose(venue: FineryVenue, rate: FirehoseRate) async {
        let tick: Duration = .milliseconds(10)
        var last = ContinuousClock.now
        var owed: Int128 = 0  // steps × 1e9 not yet applied
        while true {
            do { try await Task.sleep(for: tick) } catch { return }
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
            if steps > 0 { await venue.randomWalk(steps: Int(steps)) }
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
