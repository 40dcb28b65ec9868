public import Hummingbird
public import HummingbirdWebSocket
public import Logging
// NIOCore comes in through Hummingbird; `shouldUpgrade` hands the socket itself to the venue
// (remote address, abrupt close, pipeline handlers).
public import NIOCore
// ServiceLifecycle comes in through Hummingbird: a ServiceGroup lets `stop()` shut the server
// down gracefully instead of cancelling it.
import ServiceLifecycle
import Synchronization

public enum SimulatorServerError: Error, Sendable {
    /// `start()` was called while another `start()` was still binding.
    case alreadyStarting
    /// The server stopped before it was listening (e.g. the port was taken).
    case failedToStart(String)
}

/// A venue simulator's listener: one Hummingbird server on `host:port` answering HTTP and
/// WebSocket upgrades, started and stopped on demand. Port 0 binds a free port, which `start()`
/// reads back, so parallel tests never collide.
public final class SimulatorServer: Sendable {
    /// What `shouldUpgrade` decides for one upgrade request.
    public typealias Upgrade = ShouldUpgradeResult<WebSocketDataHandler<HTTP1WebSocketUpgradeChannel.Context>>

    private let logger: Logger
    private let makeApplication: @Sendable (_ onRunning: @escaping @Sendable (Int) -> Void) -> any Service
    private let state = Mutex(State())

    private struct State {
        var starting = false
        var port: Int?
        var serverTask: Task<Void, Never>?
        var serviceGroup: ServiceGroup?
        var backgroundTask: Task<Void, Never>?
    }

    /// - Parameters:
    ///   - responder: answers plain HTTP requests (and upgrade requests that `shouldUpgrade` refuses).
    ///   - maxFrameSize: the largest inbound WebSocket frame.
    ///   - shouldUpgrade: accepts or refuses one upgrade; an accepted one serves the socket.
    public init<Responder: HTTPResponder>(
        host: String, port: Int, responder: Responder, maxFrameSize: Int, logger: Logger,
        shouldUpgrade: @escaping @Sendable (HTTPRequest, any Channel) async -> Upgrade
    ) where Responder.Context: InitializableFromSource<ApplicationRequestContextSource> {
        self.logger = logger
        makeApplication = { onRunning in
            // No server-initiated pings: neither venue sends them (clients ping), and a pong reply
            // would count as inbound activity where a venue enforces an idle timeout.
            let webSocket = WebSocketServerConfiguration(
                maxFrameSize: maxFrameSize, autoPing: .disabled, closeTimeout: .seconds(2))
            return Application(
                responder: responder,
                server: .http1WebSocketUpgrade(configuration: .init(ws: webSocket)) { request, channel, _ in
                    await shouldUpgrade(request, channel)
                },
                configuration: .init(address: .hostname(host, port: port)),
                onServerRunning: { channel in onRunning(channel.localAddress?.port ?? 0) },
                logger: logger
            )
        }
    }

    /// The usual upgrade rule: a WebSocket on `path` only (the query ignored), counted, served by
    /// `serve`; anything else is answered as plain HTTP.
    public static func upgrade(
        _ request: HTTPRequest, onPath path: String, counters: SocketCounters,
        serve: @escaping @Sendable (WebSocketInboundStream, WebSocketOutboundWriter) async -> Void
    ) -> Upgrade {
        let requested = request.path.map { $0.split(separator: "?", maxSplits: 1).first.map(String.init) ?? $0 }
        guard requested == path else { return .dontUpgrade }
        counters.connectionsAccepted.add(1, ordering: .relaxed)
        return .upgrade([:]) { inbound, outbound, _ in await serve(inbound, outbound) }
    }

    /// The bound port while running, nil otherwise.
    public var port: Int? {
        state.withLock { $0.port }
    }

    /// Binds, serves in a background task, and returns the bound port once listening; then runs
    /// `background` (the venue's timers) until `stop()`. `onListening` is called once, when the
    /// server has just started. Calling it again while running returns the same port.
    public func start(
        background: @escaping @Sendable () async -> Void, onListening: (Int) -> Void
    ) async throws(SimulatorServerError) -> Int {
        let current = state.withLock { state -> Result<Int?, SimulatorServerError> in
            if let port = state.port { return .success(port) }
            if state.starting { return .failure(.alreadyStarting) }
            state.starting = true
            return .success(nil)
        }
        if let port = try current.get() { return port }

        let (listening, listeningContinuation) = AsyncThrowingStream.makeStream(of: Int.self)
        let application = makeApplication { port in listeningContinuation.yield(port) }
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
            state.withLock { $0.starting = false }
            throw .failedToStart(failure)
        }
        let backgroundTask = Task { await background() }
        state.withLock {
            $0.starting = false
            $0.port = port
            $0.serverTask = serverTask
            $0.serviceGroup = serviceGroup
            $0.backgroundTask = backgroundTask
        }
        onListening(port)
        return port
    }

    /// Stops the background work, lets `closeConnections` close every socket, then shuts the
    /// listener down; returns when the server is down.
    public func stop(closeConnections: () async -> Void) async {
        let (serverTask, serviceGroup, backgroundTask) = state.withLock { state in
            defer { state = State(starting: state.starting) }
            return (state.serverTask, state.serviceGroup, state.backgroundTask)
        }
        backgroundTask?.cancel()
        await closeConnections()
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

    /// Returns when the server started last has stopped (at once when it is not running).
    public func waitUntilStopped() async {
        let serverTask = state.withLock { $0.serverTask }
        await serverTask?.value
    }
}
