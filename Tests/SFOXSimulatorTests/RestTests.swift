// File length: one test per documented REST endpoint and error of shared/venues/sfox.md, in the notes' order.
import AsyncHTTPClient
import SFOXSimulator
import SFOXWire
import Synchronization
import Testing
import VenueBridgeCore

@Suite("sFOX simulator: REST orders")
struct RestTests {
    /// A buy price far below the book: rests.
    func restingBuyPrice(_ simulator: SFOXSimulator) async throws -> ExactDecimal {
        let book = try #require(await simulator.book(pair: "btcusd"))
        return try #require(book.bids.last?.price).minus(decimal("1000.12345678"))
    }

    @Test("limit order below the book: 201 Started, on the open-orders feed, held in the balances")
    func restingLimit() async throws {
        try await withSimulator { simulator async throws in
            let client = try await WSClient.authenticated(simulator)
            try await client.subscribe([.openOrders, .balances])
            #expect(try await client.data(.openOrders) == .openOrders([]))
            guard case .balances(let initial) = try await client.data(.balances) else {
                Issue.record("balances")
                return
            }
            #expect(initial.first { $0.currency == "usd" }?.balance == 1_000_000)

            let price = try await restingBuyPrice(simulator)
            let response = try await create(
                simulator, limitOrder(.buy, price: price, quantity: decimal("0.0675"), clientOrderId: "rest-1"))
            #expect(response.status == 201)
            let order = try response.order()
            #expect(
                order.status == .started && order.clientOrderId == "rest-1" && order.price == price
                    && order.quantity == decimal("0.0675"))
            #expect(order.filled == .zero && order.algorithmId == 201 && order.action == .buy)

            guard case .openOrders(let pushed) = try await client.data(.openOrders) else {
                Issue.record("open orders")
                return
            }
            #expect(pushed == [order])
            guard case .balances(let changed) = try await client.data(.balances) else {
                Issue.record("balances")
                return
            }
            let usd = try #require(changed.first { $0.currency == "usd" })
            #expect(usd.held == price.times(decimal("0.0675")))
            #expect(await simulator.openOrders() == [order])

            // A second socket of the same key sees it in its first open-orders list.
            let late = try await WSClient.authenticated(simulator)
            try await late.subscribe([.openOrders])
            #expect(try await late.data(.openOrders) == .openOrders([order]))
        }
    }

    @Test("marketable IOC: fills at the book's prices, on the private and public trade feeds, exact balances")
    func marketableIOC() async throws {
        try await withSimulator { simulator async throws in
            let client = try await WSClient.authenticated(simulator)
            try await client.subscribe([.privateTrades, .balances, .trades(pair: "btcusd"), .openOrders])
            _ = try await client.data(.balances)
            _ = try await client.data(.openOrders)

            let book = try #require(await simulator.book(pair: "btcusd"))
            let best = try #require(book.asks.first)
            let quantity = ExactDecimal(significand: best.quantity.significand / 3, exponent: best.quantity.exponent)
            let response = try await create(
                simulator,
                limitOrder(
                    .buy, price: best.price, quantity: quantity, clientOrderId: "ioc-1", timeInForce: .immediateOrCancel
                ))
            #expect(response.status == 201)
            let order = try response.order()
            let amount = best.price.times(quantity)
            let fee = amount.times(decimal("0.001"))
            #expect(
                order.status == .filled && order.filled == quantity && order.filledAmount == amount
                    && order.vwap == best.price)

            let publicTrade = try await client.expect("public trade") { message -> SFOXTrade? in
                if case .data(_, .trades, _, .trade(let trade)) = message { return trade }
                return nil
            }
            #expect(
                publicTrade.price == best.price && publicTrade.quantity == quantity && publicTrade.side == .buy
                    && publicTrade.exchange == best.source)
            guard case .openOrders(let changed) = try await client.data(.openOrders) else {
                Issue.record("open orders")
                return
            }
            #expect(changed.map(\.status) == [.filled])
            guard case .privateTrades(let fills) = try await client.data(.privateTrades) else {
                Issue.record("private trades")
                return
            }
            let fill = try #require(fills.first)
            #expect(fills.count == 1 && fill.orderId == order.id && fill.clientOrderId == "ioc-1")
            #expect(fill.quantity == quantity && fill.price == best.price && fill.amount == amount && fill.fees == fee)
            #expect(fill.netAmount == amount.plus(fee))
            guard case .balances(let balances) = try await client.data(.balances) else {
                Issue.record("balances")
                return
            }
            #expect(balances.first { $0.currency == "btc" }?.balance == decimal("10").plus(quantity))
            #expect(balances.first { $0.currency == "usd" }?.balance == decimal("1000000").minus(amount).minus(fee))
            #expect(await simulator.openOrders().isEmpty)
        }
    }

    @Test("FOK larger than the liquidity at the limit: Canceled with nothing filled")
    func fillOrKill() async throws {
        try await withSimulator { simulator async throws in
            let book = try #require(await simulator.book(pair: "btcusd"))
            let best = try #require(book.asks.first)
            let response = try await create(
                simulator,
                limitOrder(
                    .buy, price: best.price, quantity: best.quantity.plus(decimal("0.00000001")),
                    clientOrderId: "fok-1", timeInForce: .fillOrKill))
            #expect(response.status == 201)
            let order = try response.order()
            #expect(order.status == .canceled && order.filled == .zero)
            #expect(await simulator.book(pair: "btcusd") == book, "nothing taken")
            #expect(await simulator.acceptedOrderCount(clientOrderId: "fok-1") == 1)
        }
    }

    @Test("market order: fills across levels at their prices")
    func marketOrder() async throws {
        try await withSimulator { simulator async throws in
            let book = try #require(await simulator.book(pair: "btcusd"))
            let levels = Array(book.bids.prefix(2))
            let quantity = levels[0].quantity.plus(decimal("0.001"))
            let order = SFOXCreateOrder(
                action: .sell, currencyPair: "btcusd", algorithm: SFOXAlgorithm.market.rawValue, price: nil,
                quantity: quantity,
                clientOrderId: "mkt-1", timeInForce: nil)
            let response = try await create(simulator, order)
            #expect(response.status == 201)
            let result = try response.order()
            let amount = levels[0].price.times(levels[0].quantity).plus(levels[1].price.times(decimal("0.001")))
            #expect(
                result.status == .filled && result.filled == quantity && result.filledAmount == amount
                    && result.type == "Market")
            let after = try #require(await simulator.book(pair: "btcusd"))
            #expect(after.bids.first?.price == levels[1].price)
            #expect(after.bids.first?.quantity == levels[1].quantity.minus(decimal("0.001")))
        }
    }

    @Test("a resting order fills when the walk moves the book through its price")
    func restingFillsLater() async throws {
        try await withSimulator { simulator async throws in
            let book = try #require(await simulator.book(pair: "btcusd"))
            let price = try #require(book.asks.first?.price).minus(decimal("0.00000001"))
            let response = try await create(
                simulator, limitOrder(.buy, price: price, quantity: decimal("0.01"), clientOrderId: "rest-fill"))
            #expect(try response.order().status == .started)
            var steps = 0
            while await simulator.order(clientOrderId: "rest-fill")?.status == .started, steps < 2000 {
                await simulator.step()
                steps += 1
            }
            let order = try #require(await simulator.order(clientOrderId: "rest-fill"))
            #expect(order.status == .filled && order.filled == decimal("0.01") && order.vwap == price)
        }
    }

    @Test("duplicate client_order_id: 409, one order accepted, two create requests seen")
    func duplicate() async throws {
        try await withSimulator { simulator async throws in
            let price = try await restingBuyPrice(simulator)
            let request = limitOrder(.buy, price: price, quantity: decimal("0.01"), clientOrderId: "dup-1")
            #expect(try await create(simulator, request).status == 201)
            let again = try await create(simulator, request)
            #expect(again.status == 409 && again.error == "duplicate client_order_id")
            #expect(await simulator.acceptedOrderCount(clientOrderId: "dup-1") == 1)
            #expect(await simulator.createRequestCount(clientOrderId: "dup-1") == 2)
            // Still refused once the first order is finished.
            #expect(try await rest(simulator, "DELETE", "/orders/dup-1").status == 200)
            #expect(try await create(simulator, request).status == 409)
        }
    }

    @Test("get by sFOX id and by client_order_id; unknown id: 404")
    func get() async throws {
        try await withSimulator { simulator async throws in
            let price = try await restingBuyPrice(simulator)
            let created = try await create(
                simulator, limitOrder(.buy, price: price, quantity: decimal("0.5"), clientOrderId: "get/1 x")
            ).order()
            let byId = try await rest(simulator, "GET", "/orders/\(created.id)")
            #expect(byId.status == 200)
            #expect(try byId.order() == created)
            let byClientId = try await rest(simulator, "GET", "/orders/get%2F1%20x")
            #expect(byClientId.status == 200)
            #expect(try byClientId.order() == created)
            let unknown = try await rest(simulator, "GET", "/orders/999")
            #expect(unknown.status == 404 && unknown.error == "order not found")
            let otherKeys = try await rest(simulator, "GET", "/orders/\(created.id)", key: otherKey)
            #expect(otherKeys.status == 404)
        }
    }

    @Test("cancel: canceled, then 'order already finished'; unknown: 400")
    func cancel() async throws {
        try await withSimulator { simulator async throws in
            let client = try await WSClient.authenticated(simulator)
            try await client.subscribe([.openOrders])
            _ = try await client.data(.openOrders)
            let price = try await restingBuyPrice(simulator)
            let created = try await create(
                simulator, limitOrder(.buy, price: price, quantity: decimal("0.5"), clientOrderId: "cxl-1")
            ).order()
            _ = try await client.data(.openOrders)

            let first = try await rest(simulator, "DELETE", "/orders/\(created.id)")
            #expect(first.status == 200)
            #expect(try SFOXCancelOutcome.decode(first.body) == .canceled)
            guard case .openOrders(let changed) = try await client.data(.openOrders) else {
                Issue.record("open orders")
                return
            }
            #expect(changed.map(\.status) == [.canceled] && changed.map(\.id) == [created.id])
            let second = try await rest(simulator, "DELETE", "/orders/cxl-1")
            #expect(second.status == 200)
            #expect(try SFOXCancelOutcome.decode(second.body) == .alreadyFinished)
            #expect(await simulator.openOrders().isEmpty)
            let unknown = try await rest(simulator, "DELETE", "/orders/12345")
            #expect(unknown.status == 400 && unknown.error != nil)
        }
    }

    @Test("401 without or with a wrong bearer key")
    func unauthorized() async throws {
        try await withSimulator { simulator async throws in
            let price = try await restingBuyPrice(simulator)
            let request = limitOrder(.buy, price: price, quantity: decimal("0.5"), clientOrderId: "auth-1")
            let missing = try await create(simulator, request, key: nil)
            #expect(missing.status == 401 && missing.error != nil)
            #expect(try await create(simulator, request, key: "wrong").status == 401)
            #expect(try await rest(simulator, "GET", "/orders/1", key: "wrong").status == 401)
            #expect(await simulator.acceptedOrderCount(clientOrderId: "auth-1") == 0)
        }
    }

    @Test("validation: 422 unknown pair, 400 bad quantity, price, algorithm/time-in-force, body")
    func validation() async throws {
        try await withSimulator { simulator async throws in
            let price = try await restingBuyPrice(simulator)
            let pair = try await create(
                simulator, limitOrder(.buy, price: price, quantity: decimal("1"), clientOrderId: "v1", pair: "btcusda"))
            #expect(pair.status == 422 && pair.error == "invalid currency_pair: btcusda")
            let offLot = try await create(
                simulator,
                limitOrder(
                    .buy, price: decimal("2000"), quantity: decimal("0.0000001"), clientOrderId: "v2",
                    pair: "ethusd"))
            #expect(offLot.status == 400)
            #expect(
                try await create(simulator, limitOrder(.buy, price: price, quantity: .zero, clientOrderId: "v3")).status
                    == 400)
            #expect(
                try await create(
                    simulator, limitOrder(.buy, price: price, quantity: decimal("-1"), clientOrderId: "v4")
                ).status == 400)
            #expect(
                try await create(
                    simulator,
                    limitOrder(.buy, price: decimal("1.000000001"), quantity: decimal("1"), clientOrderId: "v5")
                ).status == 400)
            let noPrice = SFOXCreateOrder(
                action: .buy, currencyPair: "btcusd", algorithm: 201, price: nil, quantity: decimal("1"),
                clientOrderId: "v6",
                timeInForce: nil)
            #expect(try await create(simulator, noPrice).status == 400)
            let marketIOC = SFOXCreateOrder(
                action: .buy, currencyPair: "btcusd", algorithm: 100, price: nil, quantity: decimal("1"),
                clientOrderId: "v7",
                timeInForce: .immediateOrCancel)
            #expect(try await create(simulator, marketIOC).status == 400)
            #expect(
                try await create(
                    simulator,
                    limitOrder(
                        .buy, price: price, quantity: decimal("1"), clientOrderId: "v8", timeInForce: .fillOrKill,
                        algorithm: .smartRouting)
                ).status == 400)
            #expect(
                try await create(
                    simulator,
                    limitOrder(
                        .buy, price: price, quantity: decimal("1"), clientOrderId: "v9", timeInForce: .goodTillDate)
                ).status == 400)
            #expect(
                try await create(
                    simulator,
                    SFOXCreateOrder(
                        action: .buy, currencyPair: "btcusd", algorithm: 999, price: price, quantity: decimal("1"),
                        clientOrderId: "v10", timeInForce: nil)
                ).status == 400)
            #expect(try await rest(simulator, "POST", "/orders/buy", body: "not json").status == 400)
            for id in 1...10 { #expect(await simulator.acceptedOrderCount(clientOrderId: "v\(id)") == 0) }
        }
    }

    @Test("unknown paths: 404; wrong methods: 405")
    func routing() async throws {
        try await withSimulator { simulator async throws in
            #expect(try await rest(simulator, "GET", "/accounts").status == 404)
            #expect(try await rest(simulator, "GET", "/orders/buy").status == 405)
            #expect(try await rest(simulator, "PUT", "/orders/123").status == 405)
        }
    }

    @Test("429 when creates per second per key or requests per window per IP are exceeded")
    func rateLimits() async throws {
        try await withSimulator({ $0.orderCreatesPerSecond = 2 }) { simulator async throws in
            let price = try await restingBuyPrice(simulator)
            #expect(
                try await create(
                    simulator, limitOrder(.buy, price: price, quantity: decimal("0.1"), clientOrderId: "r1")
                ).status == 201)
            #expect(
                try await create(
                    simulator, limitOrder(.buy, price: price, quantity: decimal("0.1"), clientOrderId: "r2")
                ).status == 201)
            let limited = try await create(
                simulator, limitOrder(.buy, price: price, quantity: decimal("0.1"), clientOrderId: "r3"))
            #expect(limited.status == 429 && limited.error == "rate limit exceeded")
            #expect(await simulator.acceptedOrderCount(clientOrderId: "r3") == 0)
            // Another key has its own budget.
            #expect(
                try await create(
                    simulator, limitOrder(.buy, price: price, quantity: decimal("0.1"), clientOrderId: "r4"),
                    key: otherKey
                ).status == 201)
        }
        try await withSimulator({ $0.restRequestsPerWindow = 3 }) { simulator async throws in
            for _ in 0..<3 { #expect(try await rest(simulator, "GET", "/orders/1").status == 404) }
            #expect(try await rest(simulator, "GET", "/orders/1").status == 429)
            #expect(simulator.stats.restResponses[429] == 1)
        }
    }

    @Test(
        "dropNextCreateResponses: the client gets no response, yet the order exists and GET by client_order_id finds it"
    )
    func droppedResponse() async throws {
        try await withSimulator { simulator async throws in
            await simulator.dropNextCreateResponses(1)
            let price = try await restingBuyPrice(simulator)
            let request = limitOrder(.buy, price: price, quantity: decimal("0.25"), clientOrderId: "lost-1")
            await #expect(throws: (any Error).self) { try await create(simulator, request) }
            #expect(await simulator.acceptedOrderCount(clientOrderId: "lost-1") == 1)
            let found = try await rest(simulator, "GET", "/orders/lost-1")
            #expect(found.status == 200)
            #expect(try found.order().status == .started)
            #expect(try await create(simulator, request).status == 409)
            #expect(simulator.stats.droppedCreateResponses == 1)
        }
    }

    @Test("GTD: the order rests until expires, then is Canceled")
    func goodTillDate() async throws {
        // A clock the test moves: the order's life does not depend on the machine's speed.
        let now = Mutex<Int64>(1_700_000_000_000)
        try await withSimulator({ $0.gtdClock = { now.withLock { $0 } } }) { simulator async throws in
            let price = try await restingBuyPrice(simulator)
            let request = SFOXCreateOrder(
                action: .buy, currencyPair: "btcusd", algorithm: 201, price: price, quantity: decimal("0.1"),
                clientOrderId: "gtd-1", timeInForce: .goodTillDate, expires: now.withLock { $0 } + 60_000)
            let response = try await create(simulator, request)
            #expect(response.status == 201, "\(response.body)")
            #expect(try response.order().status == .started)
            var past = request
            past.clientOrderId = "gtd-past"
            past.expires = now.withLock { $0 } - 1
            #expect(try await create(simulator, past).status == 400, "an expires in the past is refused")

            try await Task.sleep(for: .milliseconds(300))
            #expect(await simulator.order(clientOrderId: "gtd-1")?.status == .started, "still before expires")
            now.withLock { $0 += 60_000 }
            let deadline = ContinuousClock.now + .seconds(15)
            while await simulator.order(clientOrderId: "gtd-1")?.status == .started, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(await simulator.order(clientOrderId: "gtd-1")?.status == .canceled)
        }
    }

    @Test("delayRestResponses: a client that gives up first still finds its order afterwards")
    func slowVenue() async throws {
        try await withSimulator { simulator async throws in
            await simulator.delayRestResponses(.milliseconds(600))
            let price = try await restingBuyPrice(simulator)
            let request = limitOrder(.buy, price: price, quantity: decimal("0.2"), clientOrderId: "slow-1")
            await #expect(throws: (any Error).self) {
                try await rest(
                    simulator, "POST", request.path, body: String(decoding: request.body(), as: UTF8.self),
                    timeout: .milliseconds(150))
            }
            await simulator.delayRestResponses(.zero)
            let found = try await rest(simulator, "GET", "/orders/slow-1")
            #expect(found.status == 200)
            #expect(await simulator.acceptedOrderCount(clientOrderId: "slow-1") == 1)
        }
    }

    @Test("a client_order_id is accepted again once clientOrderIdWindow has passed")
    func clientOrderIdWindow() async throws {
        try await withSimulator({ $0.clientOrderIdWindow = .milliseconds(100) }) { simulator async throws in
            let price = try await restingBuyPrice(simulator)
            let request = limitOrder(.buy, price: price, quantity: decimal("0.2"), clientOrderId: "again-1")
            #expect(try await create(simulator, request).status == 201)
            try await Task.sleep(for: .milliseconds(150))
            #expect(try await create(simulator, request).status == 201)
            #expect(await simulator.acceptedOrderCount(clientOrderId: "again-1") == 2)
        }
    }
}
