import Foundation
public import RedisBus
public import VenueBridgeCore

/// Where a command is in its life. `received` means claimed and nothing sent; `sent` is written
/// *before* the venue call, so a record found in `sent` after a crash may have reached the venue
/// and is resolved by query, never by sending again.
public enum CommandState: String, Sendable, Codable, Hashable {
    case received
    case sent
    case acked
    case rejected
    case unknown

    public var isFinal: Bool { self == .acked || self == .rejected || self == .unknown }
}

/// A DLQ copy still to be produced: the error it carries (the message is the one being handled).
public struct PendingDeadLetter: Sendable, Codable, Hashable {
    public var code: String
    public var message: String

    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }
}

/// The value of `vb:idem:<idempotency_key>`: one JSON document.
public struct IdempotencyRecord: Sendable, Codable, Hashable {
    public var state: CommandState
    /// `OrderCommand.fingerprint` (or a digest of the raw bytes for a command that did not decode).
    public var fingerprint: String
    public var type: CommandType?
    public var venue: VenueID?
    public var account: String?
    public var instrument: String?
    /// The venue client order id the command uses (derived or given), stored before any send.
    public var clientOrderId: String?
    public var venueOrderId: String?
    public var side: Side?
    public var orderType: OrderType?
    /// The command's answer once final: republished as is (marked duplicate) for a replay.
    public var answer: ExecutionReport?
    /// The answer reached Kafka (delivery confirmed). A replay of an unpublished final record
    /// publishes the answer as the original, not as a duplicate.
    public var published: Bool
    /// The command's DLQ copy, when it has one, until it is confirmed on Kafka. Written with the
    /// final state, before the copy is produced: a replay (after a DLQ failure or a crash) finds
    /// it and produces the copy before answering. Absent in records of commands without a copy
    /// (and in records written before this field existed).
    public var deadLetter: PendingDeadLetter?
    /// The bridge instance working on the command, and until when it may (ms since the epoch):
    /// another instance takes over an unfinished command only after the lease ran out.
    public var owner: String
    public var leaseUntilMs: Int64
    public var createdMs: Int64
    public var updatedMs: Int64

    public init(
        state: CommandState, fingerprint: String, type: CommandType?, venue: VenueID?, account: String?,
        instrument: String?, clientOrderId: String?,
        side: Side?, orderType: OrderType?, owner: String, leaseUntilMs: Int64, nowMs: Int64
    ) {
        self.state = state
        self.fingerprint = fingerprint
        self.type = type
        self.venue = venue
        self.account = account
        self.instrument = instrument
        self.clientOrderId = clientOrderId
        self.side = side
        self.orderType = orderType
        self.published = false
        self.owner = owner
        self.leaseUntilMs = leaseUntilMs
        self.createdMs = nowMs
        self.updatedMs = nowMs
    }
}

public enum IdempotencyStoreError: Error, Sendable, Equatable, CustomStringConvertible {
    case redis(RedisError)
    /// The stored value is not a record we can read (written by something else, or corrupted).
    case unreadableRecord(key: String, reason: String)
    /// A compare-and-set found a value other than the one this instance last wrote: someone else
    /// changed the record (another instance took the command over).
    case lostRace(key: String)

    public var description: String {
        switch self {
        case .redis(let error): "idempotency store: \(error)"
        case .unreadableRecord(let key, let reason): "idempotency record \(key) unreadable: \(reason)"
        case .lostRace(let key): "idempotency record \(key) was changed by another instance"
        }
    }
}

/// A record as read, with its exact stored text: the compare-and-set compares that text.
public struct StoredRecord: Sendable, Hashable {
    public var record: IdempotencyRecord
    public var raw: String
}

/// The Redis side of exactly-once: `SET NX` claims a key, a compare-and-set script moves it on.
public struct IdempotencyStore: Sendable {
    public static func redisKey(_ idempotencyKey: String) -> String { "vb:idem:\(idempotencyKey)" }

    /// Replaces the value only if it is still exactly what we last saw; keeps the TTL.
    static let compareAndSetScript = """
        if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('SET', KEYS[1], ARGV[2], 'KEEPTTL') return 1 end return 0
        """

    private let redis: RedisRequestClient
    public let ttl: Duration

    public init(redis: RedisRequestClient, ttl: Duration) {
        self.redis = redis
        self.ttl = ttl
    }

    public enum ClaimResult: Sendable {
        case created(StoredRecord)
        case existing(StoredRecord)
    }

    /// Creates the record if the key is new (`SET NX PX ttl`), else returns the stored one.
    public func claim(_ idempotencyKey: String, _ record: IdempotencyRecord) async throws(IdempotencyStoreError)
        -> ClaimResult
    {
        let key = Self.redisKey(idempotencyKey)
        let raw = try Self.encode(record)
        let ttlMs = max(1, ttl.inMilliseconds)
        // A key can expire between a refused SET NX and the GET: try again then.
        for _ in 0..<3 {
            let reply = try await send(["SET", key, raw, "NX", "PX", String(ttlMs)])
            if case .status = reply { return .created(StoredRecord(record: record, raw: raw)) }
            if let existing = try await get(idempotencyKey) { return .existing(existing) }
        }
        throw .redis(.commandFailed(command: "SET NX", reply: "key \(key) kept appearing and vanishing"))
    }

    public func get(_ idempotencyKey: String) async throws(IdempotencyStoreError) -> StoredRecord? {
        let key = Self.redisKey(idempotencyKey)
        guard let raw = try await send(["GET", key]).string else { return nil }
        do {
            return StoredRecord(
                record: try JSONDecoder().decode(IdempotencyRecord.self, from: Data(raw.utf8)), raw: raw)
        } catch {
            throw .unreadableRecord(key: key, reason: "\(error)")
        }
    }

    /// Moves `current` to `next` if nobody changed it meanwhile; returns the new stored form.
    public func update(_ idempotencyKey: String, from current: StoredRecord, to next: IdempotencyRecord)
        async throws(IdempotencyStoreError) -> StoredRecord
    {
        var next = next
        next.updatedMs = wallClockNanos() / 1_000_000
        let raw = try Self.encode(next)
        let key = Self.redisKey(idempotencyKey)
        let reply = try await send(["EVAL", Self.compareAndSetScript, "1", key, current.raw, raw])
        guard reply == .integer(1) else { throw .lostRace(key: key) }
        return StoredRecord(record: next, raw: raw)
    }

    private func send(_ args: [String]) async throws(IdempotencyStoreError) -> RedisReply {
        let reply: RedisReply
        do {
            reply = try await redis.send(args)
        } catch {
            throw .redis(error)
        }
        if case .error(let message) = reply { throw .redis(.commandFailed(command: args[0], reply: message)) }
        return reply
    }

    private static func encode(_ record: IdempotencyRecord) throws(IdempotencyStoreError) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        do {
            return String(decoding: try encoder.encode(record), as: UTF8.self)
        } catch {
            throw .unreadableRecord(key: "-", reason: "cannot encode: \(error)")
        }
    }
}
