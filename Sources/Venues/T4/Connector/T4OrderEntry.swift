import T4Wire
public import VenueBridgeCore
public import VenueConnector

/// Order entry over the socket (`OrderSubmit` / `OrderPull` / `OrderRevise`), for the command path.
extension T4Connector {
    public var clientOrderIdFormat: ClientOrderIdFormat { T4HouseRules.clientOrderIdFormat }
    public var marketTimeInForce: TimeInForce { T4HouseRules.marketTimeInForce }

    /// Submits an order with our client order id in `tag`. T4 has no venue-side dedupe of tags,
    /// so a client id this connector already knows is never submitted again: its current state
    /// is the answer (and a submit still in flight is waited on, not repeated).
    public func place(_ order: OrderRequest) async throws(OrderEntryError) -> ExecutionReport {
        let (market, wire) = try submission(for: order)
        let key = T4PendingRequest(clientOrderId: order.clientOrderId, kind: .submit)
        enum Known {
            case reported(ExecutionReport)
            case inFlight, new
        }
        let known: Known = orders.withLock { tracker in
            if let report = tracker.report(clientOrderId: order.clientOrderId) { return .reported(report) }
            return tracker.venueReference(clientOrderId: order.clientOrderId) == nil
                && tracker.isPending(clientOrderId: order.clientOrderId) ? .inFlight : .new
        }
        switch known {
        case .reported(let report):
            return report
        case .inFlight:
            return try answer(to: await wait(key, send: nil), order)
        case .new:
            orders.withLock { $0.willSubmit(order, accountID: order.account, marketID: market.marketID) }
            do {
                return try answer(
                    to: await wait(
                        key, send: .orderSubmit(accountID: order.account, marketID: market.marketID, order: wire)),
                    order)
            } catch {
                if error.nothingSent { orders.withLock { $0.submitNotSent(clientOrderId: order.clientOrderId) } }
                throw error
            }
        }
    }

    /// Pulls an order (by client id, or by T4's `unique_id` as the venue order id) in its market.
    public func cancel(_ request: CancelRequest) async throws(OrderEntryError) -> ExecutionReport {
        let clientId = try clientOrderId(request.clientOrderId, venueOrderId: request.venueOrderId)
        guard let reference = orders.withLock({ $0.venueReference(clientOrderId: clientId) }) else {
            if orders.withLock({ $0.isPending(clientOrderId: clientId) }) {
                throw .invalid(
                    "order \(clientId) has no T4 unique_id yet (its submit is unanswered): query it, then cancel")
            }
            return placeholder(request, clientId: clientId, reason: "cancel rejected: unknown order")
        }
        if let current = orders.withLock({ $0.report(clientOrderId: clientId) }), current.status.isTerminal {
            var report = current
            report.reason = "cancel not sent: order already \(current.status.rawValue)"
            return report
        }
        let answer = try await wait(
            T4PendingRequest(clientOrderId: clientId, kind: .pull),
            send: .orderPull(accountID: reference.accountID, marketID: reference.marketID, uniqueID: reference.uniqueID)
        )
        return refusalOrReport(answer, clientId: clientId, what: "cancel", request: request)
    }

    /// `OrderReplacing`: changes a working order's volume and/or limit price (`OrderRevise`).
    public func replace(_ request: ReplaceRequest) async throws(OrderEntryError) -> ExecutionReport {
        try await revise(
            clientOrderId: request.clientOrderId, account: request.account, quantity: request.quantity,
            price: request.price)
    }

    /// Changes a working order's volume and/or limit price (`OrderRevise`).
    public func revise(
        clientOrderId: String, account: String, quantity: ExactDecimal? = nil, price: ExactDecimal? = nil
    ) async throws(OrderEntryError) -> ExecutionReport {
        guard quantity != nil || price != nil else { throw .invalid("a revise needs a new quantity or price") }
        guard let reference = orders.withLock({ $0.venueReference(clientOrderId: clientOrderId) }) else {
            throw .unknownOrder("order \(clientOrderId) is not known to this connector")
        }
        var volume: Int32?
        if let quantity {
            guard quantity.isPositive, let contracts = T4Volume.contracts(quantity) else {
                throw .invalid("quantity \(quantity) must be a positive whole number of contracts")
            }
            volume = contracts
        }
        if let price { try checkPrice(price, marketID: reference.marketID) }
        let answer = try await wait(
            T4PendingRequest(clientOrderId: clientOrderId, kind: .revise),
            send: .orderRevise(
                accountID: reference.accountID, marketID: reference.marketID, uniqueID: reference.uniqueID,
                volume: volume, limitPrice: price)
        )
        return refusalOrReport(
            answer, clientId: clientOrderId, what: "revise",
            request: CancelRequest(account: account, clientOrderId: clientOrderId))
    }

    /// The connector's view of the order: every update of the subscribed accounts since the last
    /// (re)subscription's `AccountSnapshot`, which lists working orders with their tags. T4 has no
    /// query by tag.
    public func query(clientOrderId: String, account: String) async throws(OrderEntryError) -> ExecutionReport? {
        orders.withLock { $0.report(clientOrderId: clientOrderId) }
    }

    // MARK: - Helpers

    /// Registers the wait before writing (an answer can never overtake it), writes, and waits.
    private func wait(_ key: T4PendingRequest, send message: T4ClientMessage?) async throws(OrderEntryError)
        -> T4RequestAnswer
    {
        // Set and reset with the session's writer, so it also says the link is up.
        guard session.withLock({ $0.accountsSubscribed }) else { throw .unavailable(control.state) }
        return try await correlator.roundTrip(
            context: key, timeout: configuration.link.requestTimeout, metrics: metrics,
            registered: { id in waiting.withLock { $0[key, default: []].append(id) } },
            abandoned: { id in waiting.withLock { $0[key]?.removeAll { $0 == id } } },
            isRefusal: { if case .refused = $0 { true } else { false } },
            write: message.map { message in { _ in try await self.send(message) } }
        )
    }

    private func answer(to answer: T4RequestAnswer, _ order: OrderRequest) -> ExecutionReport {
        switch answer {
        case .report(let report): return report
        case .refused(let reason, let code):
            return ExecutionReport(
                account: order.account, clientOrderId: order.clientOrderId, idempotencyKey: order.idempotencyKey,
                side: order.side,
                orderType: order.orderType, timeInForce: order.timeInForce, status: .rejected, price: order.price,
                quantity: order.quantity,
                cumQty: .zero, reason: reason, rejectCode: code
            )
        }
    }

    private func refusalOrReport(_ answer: T4RequestAnswer, clientId: String, what: String, request: CancelRequest)
        -> ExecutionReport
    {
        switch answer {
        case .report(let report): return report
        case .refused(let reason, let code):
            // The order keeps its own state; only the request was refused.
            var report =
                orders.withLock { $0.report(clientOrderId: clientId) }
                ?? placeholder(request, clientId: clientId, reason: nil)
            report.reason = "\(what) rejected: \(reason)"
            report.rejectCode = code
            return report
        }
    }

    private func clientOrderId(_ clientOrderId: String?, venueOrderId: String?) throws(OrderEntryError) -> String {
        if let clientOrderId { return clientOrderId }
        if let venueOrderId {
            return orders.withLock { $0.clientOrderId(uniqueID: venueOrderId) } ?? "t4-\(venueOrderId)"
        }
        throw .invalid("a cancel needs a client order id or a venue order id")
    }

    private func submission(for order: OrderRequest) throws(OrderEntryError) -> (
        T4Market, T4proto_V1_Orderrouting_OrderSubmit.Order
    ) {
        guard let market = configuration.market(symbol: order.instrument) else {
            throw .invalid("instrument \(order.instrument) is not configured for T4")
        }
        guard !order.clientOrderId.isEmpty else { throw .invalid("T4 orders need a client order id (sent as tag)") }
        let accounts = self.accounts
        guard !order.account.isEmpty, accounts.isEmpty || accounts.contains(order.account) else {
            throw .invalid("account \(order.account) is not one of this T4 login's accounts \(accounts)")
        }
        guard order.quantity.isPositive, let volume = T4Volume.contracts(order.quantity) else {
            throw .invalid("quantity \(order.quantity) must be a positive whole number of contracts")
        }
        guard !order.postOnly else { throw .invalid("T4 has no post-only orders") }
        guard order.cancelOnDisconnect != true else { throw .invalid("T4 has no cancel-on-disconnect") }
        guard let timeType = T4TimeType(order.timeInForce) else {
            throw .invalid("T4 has no time type for \(order.timeInForce.rawValue)")
        }
        var limit: ExactDecimal?
        switch order.orderType {
        case .market:
            break
        case .limit:
            guard let price = order.price else { throw .invalid("limit orders need a price") }
            try checkPrice(price, marketID: market.marketID)
            limit = price
        case .stop, .stopLimit:
            throw .invalid("stop orders are not supported by the bridge's T4 connector")
        }
        return (
            market,
            .init(
                buySell: T4BuySell(order.side), priceType: T4PriceType(order.orderType), timeType: timeType,
                volume: volume,
                limitPrice: limit, tag: order.clientOrderId)
        )
    }

    /// Positive, and on the market's tick once `MarketDetails` named it.
    private func checkPrice(_ price: ExactDecimal, marketID: String) throws(OrderEntryError) {
        guard price.isPositive else { throw .invalid("price \(price) must be positive") }
        guard let tick = tickSize(marketID: marketID), tick.isPositive else { return }
        guard price.isMultiple(of: tick) else { throw .invalid("price \(price) is not a multiple of the tick \(tick)") }
    }

    private func placeholder(_ request: CancelRequest, clientId: String, reason: String?) -> ExecutionReport {
        ExecutionReport(
            account: request.account, clientOrderId: clientId, idempotencyKey: request.idempotencyKey,
            venueOrderId: request.venueOrderId,
            side: request.side ?? .buy, orderType: request.orderType ?? .limit, status: .rejected, cumQty: .zero,
            reason: reason,
            rejectCode: reason == nil ? nil : "UNKNOWN_ORDER"
        )
    }
}
