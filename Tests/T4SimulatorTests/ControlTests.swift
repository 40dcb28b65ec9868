import SimulatorTestSupport
import T4Simulator
import T4Wire
import Testing
import VenueBridgeCore

@Suite("T4 simulator: controls and robustness")
struct ControlTests {
    @Test("the same seed and the same steps give the same books")
    func deterministic() async throws {
        var configuration = T4SimulatorConfiguration(apiKeys: ["k"])
        configuration.updatesPerSecond = 0
        let first = T4Simulator(configuration: configuration, logger: testLogger("t4.a"))
        let second = T4Simulator(configuration: configuration, logger: testLogger("t4.b"))
        await first.step(300)
        await second.step(300)
        let a = try #require(await first.book(marketID: marketES.marketID))
        let b = try #require(await second.book(marketID: marketES.marketID))
        #expect(a.bids == b.bids && a.offers == b.offers)
        #expect(await first.book(marketID: "nope") == nil)
    }

    @Test("the background walk publishes depth without step()")
    func backgroundWalk() async throws {
        try await withSimulator({ $0.updatesPerSecond = 200 }) { simulator async throws in
            let client = try await T4Client.loggedIn(simulator)
            client.send(
                .marketDepthSubscribe(
                    exchangeID: marketES.exchangeID, contractID: marketES.contractID, marketID: marketES.marketID))
            _ = try await client.expect("snapshot") { if case .marketSnapshot(let s) = $0 { s } else { nil } }
            let depth = try await client.expect("a depth update", timeout: .seconds(20)) {
                if case .marketDepth(let d) = $0 { d } else { nil }
            }
            #expect(depth.marketID == marketES.marketID)
            await simulator.setUpdatesPerSecond(0)
        }
    }

    @Test("malformed frames: the simulator can send one; a malformed client message after login is counted and ignored")
    func malformed() async throws {
        try await withSimulator { simulator async throws in
            let client = try await T4Client.loggedIn(simulator)
            await simulator.sendMalformedFrame()
            let bytes = try #require(await client.socket.nextBinary(timeout: .seconds(10)))
            #expect(throws: T4DecodeError.self) { try T4Frame.decodeServer(bytes) }
            client.socket.sendBinary([0x12, 0xFF, 0xFF])
            _ = try await client.drain()
            #expect(await simulator.stats().malformedFramesIn == 1)
            #expect(await simulator.connectionCount() == 1)
        }
    }

    @Test("account subscribe naming an account of another user: success false with an error")
    func foreignAccount() async throws {
        try await withSimulator { simulator async throws in
            let client = try await T4Client.loggedIn(simulator)
            var subscribe = T4proto_V1_Account_AccountSubscribe()
            subscribe.subscribe = .allUpdates
            subscribe.accountID = ["SOMEONE-ELSE"]
            client.send(T4ClientMessage.with { $0.payload = .accountSubscribe(subscribe) })
            guard case .accountSubscribeResponse(let response) = try await client.nextPayload() else {
                Issue.record("expected the response")
                return
            }
            #expect(!response.success)
            #expect(response.errors.count == 1)
        }
    }

    @Test("a resting order is filled when the walk moves the book through it")
    func restingFill() async throws {
        try await withSimulator { simulator async throws in
            let client = try await T4Client.trading(simulator)
            let bid = try #require(await simulator.book(marketID: marketES.marketID)?.bids.first?.price)
            client.send(
                .orderSubmit(
                    accountID: accountID, marketID: marketES.marketID,
                    order: .init(
                        buySell: .buy, priceType: .limit, timeType: .goodTillCancelled, volume: 1, limitPrice: bid,
                        tag: "rest-1"
                    )))
            // The order is at the venue before the walk starts.
            _ = try await client.expect("order_update") { if case .orderUpdate(let u)? = entry($0) { u } else { nil } }
            var filled = false
            for _ in 0..<100 where !filled {
                await simulator.step(100)
                filled = await simulator.orders(tag: "rest-1").first?.status == .finished
            }
            let now = await simulator.book(marketID: marketES.marketID)
            let orders = await simulator.orders(tag: "rest-1")
            #expect(
                filled,
                "bid \(bid), book now \(String(describing: now?.bids.first)) \(String(describing: now?.offers.first)) \(orders)"
            )
            let trade = try await client.expect("order_update_trade") {
                if case .orderUpdateTrade(let t)? = entry($0) { t } else { nil }
            }
            #expect(try trade.price.exactDecimal() <= bid)
            #expect(await simulator.stats().fills >= 1)
        }
    }
}
