import EventBus
import Foundation
import KafkaBus
import Logging
import MetricsTestKit
import RedisBus
import Testing
import VenueBridgeCore

let testRedisPort = ProcessInfo.processInfo.environment["VB_TEST_REDIS_PORT"].flatMap(Int.init)

func sampleTrade(_ i: Int, instrument: String = "BTC-USD") -> NormalizedEvent {
    NormalizedEvent(
        venue: .finery, instrument: instrument, venueInstrument: instrument,
        tsRecv: 1_700_000_000_000_000_000 + Int64(i),
        payload: .trade(
            Trade(
                price: ExactDecimal(scaled: 6_500_000_000_000 + Int64(i), scale: 8),
                size: ExactDecimal(scaled: 1, scale: 8), aggressor: .buy, tradeId: "t\(i)")))
}

func sampleFill(account: String) -> NormalizedEvent {
    NormalizedEvent(
        venue: .sfox, instrument: "ETH-USD", venueInstrument: "ethusd", tsRecv: 1,
        payload: .executionReport(
            ExecutionReport(
                account: account, clientOrderId: "c1", side: .sell, orderType: .limit, status: .filled,
                lastQty: ExactDecimal("0.1"), lastPx: ExactDecimal("3000.01"), cumQty: ExactDecimal("0.1")!)))
}

/// A mock cluster with every bridge topic created under `prefix`.
func mockCluster(prefix: String, partitions: Int = 1) throws -> (KafkaMockCluster, TopicNames) {
    let cluster = try KafkaMockCluster()
    let topics = TopicNames(prefix: prefix)
    for topic in topics.all { try cluster.createTopic(topic, partitions: partitions) }
    return (cluster, topics)
}

func consumeAll(bootstrap: String, topic: String, count: Int, within: Duration = .seconds(30)) async throws
    -> [KafkaMessage]
{
    let consumer = try KafkaConsumer(
        configuration: .init(
            properties: ["bootstrap.servers": bootstrap, "group.id": "t-\(UUID().uuidString)"], topics: [topic]),
        logger: Logger(label: "test.consumer")
    )
    var messages: [KafkaMessage] = []
    let deadline = ContinuousClock.now + within
    while messages.count < count, ContinuousClock.now < deadline {
        if let message = try await consumer.poll(timeout: .milliseconds(200)) { messages.append(message) }
    }
    await consumer.close()
    return messages
}

@Suite("EventPublisher → Kafka (mock cluster)")
struct EventPublisherKafkaTests {
    let logger = Logger(label: "test.publisher")

    @Test("events arrive on the right topic with key, headers, seq and exact payload")
    func publishesToKafka() async throws {
        let (cluster, topics) = try mockCluster(prefix: "t1", partitions: 2)
        let producer = try KafkaProducer(
            configuration: .init(properties: ["bootstrap.servers": cluster.bootstrapServers]), logger: logger)
        let metrics = TestMetrics()
        let publisher = EventPublisher(
            configuration: .init(routing: EventRouting(topics: topics)), kafka: producer, redis: nil, logger: logger,
            metricsFactory: metrics)
        for i in 0..<50 { try await publisher.publish(sampleTrade(i, instrument: i % 2 == 0 ? "BTC-USD" : "ETH-USD")) }
        try await publisher.publish(sampleFill(account: "acct-7"))
        #expect(await producer.flush(timeout: .seconds(10)) == 0)

        let trades = try await consumeAll(bootstrap: cluster.bootstrapServers, topic: topics.trade, count: 50)
        #expect(trades.count == 50)
        var lastSeq: [String: UInt64] = [:]
        for message in trades {
            let event = try EventCodec.decode(message.value)
            let key = String(decoding: message.key ?? [], as: UTF8.self)
            #expect(key == "finery:\(event.instrument!)")
            #expect(message.header("schema") == "venuebridge.v1")
            #expect(message.header("type") == "trade")
            #expect(message.header("venue") == "finery")
            #expect(message.header("content-type") == "application/json")
            #expect(event.seq == lastSeq[key, default: 0] + 1, "seq strictly increasing per stream with no gaps")
            lastSeq[key] = event.seq
            guard case .trade(let trade) = event.payload, let i = Int(trade.tradeId!.dropFirst()) else {
                Issue.record("payload")
                continue
            }
            #expect(trade.price == ExactDecimal(scaled: 6_500_000_000_000 + Int64(i), scale: 8))
        }
        #expect(lastSeq == ["finery:BTC-USD": 25, "finery:ETH-USD": 25])

        let reports = try await consumeAll(bootstrap: cluster.bootstrapServers, topic: topics.execReport, count: 1)
        #expect(reports.first.map { String(decoding: $0.key ?? [], as: UTF8.self) } == "sfox:acct-7")
        #expect(
            try metrics.expectCounter(
                "vb_events_published_total", [("topic", "t1.md.trade"), ("venue", "finery"), ("type", "trade")]
            ).totalValue == 50)
        producer.close(flushTimeout: .seconds(1))
    }

    @Test(
        "a broker outage three times longer than message.timeout.ms: the fill arrives after it, once; the trade from before it times out, counted"
    )
    func outageLongerThanMessageTimeout() async throws {
        let (cluster, topics) = try mockCluster(prefix: "t9")
        cluster.setBroker(1, up: false)
        let metrics = TestMetrics()
        var configuration = KafkaProducer.Configuration(properties: [
            "bootstrap.servers": cluster.bootstrapServers, "message.timeout.ms": "2000",
        ])
        configuration.topicProperties = topics.durableTopicProperties
        let producer = try KafkaProducer(configuration: configuration, logger: logger, metricsFactory: metrics)
        let publisher = EventPublisher(
            configuration: .init(routing: EventRouting(topics: topics)), kafka: producer, redis: nil, logger: logger,
            metricsFactory: metrics)
        let drain = Task { await publisher.run() }
        try await publisher.publish(sampleTrade(1))
        try await publisher.publish(sampleFill(account: "outage"))
        // Longer than every timeout involved: the trade's 2 s run out, the fill's never do.
        try await Task.sleep(for: .seconds(6))
        #expect(try metrics.expectCounter("vb_kafka_delivery_failures_total").totalValue == 1, "the trade, counted")
        cluster.setBroker(1, up: true)
        // Asks for two and waits 8 s for them: a second copy would show up.
        let reports = try await consumeAll(
            bootstrap: cluster.bootstrapServers, topic: topics.execReport, count: 2, within: .seconds(8))
        #expect(reports.count == 1, "the fill arrives, once")
        #expect(try metrics.expectCounter("vb_kafka_delivery_failures_total").totalValue == 1)
        drain.cancel()
        await publisher.stop(timeout: .seconds(5))
        producer.close(flushTimeout: .seconds(1))
    }

    @Test("drop_oldest_md: a full queue drops the oldest market data, never execution reports")
    func dropOldestMarketData() async throws {
        let (cluster, topics) = try mockCluster(prefix: "t2")
        // A tiny librdkafka queue and a broker that is down: the queue fills at once.
        cluster.setBroker(1, up: false)
        let producer = try KafkaProducer(
            configuration: .init(properties: [
                "bootstrap.servers": cluster.bootstrapServers, "queue.buffering.max.messages": "10",
                "message.timeout.ms": "60000",
            ]),
            logger: logger
        )
        let metrics = TestMetrics()
        let publisher = EventPublisher(
            configuration: .init(
                routing: EventRouting(topics: topics), policy: .dropOldestMarketData, queueFullTimeout: .seconds(30),
                marketDataBacklogCapacity: 5),
            kafka: producer, redis: nil, logger: logger, metricsFactory: metrics
        )
        for i in 0..<40 { try await publisher.publish(sampleTrade(i)) }  // never waits
        #expect(publisher.backlogDepth == 5)
        let dropped = try metrics.expectCounter(
            "vb_events_dropped_total", [("reason", "backlog_full"), ("venue", "finery"), ("type", "trade")])
        #expect(dropped.totalValue == 25)  // 40 = 10 in librdkafka + 5 in backlog + 25 dropped

        // An execution report is not dropped: it waits for room, which comes when the broker is back.
        let fill = Task { try await publisher.publish(sampleFill(account: "a")) }
        try await Task.sleep(for: .milliseconds(200))
        cluster.setBroker(1, up: true)
        let drain = Task { await publisher.run() }
        try await fill.value
        let reports = try await consumeAll(bootstrap: cluster.bootstrapServers, topic: topics.execReport, count: 1)
        #expect(reports.count == 1)
        // The backlog (the newest five trades) drains in order once there is room.
        let trades = try await consumeAll(bootstrap: cluster.bootstrapServers, topic: topics.trade, count: 15)
        let ids = try trades.map { message -> String in
            guard case .trade(let t) = try EventCodec.decode(message.value).payload else { return "?" }
            return t.tradeId ?? "?"
        }
        #expect(ids == (0..<10).map { "t\($0)" } + (35..<40).map { "t\($0)" })
        await publisher.stop(timeout: .seconds(1))
        drain.cancel()
        producer.close(flushTimeout: .seconds(1))
    }
}

@Suite(
    "EventPublisher → Kafka + Redis", .enabled(if: testRedisPort != nil, "set VB_TEST_REDIS_PORT (scripts/test does)"))
struct EventPublisherRedisTests {
    let logger = Logger(label: "test.publisher")

    @Test("the same JSON lands in the Redis stream and latest-state hashes are updated")
    func publishesToRedis() async throws {
        let (cluster, topics) = try mockCluster(prefix: "t3")
        let producer = try KafkaProducer(
            configuration: .init(properties: ["bootstrap.servers": cluster.bootstrapServers]), logger: logger)
        let endpoint = RedisEndpoint(port: testRedisPort!)
        let redis = RedisStreamWriter(configuration: .init(endpoint: endpoint), logger: logger)
        let instrument = "T\(UInt32.random(in: 0...UInt32.max))-USD"
        let publisher = EventPublisher(
            configuration: .init(routing: EventRouting(topics: topics, streamMaxLength: [.trade: 50])),
            kafka: producer, redis: redis, logger: logger
        )
        for i in 0..<2_000 { try await publisher.publish(sampleTrade(i, instrument: instrument)) }
        let ticker = NormalizedEvent(
            venue: .finery, instrument: instrument, venueInstrument: instrument, tsRecv: 42,
            payload: .ticker(
                Ticker(
                    bid: ExactDecimal("100.5"), bidSize: ExactDecimal("2"), ask: ExactDecimal("101"),
                    askSize: ExactDecimal("3"))))
        try await publisher.publish(ticker)
        let status = NormalizedEvent(
            venue: .finery, instrument: nil, venueInstrument: nil, tsRecv: 43,
            payload: .venueStatus(VenueStatus(state: .ready, reconnects: 2)))
        try await publisher.publish(status)
        await redis.close(drainTimeout: .seconds(10))

        let check = try RedisConnection(endpoint)
        let stream = "vb:trade:finery:\(instrument)"
        guard case .integer(let length) = try check.command(["XLEN", stream]) else {
            Issue.record("XLEN")
            return
        }
        #expect(length >= 50 && length < 2_000, "trimmed to about MAXLEN")
        guard case .array(let newest) = try check.command(["XREVRANGE", stream, "+", "-", "COUNT", "1"]),
            case .array(let entry) = newest.first, case .array(let fields) = entry[1]
        else {
            Issue.record("XREVRANGE")
            return
        }
        #expect(fields[0].string == "type" && fields[1].string == "trade" && fields[2].string == "event")
        let event = try EventCodec.decode(Array(fields[3].string!.utf8))
        #expect(
            event
                == {
                    var e = sampleTrade(1_999, instrument: instrument)
                    e.seq = 2_000
                    return e
                }())

        guard case .array(let tob) = try check.command(["HGETALL", "vb:tob:finery:\(instrument)"]) else {
            Issue.record("HGETALL")
            return
        }
        let tobMap = Dictionary(
            uniqueKeysWithValues: stride(from: 0, to: tob.count, by: 2).map { (tob[$0].string!, tob[$0 + 1].string!) })
        #expect(
            tobMap["bid"] == "100.5" && tobMap["ask"] == "101" && tobMap["bid_size"] == "2" && tobMap["ask_size"] == "3"
        )
        #expect(tobMap["last"] == ExactDecimal(scaled: 6_500_000_001_999, scale: 8).description)
        #expect(try check.command(["HGET", "vb:venue:finery", "state"]).string == "ready")
        #expect(try check.command(["HGET", "vb:venue:finery", "reconnects"]).string == "2")
        #expect(try check.command(["HEXISTS", "vb:venue:finery", "last_msg_ts"]) == .integer(1))
        producer.close(flushTimeout: .seconds(1))
    }
}
