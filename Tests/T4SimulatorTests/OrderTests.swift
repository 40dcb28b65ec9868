import SimulatorTestSupport
import T4Simulator
import T4Wire
import Testing
import VenueBridgeCore

typealias WireOrder = T4proto_V1_Orderrouting_OrderSubmit.Order

@Suite("T4 simulator: accounts and orders")
struct OrderTests {
    func submit(_ client: T4Client, _ order: WireOrder, account: String = accountID, market: String = marketES.marketID)
    {
        client.send(.orderSubmit(accountID: account, marketID: market, order: order))
    }

    func submitted(_ client: T4Client) async throws -> T4proto_V1_Orderrouting_OrderUpdate {
        try await client.expect("order_update") { if case .orderUpdate(let u)? = entry($0) { u } else { nil } }
    }

    @Test("account subscribe: success, then a snapshot of the account")
    func accountSnapshot() async throws {
        try await withSimulator { simulator async throws in
            let client = try await T4Client.loggedIn(simulator)
            client.send(.accountSubscribeAll())
            guard case .accountSubscribeResponse(let response) = try await client.nextPayload() else {
                Issue.record("expected the response")
                return
            }
            #expect(response.success)
            guard case .accountSnapshot(let snapshot) = try await client.nextPayload() else {
                Issue.record("expected a snapshot")
                return
            }
            #expect(snapshot.accountID == accountID)
            #expect(
                snapshot.messages.contains {
                    if case .accountDetails(let d)? = $0.payload { d.accountID == accountID } else { false }
                })
        }
    }

    @Test("submit into an unsubscribed account: order_update_failed SUBMISSION_REJECTED with a reason; counted per tag")
    func rejectUnsubscribed() async throws {
        try await withSimulator { simulator async throws in
            let client = try await T4Client.loggedIn(simulator)
            submit(
                client,
                WireOrder(
                    buySell: .buy, priceType: .limit, timeType: .normal, volume: 1, limitPrice: decimal("5900"),
                    tag: "c-1"))
            let failed = try await client.expect("order_update_failed") {
                if case .orderUpdateFailed(let f)? = entry($0) { f } else { nil }
            }
            #expect(failed.change == .submissionRejected)
            #expect(failed.status == .rejected)
            #expect(!failed.statusDetail.isEmpty)
            #expect(failed.tagClOrdID == "c-1")
            #expect(await simulator.submittedOrderCount(tag: "c-1") == 1)
            #expect(await simulator.orders(tag: "c-1").isEmpty)
        }
    }

    @Test("unknown market: rejected")
    func rejectUnknownMarket() async throws {
        try await withSimulator { simulator async throws in
            let client = try await T4Client.trading(simulator)
            submit(
                client, WireOrder(buySell: .buy, priceType: .market, timeType: .normal, volume: 1, tag: "c-2"),
                market: "nope")
            let failed = try await client.expect("order_update_failed") {
                if case .orderUpdateFailed(let f)? = entry($0) { f } else { nil }
            }
            #expect(failed.change == .submissionRejected)
        }
    }

    @Test(
        "resting limit: WORKING with tag and a UUID; in the next account snapshot; pull → FINISHED/PULL_SUCCESS; pull again → PULL_REJECTED"
    )
    func restAndPull() async throws {
        try await withSimulator { simulator async throws in
            let client = try await T4Client.trading(simulator)
            let bid = try #require(await simulator.book(marketID: marketES.marketID)?.bids.last?.price)
            submit(
                client,
                WireOrder(
                    buySell: .buy, priceType: .limit, timeType: .goodTillCancelled, volume: 3, limitPrice: bid,
                    tag: "c-3"))
            let update = try await submitted(client)
            #expect(update.status == .working)
            #expect(update.change == .submissionSuccess)
            #expect(update.tag == "c-3")
            #expect(update.uniqueID.count == 36 && update.uniqueID.split(separator: "-").count == 5)
            #expect(try update.currentLimitPrice.exactDecimal() == bid)
            #expect(update.workingVolume == 3)
            #expect(await simulator.workingOrders().map(\.uniqueID) == [update.uniqueID])

            let other = try await T4Client.loggedIn(simulator)
            other.send(.accountSubscribeAll())
            let snapshot = try await other.expect("account snapshot") {
                if case .accountSnapshot(let s) = $0 { s } else { nil }
            }
            let working = snapshot.messages.compactMap { message -> T4proto_V1_Orderrouting_OrderUpdate? in
                guard case .orderUpdateMulti(let multi)? = message.payload,
                    case .orderUpdate(let u)? = multi.updates.first?.payload
                else { return nil }
                return u
            }
            #expect(working.map(\.tag) == ["c-3"])
            #expect(working.first?.uniqueID == update.uniqueID)

            client.send(.orderPull(accountID: accountID, marketID: marketES.marketID, uniqueID: update.uniqueID))
            let status = try await client.expect("order_update_status") {
                if case .orderUpdateStatus(let s)? = entry($0) { s } else { nil }
            }
            #expect(status.uniqueID == update.uniqueID)
            #expect(status.status == .finished)
            #expect(status.change == .pullSuccess)
            #expect(await simulator.workingOrders().isEmpty)

            client.send(.orderPull(accountID: accountID, marketID: marketES.marketID, uniqueID: update.uniqueID))
            let refused = try await client.expect("order_update_failed") {
                if case .orderUpdateFailed(let f)? = entry($0) { f } else { nil }
            }
            #expect(refused.change == .pullRejected)
        }
    }

    @Test("pull with the wrong market_id is rejected")
    func pullWrongMarket() async throws {
        try await withSimulator { simulator async throws in
            let client = try await T4Client.trading(simulator)
            let bid = try #require(await simulator.book(marketID: marketES.marketID)?.bids.last?.price)
            submit(
                client,
                WireOrder(buySell: .buy, priceType: .limit, timeType: .normal, volume: 1, limitPrice: bid, tag: "c-4"))
            let update = try await submitted(client)
            client.send(
                .orderPull(
                    accountID: accountID, marketID: T4SimulatorConfiguration.Market.nq.marketID,
                    uniqueID: update.uniqueID))
            let refused = try await client.expect("order_update_failed") {
                if case .orderUpdateFailed(let f)? = entry($0) { f } else { nil }
            }
            #expect(refused.change == .pullRejected)
            #expect(await simulator.workingOrders().count == 1)
        }
    }

    @Test("marketable limit: WORKING, then a fill at the best offer → FINISHED/TRADE_COMPLETED, then the position")
    func fill() async throws {
        try await withSimulator { simulator async throws in
            let client = try await T4Client.trading(simulator)
            let best = try #require(await simulator.book(marketID: marketES.marketID)?.offers.first)
            submit(
                client,
                WireOrder(
                    buySell: .buy, priceType: .limit, timeType: .normal, volume: 1, limitPrice: best.price, tag: "c-5"))
            let update = try await submitted(client)
            #expect(update.status == .working && update.tag == "c-5")
            let trade = try await client.expect("order_update_trade") {
                if case .orderUpdateTrade(let t)? = entry($0) { t } else { nil }
            }
            #expect(trade.uniqueID == update.uniqueID)
            #expect(trade.volume == 1)
            #expect(try trade.price.exactDecimal() == best.price)
            #expect(!trade.exchangeTradeID.isEmpty)
            #expect(trade.totalFillVolume == 1 && trade.workingVolume == 0)
            #expect(trade.status == .finished && trade.change == .tradeCompleted)
            let position = try await client.expect("account_position") {
                if case .accountPosition(let p) = $0 { p } else { nil }
            }
            #expect(position.marketID == marketES.marketID && position.buys == 1 && position.sells == 0)
            #expect(await simulator.orders(tag: "c-5").first?.status == .finished)
            #expect(await simulator.workingOrders().isEmpty)
        }
    }

    @Test("IOC larger than the best level: fills what is there, the rest is cancelled (FINISHED)")
    func immediateOrCancel() async throws {
        try await withSimulator { simulator async throws in
            let client = try await T4Client.trading(simulator)
            let best = try #require(await simulator.book(marketID: marketES.marketID)?.bids.first)
            submit(
                client,
                WireOrder(
                    buySell: .sell, priceType: .limit, timeType: .immediateAndCancel, volume: best.volume + 5,
                    limitPrice: best.price, tag: "c-6"))
            _ = try await submitted(client)
            let trade = try await client.expect("order_update_trade") {
                if case .orderUpdateTrade(let t)? = entry($0) { t } else { nil }
            }
            #expect(trade.volume == best.volume)
            #expect(trade.workingVolume == 5 && trade.status == .working && trade.change == .trade)
            let status = try await client.expect("order_update_status") {
                if case .orderUpdateStatus(let s)? = entry($0) { s } else { nil }
            }
            #expect(status.status == .finished)
            let order = try #require(await simulator.orders(tag: "c-6").first)
            #expect(order.filledVolume == best.volume && order.status == .finished)
        }
    }

    @Test("FOK without enough volume: no fill, FINISHED")
    func fillOrKill() async throws {
        try await withSimulator { simulator async throws in
            let client = try await T4Client.trading(simulator)
            let best = try #require(await simulator.book(marketID: marketES.marketID)?.offers.first)
            submit(
                client,
                WireOrder(
                    buySell: .buy, priceType: .limit, timeType: .completeVolume, volume: best.volume + 1,
                    limitPrice: best.price, tag: "c-7"))
            _ = try await submitted(client)
            let messages = try await client.drain()
            #expect(!messages.contains { if case .orderUpdateTrade? = entry($0) { true } else { false } })
            #expect(
                messages.contains {
                    if case .orderUpdateStatus(let s)? = entry($0) { s.status == .finished } else { false }
                })
            #expect(await simulator.orders(tag: "c-7").first?.filledVolume == 0)
        }
    }

    @Test("revise volume: REVISION_SUCCESS with the new volume")
    func revise() async throws {
        try await withSimulator { simulator async throws in
            let client = try await T4Client.trading(simulator)
            let bid = try #require(await simulator.book(marketID: marketES.marketID)?.bids.last?.price)
            submit(
                client,
                WireOrder(buySell: .buy, priceType: .limit, timeType: .normal, volume: 2, limitPrice: bid, tag: "c-8"))
            let update = try await submitted(client)
            client.send(
                .orderRevise(accountID: accountID, marketID: marketES.marketID, uniqueID: update.uniqueID, volume: 5))
            let status = try await client.expect("order_update_status") {
                if case .orderUpdateStatus(let s)? = entry($0) { s } else { nil }
            }
            #expect(status.change == .revisionSuccess && status.currentVolume == 5 && status.workingVolume == 5)
            #expect(await simulator.workingOrders().first?.volume == 5)
        }
    }

    @Test("PRICE_FORMAT_DECIMAL: limit prices travel as raw integers both ways")
    func decimalOrderPrices() async throws {
        try await withSimulator { simulator async throws in
            let client = try await T4Client.loggedIn(simulator, priceFormat: .decimal)
            client.send(.accountSubscribeAll())
            _ = try await client.expect("account snapshot") { if case .accountSnapshot(let s) = $0 { s } else { nil } }
            submit(
                client,
                WireOrder(
                    buySell: .buy, priceType: .limit, timeType: .normal, volume: 1, limitPrice: 590_000, tag: "d-1"))
            let update = try await submitted(client)
            #expect(update.currentLimitPrice.value == "590000")
            #expect(await simulator.orders(tag: "d-1").first?.limitPrice == decimal("5900"))
            submit(
                client,
                WireOrder(
                    buySell: .buy, priceType: .limit, timeType: .normal, volume: 1, limitPrice: 590_010, tag: "d-2"))
            let failed = try await client.expect("order_update_failed") {
                if case .orderUpdateFailed(let f)? = entry($0) { f } else { nil }
            }
            #expect(failed.change == .submissionRejected && failed.tagClOrdID == "d-2")
        }
    }
}
