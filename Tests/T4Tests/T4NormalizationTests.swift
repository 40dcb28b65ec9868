import T4Connector
import T4Wire
import Testing
import VenueBridgeCore
import VenueConnector

private let market = T4Market(symbol: "ES-M25", exchangeID: "CME_Eq", contractID: "ES", marketID: "XCME_Eq ES (M25)")

private func depth(
    bids: [(String, Int32)], offers: [(String, Int32)], traded: (total: Int32, volume: Int32, price: String)? = nil
) -> T4proto_V1_Market_MarketDepth {
    func line(_ level: (String, Int32)) -> T4proto_V1_Market_MarketDepth.DepthLine {
        var line = T4proto_V1_Market_MarketDepth.DepthLine()
        line.price.value = level.0
        line.volume = level.1
        return line
    }
    var depth = T4proto_V1_Market_MarketDepth()
    depth.marketID = market.marketID
    depth.bids = bids.map(line)
    depth.offers = offers.map(line)
    if let traded {
        depth.tradeData.totalTradedVolume = traded.total
        depth.tradeData.lastTradeVolume = traded.volume
        depth.tradeData.lastTradePrice.value = traded.price
        depth.tradeData.atBidOrOffer = .bid
    }
    return depth
}

private func snapshot(_ depth: T4proto_V1_Market_MarketDepth) -> T4proto_V1_Market_MarketSnapshot {
    var snapshot = T4proto_V1_Market_MarketSnapshot()
    snapshot.marketID = market.marketID
    snapshot.messages = [.with { $0.payload = .marketDepth(depth) }]
    return snapshot
}

@Suite("T4 book keeper")
struct T4BookKeeperTests {
    @Test("snapshot then whole-book depths: book_snapshot, then only the changed levels; exact prices")
    func snapshotThenDiff() throws {
        var keeper = T4BookKeeper(markets: [market], publishTicker: false)
        let first = try keeper.snapshot(
            snapshot(depth(bids: [("5954.75", 10), ("5954.5", 4)], offers: [("5955", 7)])), tsRecv: 1)
        #expect(first.map(\.type) == [.bookSnapshot])
        let next = try keeper.depth(depth(bids: [("5954.75", 12)], offers: [("5955", 7), ("5955.25", 3)]), tsRecv: 2)
        guard case .bookDelta(let delta)? = next.first?.payload else {
            Issue.record("no delta")
            return
        }
        #expect(
            delta.bids == [
                PriceLevel(price: ExactDecimal("5954.75")!, size: ExactDecimal(12)),
                PriceLevel(price: ExactDecimal("5954.5")!, size: .zero),
            ])
        #expect(delta.asks == [PriceLevel(price: ExactDecimal("5955.25")!, size: ExactDecimal(3))])
        #expect(next.allSatisfy { $0.instrument == "ES-M25" && $0.venueInstrument == market.marketID })
    }

    @Test("trades: the snapshot's is a baseline; repeats of a total are dropped; a baseline survives a new session")
    func tradeDedupe() throws {
        var keeper = T4BookKeeper(markets: [market], publishTicker: false)
        _ = try keeper.snapshot(
            snapshot(depth(bids: [("1", 1)], offers: [("2", 1)], traded: (100, 5, "1.5"))), tsRecv: 0)
        #expect(
            try keeper.depth(depth(bids: [("1", 1)], offers: [("2", 1)], traded: (100, 5, "1.5")), tsRecv: 1).filter {
                $0.type == .trade
            }.isEmpty)
        var trade = T4proto_V1_Market_MarketDepthTrade()
        trade.marketID = market.marketID
        trade.totalTradedVolume = 103
        trade.lastTradeVolume = 3
        trade.lastTradePrice.value = "2"
        trade.atBidOrOffer = .offer
        let published = try #require(try keeper.trade(trade, tsRecv: 2))
        guard case .trade(let t) = published.payload else {
            Issue.record("not a trade")
            return
        }
        #expect(t.price == ExactDecimal(2) && t.size == ExactDecimal(3) && t.aggressor == .buy)
        // The same trade again as the depth's trade_data: nothing.
        #expect(
            try keeper.depth(depth(bids: [("1", 1)], offers: [("2", 1)], traded: (103, 3, "2")), tsRecv: 3).filter {
                $0.type == .trade
            }.isEmpty)
        // A new session's snapshot with a moved total reports the latest trade once.
        var next = T4BookKeeper(markets: [market], publishTicker: false, tradeBaselines: keeper.tradeBaselines)
        let after = try next.snapshot(
            snapshot(depth(bids: [("1", 1)], offers: [("2", 1)], traded: (104, 1, "1"))), tsRecv: 4)
        #expect(after.filter { $0.type == .trade }.count == 1)
        // A snapshot without trade data: the first trade after it is new.
        var fresh = T4BookKeeper(markets: [market], publishTicker: false)
        _ = try fresh.snapshot(snapshot(depth(bids: [("1", 1)], offers: [("2", 1)])), tsRecv: 0)
        #expect(
            try fresh.depth(depth(bids: [("1", 1)], offers: [("2", 1)], traded: (1, 1, "2")), tsRecv: 1).filter {
                $0.type == .trade
            }.count == 1)
    }

    @Test("unusable depths are refused whole: bad price text, unordered levels, negative volume, unknown market")
    func refusals() throws {
        var keeper = T4BookKeeper(markets: [market], publishTicker: false)
        _ = try keeper.snapshot(snapshot(depth(bids: [("5954.75", 10)], offers: [("5955", 7)])), tsRecv: 0)
        #expect(throws: VenueNormalizeError.self) {
            try keeper.depth(depth(bids: [("5954,75", 1)], offers: []), tsRecv: 1)
        }
        #expect(throws: VenueNormalizeError.self) {
            try keeper.depth(depth(bids: [("5954.5", 1), ("5954.75", 1)], offers: []), tsRecv: 1)
        }
        #expect(throws: VenueNormalizeError.self) {
            try keeper.depth(depth(bids: [("5954.5", -1)], offers: []), tsRecv: 1)
        }
        var other = depth(bids: [], offers: [])
        other.marketID = "XCME_Eq NQ (M25)"
        #expect(throws: VenueNormalizeError.self) { try keeper.depth(other, tsRecv: 1) }
        // The book is unchanged by the refused messages.
        #expect(keeper.book(marketID: market.marketID)?.bestBid?.price == ExactDecimal("5954.75"))
    }
}

@Suite("T4 order tracker")
struct T4OrderTrackerTests {
    func request(_ id: String, quantity: Int = 5) -> OrderRequest {
        OrderRequest(
            account: "A1", instrument: "ES-M25", clientOrderId: id, idempotencyKey: "key-\(id)", side: .sell,
            orderType: .limit,
            timeInForce: .gtc, quantity: ExactDecimal(quantity), price: ExactDecimal("5954.75"))
    }

    func record(_ uniqueID: String, tag: String, status: T4OrderStatus = .working, filled: Int32 = 0, volume: Int32 = 5)
        -> T4proto_V1_Orderrouting_OrderUpdate
    {
        var update = T4proto_V1_Orderrouting_OrderUpdate()
        update.uniqueID = uniqueID
        update.accountID = "A1"
        update.marketID = market.marketID
        update.status = status
        update.change = .submissionSuccess
        update.buySell = .sell
        update.priceType = .limit
        update.timeType = .goodTillCancelled
        update.currentVolume = volume
        update.currentLimitPrice.value = "5954.75"
        update.totalFillVolume = filled
        update.tag = tag
        return update
    }

    func fill(_ uniqueID: String, id: String, volume: Int32, total: Int32, finished: Bool = false)
        -> T4proto_V1_Orderrouting_OrderUpdateTrade
    {
        var trade = T4proto_V1_Orderrouting_OrderUpdateTrade()
        trade.uniqueID = uniqueID
        trade.exchangeTradeID = id
        trade.volume = volume
        trade.totalFillVolume = total
        trade.price.value = "5954.75"
        trade.status = finished ? .finished : .working
        return trade
    }

    @Test("submit answered by the tagged record; fills once per exchange_trade_id; cum only grows")
    func fillsOnce() {
        var tracker = T4OrderTracker()
        tracker.willSubmit(request("c1"), accountID: "A1", marketID: market.marketID)
        let acked = tracker.update(record("U1", tag: "c1"), source: .live)
        #expect(acked.reports.map(\.status) == [.new])
        #expect(acked.answers.first?.kind == .submit && acked.answers.first?.clientOrderId == "c1")
        #expect(acked.reports.first?.idempotencyKey == "key-c1" && acked.reports.first?.venueOrderId == "U1")
        #expect(tracker.trade(fill("U1", id: "T1", volume: 2, total: 2)).reports.map(\.status) == [.partiallyFilled])
        #expect(tracker.trade(fill("U1", id: "T1", volume: 2, total: 2)).reports.isEmpty, "repeat")
        let last = tracker.trade(fill("U1", id: "T2", volume: 3, total: 5, finished: true)).reports
        #expect(last.map(\.status) == [.filled])
        #expect(
            last.first?.cumQty == ExactDecimal(5) && last.first?.lastQty == ExactDecimal(3)
                && last.first?.leavesQty == .zero)
    }

    @Test("a snapshot after a reconnect adopts fills made while away, once")
    func snapshotAdoptsFills() {
        var tracker = T4OrderTracker()
        tracker.willSubmit(request("c2"), accountID: "A1", marketID: market.marketID)
        _ = tracker.update(record("U2", tag: "c2"), source: .live)
        let adopted = tracker.update(record("U2", tag: "c2", filled: 3), source: .snapshot)
        #expect(adopted.reports.map(\.status) == [.partiallyFilled])
        #expect(adopted.reports.first?.lastQty == ExactDecimal(3))
        #expect(tracker.update(record("U2", tag: "c2", filled: 3), source: .snapshot).reports.isEmpty)
        // A live fill whose total was already adopted reports nothing new.
        #expect(tracker.trade(fill("U2", id: "T9", volume: 3, total: 3)).reports.isEmpty)
    }

    @Test("a refused pull answers the pull and leaves the order working; a refused submit is a rejected report")
    func refusals() {
        var tracker = T4OrderTracker()
        tracker.willSubmit(request("c3"), accountID: "A1", marketID: market.marketID)
        _ = tracker.update(record("U3", tag: "c3"), source: .live)
        var pull = T4proto_V1_Orderrouting_OrderUpdateFailed()
        pull.uniqueID = "U3"
        pull.change = .pullRejected
        pull.statusDetail = "too late"
        let refused = tracker.failed(pull)
        #expect(refused.reports.isEmpty)
        #expect(refused.answers.first?.answer == .refused(reason: "too late", code: "PULL_REJECTED"))
        #expect(tracker.report(clientOrderId: "c3")?.status == .new)

        tracker.willSubmit(request("c4"), accountID: "A1", marketID: market.marketID)
        var submit = T4proto_V1_Orderrouting_OrderUpdateFailed()
        submit.uniqueID = "U4"
        submit.tagClOrdID = "c4"
        submit.change = .submissionRejected
        submit.statusDetail = "market closed"
        let rejected = tracker.failed(submit)
        #expect(rejected.reports.map(\.status) == [.rejected])
        #expect(
            rejected.reports.first?.rejectCode == "SUBMISSION_REJECTED"
                && rejected.reports.first?.reason == "market closed")
    }

    @Test("reconcile: a working order missing from the snapshot becomes unknown; an untagged order gets a t4- id")
    func reconcile() {
        var tracker = T4OrderTracker()
        tracker.willSubmit(request("c5"), accountID: "A1", marketID: market.marketID)
        _ = tracker.update(record("U5", tag: "c5"), source: .live)
        let gone = tracker.reconcile(accountID: "A1", working: [])
        #expect(gone.reports.map(\.status) == [.unknown])
        #expect(tracker.reconcile(accountID: "A1", working: []).reports.isEmpty, "reported once")
        let foreign = tracker.update(record("U6", tag: ""), source: .snapshot)
        #expect(foreign.reports.first?.clientOrderId == "t4-U6" && foreign.reports.first?.side == .sell)
    }
}

@Test("ExactDecimal.isMultiple(of:) checks ticks exactly")
func tickMultiples() {
    let tick = ExactDecimal("0.25")!
    #expect(ExactDecimal("5954.75")!.isMultiple(of: tick))
    #expect(!ExactDecimal("5954.7")!.isMultiple(of: tick))
    #expect(ExactDecimal(100).isMultiple(of: ExactDecimal(25)))
    #expect(!ExactDecimal(1).isMultiple(of: .zero))
    #expect(ExactDecimal.zero.isMultiple(of: tick))
}
