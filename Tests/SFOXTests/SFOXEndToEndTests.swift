import BridgeTestSupport
import MetricsTestKit
import RedisBus
import SFOXConnector
import SFOXSimulator
import SFOXWire
import Testing
import VenueBridgeCore
import VenueConnector

/// sFOX simulator → connector → Kafka (librdkafka mock cluster) [+ Redis], asserting on what a
/// downstream consumer reads back.
@Suite("sFOX end to end", .serialized)
struct SFOXEndToEndTests {
    @Test("full-snapshot books: first a book_snapshot, then diffs; the rebuilt book equals the venue's latest snapshot")
    func bookConverges() async throws {
        let harness = try await SFOXBridgeHarness(prefix: "s1")
        try await harness.waitUntilReady()
        try await eventually("first snapshots") {
            harness.reader.snapshotCount("BTC-USD") == 1 && harness.reader.snapshotCount("ETH-USD") == 1
        }
        await harness.simulator.step(300)
        try await harness.waitForBookConvergence("btcusd")
        try await harness.waitForBookConvergence("ethusd")
        #expect(harness.reader.snapshotCount("BTC-USD") == 1, "later snapshots are published as deltas")
        let deltas = harness.reader.all.filter { $0.type == .bookDelta && $0.instrument == "BTC-USD" }
        #expect(!deltas.isEmpty)
        for symbol in ["BTC-USD", "ETH-USD"] {
            let repeated = harness.reader.repeatedDeltaPrices(symbol)
            #expect(repeated.isEmpty, "\(repeated)")
        }
        let seqs = harness.reader.all.filter { $0.stream == .book && $0.instrument == "BTC-USD" }.map(\.seq)
        #expect(seqs == Array(1...UInt64(seqs.count)))
        // Market trades become trade events with the venue's trade id.
        try await eventually("market trades") {
            harness.reader.all.contains { $0.type == .trade && $0.instrument == "BTC-USD" }
        }
        let trade = try #require(harness.reader.all.first { $0.type == .trade })
        guard case .trade(let t) = trade.payload else {
            Issue.record("not a trade")
            return await harness.stop()
        }
        #expect(t.tradeId != nil && t.size.isPositive)
        await harness.stop()
    }

    @Test("a skipped sequence number: counted, reconnect, resubscribe, fresh book_snapshot, book converges again")
    func sequenceGapResync() async throws {
        let harness = try await SFOXBridgeHarness(prefix: "s2")
        try await harness.waitUntilReady()
        try await eventually("first snapshot") { harness.reader.snapshotCount("BTC-USD") == 1 }
        await harness.simulator.skipSequenceNumber()
        await harness.simulator.step(5)
        try await eventually("a second snapshot after the resync") {
            await harness.flush()
            return harness.reader.snapshotCount("BTC-USD") == 2
        }
        #expect(harness.metrics.counters.contains { $0.label == "vb_venue_sequence_gaps_total" && $0.totalValue >= 1 })
        #expect(harness.metrics.counters.contains { $0.label == "vb_venue_book_resyncs_total" && $0.totalValue >= 1 })
        let market = harness.reader.statuses.filter { $0.session == "market_data" }.map(\.state)
        #expect(market.contains(.disconnected))
        #expect(market.last == .ready || harness.connector.marketDataControl.state == .ready)
        await harness.simulator.step(50)
        try await harness.waitForBookConvergence("btcusd")
        await harness.stop()
    }

    @Test("a resting limit order over REST: new from the reply/feed once, then canceled")
    func restingOrder() async throws {
        let harness = try await SFOXBridgeHarness(prefix: "s3")
        try await harness.waitUntilReady()
        let venue = try #require(await harness.venueBook("btcusd"))
        let bestBid = try #require(venue.bestBid?.price)
        let price = try bestBid.subtracting(ExactDecimal(100))
        let order = OrderRequest(
            account: "sfox-1", instrument: "BTC-USD", clientOrderId: "s3-order-1", idempotencyKey: "k-s3-1", side: .buy,
            orderType: .limit, timeInForce: .gtc, quantity: ExactDecimal("0.25")!, price: price)
        let placed = try await harness.connector.place(order)
        #expect(placed.status == .new)
        #expect(placed.venueOrderId != nil)
        #expect(placed.idempotencyKey == "k-s3-1")
        let canceled = try await harness.connector.cancel(CancelRequest(account: "sfox-1", clientOrderId: "s3-order-1"))
        #expect(canceled.status == .canceled)
        try await eventually("new and canceled on Kafka") {
            await harness.flush()
            return harness.reader.reports(clientOrderId: "s3-order-1").map(\.status) == [.new, .canceled]
        }
        // The feed's own Canceled arrives too, and is not reported a second time.
        try await Task.sleep(for: .milliseconds(300))
        await harness.flush()
        #expect(harness.reader.reports(clientOrderId: "s3-order-1").map(\.status) == [.new, .canceled])
        // Cancelling again: the venue says it is finished; the order keeps its state.
        let again = try await harness.connector.cancel(CancelRequest(account: "sfox-1", clientOrderId: "s3-order-1"))
        #expect(again.status == .canceled)
        #expect(again.reason?.contains("already finished") == true)
        await harness.stop()
    }

    @Test("a marketable IOC order: fills from the private trades feed with exact quantities, one report per trade_id")
    func marketableFills() async throws {
        let harness = try await SFOXBridgeHarness(prefix: "s4")
        try await harness.waitUntilReady()
        let venue = try #require(await harness.venueBook("btcusd"))
        let bestAsk = try #require(venue.bestAsk)
        let order = OrderRequest(
            account: "sfox-1", instrument: "BTC-USD", clientOrderId: "s4-ioc", idempotencyKey: "k-s4", side: .buy,
            orderType: .limit, timeInForce: .ioc, quantity: bestAsk.size, price: bestAsk.price)
        _ = try await harness.connector.place(order)
        try await eventually("filled report on Kafka") {
            await harness.flush()
            return harness.reader.reports(clientOrderId: "s4-ioc").contains { $0.status == .filled }
        }
        let reports = harness.reader.reports(clientOrderId: "s4-ioc")
        let fills = reports.filter { $0.fillId != nil }
        #expect(!fills.isEmpty)
        #expect(Set(fills.compactMap(\.fillId)).count == fills.count, "one report per trade_id")
        var total = ExactDecimal.zero
        for fill in fills { total = try total.adding(fill.lastQty ?? .zero) }
        #expect(total == bestAsk.size)
        #expect(
            reports.last?.status == .filled && reports.last?.cumQty == bestAsk.size && reports.last?.leavesQty == .zero)
        #expect(fills.allSatisfy { $0.lastPx == bestAsk.price })
        // Balances moved and were published.
        try await eventually("balance events") {
            await harness.flush()
            return harness.reader.all.contains { $0.type == .balance }
        }
        await harness.stop()
    }

    @Test("a replayed create with the same client_order_id makes no second order: the 409 resolves to the existing one")
    func replayedCreate() async throws {
        let harness = try await SFOXBridgeHarness(prefix: "s5")
        try await harness.waitUntilReady()
        let venue = try #require(await harness.venueBook("btcusd"))
        let price = try #require(venue.bestBid?.price).subtracting(ExactDecimal(200))
        let order = OrderRequest(
            account: "sfox-1", instrument: "BTC-USD", clientOrderId: "s5-replayed", side: .buy, orderType: .limit,
            timeInForce: .gtc, quantity: ExactDecimal("0.1")!, price: price)
        let first = try await harness.connector.place(order)
        let second = try await harness.connector.place(order)
        #expect(first.status == .new && second.status == .new)
        #expect(second.venueOrderId == first.venueOrderId)
        #expect(await harness.simulator.createRequestCount(clientOrderId: "s5-replayed") == 2)
        #expect(await harness.simulator.acceptedOrderCount(clientOrderId: "s5-replayed") == 1)
        await harness.flush()
        #expect(harness.reader.reports(clientOrderId: "s5-replayed").filter { $0.status == .rejected }.isEmpty)
        await harness.stop()
    }

    @Test("a create whose reply is lost is ambiguous, and a query by client_order_id resolves it without resending")
    func ambiguousCreateResolvedByQuery() async throws {
        let harness = try await SFOXBridgeHarness(prefix: "s6")
        try await harness.waitUntilReady()
        let venue = try #require(await harness.venueBook("btcusd"))
        let price = try #require(venue.bestBid?.price).subtracting(ExactDecimal(300))
        let order = OrderRequest(
            account: "sfox-1", instrument: "BTC-USD", clientOrderId: "s6-lost-reply", side: .buy, orderType: .limit,
            timeInForce: .gtc, quantity: ExactDecimal("0.1")!, price: price)
        await harness.simulator.dropNextCreateResponses(1)
        await #expect(throws: OrderEntryError.self) { try await harness.connector.place(order) }
        let resolved = try #require(
            try await harness.connector.query(clientOrderId: "s6-lost-reply", account: "sfox-1"))
        #expect(resolved.status == .new && resolved.venueOrderId != nil)
        #expect(await harness.simulator.createRequestCount(clientOrderId: "s6-lost-reply") == 1)
        #expect(try await harness.connector.query(clientOrderId: "never-sent", account: "sfox-1") == nil)
        await harness.stop()
    }

    @Test(
        "a 429 from the venue: nothing placed, rateLimited for the documented pause, and no request reaches the venue meanwhile"
    )
    func rateLimitPause() async throws {
        let harness = try await SFOXBridgeHarness(
            prefix: "s10", simulate: { $0.orderCreatesPerSecond = 1 }, tune: { $0.orderCreatesPerSecond = 100 })
        try await harness.waitUntilReady()
        let venue = try #require(await harness.venueBook("btcusd"))
        let price = try #require(venue.bestBid?.price).subtracting(ExactDecimal(500))
        func order(_ id: String) -> OrderRequest {
            OrderRequest(
                account: "sfox-1", instrument: "BTC-USD", clientOrderId: id, side: .buy, orderType: .limit,
                timeInForce: .gtc,
                quantity: ExactDecimal("0.01")!, price: price)
        }
        #expect(try await harness.connector.place(order("s10-a")).status == .new)
        await #expect(throws: OrderEntryError.rateLimited(retryAfter: SFOXHouseRules.restBackoffAfter429)) {
            try await harness.connector.place(order("s10-b"))
        }
        #expect(harness.simulator.stats.restResponses[429] == 1)
        // Paused: refused locally, the venue sees nothing.
        do {
            _ = try await harness.connector.place(order("s10-c"))
            Issue.record("a create went out during the 429 pause")
        } catch {
            guard case .rateLimited(let retryAfter) = error else {
                Issue.record("unexpected \(error)")
                return await harness.stop()
            }
            #expect(retryAfter > .seconds(50) && retryAfter <= SFOXHouseRules.restBackoffAfter429)
        }
        #expect(harness.simulator.stats.restResponses[429] == 1)
        #expect(await harness.simulator.acceptedOrderCount(clientOrderId: "s10-b") == 0)
        #expect(await harness.simulator.acceptedOrderCount(clientOrderId: "s10-c") == 0)
        await harness.stop()
    }

    @Test("venue refusals are rejected reports with the venue's words; unsupported orders are refused locally")
    func refusals() async throws {
        let harness = try await SFOXBridgeHarness(prefix: "s7")
        try await harness.waitUntilReady()
        // A quantity the venue refuses (not a multiple of the lot size) → HTTP 400 → rejected.
        let bad = OrderRequest(
            account: "sfox-1", instrument: "BTC-USD", clientOrderId: "s7-bad", side: .buy, orderType: .limit,
            timeInForce: .gtc,
            quantity: ExactDecimal("0.000000000001")!, price: ExactDecimal(1000))
        let rejected = try await harness.connector.place(bad)
        #expect(rejected.status == .rejected && rejected.rejectCode == "400" && rejected.reason?.isEmpty == false)
        try await eventually("rejected report on Kafka") {
            await harness.flush()
            return harness.reader.reports(clientOrderId: "s7-bad").map(\.status) == [.rejected]
        }
        // Post-only does not exist at sFOX: nothing is sent.
        var postOnly = bad
        postOnly.clientOrderId = "s7-post-only"
        postOnly.postOnly = true
        await #expect(throws: OrderEntryError.invalid("sFOX has no post-only orders")) {
            try await harness.connector.place(postOnly)
        }
        #expect(await harness.simulator.createRequestCount(clientOrderId: "s7-post-only") == 0)
        await harness.stop()
    }

    @Test("malformed frame counted, link stays up; wrong API key: private session refused, market data unaffected")
    func badInput() async throws {
        let harness = try await SFOXBridgeHarness(prefix: "s8", connectorKey: "wrong-key")
        try await eventually("market data ready") { harness.connector.marketDataControl.state == .ready }
        await harness.simulator.sendMalformedFrame()
        try await eventually("decode error counted") {
            harness.metrics.counters.contains {
                $0.label == "vb_venue_decode_errors_total" && $0.dimensions.contains { $0 == ("kind", "invalid_json") }
            }
        }
        await harness.simulator.step(20)
        try await harness.waitForBookConvergence("btcusd")
        #expect(harness.connector.privateControl?.state != .ready)
        let order = OrderRequest(
            account: "sfox-1", instrument: "BTC-USD", clientOrderId: "s8", side: .buy, orderType: .limit,
            timeInForce: .gtc,
            quantity: ExactDecimal(1), price: ExactDecimal(1))
        await #expect(throws: OrderEntryError.self) { try await harness.connector.place(order) }
        try await eventually("the refused authentication, as consumers read it") {
            await harness.flush()
            return harness.reader.statuses.contains {
                $0.session == "private" && $0.state == .disconnected && ($0.reason ?? "").contains("authentication")
            }
        }
        await harness.stop()
    }

    @Test(
        "a pair the venue does not serve: market data degraded with the refused feeds named, the other pairs still flow"
    )
    func refusedPair() async throws {
        let harness = try await SFOXBridgeHarness(
            prefix: "s11",
            tune: { configuration in
                configuration.instruments = try! InstrumentMap([("btcusd", "BTC-USD"), ("nopeusd", "NOPE-USD")])
            })
        try await eventually("market data degraded, as consumers read it") {
            await harness.flush()
            return harness.reader.statuses.contains { $0.session == "market_data" && $0.state == .degraded }
        }
        let degraded = try #require(harness.reader.statuses.last { $0.session == "market_data" })
        #expect(
            degraded.state == .degraded && degraded.reason?.contains("nopeusd") == true
                && degraded.reason?.contains("btcusd") == false)
        await harness.simulator.step(10)
        try await harness.waitForBookConvergence("btcusd")
        await harness.stop()
    }

    @Test(
        "Redis gets the same events: book stream and top-of-book hash",
        .enabled(if: testRedisPort != nil, "set VB_TEST_REDIS_PORT"))
    func redisStreams() async throws {
        let suffix = "-\(UInt32.random(in: 0...UInt32.max))"
        let harness = try await SFOXBridgeHarness(prefix: "s9", symbolSuffix: suffix, withRedis: true)
        try await harness.waitUntilReady()
        await harness.simulator.step(20)
        try await harness.waitForBookConvergence("btcusd")
        let connection = try RedisConnection(RedisEndpoint(port: testRedisPort!))
        let symbol = "BTC-USD" + suffix
        let venue = try #require(await harness.venueBook("btcusd"))
        try await eventually("Redis top-of-book hash equals the venue's best bid") {
            let length = try connection.command(["XLEN", "vb:book:sfox:\(symbol)"])
            let bid = try connection.command(["HGET", "vb:tob:sfox:\(symbol)", "bid"])
            return length != .integer(0) && bid.string == venue.bestBid?.price.description
        }
        await harness.stop()
    }
}
