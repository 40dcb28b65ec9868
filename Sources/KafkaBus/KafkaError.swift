import CRdKafka

/// What went wrong talking to Kafka, with the context needed to act on it.
public enum KafkaError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A librdkafka property was rejected (unknown name or invalid value). `reason` is librdkafka's
    /// text with the values of non-printable properties taken out (`KafkaPropertyPolicy.scrub`).
    case invalidProperty(name: String, reason: String)
    /// The client could not be created (e.g. conflicting properties); `reason` scrubbed likewise.
    case clientCreation(reason: String)
    /// librdkafka refused a message at enqueue time (not queue-full: that is a `ProduceOutcome`).
    case produceFailed(topic: String, code: Int32, reason: String)
    /// The broker did not take a message (delivery report with an error).
    case deliveryFailed(topic: String, code: Int32, reason: String)
    case subscribeFailed(topics: [String], reason: String)
    /// The brokers did not answer a metadata request (wrong address, down, unreachable).
    case unreachable(brokers: String, reason: String)
    /// A topic the caller named is not in the cluster, which has `existing`.
    case unknownTopic(String, existing: [String])
    case commitFailed(reason: String)
    case consumeFailed(topic: String?, code: Int32, reason: String)
    /// The client is shutting down or closed.
    case closed

    public var description: String {
        switch self {
        case .invalidProperty(let name, let reason): "Kafka property '\(name)': \(reason)"
        case .clientCreation(let reason): "cannot create Kafka client: \(reason)"
        case .produceFailed(let topic, let code, let reason): "produce to '\(topic)' failed (\(code)): \(reason)"
        case .deliveryFailed(let topic, let code, let reason): "delivery to '\(topic)' failed (\(code)): \(reason)"
        case .subscribeFailed(let topics, let reason): "subscribe to \(topics) failed: \(reason)"
        case .unreachable(let brokers, let reason): "no answer from the Kafka brokers \(brokers): \(reason)"
        case .unknownTopic(let topic, let existing):
            "topic '\(topic)' does not exist (the cluster has \(existing.count))"
        case .commitFailed(let reason): "offset commit failed: \(reason)"
        case .consumeFailed(let topic, let code, let reason):
            "consume\(topic.map { " from '\($0)'" } ?? "") failed (\(code)): \(reason)"
        case .closed: "Kafka client is closed"
        }
    }

    /// Whether sending the same record again can never succeed: the record itself is refused
    /// (too large, invalid), not the broker's current state. Callers that retry failures (the
    /// command consumer) retry these a bounded number of times instead of for ever. Anything not
    /// listed (broker down, timeouts, authorization an operator can fix) counts as transient.
    public var isPermanent: Bool {
        switch self {
        case .produceFailed(_, let code, _), .deliveryFailed(_, let code, _):
            Self.permanentRecordErrors.contains(code)
        case .invalidProperty, .clientCreation, .subscribeFailed, .unreachable, .unknownTopic, .commitFailed,
            .consumeFailed, .closed:
            false
        }
    }

    static let permanentRecordErrors: Set<Int32> = [
        RD_KAFKA_RESP_ERR_INVALID_MSG.rawValue, RD_KAFKA_RESP_ERR_INVALID_MSG_SIZE.rawValue,
        RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE.rawValue,
        RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE.rawValue, RD_KAFKA_RESP_ERR_INVALID_RECORD.rawValue,
        RD_KAFKA_RESP_ERR__INVALID_ARG.rawValue,
    ]

    static func describe(_ code: rd_kafka_resp_err_t) -> String {
        String(cString: rd_kafka_err2str(code))
    }
}
