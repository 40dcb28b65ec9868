import CRdKafka
public import Logging
public import Metrics
import NIOPosix

/// One consumed message, copied out of librdkafka (so it can cross threads freely).
public struct KafkaMessage: Sendable {
    public var topic: String
    public var partition: Int32
    public var offset: Int64
    public var key: [UInt8]?
    public var value: [UInt8]
    public var headers: [KafkaHeader]
    /// Milliseconds since epoch, when the broker reports one.
    public var timestampMs: Int64?

    public func header(_ name: String) -> String? {
        headers.first { $0.name == name }.map { String(decoding: $0.value, as: UTF8.self) }
    }
}

/// A consumer-group member with manual offset management.
///
/// `enable.auto.offset.store` is off: an offset becomes committable only when the application
/// calls `storeOffset(of:)` after it has fully handled the message (at-least-once). Commits happen
/// on `commit()`, or periodically if the caller sets `enable.auto.commit=true`.
/// Every blocking librdkafka call runs on this consumer's own thread.
public final class KafkaConsumer: @unchecked Sendable {
    // @unchecked: librdkafka consumer handles are thread-safe; Swift state is immutable.
    public struct Configuration: Sendable {
        public var properties: KafkaProperties
        public var topics: [String]

        public static let defaultProperties: KafkaProperties = [
            "enable.auto.offset.store": "false",
            "enable.auto.commit": "false",
            "auto.offset.reset": "earliest",
            "enable.partition.eof": "false",
        ]

        /// `properties` must include `bootstrap.servers` and `group.id`; they override our defaults.
        public init(properties: KafkaProperties, topics: [String]) {
            self.properties = Self.defaultProperties.merging(properties) { _, override in override }
            self.topics = topics
        }
    }

    let client: OpaquePointer
    let thread: NIOThreadPool
    private let logger: Logger
    let bootstrapServers: String
    private let consumed: Counter
    private let errors: Counter

    public init(
        configuration: Configuration, logger: Logger, metricsFactory: any MetricsFactory = MetricsSystem.factory
    ) throws(KafkaError) {
        var conf = try KafkaConf(configuration.properties)
        // Log lines through our logger, scrubbed, as the producer's are: librdkafka's default
        // printer writes to stderr and may quote a secret property's value.
        let context = KafkaClientContext(logger: logger, hidden: conf.hidden)
        rd_kafka_conf_set_opaque(conf.handle, Unmanaged.passRetained(context).toOpaque())
        rd_kafka_conf_set_log_cb(conf.handle, kafkaLog)
        _ = try? conf.set("log.queue", "false")
        let client: OpaquePointer
        do {
            client = try conf.makeClient(RD_KAFKA_CONSUMER)
        } catch {
            Unmanaged.passUnretained(context).release()
            throw error
        }
        self.client = client
        self.logger = logger
        self.consumed = Counter(label: "vb_kafka_consumed_total", factory: metricsFactory)
        self.errors = Counter(label: "vb_kafka_consume_errors_total", factory: metricsFactory)
        // Route every event (rebalances, errors) to the consumer queue served by consumer_poll.
        rd_kafka_poll_set_consumer(client)
        bootstrapServers = configuration.properties["bootstrap.servers"] ?? "(none)"
        // No topics: a reader that assigns partitions itself (`assignAllPartitions`), no group.
        if !configuration.topics.isEmpty {
            let list = rd_kafka_topic_partition_list_new(Int32(configuration.topics.count))
            defer { rd_kafka_topic_partition_list_destroy(list) }
            for topic in configuration.topics {
                rd_kafka_topic_partition_list_add(list, topic, RD_KAFKA_PARTITION_UA)
            }
            let code = rd_kafka_subscribe(client, list)
            // Thrown before `thread` is set: the instance is not fully initialized, so deinit does
            // not run and destroy the client a second time.
            guard code == RD_KAFKA_RESP_ERR_NO_ERROR else {
                rd_kafka_destroy(client)
                Unmanaged.passUnretained(context).release()
                throw .subscribeFailed(topics: configuration.topics, reason: KafkaError.describe(code))
            }
        }
        thread = NIOThreadPool(numberOfThreads: 1)
        thread.start()
    }

    deinit {
        // Joins the client's threads (see KafkaTeardown).
        let client = SendableHandle(self.client)
        let context = rd_kafka_opaque(self.client).map(SendableRawPointer.init)
        KafkaTeardown.detach {
            rd_kafka_destroy(client.pointer)
            if let context { Unmanaged<KafkaClientContext>.fromOpaque(context.pointer).release() }
        }
    }

    /// The next message, or nil when none arrived within `timeout`. Transient errors (broker
    /// unreachable, …) are logged, counted and reported as nil: librdkafka keeps retrying.
    /// Up to `max` messages in one hop to the consumer thread: waits up to `timeout` for the
    /// first, then takes only what is already fetched. Errors as `poll(timeout:)`; an error after
    /// some messages ends the batch early and is reported by the next call.
    public func poll(max: Int, timeout: Duration) async throws(KafkaError) -> [KafkaMessage] {
        let ms = timeout.librdkafkaMilliseconds
        let handle = SendableHandle(client)
        let result: (messages: [KafkaMessage], error: KafkaError?)
        do {
            result = try await thread.runIfActive { () -> ([KafkaMessage], KafkaError?) in
                var messages: [KafkaMessage] = []
                while messages.count < Swift.max(1, max) {
                    guard let raw = rd_kafka_consumer_poll(handle.pointer, messages.isEmpty ? ms : 0) else { break }
                    defer { rd_kafka_message_destroy(raw) }
                    let message = raw.pointee
                    if message.err != RD_KAFKA_RESP_ERR_NO_ERROR {
                        let topic = message.rkt.map { String(cString: rd_kafka_topic_name($0)) }
                        return (
                            messages,
                            .consumeFailed(
                                topic: topic, code: message.err.rawValue, reason: KafkaError.describe(message.err))
                        )
                    }
                    messages.append(KafkaMessage(copying: raw))
                }
                return (messages, nil)
            }
        } catch {
            throw .closed
        }
        consumed.increment(by: Int64(result.messages.count))
        if let error = result.error {
            errors.increment()
            if case .consumeFailed(_, let code, _) = error, code == RD_KAFKA_RESP_ERR__FATAL.rawValue { throw error }
            logger.warning("Kafka consumer error", metadata: ["error": "\(error)"])
        }
        return result.messages
    }

    public func poll(timeout: Duration) async throws(KafkaError) -> KafkaMessage? {
        let ms = timeout.librdkafkaMilliseconds
        let handle = SendableHandle(client)
        let result: Result<KafkaMessage?, KafkaError>
        do {
            result = try await thread.runIfActive { () -> Result<KafkaMessage?, KafkaError> in
                guard let raw = rd_kafka_consumer_poll(handle.pointer, ms) else { return .success(nil) }
                defer { rd_kafka_message_destroy(raw) }
                let message = raw.pointee
                if message.err != RD_KAFKA_RESP_ERR_NO_ERROR {
                    let topic = message.rkt.map { String(cString: rd_kafka_topic_name($0)) }
                    return .failure(
                        .consumeFailed(
                            topic: topic, code: message.err.rawValue, reason: KafkaError.describe(message.err)))
                }
                return .success(KafkaMessage(copying: raw))
            }
        } catch {
            throw .closed
        }
        switch result {
        case .success(let message):
            if message != nil { consumed.increment() }
            return message
        case .failure(let error):
            errors.increment()
            if case .consumeFailed(_, let code, _) = error, code == RD_KAFKA_RESP_ERR__FATAL.rawValue { throw error }
            logger.warning("Kafka consumer error", metadata: ["error": "\(error)"])
            return nil
        }
    }

    /// Marks `message` handled: its offset + 1 becomes the group's committed position at the next
    /// commit. Returns false when the message's partition is no longer assigned to this consumer
    /// (revoked in a rebalance, e.g. after the group coordinator was unreachable for
    /// `session.timeout.ms`): there is no position of ours to move, and the partition's next owner
    /// reads the message again. Other failures throw.
    @discardableResult
    public func storeOffset(of message: KafkaMessage) throws(KafkaError) -> Bool {
        try storeOffset(topic: message.topic, partition: message.partition, next: message.offset + 1)
    }

    /// Stores `next` (the offset of the next message to read) as the partition's position; same
    /// contract as `storeOffset(of:)`. Thread-safe: librdkafka's offset store takes its own lock.
    public func storeOffset(topic: String, partition: Int32, next: Int64) throws(KafkaError) -> Bool {
        let list = rd_kafka_topic_partition_list_new(1)
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let entry = rd_kafka_topic_partition_list_add(list, topic, partition)
        entry?.pointee.offset = next
        let code = rd_kafka_offsets_store(client, list)
        if code == RD_KAFKA_RESP_ERR__STATE { return false }
        guard code == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw .commitFailed(
                reason: "store offset \(topic)[\(partition)]@\(next - 1): \(KafkaError.describe(code))")
        }
        return true
    }

    /// Commits stored offsets synchronously (on the consumer thread).
    public func commit() async throws(KafkaError) {
        let handle = SendableHandle(client)
        let code: rd_kafka_resp_err_t
        do {
            code = try await thread.runIfActive { rd_kafka_commit(handle.pointer, nil, 0) }
        } catch {
            throw .closed
        }
        // _NO_OFFSET: nothing new was stored since the last commit; not an error.
        guard code == RD_KAFKA_RESP_ERR_NO_ERROR || code == RD_KAFKA_RESP_ERR__NO_OFFSET else {
            throw .commitFailed(reason: KafkaError.describe(code))
        }
    }

    /// Leaves the group (committing nothing further) and stops the consumer thread.
    public func close() async {
        let handle = SendableHandle(client)
        _ = try? await thread.runIfActive { rd_kafka_consumer_close(handle.pointer) }
        try? await thread.shutdownGracefully()
    }
}

extension KafkaMessage {
    init(copying raw: UnsafeMutablePointer<rd_kafka_message_t>) {
        let m = raw.pointee
        topic = m.rkt.map { String(cString: rd_kafka_topic_name($0)) } ?? ""
        partition = m.partition
        offset = m.offset
        value = m.payload.map { Array(UnsafeRawBufferPointer(start: $0, count: m.len)) } ?? []
        key = m.key.map { Array(UnsafeRawBufferPointer(start: $0, count: m.key_len)) }
        var headers: [KafkaHeader] = []
        var hdrs: OpaquePointer?
        if rd_kafka_message_headers(raw, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR, let hdrs {
            var index = 0
            var name: UnsafePointer<CChar>?
            var value: UnsafeRawPointer?
            var size = 0
            while rd_kafka_header_get_all(hdrs, index, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR {
                let bytes = value.map { Array(UnsafeRawBufferPointer(start: $0, count: size)) } ?? []
                headers.append(KafkaHeader(name.map { String(cString: $0) } ?? "", bytes: bytes))
                index += 1
            }
        }
        self.headers = headers
        var type = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        let ts = rd_kafka_message_timestamp(raw, &type)
        timestampMs = type == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE ? nil : ts
    }
}
