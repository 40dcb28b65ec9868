import FinerySimulator
import FineryWire
import Testing
import VenueBridgeCore

func addContent(
    _ instrument: String = "BTC-USD", id: Int64, price: UInt64?, size: Int64, side: FinerySide, type: FineryOrderType,
    cod: Bool = true
) -> JSONValue {
    FineryAddRequest(
        instrument: instrument, clientOrderId: id, price: price, size: size, side: side, type: type,
        cancelOnDisconnect: cod
    ).content
}

@Suite("Finery simulator: order entry")
struct OrderEntryTests {
    @Test("limitIOC partial fill: reply with the deal, then + / D / - on O, K update, B update")
    func limitIOCPartialFill() async throws {
        try await withSimulator { simulator async throws in
            let client = try await SimClient.ready(simulator)
            for (feed, feedId) in [("O", FineryFeedID.number(0)), ("K", .number(0)), ("B", .name("BTC-USD"))] {
                client.send(.bind(feed: feed, feedId: feedId))
                _ = try await client.next()
            }
            let best = try #require(await simulator.book("BTC-USD").asks.first)
            let extra: Int64 = 12_345
            let volume = Int64(Int128(best.price) * Int128(best.size) / 100_000_000)

            client.send(
                .request(
                    reqId: 1, method: "add",
                    content: addContent(
                        id: 501, price: best.price, size: best.size + extra, side: .bid, type: .limitIOC)))
            var frames: [FineryServerMessage] = []
            while frames.count < 6 { frames.append(try await client.next()) }

            guard case .reply(1, let body) = frames[0] else {
                Issue.record("first frame is not the reply: \(frames[0])")
                return
            }
            let reply = try FineryOrderReply(body: body)
            #expect(reply.id >= 1000)
            #expect(reply.clientOrderId == 501)
            #expect(reply.remainingSize == extra)
            #expect(reply.cancelReason == 2)
            #expect(
                reply.deals == [
                    FineryReplyDeal(
                        id: reply.deals.first?.id ?? 0, counterpartyId: 42, price: best.price, size: best.size,
                        volume: volume, delta: 0)
                ])

            guard case .orders(.added, .number(0), let added) = frames[1] else {
                Issue.record("expected + on O: \(frames[1])")
                return
            }
            #expect(added.first?.orderId == reply.id && added.first?.sizeLeft == best.size + extra)
            guard case .deal(.number(0), let deal) = frames[2] else {
                Issue.record("expected D on O: \(frames[2])")
                return
            }
            #expect(
                deal.price == best.price && deal.size == best.size && deal.volume == volume
                    && deal.aggressorSide == .bid)
            #expect(deal.order.clientOrderId == 501 && deal.order.sizeLeft == extra)
            guard case .positions(.modified, .number(0), let positions) = frames[3] else {
                Issue.record("expected K M: \(frames[3])")
                return
            }
            #expect(positions.contains(FineryPosition(currency: "BTC", value: best.size, counterpartyId: 42)))
            #expect(positions.contains(FineryPosition(currency: "USD", value: -volume, counterpartyId: 42)))
            guard case .bookUpdate(.name("BTC-USD"), let bidUpdates, let askUpdates) = frames[4] else {
                Issue.record("expected B M: \(frames[4])")
                return
            }
            #expect(bidUpdates.isEmpty)
            #expect(askUpdates.first == FineryBookUpdate(.remove, price: best.price, size: 0))
            guard case .orders(.removed, .number(0), let removed) = frames[5] else {
                Issue.record("expected - on O: \(frames[5])")
                return
            }
            #expect(removed.first?.cancelReason == 2 && removed.first?.sizeLeft == extra)

            #expect(await simulator.book("BTC-USD").asks.first?.price != best.price)
            #expect(await simulator.acceptedOrderCount(clientOrderId: 501) == 1)
            #expect(await simulator.activeOrders().isEmpty)
        }
    }

    @Test("duplicate clientOrderId → 74, not created again; the count of add requests includes it")
    func duplicateClientOrderId() async throws {
        try await withSimulator { simulator async throws in
            let client = try await SimClient.ready(simulator)
            let price = try #require(await simulator.book("BTC-USD").bids.last?.price) - 100_000_000
            let content = addContent(id: 77, price: price, size: 1_000_000, side: .bid, type: .limit)
            let first = try await client.request(1, "add", content)
            #expect(try FineryOrderReply(body: #require(first.body)).remainingSize == 1_000_000)
            #expect(try await client.request(2, "add", content) == .error(.clientOrderIdInUse))
            #expect(await simulator.acceptedOrderCount(clientOrderId: 77) == 1)
            #expect(await simulator.acceptedOrderCount(clientOrderId: 77, apiKey: "other-key") == 0)
            #expect(await simulator.addRequestCount(clientOrderId: 77) == 2)
            #expect(await simulator.activeOrders(apiKey: testKey).map(\.clientOrderId) == [77])

            // Another key may use the same id.
            let other = try await SimClient.ready(simulator, key: "other-key", secret: "other-secret")
            #expect(try await other.request(1, "add", content).body != nil)
            #expect(await simulator.acceptedOrderCount(clientOrderId: 77) == 2)
        }
    }

    @Test("FOK not fillable → 77, IOC with nothing to match → 76 (the id still counts as used), postOnly crossing → 75")
    func takerRejections() async throws {
        try await withSimulator { simulator async throws in
            let client = try await SimClient.ready(simulator)
            let book = await simulator.book("BTC-USD")
            let bestAsk = try #require(book.asks.first)
            let bestBid = try #require(book.bids.first)

            #expect(
                try await client.request(
                    1, "add",
                    addContent(id: 10, price: bestAsk.price, size: bestAsk.size + 1, side: .bid, type: .limitFOK))
                    == .error(.fokNotEnoughLiquidity))
            let wholeSide = book.asks.reduce(Int64(0)) { $0 + $1.size }
            #expect(
                try await client.request(
                    2, "add", addContent(id: 11, price: nil, size: wholeSide + 1, side: .bid, type: .marketFOK))
                    == .error(.fokNotEnoughLiquidity))
            #expect(
                try await client.request(
                    3, "add",
                    addContent(id: 12, price: bestBid.price + 1_000_000, size: 1_000_000, side: .ask, type: .limitIOC))
                    == .error(.iocNothingToMatch))
            #expect(
                try await client.request(
                    4, "add", addContent(id: 12, price: bestBid.price, size: 1_000_000, side: .ask, type: .limitIOC))
                    == .error(.clientOrderIdInUse))
            #expect(
                try await client.request(
                    5, "add", addContent(id: 13, price: bestAsk.price, size: 1_000_000, side: .bid, type: .postOnly))
                    == .error(.postOnlyWouldMatch))
            for id: Int64 in [10, 11, 12, 13] { #expect(await simulator.acceptedOrderCount(clientOrderId: id) == 0) }
            #expect(await simulator.addRequestCount(clientOrderId: 12) == 2)
            #expect(await simulator.book("BTC-USD").asks == book.asks, "rejected orders take no liquidity")

            // A marketFOK within the visible side fills completely.
            let filled = try await client.request(
                6, "add", addContent(id: 14, price: nil, size: bestAsk.size * 2, side: .bid, type: .marketFOK))
            let reply = try FineryOrderReply(body: #require(filled.body))
            #expect(reply.remainingSize == 0 && reply.deals.reduce(0) { $0 + $1.size } == bestAsk.size * 2)
        }
    }

    @Test("validation: unknown instrument 34, size 70, price 71, malformed field 9 with its name")
    func validation() async throws {
        try await withSimulator { simulator async throws in
            let client = try await SimClient.ready(simulator)
            #expect(
                try await client.request(
                    1, "add", addContent("DOGE-USD", id: 1, price: 1, size: 1, side: .bid, type: .limit))
                    == .error(.instrumentNotFound))
            #expect(
                try await client.request(2, "add", addContent(id: 2, price: 100, size: 0, side: .bid, type: .limit))
                    == .error(.invalidOrderSize))
            #expect(
                try await client.request(3, "add", addContent(id: 3, price: nil, size: 100, side: .bid, type: .limit))
                    == .error(.invalidOrderPrice))
            client.send(
                .request(
                    reqId: 4, method: "add",
                    content: .object(["instrument": .string("BTC-USD"), "clientOrderId": .string("x")])))
            #expect(try await client.next() == .replyError(reqId: 4, code: .parameterInvalid, param: "clientOrderId"))
        }
    }

    @Test("del unknown → 80; del / mod / delAll on resting orders")
    func cancelAndModify() async throws {
        try await withSimulator { simulator async throws in
            let client = try await SimClient.ready(simulator)
            #expect(
                try await client.request(1, "del", FineryDelRequest.orderId(999_999).content) == .error(.orderNotFound))
            #expect(
                try await client.request(2, "del", FineryDelRequest.clientOrderId(5).content) == .error(.orderNotFound))

            let low = try #require(await simulator.book("BTC-USD").bids.last?.price) - 100_000_000
            let a = try FineryOrderReply(
                body: #require(
                    try await client.request(
                        3, "add", addContent(id: 21, price: low, size: 5_000_000, side: .bid, type: .limit)
                    ).body))
            _ = try await client.request(
                4, "add", addContent(id: 22, price: low, size: 5_000_000, side: .bid, type: .limit))
            _ = try await client.request(
                5, "add", addContent("ETH-USD", id: 23, price: 100_000_000, size: 5_000_000, side: .bid, type: .limit))

            let modified = try FineryOrderReply(
                body: #require(
                    try await client.request(
                        6, "mod", .object(["orderId": .number("\(a.id)"), "size": .number("7000000")])
                    ).body))
            #expect(modified.origId == a.id && modified.id > a.id && modified.remainingSize == 7_000_000)
            #expect(
                try await client.request(7, "mod", .object(["orderId": .number("\(a.id)")])) == .error(.orderNotFound))

            let deleted = try FineryOrderReply(
                body: #require(try await client.request(8, "del", FineryDelRequest.clientOrderId(22).content).body))
            #expect(deleted.cancelReason == 1 && deleted.remainingSize == 5_000_000)

            let all = try await client.request(9, "delAll", .object(["instrument": .string("BTC-USD")]))
            #expect(all == .body(.object(["removed": .number("1")])))
            #expect(await simulator.activeOrders().map(\.clientOrderId) == [23])
        }
    }

    @Test("a resting order the book moves through is filled at its limit (client as maker)")
    func restingOrderFilledByRandomWalk() async throws {
        try await withSimulator { simulator async throws in
            let client = try await SimClient.ready(simulator)
            client.send(.bind(feed: "O", feedId: .name("BTC-USD")))
            _ = try await client.next()
            let bestAsk = try #require(await simulator.book("BTC-USD").asks.first?.price)
            let price = bestAsk - 1_000_000
            _ = try await client.request(
                1, "add", addContent(id: 31, price: price, size: 3_000_000, side: .bid, type: .limit))
            var steps = 0
            while !(await simulator.activeOrders().isEmpty), steps < 20_000 {
                await simulator.step(50)
                steps += 50
            }
            #expect(await simulator.activeOrders().isEmpty, "not filled after \(steps) steps")
            let deal = try await client.expect("D on O") { message -> FineryDeal? in
                if case .deal(_, let deal) = message { return deal }
                return nil
            }
            #expect(
                deal.price == price && deal.size == 3_000_000 && deal.aggressorSide == .ask && deal.order.sizeLeft == 0)
            let removed = try await client.expect("- on O") { message -> FineryOrder? in
                if case .orders(.removed, _, let orders) = message { return orders.first }
                return nil
            }
            #expect(removed.clientOrderId == 31 && removed.cancelReason == 0)
        }
    }
}
