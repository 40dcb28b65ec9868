import FineryWire
public import VenueBridgeCore
public import VenueConnector

/// Order entry over the socket (`request` add / del), for the command path.
extension FineryConnector {
    public var clientOrderIdFormat: ClientOrderIdFormat { FineryHouseRules.clientOrderIdFormat }
    public var marketTimeInForce: TimeInForce { FineryHouseRules.marketTimeInForce }

    public func place(_ order: OrderRequest) async throws(OrderEntryError) -> ExecutionReport {
        let request = try addRequest(for: order)
        orders.notePlacement(
            clientOrderId: request.clientOrderId,
            .init(idempotencyKey: order.idempotencyKey, cancelOnDisconnect: request.cancelOnDisconnect))
        let reply = try await send(
            method: "add", content: request.content,
            context: .add(request, symbol: order.instrument, idempotencyKey: order.idempotencyKey))
        switch reply {
        case .ok(let body):
            let known = orders.report(clientOrderId: request.clientOrderId)
            guard let parsed = try? FineryOrderReply(body: body) else {
                metrics.decodeError(kind: "invalid_reply")
                return known ?? unknownReport(order, reason: "add accepted but the reply could not be read")
            }
            return await answer(to: report(for: order, reply: parsed), clientOrderId: request.clientOrderId)
        case .error(let code, let param):
            if code == .clientOrderIdInUse {
                // Error 74: an order with this client id exists, i.e. an earlier attempt got through.
                if let existing = orders.report(clientOrderId: request.clientOrderId) { return existing }
                return unknownReport(
                    order, reason: "client order id already in use at the venue, but the order is not on feed O")
            }
            return orders.rejection(request, idempotencyKey: order.idempotencyKey, code: code, param: param)
        }
    }

    public func cancel(_ cancel: CancelRequest) async throws(OrderEntryError) -> ExecutionReport {
        let target: FineryDelRequest
        if let text = cancel.clientOrderId {
            guard let id = Int64(text), id > 0 else {
                throw .invalid("Finery client order ids are integers 1…2^63−1, got \(text)")
            }
            target = .clientOrderId(id)
        } else if let text = cancel.venueOrderId {
            guard let id = Int64(text) else { throw .invalid("Finery order ids are integers, got \(text)") }
            target = .orderId(id)
        } else {
            throw .invalid("a cancel needs a client order id or a venue order id")
        }
        let known: ExecutionReport? =
            if case .clientOrderId(let id) = target { orders.report(clientOrderId: id) } else { nil }
        let reply = try await send(method: "del", content: target.content, context: .del(target))
        switch reply {
        case .ok(let body):
            let parsed = try? FineryOrderReply(body: body)
            if let clientId = parsed?.clientOrderId ?? (known.flatMap { Int64($0.clientOrderId) }),
                let after = orders.report(clientOrderId: clientId), after.status.isTerminal
            {
                return after
            }
            var report = known ?? placeholder(cancel)
            report.status = .canceled
            report.leavesQty = .zero
            report.reason = FineryCancelReason.byClient.text
            if let parsed { report.venueOrderId = "\(parsed.id)" }
            return report
        case .error(let code, let param):
            // A known order keeps its own state (only the cancel was refused); the placeholder for
            // an unknown one is already `rejected`.
            var report = known ?? placeholder(cancel)
            report.reason = "cancel rejected: \(code.meaning)" + (param.map { " (\($0))" } ?? "")
            report.rejectCode = "\(code.rawValue)"
            return report
        }
    }

    public func query(clientOrderId: String, account: String) async throws(OrderEntryError) -> ExecutionReport? {
        guard let id = Int64(clientOrderId) else {
            throw .invalid("Finery client order ids are integers, got \(clientOrderId)")
        }
        // Feed O's snapshot (taken at every (re)connect) plus its live updates are the venue's view;
        // Finery documents no query-by-client-id request.
        return orders.report(clientOrderId: id)
    }

    // MARK: - Helpers

    func send(method: String, content: JSONValue, context: FineryRequestContext) async throws(OrderEntryError)
        -> FineryReply
    {
        let state = control.state
        guard state == .ready else { throw .unavailable(state) }
        guard let linkWriter = currentWriter else { throw .unavailable(.disconnected) }
        // A failed write may still have reached the socket: ambiguous, resolve by query.
        return try await correlator.roundTrip(
            context: context, timeout: configuration.link.requestTimeout, metrics: metrics,
            isRefusal: { if case .error = $0 { true } else { false } },
            write: { reqId in
                try await linkWriter.send(
                    text: FineryClientMessage.request(reqId: reqId, method: method, content: content).encoded())
            }
        )
    }

    private func addRequest(for order: OrderRequest) throws(OrderEntryError) -> FineryAddRequest {
        guard let instrument = configuration.instruments.venueId(forSymbol: order.instrument) else {
            throw .invalid("instrument \(order.instrument) is not configured for Finery")
        }
        guard let clientOrderId = Int64(order.clientOrderId), clientOrderId > 0 else {
            throw .invalid("Finery client order ids are integers 1…2^63−1, got \(order.clientOrderId)")
        }
        guard order.quantity.isPositive, let size = FineryUnits.scaled(order.quantity) else {
            throw .invalid("quantity \(order.quantity) must be positive with at most 8 decimals")
        }
        let type: FineryOrderType
        switch (order.orderType, order.timeInForce) {
        case (.market, .ioc): type = .marketIOC
        case (.market, .fok): type = .marketFOK
        case (.limit, .gtc), (.limit, .day): type = order.postOnly ? .postOnly : .limit
        case (.limit, .ioc): type = .limitIOC
        case (.limit, .fok): type = .limitFOK
        default:
            throw .invalid(
                "Finery does not support \(order.orderType.rawValue) orders with time in force \(order.timeInForce.rawValue)"
            )
        }
        var price: UInt64?
        if order.orderType == .limit {
            guard let limit = order.price, limit.isPositive, let scaled = FineryUnits.scaled(limit) else {
                throw .invalid("limit orders need a positive price with at most 8 decimals")
            }
            price = UInt64(scaled)
        }
        return FineryAddRequest(
            instrument: instrument, clientOrderId: clientOrderId, price: price, size: size,
            side: order.side == .buy ? .bid : .ask,
            type: type, cancelOnDisconnect: order.cancelOnDisconnect ?? configuration.cancelOnDisconnectByDefault)
    }

    /// How long an answer waits for feed O to catch up with the add reply (see `answer(to:)`):
    /// the feed normally follows the reply within milliseconds.
    static let feedCatchUpBound: Duration = .seconds(3)

    /// The answer to an add never runs ahead of the connector's own reports for the order
    /// (docs/commands.md §3). The add reply can already carry deals and the final state that feed O
    /// has not delivered yet: answered from the reply, a `filled` answer would be followed by the
    /// feed's own `new` and fill reports, after a terminal one. So the answer waits (bounded) for
    /// the feed to catch up with the reply and then is the feed's state; past the bound it says
    /// only what the feed has published, or that the venue acknowledged the order (`new`). Without
    /// feed O bound the reply is all the bridge will ever hear, and is the answer.
    private func answer(to reply: ExecutionReport, clientOrderId: Int64) async -> ExecutionReport {
        guard configuration.bindOrders else { return reply }
        let deadline = ContinuousClock.now + Self.feedCatchUpBound
        var known = orders.report(clientOrderId: clientOrderId)
        while Self.isAhead(reply, of: known), ContinuousClock.now < deadline {
            do { try await Task.sleep(for: .milliseconds(5)) } catch { break }
            known = orders.report(clientOrderId: clientOrderId)
        }
        guard Self.isAhead(reply, of: known) else { return known ?? reply }
        if let known { return known }
        var acknowledged = reply
        acknowledged.status = .new
        acknowledged.cumQty = .zero
        acknowledged.leavesQty = reply.quantity
        acknowledged.reason = nil
        return acknowledged
    }

    /// Whether `reply` says more of the order's life than the connector has published (`known`).
    static func isAhead(_ reply: ExecutionReport, of known: ExecutionReport?) -> Bool {
        guard let known else { return reply.status.isTerminal || !reply.cumQty.isZero }
        if known.status.isTerminal { return false }
        return reply.status.isTerminal || reply.cumQty > known.cumQty
    }

    private func report(for order: OrderRequest, reply: FineryOrderReply) -> ExecutionReport {
        var cum = ExactDecimal.zero
        for deal in reply.deals { cum = (try? cum.adding(FineryUnits.decimal(deal.size))) ?? cum }
        let status: OrderStatus
        if reply.remainingSize == 0, !cum.isZero {
            status = .filled
        } else if reply.cancelReason == FineryCancelReason.asNonBookOrder.rawValue {
            status = .canceled
        } else {
            status = cum.isZero ? .new : .partiallyFilled
        }
        return ExecutionReport(
            account: configuration.account, clientOrderId: order.clientOrderId, idempotencyKey: order.idempotencyKey,
            venueOrderId: "\(reply.id)",
            side: order.side, orderType: order.orderType, timeInForce: order.timeInForce, status: status,
            price: order.price,
            quantity: order.quantity, cumQty: cum,
            leavesQty: status.isTerminal ? .zero : FineryUnits.decimal(reply.remainingSize),
            reason: status == .canceled ? FineryCancelReason.asNonBookOrder.text : nil
        )
    }

    private func unknownReport(_ order: OrderRequest, reason: String) -> ExecutionReport {
        ExecutionReport(
            account: configuration.account, clientOrderId: order.clientOrderId, idempotencyKey: order.idempotencyKey,
            side: order.side,
            orderType: order.orderType, timeInForce: order.timeInForce, status: .unknown, price: order.price,
            quantity: order.quantity,
            cumQty: .zero, reason: reason
        )
    }

    private func placeholder(_ cancel: CancelRequest) -> ExecutionReport {
        ExecutionReport(
            account: cancel.account, clientOrderId: cancel.clientOrderId ?? "", idempotencyKey: cancel.idempotencyKey,
            venueOrderId: cancel.venueOrderId,
            side: cancel.side ?? .buy, orderType: cancel.orderType ?? .limit, status: .rejected, cumQty: .zero
        )
    }
}
