import SFOXWire
import Testing
import VenueBridgeCore
import VenueConnector

@testable import SFOXConnector

@Suite("sFOX order tracker")
struct SFOXOrderTrackerTests {
    let request = OrderRequest(
        account: "main", instrument: "BTC-USD", clientOrderId: "c1", idempotencyKey: "k1", side: .buy,
        orderType: .limit,
        timeInForce: .gtc, quantity: ExactDecimal("1.5")!, price: ExactDecimal("100.25")!)

    func order(_ status: SFOXOrderStatus, filled: String = "0", id: Int64 = 77, clientId: String? = "c1") -> SFOXOrder {
        SFOXOrder(
            id: id, clientOrderId: clientId, status: status, filled: ExactDecimal(filled)!,
            vwap: filled == "0" ? nil : ExactDecimal("100.25"),
            price: ExactDecimal("100.25"), quantity: ExactDecimal("1.5")!, pair: "btcusd", action: .buy, type: "Limit",
            algorithmId: 201)
    }

    func trade(_ id: Int64, qty: String, orderId: Int64 = 77, clientId: String? = nil) -> SFOXPrivateTrade {
        SFOXPrivateTrade(
            tradeId: id, orderId: orderId, clientOrderId: clientId, action: .buy, currencyPair: "btcusd",
            quantity: ExactDecimal(qty)!, price: ExactDecimal("100.25")!)
    }

    @Test("REST reply then feed: one new, fills from trades deduped on trade_id, one final")
    func normalLife() {
        var tracker = SFOXOrderTracker(account: "main")
        tracker.willPlace(request, pair: "btcusd")
        let placed = tracker.update(order(.started), source: .live)
        #expect(placed.map(\.status) == [.new])
        #expect(placed.first?.idempotencyKey == "k1")
        #expect(placed.first?.venueOrderId == "77")
        #expect(tracker.update(order(.started), source: .live).isEmpty)

        let fill = tracker.trade(trade(1, qty: "0.5"))
        #expect(fill.map(\.status) == [.partiallyFilled])
        #expect(
            fill.first?.lastQty == ExactDecimal("0.5") && fill.first?.cumQty == ExactDecimal("0.5")
                && fill.first?.fillId == "1")
        #expect(fill.first?.leavesQty == ExactDecimal("1.0"))
        #expect(tracker.trade(trade(1, qty: "0.5")).isEmpty, "a repeated trade_id is not a second fill")

        // The feed says Filled before the last trade arrives: nothing yet; the trade reports it.
        #expect(tracker.update(order(.filled, filled: "1.5"), source: .live).isEmpty)
        let last = tracker.trade(trade(2, qty: "1.0"))
        #expect(last.map(\.status) == [.filled])
        #expect(
            last.first?.cumQty == ExactDecimal("1.5") && last.first?.leavesQty == .zero
                && last.first?.avgPx == ExactDecimal("100.25"))
        #expect(tracker.update(order(.done, filled: "1.5"), source: .live).isEmpty)
    }

    @Test("a trade that overtakes the order is held, then reported once the order is known")
    func tradeFirst() {
        var tracker = SFOXOrderTracker(account: "main")
        tracker.willPlace(request, pair: "btcusd")
        #expect(tracker.trade(trade(5, qty: "1.5")).isEmpty)
        #expect(tracker.pendingTradeCount == 1)
        let reports = tracker.update(order(.filled, filled: "1.5"), source: .live)
        #expect(reports.map(\.status) == [.new, .filled])
        #expect(reports.last?.fillId == "5")
        #expect(tracker.pendingTradeCount == 0)
    }

    @Test("a fill after the cancel was reported (found by fuzzing): published, the status stays canceled")
    func fillAfterCanceled() {
        var tracker = SFOXOrderTracker(account: "main")
        tracker.willPlace(request, pair: "btcusd")
        _ = tracker.update(order(.started), source: .live)
        #expect(tracker.cancelConfirmed(clientOrderId: "c1", pending: false).map(\.status) == [.canceled])
        let late = tracker.trade(trade(11, qty: "1.5"))
        #expect(late.map(\.status) == [.canceled], "never filled after canceled (events.md §4.7)")
        #expect(
            late.first?.cumQty == ExactDecimal("1.5") && late.first?.fillId == "11" && late.first?.leavesQty == .zero)
        #expect(late.first?.reason == "canceled by client")
        #expect(tracker.trade(trade(11, qty: "1.5")).isEmpty)
    }

    @Test("cancel with fills in flight: fills first, then canceled with the venue's cum_qty")
    func cancelAfterPartial() {
        var tracker = SFOXOrderTracker(account: "main")
        tracker.willPlace(request, pair: "btcusd")
        _ = tracker.update(order(.started), source: .live)
        #expect(tracker.update(order(.cancelPending), source: .live).map(\.status) == [.pendingCancel])
        #expect(tracker.update(order(.canceled, filled: "0.5"), source: .live).isEmpty)
        let reports = tracker.trade(trade(9, qty: "0.5"))
        #expect(reports.map(\.status) == [.partiallyFilled, .canceled])
        #expect(reports.last?.cumQty == ExactDecimal("0.5") && reports.last?.leavesQty == .zero)
    }

    @Test(
        "snapshot after a reconnect: missed fills reported from the venue's state; vanished orders listed for a query")
    func reconnect() {
        var tracker = SFOXOrderTracker(account: "main")
        tracker.willPlace(request, pair: "btcusd")
        _ = tracker.update(order(.started), source: .live)
        let missed = tracker.update(order(.started, filled: "0.7"), source: .snapshot)
        #expect(missed.map(\.status) == [.partiallyFilled])
        #expect(missed.first?.lastQty == ExactDecimal("0.7") && missed.first?.fillId == nil)
        #expect(tracker.missing(from: []) == ["c1"])
        #expect(tracker.missing(from: [order(.started, filled: "0.7")]).isEmpty)
    }

    @Test("an order first seen in a snapshot (restart) adopts the venue's fills without inventing a fill")
    func restart() {
        var tracker = SFOXOrderTracker(account: "main")
        let reports = tracker.update(order(.started, filled: "0.5", clientId: "other"), source: .snapshot)
        #expect(reports.map(\.status) == [.partiallyFilled])
        #expect(reports.first?.lastQty == nil && reports.first?.cumQty == ExactDecimal("0.5"))
        #expect(tracker.trade(trade(3, qty: "0.25")).first?.cumQty == ExactDecimal("0.75"))
    }

    @Test("a refused create is one rejected report with the venue's status and words")
    func rejection() {
        var tracker = SFOXOrderTracker(account: "main")
        tracker.willPlace(request, pair: "btcusd")
        let report = tracker.rejection(clientOrderId: "c1", code: "422", reason: "invalid currency_pair: btcusda")
        #expect(report?.status == .rejected && report?.rejectCode == "422" && report?.leavesQty == .zero)
    }
}

@Suite("sFOX book keeper")
struct SFOXBookKeeperTests {
    @Test("first snapshot, then only changed levels; same-price rows from several sources are summed")
    func diffing() throws {
        var keeper = SFOXBookKeeper(instruments: try InstrumentMap([("btcusd", "BTC-USD")]), publishTicker: false)
        func level(_ p: String, _ q: String, _ s: String = "ox") -> SFOXLevel {
            SFOXLevel(price: ExactDecimal(p)!, quantity: ExactDecimal(q)!, source: s)
        }
        let first = try keeper.apply(
            SFOXOrderBook(
                pair: "btcusd", bids: [level("100.1", "1"), level("100.1", "0.5", "gemini"), level("99", "2")],
                asks: [level("101", "1")]), tsVenue: nil, tsRecv: 1)
        guard case .bookSnapshot(let snapshot) = first.first?.payload else {
            Issue.record("no snapshot")
            return
        }
        #expect(
            snapshot.bids == [
                PriceLevel(price: ExactDecimal("100.1")!, size: ExactDecimal("1.5")!), PriceLevel(price: 99, size: 2),
            ])
        let second = try keeper.apply(
            SFOXOrderBook(pair: "btcusd", bids: [level("100.1", "1.5"), level("98", "1")], asks: [level("101", "1")]),
            tsVenue: nil, tsRecv: 2)
        guard case .bookDelta(let delta) = second.first?.payload else {
            Issue.record("no delta")
            return
        }
        #expect(delta.bids == [PriceLevel(price: 99, size: .zero), PriceLevel(price: 98, size: 1)], "best first")
        #expect(delta.asks.isEmpty)
        #expect(
            try keeper.apply(
                SFOXOrderBook(
                    pair: "btcusd", bids: [level("100.1", "1.5"), level("98", "1")], asks: [level("101", "1")]),
                tsVenue: nil, tsRecv: 3
            ).isEmpty)
        #expect(throws: VenueNormalizeError.self) {
            try keeper.apply(SFOXOrderBook(pair: "xyz", bids: [], asks: []), tsVenue: nil, tsRecv: 4)
        }
        #expect(throws: VenueNormalizeError.self) {
            try keeper.apply(
                SFOXOrderBook(pair: "btcusd", bids: [level("102", "1")], asks: [level("101", "1")]), tsVenue: nil,
                tsRecv: 5)
        }
    }
}

@Suite("sFOX subscription acknowledgement")
struct SFOXSubscriptionTrackerTests {
    @Test(
        "replies that name feeds settle those; an error and a success for one request both count; unnamed replies settle the oldest request"
    )
    func acknowledgement() {
        var tracker = SFOXSubscriptionTracker(batches: [
            ["orderbook.sfox.btcusd", "trades.sfox.btcusd", "orderbook.sfox.xyz"], ["ticker.sfox.ethusd"],
        ])
        #expect(
            tracker.record(
                SFOXControlReply(
                    success: false, action: "subscribe", sequence: 1, timestamp: nil, feeds: ["orderbook.sfox.xyz"]))
                == ["orderbook.sfox.xyz"])
        #expect(!tracker.isComplete)
        #expect(
            tracker.record(
                SFOXControlReply(
                    success: true, action: "subscribe", sequence: 2, timestamp: nil,
                    feeds: ["orderbook.sfox.btcusd", "trades.sfox.btcusd"])
            ).isEmpty)
        #expect(!tracker.isComplete)
        #expect(
            tracker.record(SFOXControlReply(success: true, action: "subscribe", sequence: 3, timestamp: nil)).isEmpty)
        #expect(tracker.isComplete)
        #expect(tracker.refused == ["orderbook.sfox.xyz"])
    }
}
