import KafkaBus
import Logging
import MetricsTestKit
import Testing

@Suite("KafkaBus against librdkafka's mock cluster")
struct KafkaRoundTripTests {
    let logger = Logger(label: "test.kafka")

    @Test("produced records come back with key, headers and value intact, in order per key")
    func roundTrip() async throws {
        let cluster = try KafkaMockCluster()
        try cluster.createTopic("rt.events", partitions: 3)
        let metrics = TestMetrics()
        let producer = try KafkaProducer(
            configuration: .init(properties: ["bootstrap.servers": cluster.bootstrapServers]),
            logger: logger, metricsFactory: metrics
        )
        for i in 0..<200 {
            let key = "k\(i % 4)"
            let outcome = try producer.produce(
                KafkaRecord(
                    topic: "rt.events", key: Array(key.utf8), value: Array("v\(i)".utf8),
                    headers: [KafkaHeader("n", "\(i)"), KafkaHeader("content-type", "text/plain")])
            )
            #expect(outcome == .enqueued)
        }
        #expect(await producer.flush(timeout: .seconds(10)) == 0)
        #expect(try metrics.expectCounter("vb_kafka_delivered_total").totalValue == 200)

        let consumer = try KafkaConsumer(
            configuration: .init(
                properties: ["bootstrap.servers": cluster.bootstrapServers, "group.id": "rt"], topics: ["rt.events"]),
            logger: logger
        )
        var lastPerKey: [String: Int] = [:]
        var received = 0
        let deadline = ContinuousClock.now + .seconds(30)
        while received < 200, ContinuousClock.now < deadline {
            guard let message = try await consumer.poll(timeout: .milliseconds(200)) else { continue }
            received += 1
            let key = String(decoding: message.key ?? [], as: UTF8.self)
            let n = try #require(Int(message.header("n") ?? ""))
            #expect(String(decoding: message.value, as: UTF8.self) == "v\(n)")
            #expect(key == "k\(n % 4)")
            #expect(message.header("content-type") == "text/plain")
            #expect(n > lastPerKey[key, default: -1], "per-key order")
            lastPerKey[key] = n
            try consumer.storeOffset(of: message)
        }
        #expect(received == 200)
        try await consumer.commit()
        await consumer.close()
        producer.close(flushTimeout: .seconds(1))
    }

    @Test("produceAndConfirm returns only after the broker acknowledged")
    func confirmedDelivery() async throws {
        let cluster = try KafkaMockCluster()
        try cluster.createTopic("rt.confirm")
        let metrics = TestMetrics()
        let producer = try KafkaProducer(
            configuration: .init(properties: ["bootstrap.servers": cluster.bootstrapServers]),
            logger: logger, metricsFactory: metrics
        )
        try await producer.produceAndConfirm(KafkaRecord(topic: "rt.confirm", key: nil, value: [1, 2, 3]))
        #expect(try metrics.expectCounter("vb_kafka_delivered_total").totalValue == 1)
        producer.close(flushTimeout: .seconds(1))
    }

    @Test("a delivery that cannot succeed is reported as a failure, not lost silently")
    func deliveryFailure() async throws {
        let cluster = try KafkaMockCluster()
        try cluster.createTopic("rt.down")
        cluster.setBroker(1, up: false)
        let producer = try KafkaProducer(
            configuration: .init(properties: [
                "bootstrap.servers": cluster.bootstrapServers, "message.timeout.ms": "300",
            ]),
            logger: logger
        )
        await #expect(throws: KafkaError.self) {
            try await producer.produceAndConfirm(KafkaRecord(topic: "rt.down", key: nil, value: [1]))
        }
        producer.close(flushTimeout: .zero)
    }

    @Test(
        "a message handled after the coordinator was gone longer than session.timeout.ms: its offset is not stored (revoked), and that is not an error"
    )
    func storeAfterRevocation() async throws {
        let cluster = try KafkaMockCluster()
        try cluster.createTopic("rt.revoked")
        let producer = try KafkaProducer(
            configuration: .init(properties: ["bootstrap.servers": cluster.bootstrapServers]), logger: logger)
        try await producer.produceAndConfirm(KafkaRecord(topic: "rt.revoked", key: nil, value: [1]))
        let consumer = try KafkaConsumer(
            configuration: .init(
                properties: [
                    "bootstrap.servers": cluster.bootstrapServers, "group.id": "rt-revoked",
                    "enable.auto.offset.store": "false", "session.timeout.ms": "3000", "heartbeat.interval.ms": "500",
                    "auto.offset.reset": "earliest",
                ],
                topics: ["rt.revoked"]),
            logger: logger)
        var message: KafkaMessage?
        let deadline = ContinuousClock.now + .seconds(30)
        while message == nil, ContinuousClock.now < deadline {
            message = try await consumer.poll(timeout: .milliseconds(200))
        }
        let handled = try #require(message)
        // The broker goes away while the message is being handled, for longer than the session:
        // the consumer gives up its partitions (polling runs the revocation).
        cluster.setBroker(1, up: false)
        let outage = ContinuousClock.now + .seconds(6)
        while ContinuousClock.now < outage { _ = try await consumer.poll(timeout: .milliseconds(200)) }
        #expect(try consumer.storeOffset(of: handled) == false)
        cluster.setBroker(1, up: true)
        await consumer.close()
        producer.close(flushTimeout: .seconds(1))
    }

    @Test("an invalid librdkafka property names the property")
    func invalidProperty() {
        let error = #expect(throws: KafkaError.self) {
            _ = try KafkaProducer(configuration: .init(properties: ["linger.ms": "soon"]), logger: logger)
        }
        guard case .invalidProperty(let name, let reason) = error else {
            Issue.record("expected invalidProperty, got \(String(describing: error))")
            return
        }
        #expect(name == "linger.ms")
        #expect(!reason.isEmpty)
    }
}
