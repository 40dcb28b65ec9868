import BridgeTestSupport
import CommandPath
import Foundation
import KafkaBus
import OrderCommands
import Testing
import VenueBridgeCore
import VenueConnector

/// Kafka commands → consumer → Redis idempotency → sFOX connector → simulator, answers read back
/// from Kafka as a downstream consumer sees them.
@Suite("command path end to end", .serialized, .enabled(if: testRedisPort != nil, "set VB_TEST_REDIS_PORT"))
struct CommandPathEndToEndTests {
    @Test(
        "new_order: one venue order under the derived client id, answered new once; then cancel_order by the key answers canceled"
    )
    func newThenCancel() async throws {
        let harness = try await CommandHarness(prefix: "c1")
        try await harness.waitUntilReady()
        let order = harness.newOrder("buy")
        try await harness.send(order)
        let answer = try #require(try await harness.waitForAnswers(order.idempotencyKey).first)
        let clientId = ClientOrderIds.derive(
            SFOXTestVenue.clientOrderIdFormat, venue: .sfox, idempotencyKey: order.idempotencyKey)
        #expect(answer.status == .new)
        #expect(answer.command == .newOrder && answer.duplicate == nil)
        #expect(answer.clientOrderId == clientId && answer.venueOrderId != nil)
        #expect(answer.quantity == ExactDecimal("0.01") && answer.price == ExactDecimal(1000))
        #expect(await harness.simulator.createRequestCount(clientOrderId: clientId) == 1)
        let record = try #require(try await harness.record(order.idempotencyKey))
        #expect(
            record.state == .acked && record.published && record.clientOrderId == clientId
                && record.venueOrderId == answer.venueOrderId)

        let cancel = OrderCommand(
            idempotencyKey: harness.key("cancel"), venue: .sfox, account: CommandHarness.account,
            instrument: "BTC-USD", .cancelOrder(CancelOrder(target: .idempotencyKey(order.idempotencyKey))))
        try await harness.send(cancel)
        let canceled = try #require(try await harness.waitForAnswers(cancel.idempotencyKey).first)
        #expect(canceled.command == .cancelOrder && canceled.status == .canceled && canceled.clientOrderId == clientId)
        #expect(await harness.simulator.openOrders().isEmpty)
        // The order's own life is on the topic too, without `command`.
        try await eventually("the connector's own canceled report") {
            harness.reader.reports(clientOrderId: clientId).contains { $0.status == .canceled && $0.command == nil }
        }
        #expect(harness.counter("vb_commands_total", [("type", "new_order"), ("outcome", "new")]) == 1)
        await harness.stop()
    }

    @Test("the same command produced three times: one venue order, one answer and two duplicates")
    func replayedCommand() async throws {
        let harness = try await CommandHarness(prefix: "c2")
        try await harness.waitUntilReady()
        let order = harness.newOrder("thrice")
        for _ in 0..<3 { try await harness.send(order) }
        let answers = try await harness.waitForAnswers(order.idempotencyKey, count: 3)
        #expect(answers.count == 3)
        #expect(answers.filter { $0.duplicate == nil }.count == 1)
        #expect(answers.filter { $0.duplicate == true }.count == 2)
        var first = answers[0]
        for var again in answers.dropFirst() {
            again.duplicate = nil
            first.duplicate = nil
            #expect(again == first, "a duplicate repeats the stored answer")
        }
        let clientId = ClientOrderIds.derive(
            SFOXTestVenue.clientOrderIdFormat, venue: .sfox, idempotencyKey: order.idempotencyKey)
        #expect(await harness.simulator.createRequestCount(clientOrderId: clientId) == 1)
        #expect(harness.counter("vb_commands_duplicates_total") == 2)
        await harness.stop()
    }

    @Test(
        "invalid commands: a rejected answer and a DLQ copy with the error and origin headers; garbage goes to the DLQ only"
    )
    func invalidCommands() async throws {
        let harness = try await CommandHarness(
            prefix: "c3",
            limits: [
                InstrumentLimit(
                    venue: .sfox, instrument: "BTC-USD", maxQuantity: ExactDecimal(1), maxNotional: ExactDecimal(50_000)
                )
            ]
        )
        try await harness.waitUntilReady()
        var negative = harness.newOrder("negative", quantity: "-1")
        negative.changeOrder { $0.quantity = -1 }
        var unknownInstrument = harness.newOrder("doge")
        unknownInstrument.instrument = "DOGE-USD"
        let tooBig = harness.newOrder("too-big", quantity: "2")
        let tooMuchNotional = harness.newOrder("notional", quantity: "0.9", price: "60000")
        var noPrice = harness.newOrder("no-price")
        noPrice.changeOrder { $0.price = nil }
        var expired = harness.newOrder("expired")
        expired.expiresAt = wallClockNanos() - 1_000_000_000
        let cases: [(OrderCommand, CommandError.Code)] = [
            (negative, .invalidQuantity), (unknownInstrument, .unknownInstrument), (tooBig, .limitExceeded),
            (tooMuchNotional, .limitExceeded), (noPrice, .invalidPrice), (expired, .expired),
        ]
        for (command, _) in cases { try await harness.send(command) }
        // Valid JSON, invalid contract (a number where a decimal string belongs): answerable.
        let numberKey = harness.key("number")
        try await harness.send(
            bytes: Array(
                """
                {"schema":"venuebridge.command.v1","type":"new_order","idempotency_key":"\(numberKey)","venue":"sfox","account":"sfox-1","instrument":"BTC-USD","side":"buy","order_type":"limit","quantity":0.5,"price":"1000"}
                """.utf8))
        try await harness.send(bytes: Array("not json at all".utf8))
        // A good one after the bad ones: nothing blocks the partition.
        let good = harness.newOrder("after-bad")
        try await harness.send(good)
        #expect(try await harness.waitForAnswers(good.idempotencyKey).first?.status == .new)

        for (command, code) in cases {
            let answer = try #require(try await harness.waitForAnswers(command.idempotencyKey).first, "\(code)")
            #expect(
                answer.status == .rejected && answer.rejectCode == code.rawValue, "\(command.idempotencyKey): \(answer)"
            )
            #expect(answer.reason?.isEmpty == false)
        }
        #expect(
            try await harness.waitForAnswers(numberKey).first?.rejectCode == CommandError.Code.invalidField.rawValue)
        try await eventually("8 DLQ copies") { harness.dlq.all.count == 8 }
        let copies = harness.dlq.all
        #expect(
            copies.compactMap { $0.header("error.code") }.sorted()
                == (cases.map(\.1.rawValue) + ["INVALID_FIELD", "MALFORMED"]).sorted())
        for copy in copies {
            #expect(copy.header("original.topic") == harness.pipeline.topics.ordersCommand)
            #expect(copy.header("original.partition") == "0")
            #expect(copy.header("original.offset").flatMap(Int64.init) != nil)
            #expect(copy.header("error.message")?.isEmpty == false)
        }
        let garbage = try #require(copies.first { $0.header("error.code") == "MALFORMED" })
        #expect(garbage.value == Array("not json at all".utf8), "the DLQ keeps the original bytes")
        // None of them reached the venue: only the good order did.
        #expect(harness.simulator.stats.ordersCreated == 1)
        #expect(harness.counter("vb_commands_dlq_total") == 8)
        await harness.stop()
    }

    @Test("the venue's answer is lost: resolved by a query, never sent twice")
    func ambiguousResolvedByQuery() async throws {
        let harness = try await CommandHarness(prefix: "c4", requestTimeout: .seconds(1))
        try await harness.waitUntilReady()
        await harness.simulator.dropNextCreateResponses(1)
        let order = harness.newOrder("lost-reply")
        try await harness.send(order)
        let answer = try #require(try await harness.waitForAnswers(order.idempotencyKey).first)
        #expect(answer.status == .new && answer.venueOrderId != nil)
        let clientId = ClientOrderIds.derive(
            SFOXTestVenue.clientOrderIdFormat, venue: .sfox, idempotencyKey: order.idempotencyKey)
        #expect(
            await harness.simulator.createRequestCount(clientOrderId: clientId) == 1,
            "resolved by query, not by resending")
        #expect(harness.counter("vb_commands_ambiguous_total", [("resolution", "found")]) == 1)
        await harness.stop()
    }

    @Test("a key reused for a different command is rejected and dead-lettered; the first command stands")
    func keyReused() async throws {
        let harness = try await CommandHarness(prefix: "c5")
        try await harness.waitUntilReady()
        let order = harness.newOrder("reused")
        try await harness.send(order)
        _ = try await harness.waitForAnswers(order.idempotencyKey)
        var other = order
        other.changeOrder { $0.quantity = ExactDecimal("0.02") ?? 0 }
        try await harness.send(other)
        let answers = try await harness.waitForAnswers(order.idempotencyKey, count: 2)
        #expect(answers[1].status == .rejected && answers[1].rejectCode == "IDEMPOTENCY_KEY_REUSED")
        #expect(try await harness.record(order.idempotencyKey)?.state == .acked)
        try await eventually("DLQ copy") { harness.dlq.all.count == 1 }
        #expect(harness.simulator.stats.ordersCreated == 1)
        await harness.stop()
    }

    @Test("crash while sent: a restarted bridge finds the order by query and answers it; it does not send again")
    func recoversSentCommand() async throws {
        let harness = try await CommandHarness(prefix: "c6")
        try await harness.waitUntilReady()
        let order = harness.newOrder("crashed")
        let clientId = ClientOrderIds.derive(
            SFOXTestVenue.clientOrderIdFormat, venue: .sfox, idempotencyKey: order.idempotencyKey)
        // What a bridge killed right after sending leaves behind: the order at the venue, the
        // record in `sent`, the command not committed.
        _ = try await harness.connector.place(
            OrderRequest(
                account: CommandHarness.account, instrument: "BTC-USD", clientOrderId: clientId, side: .buy,
                orderType: .limit,
                timeInForce: .gtc, quantity: order.quantity!, price: order.price
            ))
        let store = IdempotencyStore(redis: harness.redis, ttl: .seconds(3600))
        let now = wallClockNanos() / 1_000_000
        var record = IdempotencyRecord(
            state: .sent, fingerprint: order.fingerprint, type: .newOrder, venue: .sfox,
            account: CommandHarness.account, instrument: "BTC-USD",
            clientOrderId: clientId, side: .buy, orderType: .limit, owner: harness.configuration.instanceID,
            leaseUntilMs: now + 60_000, nowMs: now
        )
        record.state = .sent
        guard case .created = try await store.claim(order.idempotencyKey, record) else {
            Issue.record("key already known")
            return
        }
        try await harness.send(order)
        let answer = try #require(try await harness.waitForAnswers(order.idempotencyKey).first)
        #expect(answer.status == .new && answer.duplicate == nil && answer.clientOrderId == clientId)
        #expect(await harness.simulator.createRequestCount(clientOrderId: clientId) == 1)
        #expect(try await harness.record(order.idempotencyKey)?.state == .acked)
        await harness.stop()
    }

    @Test("venue session down: reject policy answers VENUE_UNAVAILABLE at once; nothing is sent")
    func venueDownRejected() async throws {
        let harness = try await CommandHarness(prefix: "c7", venueUnavailable: .reject, connectorKey: "wrong-key")
        let order = harness.newOrder("down")
        try await harness.send(order)
        let answer = try #require(try await harness.waitForAnswers(order.idempotencyKey).first)
        #expect(answer.status == .rejected && answer.rejectCode == "VENUE_UNAVAILABLE")
        #expect(harness.simulator.stats.ordersCreated == 0)
        await harness.stop()
    }

    @Test("venue session down: wait policy waits its bounded time, then rejects; never dropped")
    func venueDownWaited() async throws {
        let harness = try await CommandHarness(
            prefix: "c8", venueUnavailable: .wait, venueWait: .milliseconds(500), connectorKey: "wrong-key")
        let order = harness.newOrder("down-wait")
        try await harness.send(order)
        let answer = try #require(try await harness.waitForAnswers(order.idempotencyKey).first)
        #expect(answer.status == .rejected && answer.rejectCode == "VENUE_UNAVAILABLE")
        #expect(try await harness.record(order.idempotencyKey)?.state == .rejected)
        await harness.stop()
    }
}
