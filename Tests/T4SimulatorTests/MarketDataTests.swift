import SimulatorTestSupport
import T4Simulator
import T4Wire
import Testing
import VenueBridgeCore

@Suite("T4 simulator: market data")
struct MarketDataTests {
    func subscribe(_ client: T4Client) {
        client.send(
            .marketDepthSubscribe(
                exchangeID: marketES.exchangeID, contractID: marketES.contractID, marketID: marketES.marketID))
    }

    @Test("subscribe: MarketDetails, then a snapshot with the whole book; MarketDepth on change equals book()")
    func depthFlow() async throws {
        try await withSimulator { simulator async throws in
            let client = try await T4Client.loggedIn(simulator)
            subscribe(client)
            guard case .marketDetails(let details) = try await client.nextPayload() else {
                Issue.record("expected market_details")
                return
            }
            #expect(details.marketID == marketES.marketID)
            #expect(details.minPriceIncrement.value == "0.25")
            #expect(details.pointValue.value == "50")
            guard case .marketSnapshot(let snapshot) = try await client.nextPayload() else {
                Issue.record("expected market_snapshot")
                return
            }
            #expect(snapshot.marketID == marketES.marketID)
            guard case .marketDepth(let depth)? = snapshot.messages.first?.payload else {
                Issue.record("snapshot without depth")
                return
            }
            let book = try #require(await simulator.book(marketID: marketES.marketID))
            #expect(try levels(depth.bids) == book.bids)
            #expect(try levels(depth.offers) == book.offers)
            #expect(depth.bids.count == 10 && depth.offers.count == 10)
            #expect(depth.bids.first?.price.value == "5954.75")
            #expect(depth.offers.first?.price.value == "5955")

            await simulator.step(200)
            let messages = try await client.drain()
            let depths = messages.compactMap { if case .marketDepth(let d) = $0 { d } else { nil } }
            let trades = messages.compactMap { if case .marketDepthTrade(let t) = $0 { t } else { nil } }
            #expect(depths.count > 20)
            #expect(!trades.isEmpty)
            #expect(trades.map(\.totalTradedVolume) == trades.map(\.totalTradedVolume).sorted())
            let tick = ExactDecimal(significand: 25, exponent: -2)
            for depth in depths {
                let bids = try levels(depth.bids)
                let offers = try levels(depth.offers)
                #expect(bids.map(\.price) == bids.map(\.price).sorted(by: >))
                #expect(offers.map(\.price) == offers.map(\.price).sorted())
                if let bid = bids.first, let offer = offers.first { #expect(bid.price < offer.price) }
                for level in bids + offers {
                    #expect(
                        level.price.scaledInteger(scale: 2).map { $0 % 25 == 0 } == true,
                        "\(level.price) is off the tick \(tick)")
                    #expect(level.volume > 0)
                }
            }
            let last = try #require(depths.last)
            let truth = try #require(await simulator.book(marketID: marketES.marketID))
            #expect(try levels(last.bids) == truth.bids)
            #expect(try levels(last.offers) == truth.offers)
            #expect(last.hasTradeData && last.tradeData.totalTradedVolume > 0)
            #expect(try last.tradeData.lastTradePrice.exactDecimal() > .zero)
            #expect(last.tradeData.atBidOrOffer == .bid || last.tradeData.atBidOrOffer == .offer)
        }
    }

    @Test("PRICE_FORMAT_DECIMAL: raw exchange integers")
    func decimalFormat() async throws {
        try await withSimulator { simulator async throws in
            let client = try await T4Client.loggedIn(simulator, priceFormat: .decimal)
            subscribe(client)
            guard case .marketDetails(let details) = try await client.nextPayload() else {
                Issue.record("expected market_details")
                return
            }
            #expect(details.minPriceIncrement.value == "25")
            guard case .marketSnapshot(let snapshot) = try await client.nextPayload(),
                case .marketDepth(let depth)? = snapshot.messages.first?.payload
            else {
                Issue.record("expected market_snapshot")
                return
            }
            #expect(depth.bids.first?.price.value == "595475")
        }
    }

    @Test("unknown market or mismatched ids: MarketDepthSubscribeReject")
    func rejects() async throws {
        try await withSimulator { simulator async throws in
            let client = try await T4Client.loggedIn(simulator)
            client.send(.marketDepthSubscribe(exchangeID: "CME_Eq", contractID: "ES", marketID: "XCME_Eq ES (Z99)"))
            guard case .marketDepthSubscribeReject(let reject) = try await client.nextPayload() else {
                Issue.record("expected a reject")
                return
            }
            #expect(reject.marketID == "XCME_Eq ES (Z99)")
            client.send(.marketDepthSubscribe(exchangeID: "CME_Eq", contractID: "NQ", marketID: marketES.marketID))
            guard case .marketDepthSubscribeReject(let mismatch) = try await client.nextPayload() else {
                Issue.record("expected a reject")
                return
            }
            #expect(mismatch.marketID == marketES.marketID)
        }
    }

    @Test("unsubscribe (buffer 0) stops the depth")
    func unsubscribe() async throws {
        try await withSimulator { simulator async throws in
            let client = try await T4Client.loggedIn(simulator)
            subscribe(client)
            _ = try await client.nextPayload()
            _ = try await client.nextPayload()
            client.send(
                .marketDepthUnsubscribe(
                    exchangeID: marketES.exchangeID, contractID: marketES.contractID, marketID: marketES.marketID))
            _ = try await client.drain()
            await simulator.step(100)
            let messages = try await client.drain()
            #expect(messages.isEmpty, "\(messages.count) messages after unsubscribe")
        }
    }
}
