import DequeModule
public import KafkaBus
public import Logging
import Synchronization

/// Reads `<prefix>.orders.command` in a consumer group and hands each message to the processor:
/// in order within a Kafka key (`<venue>:<account>`), concurrently across keys, at most
/// `maxInFlight` messages at a time.
///
/// Order within a key is what a sender can rely on (a cancel after its order); commands of
/// different accounts have nothing to wait for each other, so one slow venue or a command waiting
/// for its venue's session does not hold up the others. Each partition's offset is stored only
/// over a run of answered messages with no unanswered one before it (`CommandOffsets`), i.e.
/// after every earlier command's answer was delivered; librdkafka commits stored offsets every
/// `commitInterval` and when the consumer closes. A crash between an answer and the commit
/// replays the command, which the idempotency record answers as a duplicate. When the bridge's
/// own infrastructure fails under a command (Redis down, Kafka not acknowledging), the same
/// message is tried again after a backoff: its key waits rather than skip a command. A failure
/// that can never succeed (Kafka refuses the record itself, a record in Redis nobody can read) is
/// tried `permanentFailureAttempts` times, then the message is skipped, logged and counted
/// (`vb_commands_skipped_total`): one poisoned message must not stop every command behind it.
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
        /// Messages taken from Kafka and not yet answered, over all keys (at least 1). At the
        /// bound the consumer stops taking more until one is answered (`vb_commands_in_flight`).
        public var maxInFlight: Int

        public init(
            properties: KafkaProperties, topic: String, groupID: String, commitInterval: Duration = .seconds(1),
            retryInitialDelay: Duration = .milliseconds(100), retryMaxDelay: Duration = .seconds(5),
            permanentFailureAttempts: Int = 3, maxInFlight: Int = 128
        ) {
            self.properties = properties
            self.topic = topic
            self.groupID = groupID
            self.commitInterval = commitInterval
            self.retryInitialDelay = retryInitialDelay
            self.retryMaxDelay = retryMaxDelay
            self.permanentFailureAttempts = max(1, permanentFailureAttempts)
            self.maxInFlight = max(1, maxInFlight)
        }
    }

    private let configuration: Configuration
    private let processor: CommandProcessor
    private let handler: any CommandHandling
    private let logger: Logger

    /// `handler`: what each message is handed to, the processor by default; a decorator around
    /// it can observe each message (the benchmark times them so).
    public init(
        configuration: Configuration, processor: CommandProcessor, handler: (any CommandHandling)? = nil,
        logger: Logger
    ) {
        self.configuration = configuration
        self.processor = processor
        self.handler = handler ?? processor
        self.logger = logger
    }

    /// Runs until the task is cancelled. At cancellation no further message is taken; the
    /// attempts in progress are finished (an answer must not be cut in half), and a message
    /// waiting for its turn or for a retry is not handled: its offset is not stored, so the next
    /// run reads it again.
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
            metadata: [
                "topic": "\(configuration.topic)", "group": "\(configuration.groupID)",
                "max_in_flight": "\(configuration.maxInFlight)",
            ])
        defer { logger.info("command consumer stopped") }
        let inFlight = CommandsInFlight(limit: configuration.maxInFlight, metrics: processor.metrics)
        do throws(KafkaError) {
            while !Task.isCancelled {
                if let failure = inFlight.failure { throw failure }
                let room = await inFlight.waitForRoom()
                guard room > 0, !Task.isCancelled else { continue }
                for message in try await consumer.poll(max: min(room, 64), timeout: .milliseconds(100)) {
                    inFlight.start(message) { message in
                        await self.handleUntilDone(message)
                    } store: { partition, next throws(KafkaError) in
                        try self.storePosition(partition, next, in: consumer)
                    }
                }
            }
        } catch {
            await inFlight.finishAll()
            await consumer.close()
            throw error
        }
        await inFlight.finishAll()
        if let failure = inFlight.failure {
            await consumer.close()
            throw failure
        }
        try? await consumer.commit()
        await consumer.close()
    }

    private func storePosition(_ partition: CommandOffsets.Partition, _ next: Int64, in consumer: KafkaConsumer)
        throws(KafkaError)
    {
        // Revoked while we handled it (a Kafka outage longer than session.timeout.ms): the
        // partition's next owner reads it again and the idempotency record answers it as a
        // duplicate. Not a reason to stop consuming.
        if try !consumer.storeOffset(topic: partition.topic, partition: partition.partition, next: next) {
            logger.notice(
                "command handled after its partition was revoked; it will be read again and answered as a duplicate",
                metadata: [
                    "topic": "\(partition.topic)", "partition": "\(partition.partition)", "offset": "\(next - 1)",
                ])
        }
    }

    enum Disposition: Equatable {
        case handled
        /// Given up on after repeated permanent failures; logged and counted.
        case skipped
        /// Stopped between attempts by cancellation; not handled.
        case cancelled
    }

    private static func handle(_ message: KafkaMessage, with handler: any CommandHandling) async -> Result<
        Void, CommandPathError
    > {
        do {
            try await handler.handle(message)
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
            let handler = handler
            let outcome = await Task { await Self.handle(message, with: handler) }.value
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
