import BridgeTestSupport
import FigSimulator
import OrderCommands
import Testing
import VenueBridgeCore
import VenueConnector

typealias FigCommandHarness = VenueCommandHarness<FigTestVenue>

extension VenueCommandHarness where Venue == FigTestVenue {
    /// Commands and their answers, and the RFQ topic for `rfq` and `quote` events.
    convenience init(
        prefix: String, requestTimeout: Duration = .seconds(5), venueWait: Duration = .seconds(5),
        tuneSimulator: @escaping @Sendable (inout FigSimulatorConfiguration) -> Void = { _ in }
    ) async throws {
        try await self.init(
            prefix: prefix,
            venue: { sink, metrics, logger in
                try await FigTestVenue.start(
                    sink: sink, metrics: metrics, logger: logger, requestTimeout: requestTimeout,
                    tuneSimulator: tuneSimulator)
            },
            venueWait: venueWait, readTopics: { [$0.execReport, $0.rfq] })
    }

    var simulator: FigSimulator { venue.simulator }

    func clientId(_ command: OrderCommand) -> String {
        ClientOrderIds.derive(FigTestVenue.clientOrderIdFormat, venue: .fig, idempotencyKey: command.idempotencyKey)
    }

    func createRFQ(_ name: String, side: Side = .buy, quantity: String = FigTestVenue.quantity) -> OrderCommand {
        command(name, .createRFQ(CreateRFQ(side: side, quantity: ExactDecimal(quantity) ?? 0)))
    }

    func cancelRFQ(_ name: String, rfqId: String) -> OrderCommand {
        command(name, .cancelRFQ(CancelRFQ(rfqId: rfqId)))
    }

    func acceptQuote(_ name: String, quoteId: Int64, rfqId: String? = nil) -> OrderCommand {
        command(name, .acceptQuote(AcceptQuote(quoteId: "\(quoteId)", rfqId: rfqId)))
    }

    private func command(_ name: String, _ payload: OrderCommand.Payload) -> OrderCommand {
        OrderCommand(
            idempotencyKey: key(name), venue: .fig, account: FigTestVenue.account, instrument: FigTestVenue.instrument,
            payload)
    }

    /// `rfq` events of one RFQ, in topic order.
    func rfqEvents(_ rfqId: String) -> [RFQ] {
        reader.all.compactMap { if case .rfq(let rfq) = $0.payload, rfq.rfqId == rfqId { rfq } else { nil } }
    }

    func quoteEvents(_ quoteId: Int64) -> [Quote] {
        reader.all.compactMap {
            if case .quote(let quote) = $0.payload, quote.quoteId == "\(quoteId)" { quote } else { nil }
        }
    }

    /// Creates an RFQ through the command path and returns the venue's id for it.
    func openRFQ(_ name: String) async throws -> String {
        let create = createRFQ(name)
        try await send(create)
        let answer = try #require(try await waitForAnswers(create.idempotencyKey).first)
        #expect(answer.status == .new && answer.clientOrderId == clientId(create))
        return try #require(answer.venueOrderId)
    }
}

/// RFQ commands to Fig through Kafka (mock cluster), the command consumer with real Redis, the
/// real Fig connector (signed REST and the JSON-RPC socket) and the Fig simulator: the issue's
/// end-to-end list (docs/commands.md, docs/venues/fig.md).
@Suite("Fig RFQ commands end to end", .serialized)
struct FigCommandTests {
    @Test(
        "create_rfq → rfq open → a maker quotes → accept_quote → one fill, the RFQ traded; nothing after the fill"
    )
    func createQuoteAccept() async throws {
        let harness = try await FigCommandHarness(prefix: "fg1")
        try await harness.waitUntilReady()
        let rfqId = try await harness.openRFQ("create")
        try await eventually("the rfq event") { harness.rfqEvents(rfqId).first?.status == .open }
        let quoteId = try #require(await harness.simulator.quoteNow(rfqId: Int64(rfqId)!))
        try await eventually("the quote event") { harness.quoteEvents(quoteId).first?.status == .active }

        let accept = harness.acceptQuote("accept", quoteId: quoteId, rfqId: rfqId)
        try await harness.send(accept)
        let answer = try #require(try await harness.waitForAnswers(accept.idempotencyKey).first)
        #expect(answer.status == .filled && answer.cumQty == 25 && answer.venueOrderId == rfqId)
        #expect(answer.clientOrderId == harness.clientId(accept))
        try await eventually("the RFQ traded") { harness.rfqEvents(rfqId).last?.status == .traded }
        try await eventually("the traded quote accepted") { harness.quoteEvents(quoteId).last?.status == .accepted }
        let life = harness.reader.reports(clientOrderId: harness.clientId(accept))
        let fills = life.filter { $0.fillId != nil }
        #expect(fills.count == 1 && fills.first?.lastQty == 25 && fills.first?.status == .filled, "one fill")
        #expect(life.filter { $0.command != nil }.count == 1, "one answer")
        expectNothingAfterTerminal(life, "accept")
        await harness.stop()
    }

    @Test(
        "cancel_rfq: canceled, on the rfq topic too; cancelling it again answers the RFQ's state with the venue's words"
    )
    func cancel() async throws {
        let harness = try await FigCommandHarness(prefix: "fg2")
        try await harness.waitUntilReady()
        let rfqId = try await harness.openRFQ("to-cancel")
        let cancel = harness.cancelRFQ("cancel", rfqId: rfqId)
        try await harness.send(cancel)
        let canceled = try #require(try await harness.waitForAnswers(cancel.idempotencyKey).first)
        #expect(canceled.status == .canceled && canceled.venueOrderId == rfqId)
        try await eventually("canceled on the rfq topic") { harness.rfqEvents(rfqId).last?.status == .canceled }
        let again = harness.cancelRFQ("cancel-again", rfqId: rfqId)
        try await harness.send(again)
        // The venue refuses (400: the RFQ is cancelled); after the RFQ's terminal report an answer
        // carries that same state (docs/commands.md §3), here with the venue's words.
        let refused = try #require(try await harness.waitForAnswers(again.idempotencyKey).first)
        #expect(
            refused.status == .canceled && refused.reason?.contains("is cancelled") == true,
            "\(refused.status) \(refused.rejectCode ?? "") \(refused.reason ?? "")")
        await harness.stop()
    }

    @Test("the same create_rfq three times: one RFQ at the venue, one answer and two duplicates")
    func replayedCreate() async throws {
        let harness = try await FigCommandHarness(prefix: "fg3")
        try await harness.waitUntilReady()
        let create = harness.createRFQ("thrice")
        for _ in 0..<3 { try await harness.send(create) }
        let answers = try await harness.waitForAnswers(create.idempotencyKey, count: 3)
        #expect(answers.filter { $0.duplicate == nil }.count == 1)
        #expect(answers.filter { $0.duplicate == true }.count == 2)
        #expect(Set(answers.compactMap(\.venueOrderId)).count == 1, "every answer names the one RFQ")
        #expect(await harness.simulator.requestCounts[harness.clientId(create)] == 1)
        await harness.stop()
    }

    @Test("a lost create answer: resolved by the RFQ's label, never created again")
    func lostCreate() async throws {
        let harness = try await FigCommandHarness(prefix: "fg4", requestTimeout: .seconds(1))
        try await harness.waitUntilReady()
        await harness.simulator.dropReplies(1)
        let create = harness.createRFQ("lost-create")
        try await harness.send(create)
        let answer = try #require(try await harness.waitForAnswers(create.idempotencyKey).first)
        let label = harness.clientId(create)
        #expect(answer.status == .new && answer.clientOrderId == label)
        #expect(answer.venueOrderId == (await harness.simulator.rfq(label: label)).map { "\($0.rfqId)" })
        #expect(await harness.simulator.requestCounts[label] == 1)
        #expect(harness.counter("vb_commands_ambiguous_total", [("resolution", "found")]) == 1)
        await harness.stop()
    }

    @Test("a lost accept answer: resolved by reading the RFQ, never traded twice; one fill on the stream")
    func lostAccept() async throws {
        let harness = try await FigCommandHarness(prefix: "fg5", requestTimeout: .seconds(1))
        try await harness.waitUntilReady()
        let rfqId = try await harness.openRFQ("la-create")
        let quoteId = try #require(await harness.simulator.quoteNow(rfqId: Int64(rfqId)!))
        try await eventually("the quote event") { !harness.quoteEvents(quoteId).isEmpty }
        await harness.simulator.dropReplies(1)
        let accept = harness.acceptQuote("la-accept", quoteId: quoteId)
        try await harness.send(accept)
        let answer = try #require(try await harness.waitForAnswers(accept.idempotencyKey).first)
        #expect(answer.status == .filled && answer.cumQty == 25)
        #expect(await harness.simulator.requestCounts["trade:\(quoteId)"] == 1)
        let life = harness.reader.reports(clientOrderId: harness.clientId(accept))
        #expect(life.filter { $0.fillId != nil }.count == 1, "the push and the query: one fill")
        expectNothingAfterTerminal(life, "lost accept")
        await harness.stop()
    }

    @Test("a lost cancel_rfq answer: resolved by reading the RFQ (cancelled), never sent again")
    func lostCancel() async throws {
        let harness = try await FigCommandHarness(prefix: "fg9", requestTimeout: .seconds(1))
        try await harness.waitUntilReady()
        let rfqId = try await harness.openRFQ("lc-create")
        await harness.simulator.dropReplies(1)
        let cancel = harness.cancelRFQ("lc-cancel", rfqId: rfqId)
        try await harness.send(cancel)
        let answer = try #require(try await harness.waitForAnswers(cancel.idempotencyKey).first)
        #expect(answer.status == .canceled && answer.venueOrderId == rfqId, "\(answer.status): \(answer.reason ?? "")")
        #expect(harness.counter("vb_commands_ambiguous_total", [("resolution", "found")]) == 1)
        await harness.stop()
    }

    @Test("create_rfq without a side: refused before the venue (a Fig leg has a direction)")
    func createWithoutSide() async throws {
        let harness = try await FigCommandHarness(prefix: "fg10")
        try await harness.waitUntilReady()
        var create = harness.createRFQ("no-side")
        create.payload = .createRFQ(CreateRFQ(quantity: 25))
        try await harness.send(create)
        let answer = try #require(try await harness.waitForAnswers(create.idempotencyKey).first)
        #expect(answer.status == .rejected && answer.rejectCode == "INVALID_FOR_VENUE")
        #expect(answer.reason?.contains("side") == true)
        #expect(await harness.simulator.requestCounts[harness.clientId(create)] == nil)
        await harness.stop()
    }

    @Test("an expired RFQ: the rfq topic says expired; accepting its withdrawn quote is refused, not filled")
    func expiredThenAccept() async throws {
        let harness = try await FigCommandHarness(prefix: "fg6")
        try await harness.waitUntilReady()
        let rfqId = try await harness.openRFQ("expiring")
        let quoteId = try #require(await harness.simulator.quoteNow(rfqId: Int64(rfqId)!))
        await harness.simulator.expire(rfqId: Int64(rfqId)!)
        try await eventually("expired") { harness.rfqEvents(rfqId).last?.status == .expired }
        let accept = harness.acceptQuote("too-late", quoteId: quoteId)
        try await harness.send(accept)
        let answer = try #require(try await harness.waitForAnswers(accept.idempotencyKey).first)
        #expect(answer.status == .rejected && answer.cumQty == 0)
        #expect(harness.reader.reports(clientOrderId: harness.clientId(accept)).allSatisfy { $0.fillId == nil })
        await harness.stop()
    }

    @Test("a burst into the venue's rate limit: 429, the commands wait for the reset, each RFQ created once")
    func rateLimitedBurst() async throws {
        let harness = try await FigCommandHarness(
            prefix: "fg8", venueWait: .seconds(20),
            tuneSimulator: {
                $0.requestsPerMinute = 3
                $0.rateLimitWindow = .seconds(2)
            })
        try await harness.waitUntilReady()
        let creates = (0..<8).map { harness.createRFQ("burst-\($0)") }
        for create in creates { try await harness.send(create) }
        for create in creates {
            let answer = try #require(
                try await harness.waitForAnswers(create.idempotencyKey, timeout: .seconds(40)).first)
            #expect(answer.status == .new && answer.venueOrderId != nil, "\(answer.status): \(answer.reason ?? "")")
            #expect(await harness.simulator.requestCounts[harness.clientId(create)] == 1)
        }
        #expect(await harness.simulator.rateLimitedRequests >= 1, "the burst met the venue's limit")
        await harness.stop()
    }

    @Test("an order command to Fig (an RFQ venue): UNSUPPORTED, and RFQ commands still go through")
    func orderCommandUnsupported() async throws {
        let harness = try await FigCommandHarness(prefix: "fg7")
        try await harness.waitUntilReady()
        let order = harness.newOrder("an-order")
        try await harness.send(order)
        let refused = try #require(try await harness.waitForAnswers(order.idempotencyKey).first)
        #expect(refused.status == .rejected && refused.rejectCode == "UNSUPPORTED")
        _ = try await harness.openRFQ("after")
        await harness.stop()
    }
}
