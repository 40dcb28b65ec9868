import CRdKafka

/// Reading without a consumer group, for tools (`tail`, `send-* --wait`): every partition of the
/// named topics, assigned directly. Nothing to join (a group join takes seconds), nothing
/// committed, and a wrong broker address or topic name is an error at once instead of a silent
/// wait.
extension KafkaConsumer {
    /// Where an assigned read starts in each partition.
    public enum StartOffset: Sendable, Equatable {
        case beginning
        case end
        /// Given offsets: `positions[topic][partition]` (from `endOffsets`, taken before producing
        /// something whose answer is to be read).
        case positions([String: [Int64]])
    }

    /// Each partition's end (high watermark) now: the offset the next message will get. Read
    /// before sending a request, it is where the answer can be looked for without missing it.
    public func endOffsets(of topics: [String], within timeout: Duration) async throws(KafkaError) -> [String: [Int64]]
    {
        let chosen = try await partitionCounts(of: topics, within: timeout)
        let handle = SendableHandle(client)
        let ms = timeout.librdkafkaMilliseconds
        let result: Result<[String: [Int64]], KafkaError>
        do {
            result = try await thread.runIfActive { [bootstrapServers] () -> Result<[String: [Int64]], KafkaError> in
                var ends: [String: [Int64]] = [:]
                for (topic, count) in chosen {
                    for partition in 0..<count {
                        var low: Int64 = 0
                        var high: Int64 = 0
                        let code = rd_kafka_query_watermark_offsets(handle.pointer, topic, partition, &low, &high, ms)
                        guard code == RD_KAFKA_RESP_ERR_NO_ERROR else {
                            return .failure(.unreachable(brokers: bootstrapServers, reason: KafkaError.describe(code)))
                        }
                        ends[topic, default: []].append(high)
                    }
                }
                return .success(ends)
            }
        } catch {
            throw .closed
        }
        return try result.get()
    }

    /// The cluster's topics and their partition counts, or `.unreachable` when no broker answers
    /// within `timeout`.
    public func topicPartitions(within timeout: Duration) async throws(KafkaError) -> [String: Int32] {
        let handle = SendableHandle(client)
        let ms = timeout.librdkafkaMilliseconds
        let result: Result<[String: Int32], KafkaError>
        do {
            result = try await thread.runIfActive { [bootstrapServers] () -> Result<[String: Int32], KafkaError> in
                var metadata: UnsafePointer<rd_kafka_metadata>?
                let code = rd_kafka_metadata(handle.pointer, 1, nil, &metadata, ms)
                guard code == RD_KAFKA_RESP_ERR_NO_ERROR, let metadata else {
                    return .failure(.unreachable(brokers: bootstrapServers, reason: KafkaError.describe(code)))
                }
                defer { rd_kafka_metadata_destroy(metadata) }
                var topics: [String: Int32] = [:]
                for index in 0..<Int(metadata.pointee.topic_cnt) {
                    let topic = metadata.pointee.topics[index]
                    guard topic.err == RD_KAFKA_RESP_ERR_NO_ERROR else { continue }
                    topics[String(cString: topic.topic)] = topic.partition_cnt
                }
                return .success(topics)
            }
        } catch {
            throw .closed
        }
        return try result.get()
    }

    /// Each of `topics` with its partition count, in the order given; `.unknownTopic` (with the
    /// names there are) for one the cluster does not have.
    func partitionCounts(of topics: [String], within timeout: Duration) async throws(KafkaError)
        -> [(topic: String, count: Int32)]
    {
        let existing = try await topicPartitions(within: timeout)
        return try topics.map { topic throws(KafkaError) in
            guard let count = existing[topic] else { throw .unknownTopic(topic, existing: existing.keys.sorted()) }
            return (topic, count)
        }
    }

    /// Reads every partition of `topics` from `start`. An unknown topic is `.unknownTopic`, with
    /// the names there are (for a caller's "did you mean").
    public func assignAllPartitions(of topics: [String], from start: StartOffset, within timeout: Duration)
        async throws(KafkaError)
    {
        let chosen = try await partitionCounts(of: topics, within: timeout)
        let handle = SendableHandle(client)
        let code: rd_kafka_resp_err_t
        do {
            code = try await thread.runIfActive { () -> rd_kafka_resp_err_t in
                let list = rd_kafka_topic_partition_list_new(Int32(chosen.reduce(0) { $0 + Int($1.count) }))
                defer { rd_kafka_topic_partition_list_destroy(list) }
                for (topic, count) in chosen {
                    for partition in 0..<count {
                        let entry = rd_kafka_topic_partition_list_add(list, topic, partition)
                        switch start {
                        case .beginning: entry?.pointee.offset = Int64(RD_KAFKA_OFFSET_BEGINNING)
                        case .end: entry?.pointee.offset = Int64(RD_KAFKA_OFFSET_END)
                        case .positions(let positions):
                            let known = positions[topic].flatMap {
                                Int(partition) < $0.count ? $0[Int(partition)] : nil
                            }
                            entry?.pointee.offset = known ?? Int64(RD_KAFKA_OFFSET_BEGINNING)
                        }
                    }
                }
                return rd_kafka_assign(handle.pointer, list)
            }
        } catch {
            throw .closed
        }
        guard code == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw .subscribeFailed(topics: topics, reason: KafkaError.describe(code))
        }
    }
}
