public import EventBus
import Foundation
public import KafkaBus
public import Logging
public import RedisBus

/// The bus half of an end-to-end harness, all real: librdkafka's mock cluster with every bridge
/// topic, a producer, an `EventPublisher` (optionally writing Redis too) and an `EventReader` on
/// the topics a test reads back. A connector publishes into `publisher`.
public final class TestEventPipeline: Sendable {
    public let cluster: KafkaMockCluster
    public let topics: TopicNames
    public let producer: KafkaProducer
    public let redis: RedisStreamWriter?
    public let publisher: EventPublisher
    public let reader: EventReader

    /// `readTopics` picks from `topics`; Redis is written when `withRedis` and a test redis-server
    /// is configured (`VB_TEST_REDIS_PORT`).
    ///
    /// The librdkafka calls that build it block: every topic creation waits for the mock cluster's
    /// thread, every client starts threads of its own. Sixty suites starting together did that on
    /// the two threads of the cooperative pool and stalled every other test for seconds, so they
    /// run on a thread of their own.
    public init(prefix: String, withRedis: Bool, logger: Logger, readTopics: (TopicNames) -> [String]) async throws {
        let topics = TopicNames(prefix: prefix)
        let read = readTopics(topics)
        let (cluster, producer, reader) = try await onOwnThread {
            let cluster = try KafkaMockCluster()
            for topic in topics.all { try cluster.createTopic(topic, partitions: 1) }
            let producer = try KafkaProducer(
                configuration: .init(properties: ["bootstrap.servers": cluster.bootstrapServers]), logger: logger)
            return (cluster, producer, try EventReader(bootstrap: cluster.bootstrapServers, topics: read))
        }
        self.cluster = cluster
        self.topics = topics
        self.producer = producer
        self.reader = reader
        redis =
            withRedis
            ? testRedisPort.map {
                RedisStreamWriter(configuration: .init(endpoint: RedisEndpoint(port: $0)), logger: logger)
            } : nil
        publisher = EventPublisher(
            configuration: .init(routing: EventRouting(topics: topics)), kafka: producer, redis: redis, logger: logger)
    }

    /// Stops reading, drains the publisher and closes Kafka and Redis (after the connector stopped).
    public func stop() async {
        await reader.stop()
        await publisher.stop(timeout: .seconds(2))
        _ = await producer.flush(timeout: .seconds(5))
        // Joins the producer's poll thread: not on the cooperative pool either.
        let producer = self.producer
        _ = try? await onOwnThread { producer.close(flushTimeout: .zero) }
        await redis?.close(drainTimeout: .seconds(2))
    }
}

/// Runs blocking setup (librdkafka, sockets) on a thread of its own and awaits its result, so a
/// test never blocks the cooperative pool that every other test shares.
public func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread { continuation.resume(with: Result { try body() }) }
    }
}
