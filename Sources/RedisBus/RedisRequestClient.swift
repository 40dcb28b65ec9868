public import Logging
import NIOPosix
import Synchronization

/// Request/response Redis access for callers that need each answer (the command path's
/// idempotency store), as opposed to `RedisStreamWriter`'s fire-and-forget publishing.
///
/// hiredis is blocking, so every command runs on this client's own thread, never on the
/// cooperative pool. Requests that arrive while the thread is busy are sent together, as one
/// pipeline, on its next round: with many commands in flight (the command consumer runs keys
/// concurrently) that is one write and one read for all of them instead of one round trip each,
/// and Redis still runs each request's commands in order (a script stays atomic). The waiting
/// requests are bounded by the callers (the command consumer's `max_in_flight`). The connection
/// is opened lazily and re-opened after it broke; a request that met a broken connection fails
/// with `.connectionLost` and is not retried here, because only the caller knows whether
/// repeating it is safe.
public final class RedisRequestClient: Sendable {
    private struct Waiting {
        var commands: [[[UInt8]]]
        var continuation: CheckedContinuation<Result<[RedisReply], RedisError>, Never>
    }

    private struct Queue {
        var waiting: [Waiting] = []
        /// A round is scheduled or running on the thread; it takes whatever waits when it starts.
        var roundScheduled = false
    }

    private let endpoint: RedisEndpoint
    private let thread: NIOThreadPool
    private let logger: Logger
    private let connection = ConnectionBox()
    private let queue = Mutex(Queue())

    public init(endpoint: RedisEndpoint, logger: Logger) {
        self.endpoint = endpoint
        self.logger = logger
        thread = NIOThreadPool(numberOfThreads: 1)
        thread.start()
    }

    /// Sends one command and returns its reply (an error reply is `.error`, not a throw).
    public func send(_ args: [String]) async throws(RedisError) -> RedisReply {
        try await pipeline([args])[0]
    }

    /// Sends the commands in one round trip (with other callers' waiting requests, if any) and
    /// returns their replies in order.
    public func pipeline(_ commands: [[String]]) async throws(RedisError) -> [RedisReply] {
        let bytes = commands.map { $0.map { Array($0.utf8) } }
        let result = await withCheckedContinuation { continuation in
            let schedule = queue.withLock { queue -> Bool in
                queue.waiting.append(Waiting(commands: bytes, continuation: continuation))
                defer { queue.roundScheduled = true }
                return !queue.roundScheduled
            }
            if schedule { scheduleRound() }
        }
        return try result.get()
    }

    private func scheduleRound() {
        thread.submit { [self] state in
            guard case .active = state else {
                let waiting = queue.withLock { queue in
                    defer { queue = Queue() }
                    return queue.waiting
                }
                let closed = RedisError.connectionLost(endpoint: endpoint.description, reason: "client closed")
                for request in waiting { request.continuation.resume(returning: .failure(closed)) }
                return
            }
            runRounds()
        }
    }

    /// On the thread: sends what waits, hands out the replies, and goes on while more arrived.
    private func runRounds() {
        while true {
            let round = queue.withLock { queue -> [Waiting] in
                defer { queue.waiting = [] }
                if queue.waiting.isEmpty { queue.roundScheduled = false }
                return queue.waiting
            }
            guard !round.isEmpty else { return }
            let all = round.flatMap(\.commands)
            switch Result(catching: { () throws(RedisError) -> [RedisReply] in try run(all) }) {
            case .success(let replies):
                var next = replies.startIndex
                for request in round {
                    let end = next + request.commands.count
                    request.continuation.resume(returning: .success(Array(replies[next..<end])))
                    next = end
                }
            case .failure(let error):
                for request in round { request.continuation.resume(returning: .failure(error)) }
            }
        }
    }

    private func run(_ commands: [[[UInt8]]]) throws(RedisError) -> [RedisReply] {
        let open: RedisConnection
        if let existing = connection.connection {
            open = existing
        } else {
            open = try RedisConnection(endpoint)
            logger.info("Redis request connection open", metadata: ["endpoint": "\(endpoint)"])
            connection.connection = open
        }
        do {
            return try open.pipeline(commands)
        } catch {
            if case .connectionLost = error { connection.connection = nil }
            throw error
        }
    }

    public func close() async {
        try? await thread.shutdownGracefully()
        connection.connection = nil
        // A request queued after the last round (the pool no longer runs submissions).
        let waiting = queue.withLock { queue in
            defer { queue = Queue() }
            return queue.waiting
        }
        let closed = RedisError.connectionLost(endpoint: endpoint.description, reason: "client closed")
        for request in waiting { request.continuation.resume(returning: .failure(closed)) }
    }
}

/// The connection, touched only from the client's single thread.
private final class ConnectionBox: @unchecked Sendable {
    var connection: RedisConnection?
}
