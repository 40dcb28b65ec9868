import BridgeTestSupport
import CommandPath
import Foundation
import KafkaBus
import Logging
import OrderCommands
import Testing
import VenueBridgeCore

/// Hostile intake (issue 13): sizes, poison messages, shutdown while failing. End to end on the
/// mock cluster and the test redis-server.
@Suite("command intake under hostile input", .serialized, .enabled(if: testRedisPort != nil, "set VB_TEST_REDIS_PORT"))
struct CommandIntakeTests {
    @Test(
        "a 3 MB non-JSON message goes to the DLQ cut to the intake limit, with a header saying so; commands after it are answered"
    )
    func oversizedMessage() async throws {
        let harness = try await CommandHarness(prefix: "i1")
        try await harness.waitUntilReady()
        // Something upstream allowed a big message onto the topic; our own producer would not.
        let bigProducer = try KafkaProducer(
            configuration: .init(properties: [
                "bootstrap.servers": harness.pipeline.cluster.bootstrapServers, "message.max.bytes": "10000000",
            ]),
            logger: Logger(label: "test.big")
        )
        let huge = [UInt8](repeating: UInt8(ascii: "x"), count: 3 * 1024 * 1024)
        let key = Array("sfox:\(CommandHarness.account)".utf8)
        try await bigProducer.produceAndConfirm(
            KafkaRecord(
                topic: harness.pipeline.topics.ordersCommand, key: key, value: huge,
                headers: [KafkaHeader("trace", "abc")]
            ))
        bigProducer.close(flushTimeout: .seconds(1))
        let orders = (0..<6).map { harness.newOrder("after-huge-\($0)") }
        for order in orders { try await harness.send(order) }
        for order in orders {
            let answer = try #require(
                try await harness.waitForAnswers(order.idempotencyKey, timeout: .seconds(60)).first)
            #expect(answer.status == .new)
        }
        try await eventually("the oversized message's DLQ copy") { !harness.dlq.all.isEmpty }
        let copy = try #require(harness.dlq.all.first)
        #expect(copy.header("error.code") == "MESSAGE_TOO_LARGE")
        #expect(copy.header("original.truncated") == "true")
        #expect(copy.header("original.size") == String(huge.count + key.count + "trace".utf8.count + 3))
        #expect(copy.value.count == CommandPathConfiguration.defaultMaxMessageBytes)
        #expect(copy.value == Array(huge.prefix(CommandPathConfiguration.defaultMaxMessageBytes)))
        #expect(copy.header("trace") == nil, "the oversized message's own headers are dropped")
        #expect(harness.counter("vb_commands_dlq_total", [("code", "MESSAGE_TOO_LARGE")]) == 1)
        #expect(harness.counter("vb_commands_retries_total") == 0)
        await harness.stop()
    }

    @Test(
        "a DLQ copy Kafka will never take is retried a bounded number of times, then skipped, logged and counted; later commands are answered"
    )
    func permanentFailureSkipped() async throws {
        // The DLQ producer takes nothing over 1 000 bytes: the copy of a 20 KB message (under the
        // intake limit) fails with "message size too large" however often it is tried.
        let harness = try await CommandHarness(prefix: "i2", dlqProducerProperties: ["message.max.bytes": "1000"])
        try await harness.waitUntilReady()
        try await harness.send(bytes: [UInt8](repeating: UInt8(ascii: "y"), count: 20_000))
        let order = harness.newOrder("after-poison")
        try await harness.send(order)
        let answer = try #require(try await harness.waitForAnswers(order.idempotencyKey, timeout: .seconds(60)).first)
        #expect(answer.status == .new)
        #expect(harness.counter("vb_commands_skipped_total", [("reason", "kafka")]) == 1)
        #expect(harness.counter("vb_commands_dlq_total") == 0)
        await harness.stop()
    }

    @Test("SIGTERM while a command keeps failing (Redis unreachable): the consumer stops retrying and ends")
    func cancelWhileRetrying() async throws {
        // Port 1 on loopback: nothing listens, every idempotency call fails at once.
        let harness = try await CommandHarness(prefix: "i3", redisPort: 1)
        try await harness.waitUntilReady()
        try await harness.send(harness.newOrder("redis-down"))
        try await eventually("the command is being retried") {
            harness.counter("vb_commands_retries_total", [("reason", "redis")]) >= 2
        }
        let ended = try await harness.stopConsumer()
        #expect(ended, "a cancelled retry loop must end, not spin")
        let retries = harness.counter("vb_commands_retries_total")
        try await Task.sleep(for: .seconds(1))
        #expect(harness.counter("vb_commands_retries_total") == retries, "no retries after the consumer ended")
        await harness.stop()
    }

    @Test(
        "commands naming accounts or venues the bridge does not know are dead-lettered only: no exec stream and no seq counter per invented name"
    )
    func unknownAccountsMakeNoStreams() async throws {
        let harness = try await CommandHarness(prefix: "i4")
        try await harness.waitUntilReady()
        var expectedCodes: [String] = []
        for i in 0..<30 {
            var order = harness.newOrder("invented-\(i)")
            order.account = "invented-\(i)"
            switch i % 3 {
            case 0: expectedCodes.append("UNKNOWN_ACCOUNT")
            case 1:
                // Checked before the account: still no answer on an invented account's stream.
                order.expiresAt = wallClockNanos() - 1_000_000_000
                expectedCodes.append("EXPIRED")
            default:
                order.instrument = "DOGE-USD"
                expectedCodes.append("UNKNOWN_INSTRUMENT")
            }
            try await harness.send(order)
        }
        // Undecodable but with an envelope naming an invented account.
        try await harness.send(
            bytes: Array(
                """
                {"schema":"venuebridge.command.v1","type":"new_order","idempotency_key":"\(harness.key("bad-number"))","venue":"sfox","account":"invented-x","instrument":"BTC-USD","side":"buy","order_type":"limit","quantity":0.5,"price":"1000"}
                """.utf8))
        expectedCodes.append("INVALID_FIELD")
        // A venue without order entry in this bridge.
        var fi = harness.newOrder("fi")
        fi.venue = .fi
        try await harness.send(fi)
        expectedCodes.append("UNKNOWN_VENUE")
        let good = harness.newOrder("known-account")
        try await harness.send(good)
        #expect(try await harness.waitForAnswers(good.idempotencyKey, timeout: .seconds(60)).first?.status == .new)

        try await eventually("a DLQ copy of each", timeout: .seconds(60)) {
            harness.dlq.all.count == expectedCodes.count
        }
        #expect(harness.dlq.all.compactMap { $0.header("error.code") }.sorted() == expectedCodes.sorted())
        // The good answer came after every refused command in the partition, so any answer to
        // one of those would be on the topic by now.
        let accounts = Set(
            harness.reader.all.compactMap { event -> String? in
                if case .executionReport(let report) = event.payload { return report.account }
                return nil
            })
        #expect(accounts == [CommandHarness.account])
        #expect(harness.pipeline.publisher.sequenceStreamCount < 10, "no seq counter per invented account")
        #expect(harness.counter("vb_commands_total", [("outcome", "dead_lettered")]) == Int64(expectedCodes.count))
        await harness.stop()
    }

    @Test(
        "a command with a key twice is refused DUPLICATE_KEY to the DLQ and never sent (last-one-wins read 0.01 then 1000 as 1000)"
    )
    func duplicateKeyRefused() async throws {
        let harness = try await CommandHarness(prefix: "i5")
        try await harness.waitUntilReady()
        let key = harness.key("dup-qty")
        let text = """
            {"schema":"venuebridge.command.v1","type":"new_order","idempotency_key":"\(key)","venue":"sfox","account":"\(CommandHarness.account)","instrument":"BTC-USD","side":"buy","order_type":"limit","quantity":"0.01","price":"1000","quantity":"1000"}
            """
        try await harness.send(bytes: Array(text.utf8))
        let good = harness.newOrder("after-dup")
        try await harness.send(good)
        #expect(try await harness.waitForAnswers(good.idempotencyKey, timeout: .seconds(60)).first?.status == .new)
        try await eventually("the DLQ copy") { harness.dlq.all.count == 1 }
        let copy = try #require(harness.dlq.all.first)
        #expect(copy.header("error.code") == "DUPLICATE_KEY")
        #expect(copy.header("error.message")?.contains("quantity") == true)
        #expect(copy.value == Array(text.utf8))
        #expect(harness.answers(key).isEmpty)
        #expect(harness.simulator.stats.ordersCreated == 1, "only the good order reached the venue")
        await harness.stop()
    }

    @Test(
        "crash (or DLQ failure) after an invalid command was recorded rejected: the replay produces the pending DLQ copy, then answers"
    )
    func pendingDeadLetterFinishedOnReplay() async throws {
        let harness = try await CommandHarness(prefix: "i6")
        try await harness.waitUntilReady()
        var order = harness.newOrder("dlq-pending")
        order.changeOrder { $0.quantity = -1 }
        // What a bridge stopped right after recording the rejection leaves behind: the final
        // record with its answer, the DLQ copy pending, nothing on Kafka, the offset uncommitted.
        let clientId = ClientOrderIds.derive(
            SFOXTestVenue.clientOrderIdFormat, venue: .sfox, idempotencyKey: order.idempotencyKey)
        let now = wallClockNanos() / 1_000_000
        var record = IdempotencyRecord(
            state: .rejected, fingerprint: order.fingerprint, type: .newOrder, venue: .sfox,
            account: CommandHarness.account, instrument: "BTC-USD",
            clientOrderId: clientId, side: .buy, orderType: .limit, owner: harness.configuration.instanceID,
            leaseUntilMs: now, nowMs: now
        )
        record.answer = ExecutionReport(
            account: CommandHarness.account, clientOrderId: clientId, idempotencyKey: order.idempotencyKey, side: .buy,
            orderType: .limit,
            timeInForce: .gtc, status: .rejected, price: order.price, quantity: order.quantity, cumQty: .zero,
            leavesQty: .zero,
            reason: "quantity must be positive, got -1", rejectCode: "INVALID_QUANTITY", command: .newOrder
        )
        record.deadLetter = PendingDeadLetter(code: "INVALID_QUANTITY", message: "quantity must be positive, got -1")
        let store = IdempotencyStore(redis: harness.redis, ttl: .seconds(3600))
        guard case .created = try await store.claim(order.idempotencyKey, record) else {
            Issue.record("key already known")
            return
        }

        try await harness.send(order)
        let answer = try #require(try await harness.waitForAnswers(order.idempotencyKey).first)
        #expect(answer.status == .rejected && answer.rejectCode == "INVALID_QUANTITY" && answer.duplicate == nil)
        try await eventually("the pending DLQ copy") { harness.dlq.all.count == 1 }
        #expect(harness.dlq.all.first?.header("error.code") == "INVALID_QUANTITY")
        #expect(harness.counter("vb_commands_dlq_total", [("code", "INVALID_QUANTITY")]) == 1)
        let after = try #require(try await harness.record(order.idempotencyKey))
        #expect(after.published && after.deadLetter == nil)

        // A further replay is a duplicate answer and no further DLQ copy.
        try await harness.send(order)
        _ = try await harness.waitForAnswers(order.idempotencyKey, count: 2)
        #expect(harness.answers(order.idempotencyKey).last?.duplicate == true)
        #expect(harness.counter("vb_commands_dlq_total") == 1)
        #expect(harness.dlq.all.count == 1)
        await harness.stop()
    }

    @Test(
        "sFOX: the answer to an immediately filling market order never follows the order's terminal report on the exec stream"
    )
    func answerAfterTerminalSFOX() async throws {
        try await expectAnswersNeverFollowTerminal(CommandHarness(prefix: "i7"))
    }

    @Test(
        "Finery: the answer to an immediately filling market order never follows the order's terminal report on the exec stream"
    )
    func answerAfterTerminalFinery() async throws {
        // The add reply carries the deals, ahead of feed O: Finery's place() waits for the feed
        // to catch up before answering, so the answer never runs ahead of the connector's reports.
        try await expectAnswersNeverFollowTerminal(VenueCommandHarness(prefix: "i8", venue: FineryTestVenue.start))
    }

    @Test(
        "T4: the answer to an immediately filling market order never follows the order's terminal report on the exec stream"
    )
    func answerAfterTerminalT4() async throws {
        try await expectAnswersNeverFollowTerminal(VenueCommandHarness(prefix: "i9", venue: T4TestVenue.start))
    }

    @Test(
        "FI: the answer to an immediately filling market order never follows the order's terminal report on the exec stream"
    )
    func answerAfterTerminalFI() async throws {
        try await expectAnswersNeverFollowTerminal(VenueCommandHarness(prefix: "i10", venue: FITestVenue.start))
    }

    /// Issue 13 item 5 on one venue: market orders that fill at once, through the command path.
    /// The race is between the connector's fill report and the answer: several orders, so that
    /// some land on each side of it.
    private func expectAnswersNeverFollowTerminal<Venue>(_ harness: VenueCommandHarness<Venue>) async throws {
        try await harness.waitUntilReady()
        let orders = (0..<8).map { harness.marketOrder("market-\($0)") }
        for order in orders { try await harness.send(order) }
        var answers: [String: ExecutionReport] = [:]
        for order in orders {
            let answer = try #require(
                try await harness.waitForAnswers(order.idempotencyKey, timeout: .seconds(60)).first)
            answers[order.idempotencyKey] = answer
            let clientId = ClientOrderIds.derive(
                Venue.clientOrderIdFormat, venue: Venue.id, idempotencyKey: order.idempotencyKey)
            try await eventually("\(order.idempotencyKey): the connector's terminal report", timeout: .seconds(60)) {
                harness.reader.reports(clientOrderId: clientId).contains { $0.command == nil && $0.status.isTerminal }
            }
        }
        // A barrier instead of a pause: the venue reports a resting order after everything it
        // said about the earlier ones, so once the connector's report of it is on the stream, so
        // is anything that could still follow a terminal report of theirs.
        let barrier = harness.newOrder("barrier")
        try await harness.send(barrier)
        let barrierId = ClientOrderIds.derive(
            Venue.clientOrderIdFormat, venue: Venue.id, idempotencyKey: barrier.idempotencyKey)
        try await eventually("the connector's own report of the resting barrier order", timeout: .seconds(60)) {
            harness.reader.reports(clientOrderId: barrierId).contains { $0.command == nil }
        }
        for order in orders {
            let key = order.idempotencyKey
            let life = harness.reader.reports(
                clientOrderId: ClientOrderIds.derive(Venue.clientOrderIdFormat, venue: Venue.id, idempotencyKey: key))
            #expect(
                life.contains { $0.command == nil && $0.status == .filled },
                "\(key) filled at once: \(life.map(\.status.rawValue))")
            expectNothingAfterTerminal(life, key)
            #expect(life.filter { $0.command != nil }.count == 1 && life.contains(answers[key]!), "\(key): one answer")
        }
        await harness.stop()
    }
}

/// docs/commands.md §3, events.md §4.7: once an order's terminal report is out, the only report
/// that may follow is a command's answer carrying that same terminal state (an answer is owed
/// exactly once; it just never says anything older).
func expectNothingAfterTerminal(
    _ reports: [ExecutionReport], _ what: String, sourceLocation: SourceLocation = #_sourceLocation
) {
    guard let first = reports.firstIndex(where: { $0.status.isTerminal }) else { return }
    let terminal = reports[first]
    let wrong = reports[(first + 1)...].filter {
        $0.command == nil || $0.status != terminal.status || $0.cumQty != terminal.cumQty
    }
    func describe(_ report: ExecutionReport) -> String {
        report.status.rawValue + (report.command.map { " (answer to \($0.rawValue))" } ?? "")
    }
    #expect(
        wrong.isEmpty, "\(what): after \(describe(terminal)): \(wrong.map(describe))", sourceLocation: sourceLocation)
}
