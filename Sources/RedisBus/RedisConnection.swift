import CHiredis
import Foundation

/// A Redis reply, copied out of hiredis.
public enum RedisReply: Sendable, Equatable {
    case status(String)
    case error(String)
    case integer(Int64)
    case bulk([UInt8])
    case array([RedisReply])
    case null

    public var string: String? {
        switch self {
        case .status(let s): s
        case .bulk(let b): String(decoding: b, as: UTF8.self)
        case .integer(let i): String(i)
        case .error, .array, .null: nil
        }
    }
}

public enum RedisError: Error, Sendable, Equatable, CustomStringConvertible {
    case connectFailed(endpoint: String, reason: String)
    /// The connection broke (I/O error, timeout, EOF); it must be re-established.
    case connectionLost(endpoint: String, reason: String)
    /// Redis answered a command with an error (e.g. WRONGTYPE); the connection is fine.
    case commandFailed(command: String, reply: String)

    public var description: String {
        switch self {
        case .connectFailed(let endpoint, let reason): "cannot connect to Redis at \(endpoint): \(reason)"
        case .connectionLost(let endpoint, let reason): "Redis connection to \(endpoint) lost: \(reason)"
        case .commandFailed(let command, let reply): "Redis \(command) failed: \(reply)"
        }
    }
}

/// Where and how to reach Redis. `password` comes from the environment or a secret file, never
/// from committed config, and is never logged (`description` omits it).
public struct RedisEndpoint: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var password: String?
    public var database: Int
    public var timeout: Duration
    /// Shown by `CLIENT LIST`, so operators can tell the bridge's connections apart.
    public var clientName: String?

    public init(
        host: String = "127.0.0.1", port: Int = 6379, password: String? = nil, database: Int = 0,
        timeout: Duration = .seconds(2), clientName: String? = nil
    ) {
        self.host = host
        self.port = port
        self.password = password
        self.database = database
        self.timeout = timeout
        self.clientName = clientName
    }

    public var description: String { "\(host):\(port)/\(database)" }
}

/// One blocking hiredis connection. Not thread-safe: owned by exactly one thread (the writer's,
/// or a test's). Every command is sent with `redisAppendCommandArgv`, which is binary-safe.
public final class RedisConnection {
    private var context: UnsafeMutablePointer<redisContext>
    public let endpoint: RedisEndpoint

    public init(_ endpoint: RedisEndpoint) throws(RedisError) {
        self.endpoint = endpoint
        let tv = timeval(duration: endpoint.timeout)
        guard let context = redisConnectWithTimeout(endpoint.host, Int32(endpoint.port), tv) else {
            throw .connectFailed(endpoint: endpoint.description, reason: "out of memory")
        }
        if context.pointee.err != 0 {
            let reason = Self.errorString(context)
            redisFree(context)
            throw .connectFailed(endpoint: endpoint.description, reason: reason)
        }
        self.context = context
        redisSetTimeout(context, tv)
        redisEnableKeepAlive(context)
        do {
            if let password = endpoint.password {
                try expectOK(try command(["AUTH", password]), command: "AUTH")
            }
            if let name = endpoint.clientName {
                try expectOK(try command(["CLIENT", "SETNAME", name]), command: "CLIENT SETNAME")
            }
            if endpoint.database != 0 {
                try expectOK(try command(["SELECT", String(endpoint.database)]), command: "SELECT")
            }
        } catch {
            throw .connectFailed(endpoint: endpoint.description, reason: error.description)
        }
    }

    deinit {
        redisFree(context)
    }

    public func command(_ args: [String]) throws(RedisError) -> RedisReply {
        try pipeline([args.map { Array($0.utf8) }])[0]
    }

    /// Sends every command, then reads every reply (one round trip for the batch).
    /// Error replies are returned as `.error`; a broken connection throws `.connectionLost`, after
    /// which this connection is unusable.
    public func pipeline(_ commands: [[[UInt8]]]) throws(RedisError) -> [RedisReply] {
        for args in commands {
            append(args)
        }
        var replies: [RedisReply] = []
        replies.reserveCapacity(commands.count)
        for _ in commands {
            var raw: UnsafeMutableRawPointer?
            guard redisGetReply(context, &raw) == REDIS_OK, let raw else {
                throw .connectionLost(endpoint: endpoint.description, reason: Self.errorString(context))
            }
            let reply = raw.assumingMemoryBound(to: redisReply.self)
            replies.append(RedisReply(copying: reply))
            freeReplyObject(raw)
        }
        return replies
    }

    private func append(_ args: [[UInt8]]) {
        // hiredis wants parallel arrays of pointers and lengths; the bytes stay alive for the call.
        let lengths = args.map(\.count)
        withPointers(args) { pointers in
            var pointers = pointers
            _ = redisAppendCommandArgv(context, Int32(args.count), &pointers, lengths)
        }
    }

    private func expectOK(_ reply: RedisReply, command: String) throws(RedisError) {
        if case .error(let message) = reply { throw .commandFailed(command: command, reply: message) }
    }

    private static func errorString(_ context: UnsafeMutablePointer<redisContext>) -> String {
        withUnsafeBytes(of: context.pointee.errstr) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
    }
}

private func withPointers<R>(_ args: [[UInt8]], _ body: ([UnsafePointer<CChar>?]) -> R) -> R {
    func go(_ index: Int, _ acc: inout [UnsafePointer<CChar>?]) -> R {
        if index == args.count { return body(acc) }
        return args[index].withUnsafeBufferPointer { buffer in
            // An empty argument still needs a valid pointer; its length (0) is what counts.
            acc.append(
                buffer.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) }
                    ?? UnsafePointer(bitPattern: 1))
            return go(index + 1, &acc)
        }
    }
    var acc: [UnsafePointer<CChar>?] = []
    acc.reserveCapacity(args.count)
    return go(0, &acc)
}

extension RedisReply {
    init(copying reply: UnsafeMutablePointer<redisReply>) {
        let r = reply.pointee
        func text() -> String {
            guard let str = r.str else { return "" }
            return String(decoding: UnsafeRawBufferPointer(start: str, count: r.len), as: UTF8.self)
        }
        switch r.type {
        case REDIS_REPLY_STATUS: self = .status(text())
        case REDIS_REPLY_ERROR: self = .error(text())
        case REDIS_REPLY_INTEGER: self = .integer(r.integer)
        case REDIS_REPLY_STRING:
            self = .bulk(r.str.map { Array(UnsafeRawBufferPointer(start: $0, count: r.len)) } ?? [])
        case REDIS_REPLY_ARRAY:
            self = .array((0..<r.elements).compactMap { i in r.element[i].map { RedisReply(copying: $0) } })
        default: self = .null
        }
    }
}

extension timeval {
    init(duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self.init(tv_sec: Int(seconds), tv_usec: Int(attoseconds / 1_000_000_000_000))
    }
}
