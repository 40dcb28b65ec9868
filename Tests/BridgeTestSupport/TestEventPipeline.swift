public import EventBus
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
    public init(prefix: String, withRedis: Bool, logger: Logger, readTopics: (TopicNames) -> [String]) throws {
        cluster = try KafkaMockCluster()
        topics = TopicNames(prefix: prefix)
        for topic in topics.all { try cluster.createTopic(topic, partitions: 1) }
        producer = try KafkaProducer(configuration: .init(properties: ["bootstrap.servers": cluster.bootstrapServers]), logger: logger)
        redis = withRedis ? testRedisPort.map { RedisStreamWriter(configuration: .init(endpoint: RedisEndpoint(port: $0)), logger: logger) } : nil
        publisher = EventPublisher(configuration: .init(routing: EventRouting(topics: topics)), kafka: producer, redis: redis, logger: logger)
        reader = try EventReader(bootstrap: cluster.bootstrapServers, topics: readTopics(topics))
    }

    /// Stops reading, drains the publisher and closes Kafka and Redis (after the connector stopped).
    public func stop() async {
        await reader.stop()
        await publisher.stop(timeout: .seconds(2))
        _ = await producer.flush(timeout: .seconds(5))
        producer.close(flushTimeout: .zero)
        await redis?.close(drainTimeout: .seconds(2))
    }
}
