import BridgeTestSupport
import FineryConnector
import FinerySimulator
import FineryWire
import MetricsTestKit
import RedisBus
import Testing
import VenueBridgeCore
import VenueConnector

/// Simulator → connector → Kafka (librdkafka mock cluster) [+ Redis], asserting on what a
/// downstream consumer reads back.
@Suite("Finery end to end", .serialized)
struct FineryEndToEndTests {
    @Test("the book rebuilt from published snapshot + deltas equals the venue's after many updates")
    func bookConverges() async throws {
        let harness = try await FineryBridgeHarness(prefix: "f1")
        try await harness.waitUntilReady()
        try await eventually("first snapshots") {
            harness.reader.snapshotCount("BTC-USD") == 1 && harness.reader.snapshotCount("ETH-USD") == 1
        }
        await harness.simulator.step(500)
        try await harness.waitForBookConvergence("BTC-USD")
        try await harness.waitForBookConvergence("ETH-USD")
        // The top of book was published as tickers too.
        let tickers = harness.reader.all.filter { $0.type == .ticker && $0.instrument == "BTC-USD" }
        let venue = try #require(await harness.venueBook("BTC-USD"))
        guard case .ticker(let last)? = tickers.last?.payload else {
            Issue.record("no ticker")
            return await harness.stop()
        }
        #expect(
            last.bid == venue.bestBid?.price && last.ask == venue.bestAsk?.price && last.askSize == venue.bestAsk?.size)
        // seq is gap-free per book stream.
        let seqs = harness.reader.all.filter { $0.stream == .book && $0.instrument == "BTC-USD" }.map(\.seq)
        #expect(seqs == Array(1...UInt64(seqs.count)))
        for symbol in ["BTC-USD", "ETH-USD"] {
            let repeated = harness.reader.repeatedDeltaPrices(symbol)
            #expect(repeated.isEmpty, "\(repeated)")
        }
        await harness.stop()
    }

    @Test(
        "one B frame touching a level twice: one delta level per price, and deltas applied in reverse level order still converge"
    )
    func levelTouchedTwiceInOneFrame() async throws {
        let harness = try await FineryBridgeHarness(prefix: "f11")
        try await harness.waitUntilReady()
        try await eventually("first snapshot") { harness.reader.snapshotCount("BTC-USD") == 1 }
        let book = await harness.simulator.book("BTC-USD")
        let bids = book.bids
        let asks = book.asks
        try #require(bids.count >= 3 && asks.count >= 3)
        // As the real venue sends it: modify then remove one level; remove then re-add another;
        // modify a level twice; and on the other side a level re-added at its current size (no net change).
        await harness.simulator.sendBookUpdate(
            "BTC-USD",
            bids: [
                FineryBookUpdate(.modify, price: bids[1].price, size: 15_000_000),
                FineryBookUpdate(.remove, price: bids[1].price, size: 0),
                FineryBookUpdate(.remove, price: bids[2].price, size: 0),
                FineryBookUpdate(.add, price: bids[2].price, size: bids[2].size + 7),
                FineryBookUpdate(.modify, price: bids[0].price, size: 1),
                FineryBookUpdate(.modify, price: bids[0].price, size: bids[0].size + 3),
            ],
            asks: [
                FineryBookUpdate(.remove, price: asks[1].price, size: 0),
                FineryBookUpdate(.add, price: asks[1].price, size: asks[1].size),
            ])
        // A frame that changes nothing publishes nothing.
        await harness.simulator.sendBookUpdate(
            "BTC-USD",
            bids: [
                FineryBookUpdate(.modify, price: bids[0].price, size: 5),
                FineryBookUpdate(.modify, price: bids[0].price, size: bids[0].size + 3),
            ], asks: [])
        await harness.simulator.step(100)
        try await harness.waitForBookConvergence("BTC-USD")
        let repeated = harness.reader.repeatedDeltaPrices("BTC-USD")
        #expect(repeated.isEmpty, "\(repeated)")
        #expect(harness.reader.rebuiltBookApplyingLevelsInReverse("BTC-USD") == (await harness.venueBook("BTC-USD")))
        // The first hand-made frame is one delta: net changes only, each price once.
        let deltas = harness.reader.all.compactMap { event -> BookLevels? in
            guard event.instrument == "BTC-USD", case .bookDelta(let levels) = event.payload else { return nil }
            return levels
        }
        let first = try #require(deltas.first)
        #expect(
            first.bids == [
                PriceLevel(price: FineryUnits.decimal(bids[0].price), size: FineryUnits.decimal(bids[0].size + 3)),
                PriceLevel(price: FineryUnits.decimal(bids[1].price), size: .zero),
                PriceLevel(price: FineryUnits.decimal(bids[2].price), size: FineryUnits.decimal(bids[2].size + 7)),
            ])
        #expect(first.asks.isEmpty)
        // The no-op frame published nothing: the next delta is the random walk's.
        if deltas.count > 1 {
            #expect(
                deltas[1].bids != [
                    PriceLevel(price: FineryUnits.decimal(bids[0].price), size: FineryUnits.decimal(bids[0].size + 3))
                ])
        }
        await harness.stop()
    }

    @Test("a B snapshot for an instrument we did not bind is counted and ignored: no unbind/rebind, nothing published")
    func unsubscribedInstrumentSnapshot() async throws {
        let btcOnly = try InstrumentMap(identity: ["BTC-USD"])
        let harness = try await FineryBridgeHarness(prefix: "f12") { $0.instruments = btcOnly }
        try await harness.waitUntilReady()
        try await eventually("first snapshot") { harness.reader.snapshotCount("BTC-USD") == 1 }
        let eth = await harness.simulator.book("ETH-USD")
        let unsolicited = FineryServerMessage.bookSnapshot(feedId: .name("ETH-USD"), bids: eth.bids, asks: eth.asks)
            .encoded()
        for _ in 0..<3 { await harness.simulator.sendFrame(unsolicited) }
        await harness.simulator.sendFrame(#"["B","ETH-USD","M",[[["M",\#(eth.bids[0].price),5]],[]]]"#)
        await harness.simulator.step(30)
        try await harness.waitForBookConvergence("BTC-USD")
        try await eventually("every unsolicited B message counted") {
            ((try? harness.metrics.expectCounter(
                "vb_venue_decode_errors_total", [("venue", "finery"), ("kind", "unsubscribed_instrument")]))?.totalValue
                ?? 0) == 4
        }
        #expect(await harness.simulator.feedRequestCount("unbind", feed: "B", feedId: .name("ETH-USD")) == 0)
        #expect(await harness.simulator.feedRequestCount("bind", feed: "B", feedId: .name("ETH-USD")) == 0)
        #expect(await harness.simulator.feedRequestCount("bind", feed: "B", feedId: .name("BTC-USD")) == 1)
        #expect(
            (try? harness.metrics.expectCounter(
                "vb_venue_decode_errors_total", [("venue", "finery"), ("kind", "book_inconsistent")])) == nil)
        #expect(!harness.reader.all.contains { $0.venueInstrument == "ETH-USD" })
        #expect(harness.connector.control.state == .ready)
        await harness.stop()
    }

    @Test("a venue that sends only full snapshots: deltas are derived and the book still converges")
    func snapshotOnlyVenue() async throws {
        let harness = try await FineryBridgeHarness(prefix: "f2", snapshotOnly: true)
        try await harness.waitUntilReady()
        await harness.simulator.step(200)
        try await harness.waitForBookConvergence("BTC-USD")
        #expect(harness.reader.snapshotCount("BTC-USD") == 1, "later snapshots are published as deltas")
        #expect(harness.reader.all.contains { $0.type == .bookDelta && $0.instrument == "BTC-USD" })
        await harness.stop()
    }

    @Test("an IOC order that partially fills: exact fill then cancel of the remainder")
    func iocPartialFill() async throws {
        let harness = try await FineryBridgeHarness(prefix: "f3")
        try await harness.waitUntilReady()
        let top = try #require(await harness.simulator.book("BTC-USD").asks.first)
        // Half a coin more than the best level holds, limited to its price: only that level fills.
        let quantity = FineryUnits.decimal(top.size + 50_000_000)
        let order = OrderRequest(
            account: "acct-1", instrument: "BTC-USD", clientOrderId: "1001", idempotencyKey: "k-1001", side: .buy,
            orderType: .limit, timeInForce: .ioc, quantity: quantity, price: FineryUnits.decimal(top.price))
        let answer = try await harness.connector.place(order)
        #expect(answer.status == .canceled)
        #expect(answer.cumQty == FineryUnits.decimal(top.size))

        try await eventually("fill and cancel reports on Kafka") {
            _ = await harness.producer.flush(timeout: .milliseconds(200))
            return harness.reader.reports(clientOrderId: "1001").contains { $0.status == .canceled }
        }
        let reports = harness.reader.reports(clientOrderId: "1001")
        let fill = try #require(reports.first { $0.status == .partiallyFilled })
        #expect(fill.lastQty == FineryUnits.decimal(top.size))
        #expect(fill.lastPx == FineryUnits.decimal(top.price))
        #expect(fill.liquidity == .taker)
        #expect(fill.idempotencyKey == "k-1001")
        #expect(fill.quantity == quantity)
        let cancel = try #require(reports.last)
        #expect(
            cancel.status == .canceled && cancel.cumQty == FineryUnits.decimal(top.size) && cancel.leavesQty == .zero)
        #expect(cancel.reason == FineryCancelReason.asNonBookOrder.text)
        #expect(reports.filter { $0.fillId != nil }.count == 1, "one deal, one fill report")
        await harness.stop()
    }

    @Test("a resting limit order: new, duplicate client id resolved (not rejected), cancel; venue refusals are rejects")
    func restingOrderLifecycle() async throws {
        let harness = try await FineryBridgeHarness(prefix: "f4")
        try await harness.waitUntilReady()
        let bestBid = try #require(await harness.simulator.book("BTC-USD").bids.first)
        let price = FineryUnits.decimal(bestBid.price - 1_000_000_000_00)
        let order = OrderRequest(
            account: "acct-1", instrument: "BTC-USD", clientOrderId: "2001", side: .buy, orderType: .limit,
            timeInForce: .gtc, quantity: ExactDecimal("0.25")!, price: price)
        let placed = try await harness.connector.place(order)
        #expect(placed.status == .new)
        #expect(placed.leavesQty == ExactDecimal("0.25"))

        // The same client id again (a replay): the venue says 74, the connector answers with the live order.
        let replay = try await harness.connector.place(order)
        #expect(replay.status == .new && replay.venueOrderId == placed.venueOrderId)
        #expect(await harness.simulator.acceptedOrderCount(clientOrderId: 2001) == 1)
        #expect(await harness.simulator.addRequestCount(clientOrderId: 2001) == 2)
        #expect(try await harness.connector.query(clientOrderId: "2001", account: "acct-1")?.status == .new)

        let canceled = try await harness.connector.cancel(CancelRequest(account: "acct-1", clientOrderId: "2001"))
        #expect(canceled.status == .canceled)
        let again = try await harness.connector.cancel(CancelRequest(account: "acct-1", clientOrderId: "2001"))
        #expect(again.rejectCode == "80")

        // FOK for more than the whole book: refused with 77 and published as a reject.
        let fok = OrderRequest(
            account: "acct-1", instrument: "BTC-USD", clientOrderId: "2002", side: .sell, orderType: .market,
            timeInForce: .fok, quantity: ExactDecimal("100000")!)
        let refused = try await harness.connector.place(fok)
        #expect(refused.status == .rejected && refused.rejectCode == "77")

        // Not expressible on Finery: nothing is sent.
        let tooPrecise = OrderRequest(
            account: "acct-1", instrument: "BTC-USD", clientOrderId: "2003", side: .buy, orderType: .limit,
            timeInForce: .gtc, quantity: ExactDecimal("0.000000001")!, price: price)
        await #expect(throws: OrderEntryError.self) { try await harness.connector.place(tooPrecise) }
        #expect(await harness.simulator.addRequestCount(clientOrderId: 2003) == 0)

        try await eventually("new, canceled and rejected reports on Kafka") {
            _ = await harness.producer.flush(timeout: .milliseconds(200))
            return harness.reader.reports(clientOrderId: "2001").map(\.status) == [.new, .canceled]
                && harness.reader.reports(clientOrderId: "2002").map(\.status) == [.rejected]
        }
        await harness.stop()
    }

    @Test(
        "socket drop: venue_status transitions, reconnect, resubscribe, fresh snapshot, cancel-on-disconnect reported")
    func reconnectAfterDrop() async throws {
        let harness = try await FineryBridgeHarness(prefix: "f5")
        try await harness.waitUntilReady()
        try await eventually("first snapshot") { harness.reader.snapshotCount("BTC-USD") == 1 }
        let bestBid = try #require(await harness.simulator.book("BTC-USD").bids.first)
        let resting = OrderRequest(
            account: "acct-1", instrument: "BTC-USD", clientOrderId: "3001", side: .buy, orderType: .limit,
            timeInForce: .gtc, quantity: 1, price: FineryUnits.decimal(bestBid.price - 500_000_000_000))
        #expect(try await harness.connector.place(resting).status == .new)

        await harness.simulator.dropConnections()
        try await eventually("reconnected with a fresh snapshot") {
            _ = await harness.producer.flush(timeout: .milliseconds(200))
            return harness.reader.snapshotCount("BTC-USD") == 2 && harness.connector.control.state == .ready
        }
        await harness.simulator.step(100)
        try await harness.waitForBookConvergence("BTC-USD")

        try await eventually("cancel-on-disconnect reported") {
            harness.reader.reports(clientOrderId: "3001").last?.status == .canceled
        }
        #expect(harness.reader.reports(clientOrderId: "3001").last?.reason?.contains("cancel on disconnect") == true)
        #expect(await harness.simulator.activeOrders().isEmpty)
        let states = harness.reader.statuses.map(\.state)
        #expect(
            states.starts(with: [
                .connecting, .authenticating, .ready, .disconnected, .connecting, .authenticating, .ready,
            ]), "\(states)")
        #expect(harness.reader.statuses.last?.reconnects == 1)
        #expect(try harness.metrics.expectCounter("vb_venue_reconnects_total", [("venue", "finery")]).totalValue == 1)
        #expect(try harness.metrics.expectCounter("vb_venue_book_resyncs_total", [("venue", "finery")]).totalValue >= 1)
        await harness.stop()
    }

    @Test("a malformed frame is counted and the stream goes on")
    func malformedFrame() async throws {
        let harness = try await FineryBridgeHarness(prefix: "f6")
        try await harness.waitUntilReady()
        await harness.simulator.sendMalformedFrame()
        await harness.simulator.step(50)
        try await harness.waitForBookConvergence("BTC-USD")
        #expect(
            try harness.metrics.expectCounter(
                "vb_venue_decode_errors_total", [("venue", "finery"), ("kind", "invalid_json")]
            ).totalValue == 1)
        #expect(harness.connector.control.state == .ready)
        #expect(
            harness.reader.statuses.filter { $0.state == .disconnected }.isEmpty, "a bad frame does not drop the link")
        await harness.stop()
    }

    @Test("backend down (X non-zero): degraded, then ready again with fresh snapshots")
    func backendStatus() async throws {
        let harness = try await FineryBridgeHarness(prefix: "f7")
        try await harness.waitUntilReady()
        try await eventually("first snapshot") { harness.reader.snapshotCount("BTC-USD") == 1 }
        await harness.simulator.setBackendStatus(1)
        try await eventually("degraded") { harness.connector.control.state == .degraded }
        let order = OrderRequest(
            account: "acct-1", instrument: "BTC-USD", clientOrderId: "4001", side: .buy, orderType: .market,
            timeInForce: .ioc, quantity: 1)
        await #expect(throws: OrderEntryError.unavailable(.degraded)) { try await harness.connector.place(order) }
        await harness.simulator.setBackendStatus(0)
        try await eventually("ready with a fresh snapshot") {
            _ = await harness.producer.flush(timeout: .milliseconds(200))
            return harness.connector.control.state == .ready && harness.reader.snapshotCount("BTC-USD") == 2
        }
        await harness.simulator.step(50)
        try await harness.waitForBookConvergence("BTC-USD")
        #expect(harness.reader.statuses.map(\.state).contains(.degraded))
        await harness.stop()
    }

    @Test("wrong credentials: the upgrade is refused and the connector keeps retrying, disconnected")
    func refusedCredentials() async throws {
        let harness = try await FineryBridgeHarness(prefix: "f8") { $0.apiSecret = "wrong" }
        try await eventually("two refused attempts") {
            ((try? harness.metrics.expectCounter("vb_venue_reconnects_total", [("venue", "finery")]))?.totalValue ?? 0)
                >= 2
        }
        #expect(harness.connector.control.state != .ready)
        #expect(await harness.simulator.stats().upgradesRefused >= 2)
        await harness.stop()
    }

    @Test(
        "Redis gets the same events: book stream and top-of-book hash",
        .enabled(if: testRedisPort != nil, "set VB_TEST_REDIS_PORT"))
    func redisStreams() async throws {
        let suffix = "-\(UInt32.random(in: 0...UInt32.max))"
        let harness = try await FineryBridgeHarness(prefix: "f9", symbolSuffix: suffix, withRedis: true)
        try await harness.waitUntilReady()
        await harness.simulator.step(20)
        try await harness.waitForBookConvergence("BTC-USD")
        let connection = try RedisConnection(RedisEndpoint(port: testRedisPort!))
        let symbol = "BTC-USD" + suffix
        try await eventually("Redis book stream and top-of-book hash") {
            let length = try connection.command(["XLEN", "vb:book:finery:\(symbol)"])
            let bid = try connection.command(["HGET", "vb:tob:finery:\(symbol)", "bid"])
            return length != .integer(0) && bid.string != nil
        }
        let venue = try #require(await harness.venueBook("BTC-USD"))
        #expect(
            try connection.command(["HGET", "vb:tob:finery:\(symbol)", "bid"]).string
                == venue.bestBid?.price.description)
        await harness.stop()
    }
}
