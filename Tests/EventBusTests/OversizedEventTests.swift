import EventBus
import KafkaBus
import Logging
import MetricsTestKit
import Testing
import VenueBridgeCore

/// Fault scenario 6 (issue 17) at the publisher: an event larger than the producer's
/// `message.max.bytes` (a venue that sends a deep book) is refused with a clear error and
/// counted; the other events, of its stream too, go on.
@Suite("EventPublisher: an event over message.max.bytes")
struct OversizedEventTests {
    let logger = Logger(label: "test.publisher.oversized")

    func book(levels: Int, _ i: Int = 0) -> NormalizedEvent {
        let side = (0..<levels).map { level in
            PriceLevel(
                price: ExactDecimal(scaled: 6_500_000 + Int64(level), scale: 2), size: ExactDecimal(scaled: 1, scale: 3)
            )
        }
        return NormalizedEvent(
            venue: .finery, instrument: "BTC-USD", venueInstrument: "BTC-USD",
            tsRecv: 1_700_000_000_000_000_000 + Int64(i),
            payload: .bookSnapshot(BookLevels(bids: side, asks: side)))
    }

    @Test(
        "a book over message.max.bytes: refused with a size error and counted; its seq leaves a gap; the next book and a trade arrive"
    )
    func oversizedBook() async throws {
        let (cluster, topics) = try mockCluster(prefix: "ov1")
        let metrics = TestMetrics()
        let producer = try KafkaProducer(
            configuration: .init(properties: [
                "bootstrap.servers": cluster.bootstrapServers, "message.max.bytes": "20000",
            ]),
            logger: logger)
        let publisher = EventPublisher(
            configuration: .init(routing: EventRouting(topics: topics)), kafka: producer, redis: nil, logger: logger,
            metricsFactory: metrics)

        // 2 × 2000 levels of about 20 bytes each: some 80 kB of JSON.
        let refused = await #expect(throws: PublishError.self) { try await publisher.publish(book(levels: 2_000)) }
        #expect(
            refused.map { "\($0)".contains("too large") } == true, "the error says why: \(String(describing: refused))")
        try await publisher.publish(book(levels: 5, 1))
        try await publisher.publish(sampleTrade(2))
        #expect(await producer.flush(timeout: .seconds(10)) == 0)

        let books = try await consumeAll(
            bootstrap: cluster.bootstrapServers, topic: topics.book, count: 2, within: .seconds(5))
        #expect(books.count == 1, "only the book that fits")
        #expect(try books.map { try EventCodec.decode($0.value).seq } == [2], "the refused one used seq 1: a gap")
        let trades = try await consumeAll(bootstrap: cluster.bootstrapServers, topic: topics.trade, count: 1)
        #expect(trades.count == 1)
        #expect(try metrics.expectCounter("vb_publish_errors_total", [("topic", topics.book)]).totalValue == 1)
        producer.close(flushTimeout: .seconds(1))
    }
}
