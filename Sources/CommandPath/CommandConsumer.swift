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
/// partition waits rather than skip a command.
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

        public init(
            properties: KafkaProperties, topic: String, groupID: String, commitInterval: Duration = .seconds(1),
            retryInitialDelay: Duration = .milliseconds(100), retryMaxDelay: Duration = .seconds(5)
        ) {
            self.properties = properties
            self.topic = topic
            self.groupID = groupID
            self.commitInterval = commitInterval
            self.retryInitialDelay = retryInitialDelay
            self.retryMaxDelay = retryMaxDelay
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

    /// Runs until the task is cancelled. The message being handled when cancellation arrives is
    /// finished first (its answer must not be cut in half); its successors wait for the next run.
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
        logger.info("command consumer started", metadata: ["topic": "\(configuration.topic)", "group": "\(configuration.groupID)"])
        defer { logger.info("command consumer stopped") }
        do {
            while !Task.isCancelled {
                guard let message = try await consumer.poll(timeout: .milliseconds(100)) else { continue }
                await handleUntilDone(message)
                try consumer.storeOffset(of: message)
            }
        } catch {
            await consumer.close()
            throw error
        }
        try? await consumer.commit()
        await consumer.close()
    }

    private static func handle(_ message: KafkaMessage, with processor: CommandProcessor) async -> Result<Void, CommandPathError> {
        do {
            try await processor.handle(message)
            return .success(())
        } catch {
            return .failure(error)
        }
    }

    private func handleUntilDone(_ message: KafkaMessage) async {
        var delay = configuration.retryInitialDelay
        while true {
            // Not cancellable from outside (an unstructured task): a command half handled is
            // worse than a slow stop.
            let processor = processor
            let outcome = await Task { await Self.handle(message, with: processor) }.value
            if case .failure(let error) = outcome {
                let reason: String =
                    switch error {
                    case .store: "redis"
                    case .publish, .deadLetter, .answerUnverified: "kafka"
                    }
                processor.metrics.infrastructureRetry(reason: reason)
                logger.error("command not answered yet; retrying", metadata: [
                    "partition": "\(message.partition)", "offset": "\(message.offset)", "error": "\(error)", "retry_in": "\(delay)",
                ])
                try? await Task.sleep(for: delay)
                delay = min(delay * 2, configuration.retryMaxDelay)
            } else {
                return
            }
        }
    }
}
