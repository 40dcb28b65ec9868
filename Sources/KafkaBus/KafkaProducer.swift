// File length: librdkafka's handle, its poll thread and its delivery-report callback share one C lifetime; they stay
// in the file that owns it.
import CRdKafka
import Foundation
public import Logging
public import Metrics
import Synchronization

/// One Kafka message header.
public struct KafkaHeader: Sendable, Hashable {
    public var name: String
    public var value: [UInt8]

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = Array(value.utf8)
    }

    public init(_ name: String, bytes: [UInt8]) {
        self.name = name
        self.value = bytes
    }
}

/// One message to produce.
public struct KafkaRecord: Sendable {
    public var topic: String
    public var key: [UInt8]?
    public var value: [UInt8]
    public var headers: [KafkaHeader]

    public init(topic: String, key: [UInt8]?, value: [UInt8], headers: [KafkaHeader] = []) {
        self.topic = topic
        self.key = key
        self.value = value
        self.headers = headers
    }
}

/// The result of a non-blocking enqueue.
public enum ProduceOutcome: Sendable, Equatable {
    case enqueued
    /// librdkafka's local queue is full (`queue.buffering.max.messages`/`.kbytes`): retry later
    /// or apply a policy. Nothing was enqueued.
    case queueFull
}

/// A librdkafka producer made safe for Swift concurrency.
///
/// - `produce` never blocks: it enqueues into librdkafka's bounded queue or reports `.queueFull`.
/// - Delivery reports are served by a dedicated poll thread (never the cooperative pool).
/// - Per-message confirmation is available for callers that must know a message is durable
///   (the command path commits offsets only then).
public final class KafkaProducer: @unchecked Sendable {
    // @unchecked: `client` is thread-safe by librdkafka's contract; mutable Swift state is in Mutexes.
    public struct Configuration: Sendable {
        public var properties: KafkaProperties
        /// Topic-level librdkafka properties for some topics, over the defaults (e.g.
        /// `message.timeout.ms: 0` — never time out — for the topics whose events must not be
        /// lost to an outage; EventTopics.durableProperties).
        public var topicProperties: [String: KafkaProperties] = [:]
        /// How long one `rd_kafka_poll` waits on the poll thread.
        public var pollInterval: Duration = .milliseconds(50)
        /// Tells this producer's `vb_kafka_out_queue_messages{producer}` from another's.
        public var name: String = "events"

        /// Our defaults; anything in `properties` overrides them.
        public static let defaultProperties: KafkaProperties = [
            "enable.idempotence": "true",
            "compression.type": "lz4",
            "linger.ms": "5",
            "message.timeout.ms": "120000",
        ]

        public init(properties: KafkaProperties, pollInterval: Duration = .milliseconds(50)) {
            self.properties = Self.defaultProperties.merging(properties) { _, override in override }
            self.pollInterval = pollInterval
        }
    }

    public typealias DeliveryCompletion = @Sendable (Result<Void, KafkaError>) -> Void

    private let client: OpaquePointer
    private let logger: Logger
    private let metrics: KafkaProducerMetrics
    private let topicHandles = Mutex<[String: OpaquePointer]>([:])
    private let topicProperties: [String: KafkaProperties]
    private let pollLoop = PollLoopControl()
    private let isClosed = Atomic<Bool>(false)
    private let pollTimeoutMs: Int32

    public init(
        configuration: Configuration, logger: Logger, metricsFactory: any MetricsFactory = MetricsSystem.factory
    ) throws(KafkaError) {
        var conf = try KafkaConf(configuration.properties)
        // Checked now, so that a bad topic property is a configuration error, not a failed produce.
        for properties in configuration.topicProperties.values { _ = try KafkaTopicConf(properties) }
        topicProperties = configuration.topicProperties
        self.logger = logger
        self.metrics = KafkaProducerMetrics(factory: metricsFactory, producer: configuration.name)
        self.pollTimeoutMs = configuration.pollInterval.librdkafkaMilliseconds
        // The callbacks find their way back to this object through the conf opaque. The reference
        // is unretained: the poll thread that serves callbacks is joined before `self` goes away.
        let context = DeliveryContext(logger: logger, metrics: metrics, hidden: conf.hidden)
        rd_kafka_conf_set_opaque(conf.handle, Unmanaged.passRetained(context).toOpaque())
        rd_kafka_conf_set_dr_msg_cb(conf.handle, kafkaDeliveryReport)
        rd_kafka_conf_set_error_cb(conf.handle, kafkaClientError)
        rd_kafka_conf_set_log_cb(conf.handle, kafkaLog)
        _ = try? conf.set("log.queue", "false")
        self.client = try conf.makeClient(RD_KAFKA_PRODUCER)
        startPollThread()
    }

    deinit {
        // Stopping the poll thread and destroying the client both block (see KafkaTeardown).
        let wasOpen = !isClosed.exchange(true, ordering: .acquiringAndReleasing)
        let pollLoop = self.pollLoop
        let client = SendableHandle(self.client)
        let topics = topicHandles.withLock { $0.values.map(SendableHandle.init) }
        let context = rd_kafka_opaque(client.pointer).map(SendableRawPointer.init)
        KafkaTeardown.detach {
            if wasOpen { pollLoop.stopAndJoin() }
            for topic in topics { rd_kafka_topic_destroy(topic.pointer) }
            rd_kafka_destroy(client.pointer)
            if let context { Unmanaged<DeliveryContext>.fromOpaque(context.pointer).release() }
        }
    }

    /// Enqueues a message without blocking. `completion`, when given, runs on the poll thread once
    /// the broker acknowledged (or finally failed) the message; keep it short.
    public func produce(_ record: KafkaRecord, completion: DeliveryCompletion? = nil) throws(KafkaError)
        -> ProduceOutcome
    {
        guard !isClosed.load(ordering: .relaxed) else { throw .closed }
        let topic = topicHandle(record.topic)
        let ticket = DeliveryTicket(enqueuedAt: DispatchTime.now().uptimeNanoseconds, completion: completion)
        let opaque = Unmanaged.passRetained(ticket).toOpaque()

        let error: OpaquePointer? = record.value.withUnsafeBytes { value in
            withOptionalBytes(record.key) { key in
                withHeaderEntries(record.headers) { headerEntries in
                    var vus = [rd_kafka_vu_t](repeating: rd_kafka_vu_t(), count: 5 + headerEntries.count)
                    vus[0].vtype = RD_KAFKA_VTYPE_RKT
                    vus[0].u.rkt = topic
                    vus[1].vtype = RD_KAFKA_VTYPE_VALUE
                    vus[1].u.mem.ptr = UnsafeMutableRawPointer(mutating: value.baseAddress)
                    vus[1].u.mem.size = value.count
                    vus[2].vtype = RD_KAFKA_VTYPE_KEY
                    vus[2].u.mem.ptr = UnsafeMutableRawPointer(mutating: key?.baseAddress)
                    vus[2].u.mem.size = key?.count ?? 0
                    vus[3].vtype = RD_KAFKA_VTYPE_OPAQUE
                    vus[3].u.ptr = opaque
                    // COPY: librdkafka copies payload and key, so Swift buffers can go right away.
                    vus[4].vtype = RD_KAFKA_VTYPE_MSGFLAGS
                    vus[4].u.i = RD_KAFKA_MSG_F_COPY
                    for (i, entry) in headerEntries.enumerated() {
                        vus[5 + i].vtype = RD_KAFKA_VTYPE_HEADER
                        vus[5 + i].u.header.name = entry.name
                        vus[5 + i].u.header.val = entry.val
                        vus[5 + i].u.header.size = entry.size
                    }
                    return rd_kafka_produceva(client, vus, vus.count)
                }
            }
        }
        guard let error else {
            metrics.enqueued.increment()
            return .enqueued
        }
        defer { rd_kafka_error_destroy(error) }
        Unmanaged<DeliveryTicket>.fromOpaque(opaque).release()
        let code = rd_kafka_error_code(error)
        if code == RD_KAFKA_RESP_ERR__QUEUE_FULL {
            metrics.queueFull.increment()
            return .queueFull
        }
        metrics.enqueueFailures.increment()
        throw .produceFailed(
            topic: record.topic, code: code.rawValue, reason: String(cString: rd_kafka_error_string(error)))
    }

    /// Produces and waits for the broker's acknowledgement. A full local queue is retried every
    /// `retryInterval` (backpressure to the caller). Once enqueued the message is librdkafka's:
    /// cancelling the caller then stops nothing, so the wait for the outcome is not cancellable.
    public func produceAndConfirm(_ record: KafkaRecord, retryInterval: Duration = .milliseconds(2))
        async throws(KafkaError)
    {
        let outcome = OneShot<Result<Void, KafkaError>>()
        while try produce(record, completion: { outcome.fulfil($0) }) == .queueFull {
            do { try await Task.sleep(for: retryInterval) } catch { throw .closed }
        }
        try await outcome.value.get()
    }

    /// Messages enqueued but not yet acknowledged (librdkafka's out queue).
    public var outstandingMessages: Int { Int(rd_kafka_outq_len(client)) }

    /// Waits up to `timeout` for every outstanding message to be delivered; returns how many are left.
    /// Blocking: call from a thread you own, or through `flush(timeout:) async`.
    @discardableResult
    public func flushBlocking(timeout: Duration) -> Int {
        _ = rd_kafka_flush(client, timeout.librdkafkaMilliseconds)
        return outstandingMessages
    }

    /// Flushes without blocking the cooperative pool.
    @discardableResult
    public func flush(timeout: Duration) async -> Int {
        await onDedicatedThread { [self] in flushBlocking(timeout: timeout) }
    }

    /// Stops intake, flushes for up to `flushTimeout`, stops the poll thread. Idempotent.
    /// Messages still undelivered after the timeout are failed by librdkafka at destroy time
    /// (their completions run with an error) and counted.
    public func close(flushTimeout: Duration) {
        guard !isClosed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        let left = flushBlocking(timeout: flushTimeout)
        if left > 0 {
            logger.warning("Kafka producer closing with undelivered messages", metadata: ["undelivered": "\(left)"])
        }
        pollLoop.stopAndJoin()
    }

    /// Whether a broker answers a metadata request within `timeout` (readiness probes).
    /// The blocking request runs on a thread of its own.
    public func brokersReachable(timeout: Duration) async -> Bool {
        let handle = SendableHandle(client)
        let ms = timeout.librdkafkaMilliseconds
        return await onDedicatedThread {
            var metadata: UnsafePointer<rd_kafka_metadata>?
            let code = rd_kafka_metadata(handle.pointer, 0, nil, &metadata, ms)
            if let metadata { rd_kafka_metadata_destroy(metadata) }
            return code == RD_KAFKA_RESP_ERR_NO_ERROR
        }
    }

    /// librdkafka's own name for this client (useful in logs).
    public var name: String { String(cString: rd_kafka_name(client)) }

    private func topicHandle(_ name: String) -> OpaquePointer {
        topicHandles.withLock { handles in
            if let handle = handles[name] { return handle }
            // `rd_kafka_topic_new` takes the topic conf; properties were checked in init.
            let conf = topicProperties[name].flatMap { try? KafkaTopicConf($0).take() }
            let handle = rd_kafka_topic_new(client, name, conf)!
            handles[name] = handle
            return handle
        }
    }

    private func startPollThread() {
        let client = SendableHandle(client)
        let timeout = pollTimeoutMs
        let thread = Thread { [pollLoop, metrics] in
            let client = client.pointer
            while !pollLoop.shouldStop {
                rd_kafka_poll(client, timeout)
                metrics.outQueueDepth.record(Int(rd_kafka_outq_len(client)))
            }
            // Serve what is left so every completion runs before the client goes away.
            rd_kafka_poll(client, 0)
            pollLoop.markExited()
        }
        thread.name = "kafka-producer-poll"
        thread.start()
    }
}

/// Metrics of one producer. Labels are kept to the topic at most to bound cardinality.
struct KafkaProducerMetrics: Sendable {
    let enqueued: Counter
    let delivered: Counter
    let deliveryFailures: Counter
    let enqueueFailures: Counter
    let queueFull: Counter
    let deliveryLatency: Timer
    let outQueueDepth: Gauge

    init(factory: any MetricsFactory, producer: String) {
        enqueued = Counter(label: "vb_kafka_enqueued_total", factory: factory)
        delivered = Counter(label: "vb_kafka_delivered_total", factory: factory)
        deliveryFailures = Counter(label: "vb_kafka_delivery_failures_total", factory: factory)
        enqueueFailures = Counter(label: "vb_kafka_enqueue_failures_total", factory: factory)
        queueFull = Counter(label: "vb_kafka_queue_full_total", factory: factory)
        deliveryLatency = Timer(
            label: "vb_kafka_delivery_latency_seconds", preferredDisplayUnit: .seconds, factory: factory)
        outQueueDepth = Gauge(
            label: "vb_kafka_out_queue_messages", dimensions: [("producer", producer)], factory: factory)
    }
}

/// Carried through librdkafka as the per-message opaque.
final class DeliveryTicket: Sendable {
    let enqueuedAt: UInt64
    let completion: KafkaProducer.DeliveryCompletion?

    init(enqueuedAt: UInt64, completion: KafkaProducer.DeliveryCompletion?) {
        self.enqueuedAt = enqueuedAt
        self.completion = completion
    }
}

/// Carried through librdkafka as a client's opaque, for the log callback every client sets.
class KafkaClientContext: @unchecked Sendable {
    let logger: Logger
    /// Values of non-printable properties: librdkafka's errors and logs may quote them (an
    /// unparsable `sasl.oauthbearer.config` is logged from where parsing stopped).
    let hidden: [String]

    init(logger: Logger, hidden: [String]) {
        self.logger = logger
        self.hidden = hidden
    }
}

/// The producer's opaque: the log context plus what delivery reports need.
final class DeliveryContext: KafkaClientContext, @unchecked Sendable {
    let metrics: KafkaProducerMetrics

    init(logger: Logger, metrics: KafkaProducerMetrics, hidden: [String]) {
        self.metrics = metrics
        super.init(logger: logger, hidden: hidden)
    }
}

private func kafkaDeliveryReport(
    _ client: OpaquePointer?, _ message: UnsafePointer<rd_kafka_message_t>?, _ opaque: UnsafeMutableRawPointer?
) {
    guard let message, let opaque, let ticketPointer = message.pointee._private else { return }
    let context = Unmanaged<DeliveryContext>.fromOpaque(opaque).takeUnretainedValue()
    let ticket = Unmanaged<DeliveryTicket>.fromOpaque(ticketPointer).takeRetainedValue()
    let code = message.pointee.err
    if code == RD_KAFKA_RESP_ERR_NO_ERROR {
        context.metrics.delivered.increment()
        let elapsed = DispatchTime.now().uptimeNanoseconds &- ticket.enqueuedAt
        context.metrics.deliveryLatency.recordNanoseconds(Int64(clamping: elapsed))
        ticket.completion?(.success(()))
    } else {
        let topic = message.pointee.rkt.map { String(cString: rd_kafka_topic_name($0)) } ?? "?"
        let reason = KafkaError.describe(code)
        context.metrics.deliveryFailures.increment()
        context.logger.error(
            "Kafka delivery failed", metadata: ["topic": "\(topic)", "code": "\(code.rawValue)", "reason": "\(reason)"])
        ticket.completion?(.failure(.deliveryFailed(topic: topic, code: code.rawValue, reason: reason)))
    }
}

private func kafkaClientError(
    _ client: OpaquePointer?, _ code: Int32, _ reason: UnsafePointer<CChar>?, _ opaque: UnsafeMutableRawPointer?
) {
    guard let opaque else { return }
    let context = Unmanaged<DeliveryContext>.fromOpaque(opaque).takeUnretainedValue()
    let text = KafkaPropertyPolicy.scrub(reason.map { String(cString: $0) } ?? "?", hiding: context.hidden)
    // Most client errors are transient (broker down, retried by librdkafka); fatal ones are not.
    if code == RD_KAFKA_RESP_ERR__FATAL.rawValue {
        context.logger.critical("Kafka producer fatal error", metadata: ["reason": "\(text)"])
    } else {
        context.logger.warning("Kafka client error", metadata: ["code": "\(code)", "reason": "\(text)"])
    }
}

/// librdkafka's log lines, producer's and consumer's, through swift-log with secrets scrubbed
/// (never librdkafka's own stderr printer, which would quote a bad secret as it is).
func kafkaLog(
    _ client: OpaquePointer?, _ level: Int32, _ facility: UnsafePointer<CChar>?, _ message: UnsafePointer<CChar>?
) {
    // Without log.queue, librdkafka logs from its own threads; route to stderr-free swift-log.
    guard let client, let opaque = rd_kafka_opaque(client) else { return }
    let context = Unmanaged<KafkaClientContext>.fromOpaque(opaque).takeUnretainedValue()
    let text = KafkaPropertyPolicy.scrub(message.map { String(cString: $0) } ?? "", hiding: context.hidden)
    let fac = facility.map { String(cString: $0) } ?? ""
    // syslog levels: 0–3 error, 4 warning, 5–6 notice/info, 7 debug.
    let swiftLevel: Logger.Level = level <= 3 ? .error : level == 4 ? .warning : level <= 6 ? .info : .debug
    context.logger.log(level: swiftLevel, "librdkafka: \(text)", metadata: ["facility": "\(fac)"])
}

func withOptionalBytes<R>(_ bytes: [UInt8]?, _ body: (UnsafeRawBufferPointer?) -> R) -> R {
    guard let bytes else { return body(nil) }
    return bytes.withUnsafeBytes { body($0) }
}

/// Builds librdkafka header entries pointing into the headers' storage for the duration of `body`.
func withHeaderEntries<R>(
    _ headers: [KafkaHeader], _ body: ([(name: UnsafePointer<CChar>?, val: UnsafeRawPointer?, size: Int)]) -> R
) -> R {
    func go(_ index: Int, _ acc: inout [(name: UnsafePointer<CChar>?, val: UnsafeRawPointer?, size: Int)]) -> R {
        if index == headers.count { return body(acc) }
        return headers[index].name.withCString { name in
            headers[index].value.withUnsafeBytes { value in
                acc.append((name: name, val: value.baseAddress, size: value.count))
                return go(index + 1, &acc)
            }
        }
    }
    var acc: [(name: UnsafePointer<CChar>?, val: UnsafeRawPointer?, size: Int)] = []
    acc.reserveCapacity(headers.count)
    return go(0, &acc)
}

/// A value delivered once, from any thread, to one async waiter (who may arrive before or after).
public final class OneShot<Value: Sendable>: Sendable {
    private enum State {
        case empty
        case waiting(CheckedContinuation<Value, Never>)
        case done(Value)
    }

    private let state = Mutex<State>(.empty)

    public init() {}

    public func fulfil(_ value: Value) {
        let waiter: CheckedContinuation<Value, Never>? = state.withLock { state in
            switch state {
            case .empty:
                state = .done(value)
                return nil
            case .waiting(let continuation):
                state = .done(value)
                return continuation
            case .done:
                return nil
            }
        }
        waiter?.resume(returning: value)
    }

    public var value: Value {
        get async {
            await withCheckedContinuation { continuation in
                let ready: Value? = state.withLock { state in
                    switch state {
                    case .empty:
                        state = .waiting(continuation)
                        return nil
                    case .done(let value):
                        return value
                    case .waiting:
                        preconditionFailure("OneShot supports a single waiter")
                    }
                }
                if let ready { continuation.resume(returning: ready) }
            }
        }
    }
}

/// A librdkafka handle crossing into a thread we own. librdkafka handles are thread-safe.
struct SendableHandle: @unchecked Sendable {
    let pointer: OpaquePointer
    init(_ pointer: OpaquePointer) { self.pointer = pointer }
}

/// Stop flag and exit signal of a thread that polls a C client in a loop.
final class PollLoopControl: Sendable {
    private let stop = Atomic<Bool>(false)
    private let exited = DispatchSemaphore(value: 0)

    var shouldStop: Bool { stop.load(ordering: .acquiring) }

    func markExited() { exited.signal() }

    func stopAndJoin() {
        stop.store(true, ordering: .releasing)
        exited.wait()
    }
}

/// Runs a blocking librdkafka call on a thread of its own and awaits its result, so the
/// cooperative pool is never blocked.
func onDedicatedThread<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        Thread.detachNewThread { continuation.resume(returning: body()) }
    }
}

extension Duration {
    /// The `timeout_ms` argument librdkafka calls take (clamped to Int32).
    var librdkafkaMilliseconds: Int32 {
        let (seconds, attoseconds) = components
        return Int32(clamping: seconds * 1000 + attoseconds / 1_000_000_000_000_000)
    }
}
