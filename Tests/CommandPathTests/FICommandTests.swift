import BridgeTestSupport
import FISimulator
import OrderCommands
import Testing
import VenueBridgeCore
import VenueConnector

typealias FICommandHarness = VenueCommandHarness<FITestVenue>

extension VenueCommandHarness where Venue == FITestVenue {
    var simulator: FISimulator { venue.simulator }

    func clientId(_ order: OrderCommand) -> String {
        ClientOrderIds.derive(FITestVenue.clientOrderIdFormat, venue: .fi, idempotencyKey: order.idempotencyKey)
    }
}

/// Commands to Fundamental Interactions through Kafka (mock cluster), the command consumer with
/// real Redis, the real FI connector and the FI simulator.
@Suite("FI commands end to end", .serialized)
struct FICommandTests {
    @Test("an order placed, partly filled at once, the rest resting, then canceled: fills once, answers agree")
    func partialFillThenCancel() async throws {
        let harness = try await FICommandHarness(prefix: "fi1", venue: FITestVenue.start)
        try await harness.waitUntilReady()
        // The simulator's best ask is 7000.01 with at most 5.00 on it; a limit at it for 100 takes
        // what is there and rests the remainder.
        let order = harness.newOrder("partial", quantity: "100", price: "7000.01")
        try await harness.send(order)
        let clientId = harness.clientId(order)
        let answer = try #require(try await harness.waitForAnswers(order.idempotencyKey).first)
        #expect(answer.command == .newOrder && answer.venueOrderId != nil && answer.clientOrderId == clientId)
        try await eventually("the fill on the stream") {
            harness.reader.reports(clientOrderId: clientId).contains {
                $0.command == nil && $0.status == .partiallyFilled && $0.fillId != nil
            }
        }
        let fills = harness.reader.reports(clientOrderId: clientId).filter { $0.fillId != nil }
        #expect(fills.allSatisfy { $0.lastPx == ExactDecimal("7000.01") })
        let live = await harness.simulator.liveOrders(of: FITestVenue.account)
        #expect(live.count == 1 && live.first?.clientOrderId == clientId)

        let cancel = OrderCommand(
            idempotencyKey: harness.key("cancel-partial"), venue: .fi, account: FITestVenue.account,
            instrument: "BTC-USD", .cancelOrder(CancelOrder(target: .idempotencyKey(order.idempotencyKey))))
        try await harness.send(cancel)
        let canceled = try #require(try await harness.waitForAnswers(cancel.idempotencyKey).first)
        #expect(canceled.status == .canceled && canceled.clientOrderId == clientId)
        #expect(canceled.cumQty == fills.last?.cumQty)
        #expect(await harness.simulator.liveOrders(of: FITestVenue.account).isEmpty)
        let life = harness.reader.reports(clientOrderId: clientId)
        #expect(Set(life.compactMap(\.fillId)).count == life.compactMap(\.fillId).count, "each fill once")
        expectNothingAfterTerminal(life, "partial")
        await harness.stop()
    }

    @Test("the same command produced three times: one venue order, one answer and two duplicates")
    func replayedCommand() async throws {
        let harness = try await FICommandHarness(prefix: "fi2", venue: FITestVenue.start)
        try await harness.waitUntilReady()
        let order = harness.newOrder("thrice")
        for _ in 0..<3 { try await harness.send(order) }
        let answers = try await harness.waitForAnswers(order.idempotencyKey, count: 3)
        #expect(answers.filter { $0.duplicate == nil }.count == 1)
        #expect(answers.filter { $0.duplicate == true }.count == 2)
        #expect(answers.first?.status == .new)
        #expect(await harness.simulator.addOrderRequests[harness.clientId(order)] == 1)
        await harness.stop()
    }

    @Test("the addorder reply is lost: the order's pushes resolve it through query, never sent twice")
    func lostAck() async throws {
        let harness = try await FICommandHarness(
            prefix: "fi3",
            venue: { sink, metrics, logger in
                try await FITestVenue.start(sink: sink, metrics: metrics, logger: logger, requestTimeout: .seconds(1))
            })
        try await harness.waitUntilReady()
        await harness.simulator.dropAddOrderReplies(1)
        let order = harness.newOrder("lost-ack")
        try await harness.send(order)
        let answer = try #require(try await harness.waitForAnswers(order.idempotencyKey).first)
        #expect(answer.status == .new && answer.venueOrderId != nil)
        #expect(await harness.simulator.addOrderRequests[harness.clientId(order)] == 1)
        #expect(harness.counter("vb_commands_ambiguous_total", [("resolution", "found")]) == 1)
        await harness.stop()
    }

    @Test("a venue refusal is a rejected answer with the venue's words and the table's code")
    func refused() async throws {
        let harness = try await FICommandHarness(prefix: "fi4", venue: FITestVenue.start)
        try await harness.waitUntilReady()
        // Post-only (not in the command contract: straight to the connector) at a price that
        // crosses the book: the venue refuses it, and the refusal is on the stream too.
        let answer = try await harness.venue.connector.place(
            OrderRequest(
                account: FITestVenue.account, instrument: "BTC-USD", clientOrderId: "post-cross-1", side: .buy,
                orderType: .limit, timeInForce: .gtc, quantity: 1, price: 7100, postOnly: true))
        #expect(answer.status == .rejected)
        #expect(answer.reason == "post only order would match" && answer.rejectCode == "post_only_would_match")
        try await eventually("the rejection on the stream") {
            harness.reader.reports(clientOrderId: "post-cross-1").contains { $0.status == .rejected }
        }
        await harness.stop()
    }

    @Test(
        "dropped and logged in again: the replayed order, sales and open-order query repeat nothing; cancel still works"
    )
    func reconnectReplaysNothingTwice() async throws {
        let harness = try await FICommandHarness(prefix: "fi5", venue: FITestVenue.start)
        try await harness.waitUntilReady()
        let order = harness.newOrder("across-drop", quantity: "100", price: "7000.01")
        try await harness.send(order)
        let clientId = harness.clientId(order)
        _ = try #require(try await harness.waitForAnswers(order.idempotencyKey).first)
        try await eventually("the fill on the stream") {
            harness.reader.reports(clientOrderId: clientId).contains { $0.fillId != nil }
        }
        try await barrier("before-drop", harness)
        let before = harness.reader.reports(clientOrderId: clientId)

        let logins = await harness.simulator.loginsAccepted
        await harness.simulator.dropConnections()
        try await eventually("logged in again") {
            await harness.simulator.loginsAccepted > logins && harness.venue.sessionState == .ready
        }
        try await barrier("after-drop", harness)
        #expect(harness.reader.reports(clientOrderId: clientId) == before, "the replay published nothing new")

        let cancel = OrderCommand(
            idempotencyKey: harness.key("cancel-across-drop"), venue: .fi, account: FITestVenue.account,
            instrument: "BTC-USD", .cancelOrder(CancelOrder(target: .idempotencyKey(order.idempotencyKey))))
        try await harness.send(cancel)
        let canceled = try #require(try await harness.waitForAnswers(cancel.idempotencyKey).first)
        #expect(canceled.status == .canceled)
        await harness.stop()
    }

    /// A resting order placed now: once the connector's own report of it is on the stream, so is
    /// everything the venue said before it (the replay at login, the open-order query's answer).
    private func barrier(_ name: String, _ harness: FICommandHarness) async throws {
        let barrier = harness.newOrder(name)
        try await harness.send(barrier)
        let clientId = harness.clientId(barrier)
        try await eventually("the connector's report of \(name)") {
            harness.reader.reports(clientOrderId: clientId).contains { $0.command == nil }
        }
    }
}
