import FIConnector
import FIWire
import Testing
import VenueBridgeCore
import VenueConnector

/// The tracker against the notes' rules, message by message. Where the notes leave the order of
/// `sale` and `order` pushes open, both orders are tested and must publish the same story.
@Suite("FI order tracker")
struct FIOrderTrackerTests {
    static func request(_ id: String = "C1", quantity: ExactDecimal = 10, price: ExactDecimal = 100) -> OrderRequest {
        OrderRequest(
            account: "fi", instrument: "BTC-USD", clientOrderId: id, idempotencyKey: "key-\(id)", side: .buy,
            orderType: .limit, timeInForce: .gtc, quantity: quantity, price: price)
    }

    static func order(
        _ refno: String = "R1", client: String? = "C1", quantity: ExactDecimal = 10, live: ExactDecimal,
        executed: ExactDecimal
    ) -> FIOrder {
        FIOrder(
            refno: refno, clientOrderId: client, security: "BTCUSD", side: .buy, price: 100, quantity: quantity,
            liveQuantity: live, executedQuantity: executed)
    }

    static func sale(_ trade: String, refno: String = "R1", quantity: ExactDecimal, price: ExactDecimal = 100)
        -> FISale
    {
        FISale(refno: refno, tradeRefno: trade, security: "BTCUSD", side: .buy, quantity: quantity, price: price)
    }

    /// A tracker with C1 placed and acknowledged as R1.
    static func placed() -> FIOrderTracker {
        var tracker = FIOrderTracker(account: "fi")
        let accepted = tracker.willPlace(request(), security: "BTCUSD")
        #expect(accepted)
        let (outcome, answer) = tracker.addReply(result: "OK", clientOrderId: "C1", refno: "R1")
        #expect(outcome.reports.map(\.status) == [.new] && answer?.status == .new && answer?.venueOrderId == "R1")
        return tracker
    }

    @Test("sale then order push, or order push then sale: the same fills, cum_qty counted once")
    func eitherOrder() {
        var saleFirst = Self.placed()
        var reports = saleFirst.sale(Self.sale("T1", quantity: 4)).reports
        reports += saleFirst.order(Self.order(live: 6, executed: 4)).reports
        #expect(reports.map(\.status) == [.partiallyFilled])
        #expect(reports.map(\.cumQty) == [4] && reports.first?.fillId == "T1" && reports.first?.lastPx == 100)

        var orderFirst = Self.placed()
        var other = orderFirst.order(Self.order(live: 6, executed: 4)).reports
        other += orderFirst.sale(Self.sale("T1", quantity: 4)).reports
        #expect(other.map(\.status) == [.partiallyFilled, .partiallyFilled])
        #expect(other.map(\.cumQty) == [4, 4], "the sale the push already counted does not count again")
        #expect(other.last?.fillId == "T1" && other.last?.lastQty == 4)
    }

    @Test("nothing after a terminal report: a sale after the filled push is dropped and named")
    func terminal() {
        var tracker = Self.placed()
        let filled = tracker.order(Self.order(live: 0, executed: 10)).reports
        #expect(filled.map(\.status) == [.filled] && filled.first?.leavesQty == 0)
        let late = tracker.sale(Self.sale("T9", quantity: 10))
        #expect(late.reports.isEmpty && late.ignored.count == 1)
        let replayed = tracker.order(Self.order(live: 0, executed: 10))
        #expect(replayed.reports.isEmpty, "a replayed push says nothing")
        #expect(tracker.report(clientOrderId: "C1")?.status == .filled)
    }

    @Test("a sale replayed (after a reconnect) is reported once")
    func replayedSale() {
        var tracker = Self.placed()
        let first = tracker.sale(Self.sale("T1", quantity: 2))
        let again = tracker.sale(Self.sale("T1", quantity: 2))
        #expect(first.reports.count == 1 && again.reports.isEmpty)
        #expect(tracker.report(clientOrderId: "C1")?.cumQty == 2)
    }

    @Test("the derived status: live 0 with everything executed is filled, with less it is canceled")
    func derivedStatus() {
        var tracker = Self.placed()
        let canceled = tracker.order(Self.order(live: 0, executed: 3)).reports
        #expect(canceled.map(\.status) == [.canceled] && canceled.first?.cumQty == 3 && canceled.first?.lastQty == 3)
        #expect(canceled.first?.reason?.contains("3 of 10") == true)
    }

    @Test("a refused addorder is rejected with the table's code; duplicate clientorderid is not a rejection")
    func refusals() {
        var tracker = FIOrderTracker(account: "fi")
        _ = tracker.willPlace(Self.request("C2"), security: "BTCUSD")
        let (outcome, answer) = tracker.addReply(result: "not enough fund", clientOrderId: "C2", refno: nil)
        #expect(answer?.status == .rejected && answer?.rejectCode == "not_enough_fund")
        #expect(answer?.reason == "not enough fund" && outcome.reports == [answer!])

        _ = tracker.willPlace(Self.request("C3"), security: "BTCUSD")
        let duplicate = tracker.addReply(result: "duplicate clientorderid", clientOrderId: "C3", refno: nil)
        #expect(duplicate.answer?.status == .unknown && duplicate.outcome.reports.isEmpty)
        // The earlier attempt's push arrives: the order is known after all.
        let shown = tracker.order(Self.order("R3", client: "C3", live: 10, executed: 0)).reports
        #expect(shown.map(\.status) == [.new] && shown.first?.idempotencyKey == "key-C3")
    }

    @Test("after a reconnect: working orders not listed by openorderquery are unknown; listed and later ones are not")
    func reconciliation() {
        var tracker = Self.placed()
        _ = tracker.willPlace(Self.request("C2"), security: "BTCUSD")
        _ = tracker.addReply(result: "OK", clientOrderId: "C2", refno: "R2")
        let mark = tracker.reconciliationMark
        // Placed while the query was on its way: the answer cannot know it.
        _ = tracker.willPlace(Self.request("C4"), security: "BTCUSD")
        _ = tracker.addReply(result: "OK", clientOrderId: "C4", refno: "R4")
        let outcome = tracker.reconcile(
            openOrders: [Self.order("R2", client: "C2", live: 10, executed: 0)], mark: mark)
        #expect(outcome.reports.map(\.clientOrderId) == ["C1"])
        #expect(outcome.reports.first?.status == .unknown && outcome.reports.first?.reason != nil)
        // The venue later shows C1's end: reported, since unknown is not terminal.
        let end = tracker.order(Self.order(live: 0, executed: 0))
        #expect(end.reports.map(\.status) == [.canceled])
    }

    @Test("an order the bridge did not place is reported under fi-<refno>")
    func foreign() {
        var tracker = FIOrderTracker(account: "fi")
        let reports = tracker.order(Self.order("R7", client: nil, live: 5, executed: 0)).reports
        #expect(reports.map(\.clientOrderId) == ["fi-R7"] && reports.first?.account == "fi")
    }

    @Test("hostile numbers are refused and change nothing")
    func hostile() {
        var tracker = Self.placed()
        let outcomes = [
            tracker.order(Self.order(live: -1, executed: 0)),
            tracker.order(Self.order(live: 0, executed: 11)),
            tracker.sale(Self.sale("T1", quantity: -1)),
            tracker.sale(Self.sale("T2", quantity: 11)),  // more than the order
            tracker.sale(Self.sale("T3", refno: "nope", quantity: 1)),
        ]
        #expect(outcomes.map(\.ignored.count) == [1, 1, 1, 1, 1] && outcomes.allSatisfy(\.reports.isEmpty))
        #expect(tracker.report(clientOrderId: "C1")?.status == .new && tracker.report(clientOrderId: "C1")?.cumQty == 0)
    }

    @Test("finished orders are remembered up to the bound, oldest forgotten first")
    func bounded() {
        var tracker = FIOrderTracker(account: "fi", finishedMemory: 2)
        for index in 1...3 {
            _ = tracker.willPlace(Self.request("C\(index)"), security: "BTCUSD")
            _ = tracker.addReply(result: "OK", clientOrderId: "C\(index)", refno: "R\(index)")
            _ = tracker.order(Self.order("R\(index)", client: "C\(index)", live: 0, executed: 10))
        }
        #expect(tracker.count == 2 && tracker.report(clientOrderId: "C1") == nil)
        #expect(tracker.report(clientOrderId: "C3")?.status == .filled)
    }
}
