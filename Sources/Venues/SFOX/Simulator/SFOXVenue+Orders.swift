import SFOXWire
import SimulatorKit
import VenueBridgeCore

/// A REST answer: status and JSON body, or (for a dropped create response) nothing at all.
struct RestReply: Sendable {
    var status: Int
    var body: String
    /// Close the HTTP connection without answering (the order has been accepted).
    var drop = false

    static func error(_ status: Int, _ message: String) -> RestReply {
        RestReply(status: status, body: SFOXErrorBody(error: message).encoded())
    }

    static let rateLimited = RestReply.error(429, "rate limit exceeded")
    static let notFound = RestReply.error(404, "order not found")
}

/// Order entry (REST) and matching. Client orders trade against the simulated book: a taker
/// takes the levels its limit reaches, best first, at the levels' prices; a resting order fills at
/// its own price when a later book crosses it.
extension SFOXVenue {
    // MARK: - Rate limits

    /// `restRequestsPerWindow` per `restWindow` per client IP, over every REST request.
    func admitRest(from address: String) -> Bool {
        restRequests[address, default: SlidingWindow()].admit(
            limit: configuration.restRequestsPerWindow, window: configuration.restWindow,
            now: .now)
    }

    // MARK: - Create

    func create(apiKey: String, action: SFOXAction, body: String) -> RestReply {
        _ = account(apiKey)
        guard
            accounts[apiKey]?.creates.admit(limit: configuration.orderCreatesPerSecond, window: .seconds(1), now: .now)
                == true
        else {
            return .rateLimited
        }
        let request: SFOXCreateOrder
        do {
            request = try SFOXCreateOrder.decode(action: action, body: body)
        } catch {
            return .error(400, "invalid order: \(error.detail)")
        }
        let clientOrderId = request.clientOrderId
        if !clientOrderId.isEmpty { createRequests[clientOrderId, default: 0] += 1 }

        guard let book = books[request.currencyPair] else {
            return .error(422, "invalid currency_pair: \(request.currencyPair)")
        }
        let validated: (algorithm: SFOXAlgorithm, lots: Int64, limit: Int64?, timeInForce: SFOXTimeInForce)
        switch validate(request, book: book) {
        case .success(let value): validated = value
        case .failure(let failure): return failure.reply
        }

        let now = ContinuousClock.now
        if !clientOrderId.isEmpty, let used = accounts[apiKey]?.clientOrderIds[clientOrderId],
            now - used.at < configuration.clientOrderIdWindow
        {
            return .error(SFOXHouseRules.duplicateClientOrderIdStatus, SFOXHouseRules.duplicateClientOrderIdError)
        }

        let id = nextOrderId
        nextOrderId += 1
        let nanos = wallClockNanos()
        let order = SFOXOrder(
            id: id, clientOrderId: clientOrderId.isEmpty ? nil : clientOrderId,
            dateAdded: isoTimestamp(nanos: nanos, fractionDigits: 3),
            status: .started, filled: .zero, filledAmount: .zero, vwap: nil,
            price: validated.limit.map { book.tick.value($0) },
            quantity: request.quantity, pair: request.currencyPair, action: action,
            type: validated.algorithm == .market ? "Market" : "Limit",
            algorithmId: validated.algorithm.rawValue, timeInForce: validated.timeInForce.rawValue, fees: .zero
        )
        orders[id] = SimOrder(
            order: order, apiKey: apiKey, limitTicks: validated.limit, quantityLots: validated.lots,
            expiresMillis: validated.timeInForce == .goodTillDate ? request.expires : nil)
        if !clientOrderId.isEmpty {
            accounts[apiKey]?.clientOrderIds[clientOrderId] = (id, now)
            acceptedOrders[clientOrderId, default: 0] += 1
        }
        counters.ordersCreated.add(1, ordering: .relaxed)

        let immediate =
            validated.algorithm == .market || validated.algorithm == .immediateOrCancel
            || validated.timeInForce == .immediateOrCancel || validated.timeInForce == .fillOrKill
        let walk = BookWalk.fills(
            book.crossing(takerSide: action, limit: validated.limit), quantity: validated.lots, available: \.lots)
        // Fill-or-kill: all of the quantity or none of it.
        let fills = validated.timeInForce == .fillOrKill && walk.unfilled > 0 ? [] : walk.fills
        var trades: [SFOXPrivateTrade] = []
        for (level, lots) in fills {
            books[request.currencyPair]?.take(takerSide: action, ticks: level.ticks, lots: lots)
            trades.append(
                execute(
                    orderId: id, ticks: level.ticks, lots: lots, source: level.source, aggressor: action, nanos: nanos))
        }
        guard var entry = orders[id] else { return .error(500, "internal error") }
        if entry.remainingLots == 0 {
            entry.order.status = .filled
        } else if immediate {
            entry.order.status = .canceled
        } else {
            insertOpen(id)
        }
        orders[id] = entry

        if !fills.isEmpty { publishBook(request.currencyPair) }
        // An order that neither filled nor rests changed no balance (not even what is held).
        publishOrderChange(entry, trades: trades, balancesChanged: !trades.isEmpty || entry.isOpen)

        var reply = RestReply(status: 201, body: entry.order.encoded())
        if createResponsesToDrop > 0 {
            createResponsesToDrop -= 1
            reply.drop = true
        }
        return reply
    }

    private func validate(_ request: SFOXCreateOrder, book: SimulatedBook)
        -> Result<
            (algorithm: SFOXAlgorithm, lots: Int64, limit: Int64?, timeInForce: SFOXTimeInForce), ValidationFailure
        >
    {
        func fail(_ message: String) -> Result<
            (algorithm: SFOXAlgorithm, lots: Int64, limit: Int64?, timeInForce: SFOXTimeInForce), ValidationFailure
        > {
            .failure(ValidationFailure(reply: .error(400, message)))
        }
        guard let algorithm = SFOXAlgorithm(rawValue: request.algorithm) else {
            return fail("unsupported algorithm_id: \(request.algorithm)")
        }
        guard request.quantity.isPositive else { return fail("quantity must be positive") }
        guard let lots = book.lot.count(request.quantity) else {
            return fail("quantity must be a multiple of \(book.lot.step)")
        }
        var limit: Int64?
        if algorithm != .market {
            guard let price = request.price else {
                return fail("price is required for algorithm_id \(algorithm.rawValue)")
            }
            guard price.isPositive else { return fail("price must be positive") }
            guard let ticks = book.tick.count(price) else {
                return fail("price must be a multiple of \(book.tick.step)")
            }
            limit = ticks
        }
        let timeInForce = request.timeInForce ?? .goodTillCanceled
        switch timeInForce {
        case .goodTillCanceled:
            break
        case .immediateOrCancel:
            guard algorithm == .smartRouting || algorithm == .limit else {
                return fail("time_in_force IOC is only allowed with algorithm_id 200 or 201")
            }
        case .fillOrKill:
            guard algorithm == .market || algorithm == .limit else {
                return fail("time_in_force FOK is only allowed with algorithm_id 100 or 201")
            }
        case .goodTillDate:
            guard algorithm == .smartRouting || algorithm == .limit else {
                return fail("time_in_force GTD is only allowed with algorithm_id 200 or 201")
            }
            guard let expires = request.expires else { return fail("time_in_force GTD requires expires") }
            guard expires > configuration.gtdClock() else { return fail("expires is in the past") }
        }
        return .success((algorithm, lots, limit, timeInForce))
    }

    struct ValidationFailure: Error {
        var reply: RestReply
    }

    // MARK: - Cancel, get

    func cancel(apiKey: String, id: String) -> RestReply {
        guard var entry = find(apiKey: apiKey, id: id) else { return .error(400, "order not found") }
        guard entry.isOpen else { return RestReply(status: 200, body: SFOXCancelOutcome.alreadyFinished.encoded()) }
        entry.order.status = .canceled
        orders[entry.order.id] = entry
        removeOpen(entry.order.id)
        publishOrderChange(entry, trades: [])
        return RestReply(status: 200, body: SFOXCancelOutcome.canceled.encoded())
    }

    func get(apiKey: String, id: String) -> RestReply {
        guard let entry = find(apiKey: apiKey, id: id) else { return .notFound }
        return RestReply(status: 200, body: entry.order.encoded())
    }

    /// `{id}` is the venue's numeric id or, failing that, a client_order_id of this key.
    private func find(apiKey: String, id: String) -> SimOrder? {
        if let number = Int64(id), let entry = orders[number], entry.apiKey == apiKey { return entry }
        if let orderId = accounts[apiKey]?.clientOrderIds[id]?.orderId { return orders[orderId] }
        return nil
    }

    // MARK: - Fills

    /// One fill of a client order: its totals, the account's balances, a private and a public trade.
    func execute(orderId: Int64, ticks: Int64, lots: Int64, source: String, aggressor: SFOXAction, nanos: Int64)
        -> SFOXPrivateTrade
    {
        guard var entry = orders[orderId], let book = books[entry.order.pair],
            let pair = configuration.pairs.first(where: { $0.name == entry.order.pair })
        else {
            preconditionFailure("fill of an unknown order \(orderId)")
        }
        let price = book.tick.value(ticks)
        let quantity = book.lot.value(lots)
        let amount = price.times(quantity)
        let fee = amount.times(configuration.feeRate)
        entry.filledLots += lots
        entry.filledAmount = entry.filledAmount.plus(amount)
        entry.fees = entry.fees.plus(fee)
        entry.order.filled = book.lot.value(entry.filledLots)
        entry.order.filledAmount = entry.filledAmount
        entry.order.vwap = entry.filledAmount.divided(by: entry.order.filled, scale: 8)
        entry.order.fees = entry.fees
        orders[orderId] = entry

        let buy = entry.order.action == .buy
        let net = buy ? amount.plus(fee) : amount.minus(fee)
        var balances = account(entry.apiKey).balances
        balances[pair.baseCurrency] = (balances[pair.baseCurrency] ?? .zero).plus(buy ? quantity : quantity.negated())
        balances[pair.quoteCurrency] = (balances[pair.quoteCurrency] ?? .zero).plus(buy ? net.negated() : net)
        accounts[entry.apiKey]?.balances = balances
        counters.fills.add(1, ordering: .relaxed)

        let trade = SFOXPrivateTrade(
            tradeId: nextTradeId, orderId: orderId, clientOrderId: entry.order.clientOrderId,
            dateUpdated: isoTimestamp(nanos: nanos, fractionDigits: 3),
            action: entry.order.action, currencyPair: entry.order.pair, quantity: quantity, amount: amount,
            price: price, fees: fee, netAmount: net
        )
        nextTradeId += 1
        publishMarketTrade(
            pair: entry.order.pair, price: price, quantity: quantity, side: aggressor, source: source, nanos: nanos)
        return trade
    }

    /// After a book step: resting orders the new book crosses fill at their own price against the
    /// levels that cross them (liquidity they take is gone until the next step).
    func fillRestingOrders(pair: String, nanos: Int64) {
        for id in openOrderIds {
            guard let entry = orders[id], entry.order.pair == pair, let limit = entry.limitTicks, let book = books[pair]
            else { continue }
            var trades: [SFOXPrivateTrade] = []
            let walk = BookWalk.fills(
                book.crossing(takerSide: entry.order.action, limit: limit), quantity: entry.remainingLots,
                available: \.lots)
            for (level, lots) in walk.fills {
                books[pair]?.take(takerSide: entry.order.action, ticks: level.ticks, lots: lots)
                // The book's side traded into the resting order: it is the aggressor.
                trades.append(
                    execute(
                        orderId: id, ticks: limit, lots: lots, source: level.source,
                        aggressor: entry.order.action == .buy ? .sell : .buy,
                        nanos: nanos))
            }
            guard !trades.isEmpty, var filled = orders[id] else { continue }
            if filled.remainingLots == 0 {
                filled.order.status = .filled
                orders[id] = filled
                removeOpen(id)
            }
            publishOrderChange(filled, trades: trades)
        }
    }

    /// GTD orders past their `expires` are canceled.
    func expireOrders(nowMillis: Int64) {
        for id in openOrderIds {
            guard var entry = orders[id], let expires = entry.expiresMillis, expires <= nowMillis else { continue }
            entry.order.status = .canceled
            orders[id] = entry
            removeOpen(id)
            publishOrderChange(entry, trades: [])
        }
    }

    /// The private feeds of the order's key: the order on open-orders, each fill as a list of one
    /// on trades, and the balances of the pair's two currencies (total and held).
    func publishOrderChange(_ entry: SimOrder, trades: [SFOXPrivateTrade], balancesChanged: Bool = true) {
        publish(.openOrders, .openOrders([entry.order]), apiKey: entry.apiKey)
        for trade in trades { publish(.privateTrades, .privateTrades([trade]), apiKey: entry.apiKey) }
        if balancesChanged, let pair = configuration.pairs.first(where: { $0.name == entry.order.pair }) {
            publish(
                .balances, .balances(balances(of: entry.apiKey, only: [pair.baseCurrency, pair.quoteCurrency])),
                apiKey: entry.apiKey)
        }
    }

    private func insertOpen(_ id: Int64) {
        let index = openOrderIds.firstIndex { $0 > id } ?? openOrderIds.count
        openOrderIds.insert(id, at: index)
    }

    private func removeOpen(_ id: Int64) {
        openOrderIds.removeAll { $0 == id }
    }
}
