import FineryConnector
import FineryWire
import Testing
import VenueBridgeCore
import VenueConnector

private func keeper() throws -> FineryBookKeeper {
    var keeper = FineryBookKeeper(instruments: try InstrumentMap(identity: ["BTC-USD"]), publishTicker: false)
    // Bids 49995.44552006 × 0.2 and 49990 × 1; asks 50010 × 0.5.
    _ = try keeper.snapshot(
        venueInstrument: "BTC-USD",
        bids: [
            FineryLevel(price: 4_999_544_552_006, size: 20_000_000),
            FineryLevel(price: 4_999_000_000_000, size: 100_000_000),
        ],
        asks: [FineryLevel(price: 5_001_000_000_000, size: 50_000_000)], tsRecv: 0)
    return keeper
}

private func delta(_ events: [NormalizedEvent]) -> BookLevels? {
    guard events.count == 1, case .bookDelta(let levels) = events[0].payload else { return nil }
    return levels
}

@Suite("Finery book keeper")
struct FineryBookKeeperTests {
    @Test(
        "a frame that updates a level twice publishes its net change once: [price, 0], not [price, 0.15] and [price, 0]"
    )
    func levelTouchedTwice() throws {
        var keeper = try keeper()
        let events = try keeper.update(
            venueInstrument: "BTC-USD",
            bids: [
                FineryBookUpdate(.modify, price: 4_999_544_552_006, size: 15_000_000),
                FineryBookUpdate(.remove, price: 4_999_544_552_006, size: 0),
                FineryBookUpdate(.remove, price: 4_999_000_000_000, size: 0),
                FineryBookUpdate(.add, price: 4_999_000_000_000, size: 30_000_000),
            ], asks: [], tsRecv: 1)
        let levels = try #require(delta(events))
        #expect(
            levels.bids == [
                PriceLevel(price: ExactDecimal("49995.44552006")!, size: .zero),
                PriceLevel(price: 49990, size: ExactDecimal("0.3")!),
            ])
        #expect(levels.asks.isEmpty)
        // Applied in any order, the delta gives the keeper's book.
        var consumer = LocalOrderBook(
            bids: [
                PriceLevel(price: ExactDecimal("49995.44552006")!, size: ExactDecimal("0.2")!),
                PriceLevel(price: 49990, size: 1),
            ],
            asks: [PriceLevel(price: 50010, size: ExactDecimal("0.5")!)])
        for level in levels.bids.reversed() { consumer.set(.bid, price: level.price, size: level.size) }
        #expect(consumer == keeper.book("BTC-USD"))
    }

    @Test("a frame that changes nothing publishes nothing; a truncate is still netted against the levels it removes")
    func netChangeOnly() throws {
        var keeper = try keeper()
        let none = try keeper.update(
            venueInstrument: "BTC-USD",
            bids: [
                FineryBookUpdate(.add, price: 4_999_300_000_000, size: 5),
                FineryBookUpdate(.remove, price: 4_999_300_000_000, size: 0),
                FineryBookUpdate(.modify, price: 4_999_000_000_000, size: 100_000_000),
            ], asks: [], tsRecv: 1)
        #expect(none.isEmpty)
        // `~` to 49990 drops the top; a later `+` puts the dropped price back with a new size.
        let events = try keeper.update(
            venueInstrument: "BTC-USD",
            bids: [
                FineryBookUpdate(.truncate, price: 4_999_000_000_000, size: 100_000_000),
                FineryBookUpdate(.add, price: 4_999_544_552_006, size: 1),
            ], asks: [], tsRecv: 2)
        let levels = try #require(delta(events))
        #expect(levels.bids == [PriceLevel(price: ExactDecimal("49995.44552006")!, size: ExactDecimal("0.00000001")!)])
    }

    @Test(
        "a snapshot listing one price twice on a side is refused as inconsistent; an unbound instrument as unsubscribed"
    )
    func refusals() throws {
        var keeper = try keeper()
        do {
            _ = try keeper.snapshot(
                venueInstrument: "BTC-USD", bids: [FineryLevel(price: 100, size: 1), FineryLevel(price: 100, size: 2)],
                asks: [], tsRecv: 1)
            Issue.record("repeated price accepted")
        } catch {
            #expect(error.kind == .bookInconsistent)
        }
        do {
            _ = try keeper.snapshot(
                venueInstrument: "ETH-USD", bids: [FineryLevel(price: 100, size: 1)], asks: [], tsRecv: 1)
            Issue.record("unbound instrument accepted")
        } catch {
            #expect(error.kind == .unsubscribedInstrument)
        }
        #expect(throws: VenueNormalizeError.self) {
            try keeper.update(venueInstrument: "ETH-USD", bids: [], asks: [], tsRecv: 1)
        }
    }
}
