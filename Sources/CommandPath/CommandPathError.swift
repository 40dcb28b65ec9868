public import EventBus
public import KafkaBus

/// A failure of the bridge's own infrastructure while handling a command. The command is not
/// answered yet; the consumer handles the same message again later (its idempotency record makes
/// that safe).
public enum CommandPathError: Error, Sendable, CustomStringConvertible {
    case store(IdempotencyStoreError)
    case publish(PublishError)
    case deadLetter(KafkaError)
    /// Whether an answer already reached Kafka could not be established (read-back failed).
    case answerUnverified(String)
    /// The task was cancelled while the command waited (for its venue, a query, another
    /// instance). Like a crash: the record says where it stopped and a replay finishes it.
    case cancelled

    /// Retrying the same message can never succeed: Kafka refuses the record itself, or the
    /// idempotency record cannot be read. Everything else (Redis or a broker unreachable) may heal.
    public var isPermanent: Bool {
        switch self {
        case .store(.unreadableRecord): true
        case .store: false
        case .publish(.kafka(let error)), .deadLetter(let error): error.isPermanent
        case .publish(.shuttingDown), .answerUnverified, .cancelled: false
        }
    }

    /// The `reason` label of `vb_commands_retries_total` and `vb_commands_skipped_total`.
    var metricReason: String {
        switch self {
        case .store: "redis"
        case .publish, .deadLetter, .answerUnverified: "kafka"
        case .cancelled: "cancelled"
        }
    }

    public var description: String {
        switch self {
        case .cancelled: "cancelled while waiting"
        case .answerUnverified(let reason): "cannot tell whether the answer was already published: \(reason)"
        case .store(let error): "\(error)"
        case .publish(let error): "answer not published: \(error)"
        case .deadLetter(let error): "DLQ copy not produced: \(error)"
        }
    }
}
