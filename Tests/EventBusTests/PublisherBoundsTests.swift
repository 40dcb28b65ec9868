import EventBus
import KafkaBus
import Logging
import MetricsTestKit
import Testing
import VenueBridgeCore

/// The publisher's own maps are bounded (issue 13): `seq` counters per stream, terminal orders.
@Suite("EventPublisher bounds")
struct PublisherBoundsTests {
    let logger = Logger(label: "test.publisher.bounds")

    func report(account: String, clientOrderId: String = "c1", status: OrderStatus = .new, command: CommandType? = nil)
        -> NormalizedEvent
    {
        NormalizedEvent(
            venue: .sfox, instrument: "BTC-USD", venueInstrument: nil, tsRecv: 1,
            payload: .executionReport(
                ExecutionReport(
                    account: account, clientOrderId: clientOrderId, side: .buy, orderType: .limit, status: status,
                    cumQty: .zero, command: command
                ))
        )
    }

    @Test(
        "seq counters: over the bound the least recently used streams are forgotten (restart at seq 1), counted; busy streams keep counting"
    )
    func boundedSequenceCounters() async throws {
        let (cluster, topics) = try mockCluster(prefix: "pb1")
        let producer = try KafkaProducer(
            configuration: .init(properties: ["bootstrap.servers": cluster.bootstrapServers]), logger: logger)
        let metrics = TestMetrics()
        let publisher = EventPublisher(
            configuration: .init(routing: EventRouting(topics: topics), maxSequenceStreams: 16), kafka: producer,
            redis: nil, logger: logger,
            metricsFactory: metrics
        )
        for i in 0..<200 {
            try await publisher.publish(report(account: "busy"))
            try await publisher.publish(report(account: "one-off-\(i)"))
            #expect(publisher.sequenceStreamCount <= 16)
        }
        #expect(await producer.flush(timeout: .seconds(10)) == 0)
        let messages = try await consumeAll(bootstrap: cluster.bootstrapServers, topic: topics.execReport, count: 400)
        let busySeqs = messages.compactMap { message -> UInt64? in
            guard let event = try? EventCodec.decode(message.value), case .executionReport(let r) = event.payload,
                r.account == "busy"
            else { return nil }
            return event.seq
        }
        #expect(busySeqs == Array(1...200), "the stream in use is never the one forgotten")
        let evictions = metrics.counters.filter { $0.label == "vb_publisher_seq_evictions_total" }.reduce(0) {
            $0 + $1.totalValue
        }
        #expect(evictions >= 200 - 16)
        producer.close(flushTimeout: .seconds(1))
    }

    @Test(
        "an answer published after the order's terminal report carries that terminal state: nothing follows a terminal report"
    )
    func answerNeverFollowsTerminal() async throws {
        let (cluster, topics) = try mockCluster(prefix: "pb2")
        let producer = try KafkaProducer(
            configuration: .init(properties: ["bootstrap.servers": cluster.bootstrapServers]), logger: logger)
        let publisher = EventPublisher(
            configuration: .init(routing: EventRouting(topics: topics)), kafka: producer, redis: nil, logger: logger)
        // The connector's own life of the order, then the command's answer as of the venue's ack.
        try await publisher.publish(report(account: "a", clientOrderId: "m1", status: .new))
        var filled = report(account: "a", clientOrderId: "m1", status: .filled)
        if case .executionReport(var r) = filled.payload {
            r.cumQty = ExactDecimal("0.5")!
            r.leavesQty = .zero
            r.avgPx = ExactDecimal("65000")
            filled.payload = .executionReport(r)
        }
        try await publisher.publish(filled)
        try await publisher.publishConfirmed(
            report(account: "a", clientOrderId: "m1", status: .new, command: .newOrder))
        // Another order's answer is left alone.
        try await publisher.publishConfirmed(
            report(account: "a", clientOrderId: "m2", status: .new, command: .newOrder))
        let messages = try await consumeAll(bootstrap: cluster.bootstrapServers, topic: topics.execReport, count: 4)
        let reports = messages.compactMap { message -> ExecutionReport? in
            guard let event = try? EventCodec.decode(message.value), case .executionReport(let r) = event.payload else {
                return nil
            }
            return r
        }
        try #require(reports.count == 4)
        #expect(reports[2].command == .newOrder && reports[2].status == .filled)
        #expect(
            reports[2].cumQty == ExactDecimal("0.5") && reports[2].leavesQty == .zero
                && reports[2].avgPx == ExactDecimal("65000"))
        #expect(reports[3].clientOrderId == "m2" && reports[3].status == .new)
        producer.close(flushTimeout: .seconds(1))
    }
}
