import BridgeTestSupport
import RedisBus
import T4Connector
import T4Simulator
import T4Wire
import Testing
import VenueBridgeCore
import VenueConnector

/// T4 simulator → connector → Kafka (librdkafka mock cluster) [+ Redis], asserting on what a
/// downstream consumer reads back.
@Suite("T4 end to end", .serialized)
struct T4EndToEndTests {
    @Test("whole-book depth: one book_snapshot, then diffs; the rebuilt book equals the venue's; each trade once")
    func bookConvergesAndTradesOnce() async throws {
        let harness = try await T4BridgeHarness(prefix: "t1")
        try await harness.waitUntil(.ready)
        try await eventually("first snapshots") {
            harness.reader.snapshotCount("ES-M25") == 1 && harness.reader.snapshotCount("NQ-M25") == 1
        }
        await harness.simulator.step(300)
        try await harness.waitForBookConvergence(esMarket, symbol: "ES-M25")
        try await harness.waitForBookConvergence(nqMarket, symbol: "NQ-M25")
        #expect(harness.reader.snapshotCount("ES-M25") == 1, "later depths are published as deltas")
        #expect(harness.reader.all.contains { $0.type == .bookDelta && $0.instrument == "ES-M25" })
        for symbol in ["ES-M25", "NQ-M25"] {
            let repeated = harness.reader.repeatedDeltaPrices(symbol)
            #expect(repeated.isEmpty, "\(repeated)")
        }
        let seqs = harness.reader.all.filter { $0.stream == .book && $0.instrument == "ES-M25" }.map(\.seq)
        #expect(seqs == Array(1...UInt64(seqs.count)))
        // Every trade reaches the venue twice (MarketDepthTrade and MarketDepth.trade_data) and is
        // published once: the published sizes add up to the venue's total traded volume.
        for (market, symbol) in [(esMarket, "ES-M25"), (nqMarket, "NQ-M25")] {
            let totals = try #require(await harness.simulator.tradeTotals(marketID: market.marketID))
            #expect(totals.count > 0, "the walk traded on \(symbol)")
            try await eventually("trades of \(symbol) add up to the venue's total") {
                await harness.flush()
                let trades = harness.reader.all.compactMap { event -> Trade? in
                    guard event.instrument == symbol, case .trade(let trade) = event.payload else { return nil }
                    return trade
                }
                var sum = ExactDecimal.zero
                for trade in trades { sum = try sum.adding(trade.size) }
                return trades.count == Int(totals.count) && sum == ExactDecimal(Int(totals.volume))
            }
        }
        let trade = try #require(harness.reader.all.first { $0.type == .trade })
        guard case .trade(let first) = trade.payload else {
            Issue.record("not a trade")
            return await harness.stop()
        }
        #expect(first.aggressor != .unknown)
        #expect(harness.connector.details(symbol: "ES-M25")?.tick == esMarket.minPriceIncrement)
        #expect(harness.connector.details(symbol: "ES-M25")?.pointValue == esMarket.pointValue)
        await harness.stop()
    }

    @Test("order life: new → partially_filled → filled as fills deduplicated on exchange_trade_id, and a position")
    func fillsToFilled() async throws {
        let harness = try await T4BridgeHarness(prefix: "t2")
        try await harness.waitUntil(.ready)
        let venue = try #require(await harness.venueBook(esMarket))
        let first = venue.asks[0]
        let second = venue.asks[1]
        let quantity = try first.size.adding(second.size)
        let order = OrderRequest(
            account: simAccount, instrument: "ES-M25", clientOrderId: "t2-buy", idempotencyKey: "k-t2", side: .buy,
            orderType: .limit, timeInForce: .day, quantity: quantity, price: second.price)
        let placed = try await harness.connector.place(order)
        #expect(placed.status == .new)
        #expect(placed.venueOrderId != nil)
        #expect(placed.idempotencyKey == "k-t2")
        try await eventually("filled on Kafka") {
            await harness.flush()
            return harness.reader.reports(clientOrderId: "t2-buy").last?.status == .filled
        }
        let reports = harness.reader.reports(clientOrderId: "t2-buy")
        #expect(reports.map(\.status) == [.new, .partiallyFilled, .filled])
        let fills = reports.filter { $0.fillId != nil }
        #expect(Set(fills.compactMap(\.fillId)).count == 2)
        #expect(fills.map(\.lastQty) == [first.size, second.size])
        #expect(fills.map(\.lastPx) == [first.price, second.price])
        #expect(reports.last?.cumQty == quantity && reports.last?.leavesQty == .zero)
        #expect(reports.allSatisfy { $0.account == simAccount && $0.idempotencyKey == "k-t2" })
        try await eventually("net long position published") {
            await harness.flush()
            return harness.positions("ES-M25").last?.quantity == quantity
        }
        #expect(await harness.simulator.submittedOrderCount(tag: "t2-buy") == 1)
        // Placing the same client order id again sends nothing: T4 does not dedupe tags, we do.
        let again = try await harness.connector.place(order)
        #expect(again.status == .filled)
        #expect(await harness.simulator.submittedOrderCount(tag: "t2-buy") == 1)
        await harness.stop()
    }

    @Test(
        "a resting order is pulled: new then canceled once; a second cancel sends nothing; an IOC remainder is canceled"
    )
    func restingThenCanceled() async throws {
        let harness = try await T4BridgeHarness(prefix: "t3")
        try await harness.waitUntil(.ready)
        let venue = try #require(await harness.venueBook(esMarket))
        let price = try venue.bids[0].price.subtracting(ExactDecimal(10))
        let order = OrderRequest(
            account: simAccount, instrument: "ES-M25", clientOrderId: "t3-rest", side: .buy, orderType: .limit,
            timeInForce: .gtc, quantity: ExactDecimal(3), price: price)
        #expect(try await harness.connector.place(order).status == .new)
        let canceled = try await harness.connector.cancel(CancelRequest(account: simAccount, clientOrderId: "t3-rest"))
        #expect(canceled.status == .canceled)
        let again = try await harness.connector.cancel(CancelRequest(account: simAccount, clientOrderId: "t3-rest"))
        #expect(again.status == .canceled && again.reason?.contains("already canceled") == true)
        let unknown = try await harness.connector.cancel(
            CancelRequest(account: simAccount, clientOrderId: "never-placed"))
        #expect(unknown.status == .rejected && unknown.rejectCode == "UNKNOWN_ORDER")

        // IOC for more than the best offer holds: the fill, then the rest canceled by the venue.
        let best = venue.asks[0]
        let ioc = OrderRequest(
            account: simAccount, instrument: "ES-M25", clientOrderId: "t3-ioc", side: .buy, orderType: .limit,
            timeInForce: .ioc, quantity: try best.size.adding(ExactDecimal(1_000)), price: best.price)
        _ = try await harness.connector.place(ioc)
        try await eventually("both orders final on Kafka") {
            await harness.flush()
            return harness.reader.reports(clientOrderId: "t3-rest").last?.status == .canceled
                && harness.reader.reports(clientOrderId: "t3-ioc").last?.status == .canceled
        }
        #expect(harness.reader.reports(clientOrderId: "t3-rest").map(\.status) == [.new, .canceled])
        let iocReports = harness.reader.reports(clientOrderId: "t3-ioc")
        #expect(iocReports.map(\.status) == [.new, .partiallyFilled, .canceled])
        #expect(iocReports.last?.cumQty == best.size)
        #expect(await harness.simulator.workingOrders().isEmpty)
        await harness.stop()
    }

    @Test(
        "revise: a resting order's volume and price change at the venue and are reported as revised; an unknown order is refused locally"
    )
    func revise() async throws {
        let harness = try await T4BridgeHarness(prefix: "t11")
        try await harness.waitUntil(.ready)
        let venue = try #require(await harness.venueBook(esMarket))
        let price = try venue.bids[0].price.subtracting(ExactDecimal(5))
        let order = OrderRequest(
            account: simAccount, instrument: "ES-M25", clientOrderId: "t11-rev", side: .buy, orderType: .limit,
            timeInForce: .gtc, quantity: ExactDecimal(2), price: price)
        #expect(try await harness.connector.place(order).status == .new)
        let lower = try price.subtracting(ExactDecimal("0.25")!)
        let revised = try await harness.connector.revise(
            clientOrderId: "t11-rev", account: simAccount, quantity: ExactDecimal(4), price: lower)
        #expect(revised.status == .new && revised.reason == "revised")
        #expect(revised.quantity == ExactDecimal(4) && revised.price == lower)
        let atVenue = try #require(await harness.simulator.orders(tag: "t11-rev").first)
        #expect(atVenue.volume == 4 && atVenue.limitPrice == lower)
        _ = try await harness.connector.cancel(CancelRequest(account: simAccount, clientOrderId: "t11-rev"))
        // An order the connector does not know is refused locally.
        await #expect(throws: OrderEntryError.self) {
            _ = try await harness.connector.revise(
                clientOrderId: "never-placed", account: simAccount, quantity: ExactDecimal(1))
        }
        try await eventually("new, revised, canceled on Kafka") {
            await harness.flush()
            return harness.reader.reports(clientOrderId: "t11-rev").map(\.status) == [.new, .new, .canceled]
        }
        await harness.stop()
    }

    @Test(
        "refusals: the venue rejects an unknown market (rejected on Kafka); bad quantities never leave the bridge; a refused depth subscription degrades"
    )
    func refusals() async throws {
        let bogus = T4Market(symbol: "ES-Z99", exchangeID: "CME_Eq", contractID: "ES", marketID: "XCME_Eq ES (Z99)")
        let harness = try await T4BridgeHarness(prefix: "t4", extraMarkets: [bogus])
        try await harness.waitUntil(.degraded)
        try await eventually("degraded status on Kafka") {
            await harness.flush()
            return harness.reader.statuses.contains { $0.state == .degraded }
        }
        let status = try #require(harness.reader.statuses.last { $0.state == .degraded })
        #expect(status.reason?.contains("ES-Z99") == true)
        // The other markets still flow.
        try await eventually("ES snapshot") { harness.reader.snapshotCount("ES-M25") == 1 }

        let rejected = try await harness.connector.place(
            OrderRequest(
                account: simAccount, instrument: "ES-Z99", clientOrderId: "t4-bogus", side: .sell, orderType: .limit,
                timeInForce: .day,
                quantity: ExactDecimal(1), price: ExactDecimal(5000)
            ))
        #expect(rejected.status == .rejected)
        #expect(rejected.rejectCode == "SUBMISSION_REJECTED")
        #expect(rejected.reason?.contains("unknown market") == true)
        try await eventually("rejected on Kafka") {
            await harness.flush()
            return harness.reader.reports(clientOrderId: "t4-bogus").map(\.status) == [.rejected]
        }

        for (quantity, price, why) in [
            ("1.5", "5954.75", "whole number"), ("1", "5954.70", "tick"), ("0", "5954.75", "whole number"),
        ] {
            await #expect(throws: OrderEntryError.self, "\(why)") {
                _ = try await harness.connector.place(
                    OrderRequest(
                        account: simAccount, instrument: "ES-M25", clientOrderId: "t4-bad-\(quantity)-\(price)",
                        side: .buy, orderType: .limit,
                        timeInForce: .day, quantity: ExactDecimal(quantity)!, price: ExactDecimal(price)!
                    ))
            }
        }
        await #expect(throws: OrderEntryError.invalid("T4 has no time type for gtd")) {
            _ = try await harness.connector.place(
                OrderRequest(
                    account: simAccount, instrument: "ES-M25", clientOrderId: "t4-gtd", side: .buy, orderType: .limit,
                    timeInForce: .gtd,
                    quantity: ExactDecimal(1), price: ExactDecimal(5000)
                ))
        }
        #expect(await harness.simulator.stats().ordersReceived == 1, "only the unknown-market order reached the venue")
        await harness.stop()
    }

    @Test(
        "the venue goes silent: dead link after the heartbeat window, reconnect, re-login, resubscribe, fresh snapshot")
    func heartbeatTimeoutReconnects() async throws {
        // Both sides' windows are many heartbeats wide (the venue drops us after 6 s of our
        // silence, we give up after 5 s of its, and each side heartbeats every 2 s or faster), so
        // a CI machine busy with a build, stalling a task for a second or two, does not end a
        // healthy session: the test asserts what heartbeats do, not how quickly a task is run.
        let venueHeartbeat = Duration.seconds(2)
        let ourDeadAfter = Duration.seconds(5)
        let harness = try await T4BridgeHarness(
            prefix: "t5", simulate: { $0.setHeartbeat(venueHeartbeat) },
            tune: {
                $0.heartbeatInterval = .milliseconds(250)
                $0.deadAfter = ourDeadAfter
            })
        try await harness.waitUntil(.ready)
        try await eventually("first snapshot") { harness.reader.snapshotCount("ES-M25") == 1 }
        // Heartbeats alone keep a quiet link alive for longer than either side's window.
        try await Task.sleep(for: max(venueHeartbeat * 3, ourDeadAfter) + .seconds(1))
        #expect(harness.connector.control.state == .ready)
        #expect(await harness.simulator.stats().heartbeatsSent > 0)

        await harness.simulator.setSilent(true)
        try await eventually("dead link reported") {
            await harness.flush()
            return harness.reader.statuses.contains {
                $0.state == .disconnected && $0.reason?.contains("dead link") == true
            }
        }
        await harness.simulator.setSilent(false)
        try await eventually("a second snapshot after the reconnect") {
            await harness.flush()
            return harness.reader.snapshotCount("ES-M25") == 2
        }
        try await harness.waitUntil(.ready)
        #expect(harness.metrics.counters.contains { $0.label == "vb_venue_book_resyncs_total" && $0.totalValue >= 1 })
        await harness.simulator.step(50)
        try await harness.waitForBookConvergence(esMarket, symbol: "ES-M25")
        await harness.stop()
    }

    @Test("a wrong API key: login refused with the venue's reason, retried slowly, orders refused locally")
    func loginRefused() async throws {
        let harness = try await T4BridgeHarness(
            prefix: "t6", credentials: .apiKey("wrong-key"), tune: { $0.loginRetryDelay = .seconds(1) })
        try await eventually("refusal on Kafka") {
            await harness.flush()
            return harness.reader.statuses.contains {
                $0.state == .disconnected && $0.reason?.contains("login refused") == true
            }
        }
        let reason = try #require(harness.reader.statuses.last { $0.reason?.contains("login refused") == true }?.reason)
        #expect(reason.contains("unauthorized") && reason.contains("invalid api key"))
        #expect(!reason.contains("wrong-key"), "the key never appears in a status")
        // With a 1 s floor between attempts, a window of w seconds holds at most w + 1 logins
        // (a tight loop makes hundreds).
        let before = await harness.simulator.stats().loginFailures
        let started = ContinuousClock.now
        try await Task.sleep(for: .seconds(2))
        let attempts = await harness.simulator.stats().loginFailures - before
        let window = (ContinuousClock.now - started).components.seconds
        #expect(attempts >= 1 && attempts <= Int(window) + 1, "\(attempts) logins in \(window) s")
        await #expect(throws: OrderEntryError.self) {
            _ = try await harness.connector.place(
                OrderRequest(
                    account: simAccount, instrument: "ES-M25", clientOrderId: "t6", side: .buy, orderType: .limit,
                    timeInForce: .day,
                    quantity: ExactDecimal(1), price: ExactDecimal(5000)
                ))
        }
        await harness.stop()
    }

    @Test("password login (firm, user, app) reaches ready")
    func passwordLogin() async throws {
        let user = T4SimulatorConfiguration.User.demo
        let harness = try await T4BridgeHarness(
            prefix: "t7",
            credentials: .password(
                firm: user.firm, username: user.username, password: user.password, appName: "bridge", appLicense: "lic")
        )
        try await harness.waitUntil(.ready)
        #expect(harness.connector.accounts == [simAccount])
        await harness.stop()
    }

    @Test(
        "reconnect reconciliation: a working order listed again is not re-reported; one that ended while away is reported unknown"
    )
    func reconnectReconciliation() async throws {
        let harness = try await T4BridgeHarness(prefix: "t8")
        try await harness.waitUntil(.ready)
        let venue = try #require(await harness.venueBook(esMarket))
        let price = try venue.bids[0].price.subtracting(ExactDecimal(20))
        for id in ["t8-kept", "t8-gone"] {
            let placed = try await harness.connector.place(
                OrderRequest(
                    account: simAccount, instrument: "ES-M25", clientOrderId: id, side: .buy, orderType: .limit,
                    timeInForce: .gtc,
                    quantity: ExactDecimal(2), price: price
                ))
            #expect(placed.status == .new)
        }
        let gone = try #require(await harness.simulator.orders(tag: "t8-gone").first?.uniqueID)
        #expect(await harness.simulator.finishOrderQuietly(uniqueID: gone))
        await harness.simulator.dropConnections()
        try await eventually("unknown report for the order that ended while away") {
            await harness.flush()
            return harness.reader.reports(clientOrderId: "t8-gone").map(\.status) == [.new, .unknown]
        }
        try await harness.waitUntil(.ready)
        await harness.flush()
        #expect(harness.reader.reports(clientOrderId: "t8-kept").map(\.status) == [.new])
        // The kept order is still ours to cancel after the reconnect.
        #expect(
            try await harness.connector.cancel(CancelRequest(account: simAccount, clientOrderId: "t8-kept")).status
                == .canceled)
        await harness.stop()
    }

    @Test("a malformed message is counted and the session carries on")
    func malformedFrame() async throws {
        let harness = try await T4BridgeHarness(prefix: "t9")
        try await harness.waitUntil(.ready)
        await harness.simulator.sendMalformedFrame()
        await harness.simulator.step(30)
        try await harness.waitForBookConvergence(esMarket, symbol: "ES-M25")
        #expect(harness.metrics.counters.contains { $0.label == "vb_venue_decode_errors_total" && $0.totalValue >= 1 })
        #expect(harness.connector.control.state == .ready)
        #expect(harness.reader.statuses.filter { $0.state == .disconnected }.isEmpty)
        await harness.stop()
    }

    @Test(
        "Redis gets the same events: book stream and top-of-book hash",
        .enabled(if: testRedisPort != nil, "set VB_TEST_REDIS_PORT"))
    func redisStreams() async throws {
        let suffix = "-\(UInt32.random(in: 0...UInt32.max))"
        let harness = try await T4BridgeHarness(prefix: "t10", symbolSuffix: suffix, withRedis: true)
        try await harness.waitUntil(.ready)
        await harness.simulator.step(20)
        try await harness.waitForBookConvergence(esMarket, symbol: "ES-M25" + suffix)
        let connection = try RedisConnection(RedisEndpoint(port: testRedisPort!))
        let symbol = "ES-M25" + suffix
        let venue = try #require(await harness.venueBook(esMarket))
        try await eventually("Redis top-of-book hash equals the venue's best bid") {
            let length = try connection.command(["XLEN", "vb:book:t4:\(symbol)"])
            let bid = try connection.command(["HGET", "vb:tob:t4:\(symbol)", "bid"])
            return length != .integer(0) && bid.string == venue.bestBid?.price.description
        }
        await harness.stop()
    }
}
