import EventBus
import Synchronization
import Testing
import VenueBridgeCore
import VenueConnector

/// Keeps what it is given (no Kafka): the pieces under test decide what is published, not how.
private final class KeepingSink: EventSink {
    private let kept = Mutex<[NormalizedEvent]>([])
    func publish(_ event: NormalizedEvent) async throws(PublishError) { kept.withLock { $0.append(event) } }
    var events: [NormalizedEvent] { kept.withLock { $0 } }
}

@Suite struct ConnectorSharedPiecesTests {
    @Test("a book's second snapshot is a resync, across callers; other books are not")
    func resyncMemory() {
        let memory = BookResyncMemory(metrics: VenueConnectorMetrics(venue: .finery))
        #expect(!memory.snapshot(of: "BTC-USD"))
        #expect(!memory.snapshot(of: "ETH-USD"))
        #expect(memory.snapshot(of: "BTC-USD"))
        #expect(memory.snapshot(of: "BTC-USD"))
    }

    @Test("reports are published under the order's venue instrument and its symbol, falling back to the venue's id")
    func reportInstruments() async throws {
        let sink = KeepingSink()
        let publisher = ConnectorPublisher(venue: .sfox, sink: sink, logger: .init(label: "test"))
        let report = { (id: String) in
            ExecutionReport(account: "a", clientOrderId: id, side: .buy, orderType: .limit, status: .new, cumQty: .zero)
        }
        let pairs = ["c1": "btcusd", "c2": "ethusd"]
        try await publisher.publish(
            reports: [report("c1"), report("c2"), report("c3")], tsVenue: 5, tsRecv: 7, venueSeq: 9,
            venueInstrument: { pairs[$0] }, symbol: { $0 == "btcusd" ? "BTC-USD" : nil }
        )
        let events = sink.events
        #expect(events.map(\.instrument) == ["BTC-USD", "ethusd", nil])
        #expect(events.map(\.venueInstrument) == ["btcusd", "ethusd", nil])
        #expect(events.allSatisfy { $0.venue == .sfox && $0.venueSeq == 9 && $0.tsVenue == 5 && $0.tsRecv == 7 })
    }

    @Test("venueSeq, when given, is stamped on every event; without it each keeps its own")
    func venueSeqStamping() async throws {
        let sink = KeepingSink()
        let publisher = ConnectorPublisher(venue: .sfox, sink: sink, logger: .init(label: "test"))
        let trade = NormalizedEvent(
            venue: .sfox, instrument: "BTC-USD", venueInstrument: "btcusd", venueSeq: 3, tsRecv: 1,
            payload: .trade(Trade(price: ExactDecimal("1")!, size: ExactDecimal("1")!, aggressor: .buy, tradeId: nil)))
        try await publisher.publish([trade])
        try await publisher.publish([trade, trade], venueSeq: 4)
        #expect(sink.events.map(\.venueSeq) == [3, 4, 4])
    }

    @Test("a normalize error reads as its kind (the metric label) and detail")
    func normalizeErrorDescription() {
        let error = VenueNormalizeError(.bookInconsistent, "B BTC-USD: snapshot is crossed")
        #expect(error.description == "book_inconsistent: B BTC-USD: snapshot is crossed")
        #expect(VenueNormalizeError.Kind.unsubscribedInstrument.rawValue == "unsubscribed_instrument")
        #expect(VenueNormalizeError.Kind.invalidOrder.rawValue == "invalid_order")
    }
}
