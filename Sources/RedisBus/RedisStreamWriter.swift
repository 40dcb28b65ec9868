import DequeModule
import Foundation
public import Logging
public import Metrics
import Synchronization

/// One Redis command, as binary-safe arguments.
public struct RedisCommand: Sendable, Equatable {
    public var args: [[UInt8]]

    public init(_ args: [[UInt8]]) { self.args = args }
    public init(_ args: [String]) { self.args = args.map { Array($0.utf8) } }

    /// `XADD stream MAXLEN ~ maxLength * field value …` (approximate trimming: O(1) amortized).
    public static func xadd(stream: String, maxLength: Int, fields: [(String, [UInt8])]) -> RedisCommand {
        var args: [[UInt8]] = [
            Array("XADD".utf8), Array(stream.utf8), Array("MAXLEN".utf8), [UInt8(ascii: "~")],
            Array(String(maxLength).utf8), [UInt8(ascii: "*")],
        ]
        args.reserveCapacity(args.count + fields.count * 2)
        for (name, value) in fields {
            args.append(Array(name.utf8))
            args.append(value)
        }
        return RedisCommand(args)
    }

    /// `HSET key field value …`
    public static func hset(key: String, fields: [(String, String)]) -> RedisCommand {
        var args: [[UInt8]] = [Array("HSET".utf8), Array(key.utf8)]
        for (name, value) in fields {
            args.append(Array(name.utf8))
            args.append(Array(value.utf8))
        }
        return RedisCommand(args)
    }

    /// `HINCRBY key field by`
    public static func hincrby(key: String, field: String, by: Int) -> RedisCommand {
        RedisCommand(["HINCRBY", key, field, String(by)])
    }

    var name: String { args.first.map { String(decoding: $0, as: UTF8.self) } ?? "?" }
}

/// Writes commands to Redis from a bounded buffer on a dedicated thread, pipelined in batches.
/// The thread runs until `close` is called.
///
/// Redis is a secondary sink (Kafka is the system of record), so it must never stall the caller:
/// - `enqueue` never blocks; when the buffer is full the **oldest** command is dropped and counted
///   (`vb_redis_dropped_total`) — for dashboards the newest state matters most.
/// - While Redis is down the thread reconnects with exponential backoff; commands wait in the
///   buffer meanwhile (and the oldest are dropped once it is full).
/// - A batch whose replies were not all read when the connection broke is written again after
///   reconnecting: delivery to Redis is at-least-once, and stream entries carry `seq` to dedupe.
public final class RedisStreamWriter: Sendable {
    public struct Configuration: Sendable {
        public var endpoint: RedisEndpoint
        /// Commands buffered at most (the overflow bound).
        public var bufferCapacity: Int
        /// Commands sent per pipeline round trip at most.
        public var batchSize: Int
        public var reconnectInitialDelay: Duration
        public var reconnectMaxDelay: Duration

        public init(
            endpoint: RedisEndpoint, bufferCapacity: Int = 100_000, batchSize: Int = 256,
            reconnectInitialDelay: Duration = .milliseconds(100), reconnectMaxDelay: Duration = .seconds(5)
        ) {
            self.endpoint = endpoint
            self.bufferCapacity = max(1, bufferCapacity)
            self.batchSize = max(1, batchSize)
            self.reconnectInitialDelay = reconnectInitialDelay
            self.reconnectMaxDelay = reconnectMaxDelay
        }
    }

    private struct Buffer {
        var commands: Deque<RedisCommand> = []
        /// Taken by the writer thread and not yet confirmed. Out of `commands`, so that overflow
        /// drops never touch a batch on the wire.
        var inFlight = 0
        var stopDeadline: ContinuousClock.Instant?
    }

    private let configuration: Configuration
    private let logger: Logger
    private let buffer = Mutex(Buffer())
    private let wakeUp = DispatchSemaphore(value: 0)
    private let exited = DispatchSemaphore(value: 0)
    private let connected = Atomic<Bool>(false)
    private let metrics: RedisWriterMetrics

    public init(
        configuration: Configuration, logger: Logger, metricsFactory: any MetricsFactory = MetricsSystem.factory
    ) {
        self.configuration = configuration
        self.logger = logger
        self.metrics = RedisWriterMetrics(factory: metricsFactory)
        let thread = Thread { [self] in writeLoop() }
        thread.name = "redis-writer"
        thread.start()
    }

    /// Whether the writer currently holds a working connection.
    public var isConnected: Bool { connected.load(ordering: .relaxed) }

    /// Commands not yet confirmed by Redis (waiting or in flight).
    public var bufferedCount: Int { buffer.withLock { $0.commands.count + $0.inFlight } }

    /// Adds commands to the buffer; never blocks. Returns how many older commands were dropped to make room.
    @discardableResult
    public func enqueue(_ commands: some Collection<RedisCommand>) -> Int {
        let (dropped, wasEmpty, depth) = buffer.withLock { state -> (Int, Bool, Int) in
            guard state.stopDeadline == nil else { return (commands.count, false, state.commands.count) }
            let wasEmpty = state.commands.isEmpty
            state.commands.append(contentsOf: commands)
            var dropped = 0
            while state.commands.count > configuration.bufferCapacity {
                state.commands.removeFirst()
                dropped += 1
            }
            return (dropped, wasEmpty, state.commands.count)
        }
        metrics.bufferDepth.record(depth)
        if dropped > 0 { metrics.dropped.increment(by: Int64(dropped)) }
        if wasEmpty { wakeUp.signal() }
        return dropped
    }

    @discardableResult
    public func enqueue(_ command: RedisCommand) -> Int { enqueue(CollectionOfOne(command)) }

    /// Stops intake and waits (off the cooperative pool) until the buffer is written or
    /// `drainTimeout` passes; what is left then is dropped and counted.
    public func close(drainTimeout: Duration) async {
        let alreadyStopping = buffer.withLock { state -> Bool in
            if state.stopDeadline != nil { return true }
            state.stopDeadline = .now + drainTimeout
            return false
        }
        guard !alreadyStopping else { return }
        wakeUp.signal()
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            Thread.detachNewThread { [exited] in
                exited.wait()
                continuation.resume()
            }
        }
    }

    // MARK: - The writer thread

    private func writeLoop() {
        var connection: RedisConnection?
        var backoff = configuration.reconnectInitialDelay
        var everConnected = false
        while true {
            let (waiting, deadline) = buffer.withLock { ($0.commands.isEmpty, $0.stopDeadline) }
            if let deadline, waiting || ContinuousClock.now >= deadline {
                let abandoned = buffer.withLock { state in
                    defer { state.commands.removeAll() }
                    return state.commands.count
                }
                if abandoned > 0 {
                    metrics.dropped.increment(by: Int64(abandoned))
                    logger.warning(
                        "Redis writer stopped with unwritten commands", metadata: ["dropped": "\(abandoned)"])
                }
                break
            }
            if waiting {
                _ = wakeUp.wait(timeout: .now() + .milliseconds(200))
                continue
            }
            if connection == nil {
                do {
                    connection = try RedisConnection(configuration.endpoint)
                    connected.store(true, ordering: .relaxed)
                    metrics.connected.record(1)
                    if everConnected { metrics.reconnects.increment() }
                    everConnected = true
                    backoff = configuration.reconnectInitialDelay
                    logger.info("Redis connected", metadata: ["endpoint": "\(configuration.endpoint)"])
                } catch {
                    metrics.errors.increment()
                    logger.warning(
                        "Redis unavailable, retrying", metadata: ["error": "\(error)", "retry_in": "\(backoff)"])
                    sleepInterruptibly(backoff)
                    backoff = min(backoff * 2, configuration.reconnectMaxDelay)
                    continue
                }
            }
            let batch = buffer.withLock { state in
                let batch = Array(state.commands.prefix(configuration.batchSize))
                state.commands.removeFirst(batch.count)
                state.inFlight = batch.count
                return batch
            }
            do {
                let replies = try connection!.pipeline(batch.map(\.args))
                buffer.withLock { $0.inFlight = 0 }
                metrics.written.increment(by: Int64(batch.count))
                for (command, reply) in zip(batch, replies) {
                    if case .error(let message) = reply {
                        // Not retried: the same command would fail the same way (e.g. WRONGTYPE).
                        metrics.errors.increment()
                        logger.error(
                            "Redis rejected a command", metadata: ["command": "\(command.name)", "reply": "\(message)"])
                    }
                }
                metrics.bufferDepth.record(bufferedCount)
            } catch {
                // Back to the head of the buffer, to be written again after reconnecting; if that
                // overflows the bound, the oldest go, counted like any other overflow.
                let dropped = buffer.withLock { state -> Int in
                    state.inFlight = 0
                    state.commands.insert(contentsOf: batch, at: 0)
                    var dropped = 0
                    while state.commands.count > configuration.bufferCapacity {
                        state.commands.removeFirst()
                        dropped += 1
                    }
                    return dropped
                }
                if dropped > 0 { metrics.dropped.increment(by: Int64(dropped)) }
                metrics.errors.increment()
                logger.warning("Redis connection lost", metadata: ["error": "\(error)"])
                connection = nil
                connected.store(false, ordering: .relaxed)
                metrics.connected.record(0)
            }
        }
        connected.store(false, ordering: .relaxed)
        exited.signal()
    }

    /// Sleeps for `duration`, or until the drain deadline of `close` if that comes first.
    private func sleepInterruptibly(_ duration: Duration) {
        let end = ContinuousClock.now + duration
        while true {
            let deadline = buffer.withLock(\.stopDeadline).map { min($0, end) } ?? end
            guard ContinuousClock.now < deadline else { return }
            _ = wakeUp.wait(timeout: .now() + .milliseconds(50))
        }
    }
}

struct RedisWriterMetrics: Sendable {
    let written: Counter
    let dropped: Counter
    let errors: Counter
    let reconnects: Counter
    let bufferDepth: Gauge
    let connected: Gauge

    init(factory: any MetricsFactory) {
        written = Counter(label: "vb_redis_commands_written_total", factory: factory)
        dropped = Counter(label: "vb_redis_dropped_total", factory: factory)
        errors = Counter(label: "vb_redis_errors_total", factory: factory)
        reconnects = Counter(label: "vb_redis_reconnects_total", factory: factory)
        bufferDepth = Gauge(label: "vb_redis_buffer_depth", factory: factory)
        connected = Gauge(label: "vb_redis_connected", factory: factory)
    }
}
