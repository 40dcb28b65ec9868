import T4Connector
import T4Wire
import Testing
import VenueBridgeCore
import VenueConnector

// Venue messages built to hurt: timestamps whose nanoseconds overflow Int64 and negative contract
// volumes. Each must be refused (counted by the connector), never wrapped into a wrong value,
// trapped on, or published.

private let market = T4Market(symbol: "ES-M25", exchangeID: "CME_Eq", contractID: "ES", marketID: "XCME_Eq ES (M25)")

private func depth(
    bid: Int32 = 10, seconds: Int64? = nil, nanos: Int32 = 0, traded: (total: Int32, volume: Int32)? = nil
) -> T4proto_V1_Market_MarketDepth {
    var depth = T4proto_V1_Market_MarketDepth()
    depth.marketID = market.marketID
    depth.bids = [
        .with {
            $0.price.value = "5954.75"
            $0.volume = bid
        }
    ]
    depth.offers = [
        .with {
            $0.price.value = "5955"
            $0.volume = 7
        }
    ]
    if let seconds {
        depth.time.seconds = seconds
        depth.time.nanos = nanos
    }
    if let traded {
        depth.tradeData.totalTradedVolume = traded.total
        depth.tradeData.lastTradeVolume = traded.volume
        depth.tradeData.lastTradePrice.value = "5955"
    }
    return depth
}

private func trade(total: Int32, volume: Int32, seconds: Int64? = nil) -> T4proto_V1_Market_MarketDepthTrade {
    var trade = T4proto_V1_Market_MarketDepthTrade()
    trade.marketID = market.marketID
    trade.totalTradedVolume = total
    trade.lastTradeVolume = volume
    trade.lastTradePrice.value = "5955"
    if let seconds { trade.time.seconds = seconds }
    return trade
}

private func startedKeeper() throws -> T4BookKeeper {
    var keeper = T4BookKeeper(markets: [market], publishTicker: false)
    var snapshot = T4proto_V1_Market_MarketSnapshot()
    snapshot.marketID = market.marketID
    snapshot.messages = [.with { $0.payload = .marketDepth(depth(traded: (100, 1))) }]
    _ = try keeper.snapshot(snapshot, tsRecv: 0)
    return keeper
}

@Suite("T4 hostile frames")
struct T4HostileFrameTests {
    @Test(
        "a time whose nanoseconds overflow Int64 (or are negative) is refused, not wrapped; the book is left as it was")
    func timeOverflow() throws {
        var keeper = try startedKeeper()
        #expect(throws: VenueNormalizeError.self) { try keeper.depth(depth(bid: 11, seconds: .max), tsRecv: 1) }
        #expect(throws: VenueNormalizeError.self) {
            try keeper.depth(depth(bid: 11, seconds: 9_223_372_037), tsRecv: 1)
        }
        #expect(throws: VenueNormalizeError.self) { try keeper.depth(depth(bid: 11, seconds: -1), tsRecv: 1) }
        #expect(throws: VenueNormalizeError.self) {
            try keeper.depth(depth(bid: 11, seconds: 1_700_000_000, nanos: -1), tsRecv: 1)
        }
        #expect(throws: VenueNormalizeError.self) {
            try keeper.trade(trade(total: 101, volume: 1, seconds: .max), tsRecv: 1)
        }
        #expect(
            keeper.book(marketID: market.marketID)?.bestBid?.size == ExactDecimal(10), "a refused depth changes nothing"
        )
        // In range: exact nanoseconds.
        let events = try keeper.depth(depth(bid: 12, seconds: 1_700_000_000, nanos: 5), tsRecv: 1)
        #expect(events.first?.tsVenue == 1_700_000_000_000_000_005)
    }

    @Test("negative traded volumes are refused, and do not move the dedupe baseline")
    func negativeTradeVolume() throws {
        var keeper = try startedKeeper()
        #expect(throws: VenueNormalizeError.self) { try keeper.trade(trade(total: 105, volume: -3), tsRecv: 1) }
        #expect(throws: VenueNormalizeError.self) { try keeper.trade(trade(total: -1, volume: 3), tsRecv: 1) }
        #expect(throws: VenueNormalizeError.self) { try keeper.depth(depth(bid: 13, traded: (106, -2)), tsRecv: 1) }
        #expect(keeper.tradeBaselines[market.marketID] == 100)
        #expect(keeper.book(marketID: market.marketID)?.bestBid?.size == ExactDecimal(10))
        // The next good trade is still reported, with its size.
        let good = try #require(try keeper.trade(trade(total: 105, volume: 5), tsRecv: 2))
        guard case .trade(let t) = good.payload else {
            Issue.record("not a trade")
            return
        }
        #expect(t.size == ExactDecimal(5))
    }

    @Test("order updates with negative volumes are refused as invalid and report nothing")
    func negativeOrderVolumes() {
        var tracker = T4OrderTracker()
        var record = T4proto_V1_Orderrouting_OrderUpdate()
        record.uniqueID = "U9"
        record.accountID = "A1"
        record.marketID = market.marketID
        record.status = .working
        record.change = .submissionSuccess
        record.buySell = .buy
        record.priceType = .limit
        record.currentVolume = -3
        let refused = tracker.update(record, source: .live)
        #expect(refused.reports.isEmpty && refused.invalid.count == 1)
        #expect(tracker.report(clientOrderId: "t4-U9") == nil)

        record.currentVolume = 5
        #expect(tracker.update(record, source: .live).reports.first?.quantity == ExactDecimal(5))
        var fill = T4proto_V1_Orderrouting_OrderUpdateTrade()
        fill.uniqueID = "U9"
        fill.exchangeTradeID = "X1"
        fill.volume = -2
        fill.price.value = "5954.75"
        let badFill = tracker.trade(fill)
        #expect(badFill.reports.isEmpty && badFill.invalid.count == 1)
        var status = T4proto_V1_Orderrouting_OrderUpdateStatus()
        status.uniqueID = "U9"
        status.currentVolume = -1
        status.status = .working
        #expect(tracker.status(status).invalid.count == 1)
        #expect(tracker.report(clientOrderId: "t4-U9")?.quantity == ExactDecimal(5))
    }
}
