import CRdKafka

/// Reads the newest messages of every partition of a topic, outside any consumer group, to learn
/// whether something was already written. The command path asks this after a crash that may
/// have fallen between "answer delivered" and "answer recorded as delivered".
public enum KafkaTailScan {
    public enum Outcome: Sendable, Equatable {
        case found
        case notFound
        /// The scan could not finish (broker unreachable, timeout): the answer is not known.
        case inconclusive(String)
    }

    /// Scans at most the last `window` messages of each partition for one `matching` accepts.
    /// Blocking librdkafka calls run on a thread of their own.
    public static func find(
        properties: KafkaProperties, topic: String, window: Int64, timeout: Duration,
        matching: @escaping @Sendable (KafkaMessage) -> Bool
    ) async -> Outcome {
        await onDedicatedThread {
            scan(properties: properties, topic: topic, window: window, timeout: timeout, matching: matching)
        }
    }

    private static func scan(
        properties: KafkaProperties, topic: String, window: Int64, timeout: Duration, matching: (KafkaMessage) -> Bool
    ) -> Outcome {
        let deadline = ContinuousClock.now + timeout
        func remainingMs() -> Int32 { max(1, (deadline - .now).librdkafkaMilliseconds) }
        var settings = properties
        // A group id is required by the client, but `assign` never joins the group or commits.
        settings["group.id"] = "venue-bridge-tail-scan"
        settings["enable.auto.commit"] = "false"
        settings["enable.partition.eof"] = "false"
        let client: OpaquePointer
        do {
            client = try KafkaConf(settings).makeClient(RD_KAFKA_CONSUMER)
        } catch {
            return .inconclusive("\(error)")
        }
        defer { rd_kafka_destroy(client) }

        let topicHandle = rd_kafka_topic_new(client, topic, nil)
        defer { if let topicHandle { rd_kafka_topic_destroy(topicHandle) } }
        var metadata: UnsafePointer<rd_kafka_metadata>?
        let code = rd_kafka_metadata(client, 0, topicHandle, &metadata, remainingMs())
        guard code == RD_KAFKA_RESP_ERR_NO_ERROR, let metadata, metadata.pointee.topic_cnt == 1 else {
            if let metadata { rd_kafka_metadata_destroy(metadata) }
            return .inconclusive("metadata for \(topic): \(KafkaError.describe(code))")
        }
        let partitionCount = metadata.pointee.topics[0].partition_cnt
        rd_kafka_metadata_destroy(metadata)

        // Where each partition ends now; messages written later are not what we look for.
        var ends: [Int32: Int64] = [:]
        let list = rd_kafka_topic_partition_list_new(partitionCount)
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for partition in 0..<partitionCount {
            var low: Int64 = 0
            var high: Int64 = 0
            let code = rd_kafka_query_watermark_offsets(client, topic, partition, &low, &high, remainingMs())
            guard code == RD_KAFKA_RESP_ERR_NO_ERROR else {
                return .inconclusive("watermarks of \(topic)[\(partition)]: \(KafkaError.describe(code))")
            }
            guard high > low else { continue }
            ends[partition] = high
            rd_kafka_topic_partition_list_add(list, topic, partition)?.pointee.offset = max(low, high - window)
        }
        guard !ends.isEmpty else { return .notFound }
        guard rd_kafka_assign(client, list) == RD_KAFKA_RESP_ERR_NO_ERROR else { return .inconclusive("assign failed") }

        while !ends.isEmpty {
            guard ContinuousClock.now < deadline else { return .inconclusive("timed out scanning \(topic)") }
            guard let raw = rd_kafka_consumer_poll(client, min(100, remainingMs())) else { continue }
            defer { rd_kafka_message_destroy(raw) }
            guard raw.pointee.err == RD_KAFKA_RESP_ERR_NO_ERROR else { continue }
            let message = KafkaMessage(copying: raw)
            if matching(message) { return .found }
            if let end = ends[message.partition], message.offset + 1 >= end { ends[message.partition] = nil }
        }
        return .notFound
    }
}
