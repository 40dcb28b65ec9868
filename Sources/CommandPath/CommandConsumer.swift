public import KafkaBus
public import Logging

/// Reads `<prefix>.orders.command` in a consumer group and hands each message to the processor,
/// one at a time, in partition order.
///
/// An offset is stored only after the processor returned, i.e. after the command's answer was
/// delivered; librdkafka commits stored offsets every `commitInterval` and when the consumer
/// closes. A crash between the answer and the commit replays the command, which the idempotency
/// record answers as a duplicate. When the bridge's own infrastructure fails under a command
/// (Redis down, Kafka not acknowledging), the same message is tried again after a backoff: the
/// partition waits rather than skip a command. A failure that can never succeed (Kafka refuses
/// the record itself, a record in Redis nobody can read) is tried `permanentFailureAttempts`
/// times, then the message is skipped, logged and counted (`vb_commands_skipped_total`): one
/// poisoned message must not stop every command behind it.
public final class CommandConsumer: Sendable {
    public struct Configuration: Sendable {
        /// Kafka client properties (`bootstrap.servers`, security); group id and offset handling
        /// are set here.
        public var properties: KafkaProperties
        public var topic: String
        public var groupID: String
        public var commitInterval: Duration
        public var retryInitialDelay: Duration
        public var retryMaxDelay: Duration
        /// Attempts at a message whose failure is permanent before it is skipped (at least 1).
        public var permanentFailureAttempts: Int

        public init(
            properties: KafkaProperties, topic: String, groupID: String, commitInterval: Duration = .seconds(1),
            retryInitialDelay: Duration = .milliseconds(100), retryMaxDelay: Duration = .seconds(5),
            permanentFailureAttempts: Int = 3
        ) {
            self.properties = properties
            self.topic = topic
            self.groupID = groupID
            self.commitInterval = commitInterval
            self.retryInitialDelay = retryInitialDelay
            self.retryMaxDelay = retryMaxDelay
            self.permanentFailureAttempts = max(1, permanentFailureAttempts)
        }
    }

    private let configuration: Configuration
    private let processor: CommandProcessor
    private let logger: Logger

    public init(configuration: Configuration, processor: CommandProcessor, logger: Logger) {
        self.configuration = configuration
        self.processor = processor
        self.logger = logger
    }

    /// Runs until the task is cancelled. The attempt in progress when cancellation arrives is
    /// finished first (its answer must not be cut in half); a message still failing is not retried
    /// any more: its offset is not stored, so the next run reads it again.
    public func run() async throws(KafkaError) {
        let consumer = try KafkaConsumer(
            configuration: .init(
                properties: configuration.properties.merging([
                    "group.id": configuration.groupID,
                    "enable.auto.commit": "true",
                    "auto.commit.interval.ms": String(configuration.commitInterval.inMilliseconds),
                    "enable.auto.offset.store": "false",
                    "auto.offset.reset": "earliest",
                ]) { _, ours in ours },
                topics: [configuration.topic]
            ),
            logger: logger
        )
        logger.info(
            "command consumer started",
            metadata: ["topic": "\(configuration.topic)", "group": "\(configuration.groupID)"])
        defer { logger.info("command consumer stopped") }
        do {
            while !Task.isCancelled {
                guard let message = try await consumer.poll(timeout: .milliseconds(100)) else { continue }
                switch await handleUntilDone(message) {
                case .handled, .skipped:
                    // Revoked while we handled it (a Kafka outage longer than session.timeout.ms):
                    // the partition's next owner reads it again and the idempotency record answers
                    // it as a duplicate. Not a reason to stop consuming.
                    if try !consumer.storeOffset(of: message) {
                        logger.notice(
                            "command handled after its partition was revoked; it will be read again and answered as a duplicate",
                            metadata: [
                                "topic": "\(message.topic)", "partition": "\(message.partition)",
                                "offset": "\(message.offset)",
                            ])
                    }
                case .cancelled:
                    break
                }
            }
        } catch {
            await consumer.close()
            throw error
        }
        try? await consumer.commit()
        await consumer.close()
    }

    enum Disposition: Equatable {
        case handled
        /// Given up on after repeated permanent failures; logged and counted.
        case skipped
        /// Stopped between attempts by cancellation; not handled.
        case cancelled
    }

    private static func handle(_ message: KafkaMessage, with processor: CommandProcessor) async -> Result<
        Void, CommandPathError
    > {
        do {
            try await processor.handle(message)
            return .success(())
        } catch {
            return .failure(error)
        }
    }

    private func handleUntilDone(_ message: KafkaMessage) async -> Disposition {
        var delay = configuration.retryInitialDelay
        var permanentFailures = 0
        while true {
            // Not cancellable from outside (an unstructured task): a command half handled is
            // worse than a slow stop.
            let processor = processor
            let outcome = await Task { await Self.handle(message, with: processor) }.value
            guard case .failure(let error) = outcome else { return .handled }
            if case .cancelled = error { return .cancelled }
            let context: Logger.Metadata = [
                "topic": "\(message.topic)", "partition": "\(message.partition)", "offset": "\(message.offset)",
                "error": "\(error)",
            ]
            if error.isPermanent {
                permanentFailures += 1
                if permanentFailures >= configuration.permanentFailureAttempts {
                    processor.metrics.skipped(reason: error.metricReason)
                    logger.critical(
                        "command message skipped: it failed in a way retrying cannot fix",
                        metadata: context.merging(["attempts": "\(permanentFailures)"]) { a, _ in a })
                    return .skipped
                }
            }
            processor.metrics.infrastructureRetry(reason: error.metricReason)
            logger.error(
                "command not answered yet; retrying", metadata: context.merging(["retry_in": "\(delay)"]) { a, _ in a })
            // A cancelled sleep returns at once: retrying then would spin. Stop instead; the
            // offset is not stored, so the message is read again by the next run.
            do {
                try await Task.sleep(for: delay)
            } catch {
                logger.notice(
                    "command retry abandoned at shutdown; the message is read again on restart", metadata: context)
                return .cancelled
            }
            delay = min(delay * 2, configuration.retryMaxDelay)
        }
    }
}
