import CRdKafka

/// librdkafka's built-in mock Kafka cluster: real Kafka protocol over loopback TCP, in-process.
/// Used by tests, benchmarks and `venue-bridge demo`; any Kafka client (kcat too) can connect
/// to `bootstrapServers`.
public final class KafkaMockCluster: @unchecked Sendable {
    // @unchecked: the mock cluster runs on its own librdkafka thread; its API is thread-safe.
    private let owner: OpaquePointer
    private let cluster: OpaquePointer

    public let bootstrapServers: String

    public init(brokers: Int = 1) throws(KafkaError) {
        // The cluster needs an owning client; a bare producer with no bootstrap does nothing else.
        var conf = try KafkaConf([:])
        try conf.set("log_level", "3")
        owner = try conf.makeClient(RD_KAFKA_PRODUCER)
        guard let cluster = rd_kafka_mock_cluster_new(owner, Int32(brokers)) else {
            rd_kafka_destroy(owner)
            throw .clientCreation(reason: "rd_kafka_mock_cluster_new failed")
        }
        self.cluster = cluster
        bootstrapServers = String(cString: rd_kafka_mock_cluster_bootstraps(cluster))
    }

    deinit {
        // Both join threads (see KafkaTeardown).
        let cluster = SendableHandle(self.cluster)
        let owner = SendableHandle(self.owner)
        KafkaTeardown.detach {
            rd_kafka_mock_cluster_destroy(cluster.pointer)
            rd_kafka_destroy(owner.pointer)
        }
    }

    public func createTopic(_ name: String, partitions: Int = 1, replicationFactor: Int = 1) throws(KafkaError) {
        let code = rd_kafka_mock_topic_create(cluster, name, Int32(partitions), Int32(replicationFactor))
        guard code == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw .clientCreation(reason: "mock topic '\(name)': \(KafkaError.describe(code))")
        }
    }

    /// Simulates a broker outage (connections refused/closed) and recovery.
    public func setBroker(_ id: Int32, up: Bool) {
        if up {
            rd_kafka_mock_broker_set_up(cluster, id)
        } else {
            rd_kafka_mock_broker_set_down(cluster, id)
        }
    }
}
