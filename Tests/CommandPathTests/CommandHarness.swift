import BridgeTestSupport
import CommandPath
import EventBus
import Foundation
import KafkaBus
import Logging
import MetricsTestKit
import OrderCommands
import RedisBus
import Synchronization
import Testing
import VenueBridgeCore
import VenueConnector

/// Commands on Kafka (mock cluster) → command consumer (real Redis idempotency store) → one
/// venue's real connector → that venue's simulator, and the answers read back from Kafka. The
/// venue is a type parameter (`SFOXTestVenue`, `FineryTestVenue`, `T4TestVenue`): everything but
/// the venue itself is the same path for all of them.
final class VenueCommandHarness<Venue: CommandTestVenue>: Sendable {
    static var account: String { Venue.account }

    let venue: Venue
    let pipeline: TestEventPipeline
    let redis: RedisRequestClient
    let metrics: TestMetrics
    let dlq: RawTopicReader
    let configuration: CommandPathConfiguration
    let dlqProducer: KafkaProducer?
    let consumerTask: Task<Void, any Error>
    /// Makes this run's idempotency keys unique: the test redis-server outlives test runs.
    let run = String(UUID().uuidString.prefix(8))
    private let tasks: Mutex<[Task<Void, any Error>]>

    var reader: EventReader { pipeline.reader }

    /// `makeVenue` starts the simulator and builds the connector on the harness's publisher and
    /// metrics; the harness runs the connector.
    init(
        prefix: String,
        venue makeVenue: (_ sink: EventPublisher, _ metrics: TestMetrics, _ logger: Logger) async throws -> Venue,
        venueUnavailable: CommandPathConfiguration.VenueUnavailablePolicy = .wait, venueWait: Duration = .seconds(5),
        resolveTimeout: Duration = .seconds(5), limits: [InstrumentLimit] = [], maxMessageBytes: Int? = nil,
        redisPort: Int? = nil,
        dlqProducerProperties: KafkaProperties? = nil,
        readTopics: (TopicNames) -> [String] = { [$0.execReport] }
    ) async throws {
        let logger = Logger(label: "test.commands")
        pipeline = try await TestEventPipeline(
            prefix: prefix, withRedis: false, logger: logger, readTopics: readTopics)
        metrics = TestMetrics()
        let venue = try await makeVenue(pipeline.publisher, metrics, logger)
        self.venue = venue
        redis = RedisRequestClient(endpoint: RedisEndpoint(port: redisPort ?? testRedisPort ?? 6379), logger: logger)
        var configuration = CommandPathConfiguration(
            topics: pipeline.topics, groupID: "commands-\(prefix)", venueUnavailable: venueUnavailable,
            venueWait: venueWait,
            resolveTimeout: resolveTimeout, resolvePollInterval: .milliseconds(100), instanceID: "test-\(prefix)",
            limits: limits
        )
        configuration.kafkaProperties = ["bootstrap.servers": pipeline.cluster.bootstrapServers]
        if let maxMessageBytes { configuration.maxMessageBytes = maxMessageBytes }
        self.configuration = configuration
        // The processor's own producer only writes DLQ copies; a test can give it other limits.
        let bootstrap = pipeline.cluster.bootstrapServers
        dlqProducer = try dlqProducerProperties.map { properties in
            try KafkaProducer(
                configuration: .init(properties: properties.merging(["bootstrap.servers": bootstrap]) { a, _ in a }),
                logger: logger)
        }
        let processor = CommandProcessor(
            configuration: configuration, venues: [Venue.id: venue.commandVenue],
            store: IdempotencyStore(redis: redis, ttl: .seconds(3600)),
            publisher: pipeline.publisher, producer: dlqProducer ?? pipeline.producer, logger: logger,
            metricsFactory: metrics
        )
        let consumer = CommandConsumer(
            configuration: .init(
                properties: ["bootstrap.servers": pipeline.cluster.bootstrapServers],
                topic: pipeline.topics.ordersCommand, groupID: configuration.groupID),
            processor: processor, logger: logger
        )
        dlq = try RawTopicReader(bootstrap: pipeline.cluster.bootstrapServers, topic: pipeline.topics.ordersDLQ)
        let publisher = pipeline.publisher
        consumerTask = Task { try await consumer.run() }
        tasks = Mutex([Task { try await venue.run() }, Task { await publisher.run() }, consumerTask])
    }

    /// Cancels the command consumer (what SIGTERM does to it) and reports whether it ended within
    /// `within`. Generous: this checks that it stops at all, not how fast.
    func stopConsumer(within: Duration = .seconds(30)) async throws -> Bool {
        let ended = Flag()
        let task = consumerTask
        task.cancel()
        // A detached waiter: a consumer that never ends must fail the test, not hang it.
        Task.detached {
            _ = await task.result
            ended.value.store(true, ordering: .relaxed)
        }
        do {
            try await eventually("the command consumer ends after cancellation", timeout: within) {
                ended.value.load(ordering: .relaxed)
            }
        } catch is Timeout {
            return false
        }
        return true
    }

    func waitUntilReady() async throws {
        try await eventually("\(Venue.id) order session ready") { venue.isReady }
    }

    func key(_ name: String) -> String { "\(run)-\(name)" }

    /// A resting limit buy, far under the market, on the venue's first instrument.
    func newOrder(_ name: String, quantity: String? = nil, price: String = "1000") -> OrderCommand {
        OrderCommand(
            idempotencyKey: key(name), venue: Venue.id, account: Venue.account, instrument: Venue.instrument,
            .newOrder(
                NewOrder(
                    side: .buy, orderType: .limit, timeInForce: .gtc,
                    quantity: ExactDecimal(quantity ?? Venue.quantity) ?? 0, price: ExactDecimal(price))))
    }

    /// A buy at the market: the venue's book fills it at once.
    func marketOrder(_ name: String) -> OrderCommand {
        var order = newOrder(name)
        order.changeOrder {
            $0.orderType = .market
            $0.price = nil
            $0.timeInForce = nil
        }
        return order
    }

    func send(_ command: OrderCommand) async throws {
        try await send(bytes: OrderCommandCodec.encode(command), key: command.kafkaKey)
    }

    /// Raw bytes under the venue account's Kafka key, as a sender of a broken command would.
    func send(bytes: [UInt8]) async throws {
        try await send(bytes: bytes, key: "\(Venue.id.rawValue):\(Venue.account)")
    }

    func send(bytes: [UInt8], key: String?) async throws {
        try await pipeline.producer.produceAndConfirm(
            KafkaRecord(topic: pipeline.topics.ordersCommand, key: key.map { Array($0.utf8) }, value: bytes))
    }

    /// Answers (reports with `command` set) for one idempotency key, in Kafka order.
    func answers(_ key: String) -> [ExecutionReport] {
        reader.all.compactMap { event -> ExecutionReport? in
            guard case .executionReport(let report) = event.payload, report.command != nil, report.idempotencyKey == key
            else { return nil }
            return report
        }
    }

    func waitForAnswers(_ key: String, count: Int = 1, timeout: Duration = .seconds(20)) async throws
        -> [ExecutionReport]
    {
        try await eventually("\(count) answer(s) for \(key)", timeout: timeout) { answers(key).count >= count }
        return answers(key)
    }

    func record(_ key: String) async throws -> IdempotencyRecord? {
        try await IdempotencyStore(redis: redis, ttl: .seconds(3600)).get(key)?.record
    }

    func counter(_ label: String, _ dimensions: [(String, String)] = []) -> Int64 {
        metrics.counters.filter { counter in
            counter.label == label && dimensions.allSatisfy { d in counter.dimensions.contains { $0 == d } }
        }.reduce(0) { $0 + $1.totalValue }
    }

    func stop() async {
        for task in tasks.withLock({ $0 }).reversed() { task.cancel() }
        for task in tasks.withLock({ $0 }).reversed() { _ = await task.result }
        await dlq.stop()
        dlqProducer?.close(flushTimeout: .seconds(1))
        await pipeline.stop()
        await redis.close()
        await venue.stopSimulator()
    }
}

final class Flag: Sendable {
    let value = Atomic<Bool>(false)
}

/// Every message of one topic, raw (the DLQ holds commands, not events).
final class MessageLog: Sendable {
    let messages = Mutex<[KafkaMessage]>([])
}

final class RawTopicReader: Sendable {
    private let log = MessageLog()
    private let task: Task<Void, any Error>

    init(bootstrap: String, topic: String) throws {
        let consumer = try KafkaConsumer(
            configuration: .init(
                properties: ["bootstrap.servers": bootstrap, "group.id": "test-raw-\(UUID().uuidString)"],
                topics: [topic]),
            logger: Logger(label: "test.raw")
        )
        let log = self.log
        task = Task {
            while !Task.isCancelled {
                guard let message = try await consumer.poll(timeout: .milliseconds(100)) else { continue }
                log.messages.withLock { $0.append(message) }
            }
            await consumer.close()
        }
    }

    var all: [KafkaMessage] { log.messages.withLock { $0 } }

    func stop() async {
        task.cancel()
        _ = await task.result
    }
}
