public import Logging
import NIOPosix

/// Request/response Redis access for callers that need each answer (the command path's
/// idempotency store), as opposed to `RedisStreamWriter`'s fire-and-forget publishing.
///
/// hiredis is blocking, so every command runs on this client's own thread, one at a time, never on
/// the cooperative pool. The connection is opened lazily and re-opened after it broke; a command
/// that met a broken connection fails with `.connectionLost` and is not retried here, because
/// only the caller knows whether repeating it is safe.
public final class RedisRequestClient: Sendable {
    private let endpoint: RedisEndpoint
    private let thread: NIOThreadPool
    private let logger: Logger
    private let connection = ConnectionBox()

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

    /// Sends the commands in one round trip and returns their replies in order.
    public func pipeline(_ commands: [[String]]) async throws(RedisError) -> [RedisReply] {
        let box = connection
        let endpoint = endpoint
        let logger = logger
        let result: Result<[RedisReply], RedisError>
        do {
            result = try await thread.runIfActive { () -> Result<[RedisReply], RedisError> in
                Result { () throws(RedisError) -> [RedisReply] in
                    try Self.run(commands, on: box, endpoint: endpoint, logger: logger)
                }
            }
        } catch {
            throw .connectionLost(endpoint: endpoint.description, reason: "client closed")
        }
        return try result.get()
    }

    private static func run(_ commands: [[String]], on box: ConnectionBox, endpoint: RedisEndpoint, logger: Logger)
        throws(RedisError) -> [RedisReply]
    {
        let connection: RedisConnection
        if let open = box.connection {
            connection = open
        } else {
            connection = try RedisConnection(endpoint)
            logger.info("Redis request connection open", metadata: ["endpoint": "\(endpoint)"])
            box.connection = connection
        }
        do {
            return try connection.pipeline(commands.map { $0.map { Array($0.utf8) } })
        } catch {
            if case .connectionLost = error { box.connection = nil }
            throw error
        }
    }

    public func close() async {
        try? await thread.shutdownGracefully()
        connection.connection = nil
    }
}

/// The connection, touched only from the client's single thread.
private final class ConnectionBox: @unchecked Sendable {
    var connection: RedisConnection?
}
