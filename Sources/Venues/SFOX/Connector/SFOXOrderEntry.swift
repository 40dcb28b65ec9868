import NIOHTTP1
import SFOXWire
public import VenueBridgeCore
public import VenueConnector

/// Order entry over REST. The venue refuses a `client_order_id` used in the last 24 h, so a create
/// that is retried (by us or by a replayed command) can never make a second order; a 409 answer
/// resolves to the existing order.
extension SFOXConnector {
    public var clientOrderIdFormat: ClientOrderIdFormat { SFOXHouseRules.clientOrderIdFormat }
    public var marketTimeInForce: TimeInForce { SFOXHouseRules.marketTimeInForce }

    public func place(_ order: OrderRequest) async throws(OrderEntryError) -> ExecutionReport {
        guard let rest else { throw .invalid("no sFOX API key configured: order entry is off") }
        let state = privateControl?.state ?? .disconnected
        // Without the private socket the order's fills would go unseen until a reconnect.
        guard state == .ready else { throw .unavailable(state) }
        let (pair, create) = try createRequest(order)

        orders.withLock { $0.willPlace(order, pair: pair) }
        let started = ContinuousClock.now
        let response = try await call(rest, .POST, create.path, body: create.body(), isCreate: true)
        metrics.requestLatency.record(duration: ContinuousClock.now - started)
        switch response.status {
        case 200, 201:
            guard let placed = try? SFOXOrder.decode(body: response.body) else {
                metrics.request(outcome: "error")
                throw .ambiguous(
                    .serverError(status: response.status, message: "create accepted but the reply is unreadable"))
            }
            metrics.request(outcome: "ok")
            let reports = (try? await track { $0.update(placed, source: .live) }) ?? []
            return orders.withLock { $0.report(clientOrderId: order.clientOrderId) } ?? reports.last
                ?? placeholder(order, status: .new)
        case SFOXHouseRules.duplicateClientOrderIdStatus:
            // The id was used in the last 24 h: the order exists (or existed). Report its state.
            metrics.request(outcome: "duplicate")
            if let existing = try await query(clientOrderId: order.clientOrderId, account: order.account) {
                return existing
            }
            return try await reject(order, status: response.status, message: response.sfoxErrorMessage)
        default:
            metrics.request(outcome: "error")
            return try await reject(order, status: response.status, message: response.sfoxErrorMessage)
        }
    }

    public func cancel(_ request: CancelRequest) async throws(OrderEntryError) -> ExecutionReport {
        // A cancel only lowers risk: it goes out whenever REST is configured, even with the
        // private socket down.
        guard let rest else { throw .invalid("no sFOX API key configured: order entry is off") }
        var orderId: Int64?
        if let text = request.venueOrderId {
            guard let id = Int64(text) else { throw .invalid("sFOX order ids are integers, got \(text)") }
            orderId = id
        }
        var clientOrderId = request.clientOrderId
        if orderId == nil, let clientId = clientOrderId {
            orderId = orders.withLock { $0.orderId(clientOrderId: clientId) }
            if orderId == nil, let known = try await query(clientOrderId: clientId, account: request.account),
                let venueId = known.venueOrderId
            {
                orderId = Int64(venueId)
            }
        }
        guard let orderId else {
            guard clientOrderId != nil else { throw .invalid("a cancel needs a client order id or a venue order id") }
            return cancelRejected(request, known: nil, code: "404", reason: "cancel rejected: order not found")
        }
        if clientOrderId == nil { clientOrderId = orders.withLock { $0.clientOrderId(orderId: orderId) } }
        let known = clientOrderId.flatMap { id in orders.withLock { $0.report(clientOrderId: id) } }

        let started = ContinuousClock.now
        let response = try await call(rest, .DELETE, "/orders/\(orderId)")
        metrics.requestLatency.record(duration: ContinuousClock.now - started)
        switch response.status {
        case 200...299:
            metrics.request(outcome: "ok")
            let outcome = (try? SFOXCancelOutcome.decode(response.body)) ?? .other(response.body)
            switch outcome {
            case .canceled, .cancelPending:
                let pending = outcome == .cancelPending
                if let id = clientOrderId {
                    _ = try? await track { $0.cancelConfirmed(clientOrderId: id, pending: pending) }
                }
                if let id = clientOrderId, let now = orders.withLock({ $0.report(clientOrderId: id) }) { return now }
                var report = known ?? placeholder(request, status: pending ? .pendingCancel : .canceled)
                report.status = pending ? .pendingCancel : .canceled
                report.venueOrderId = String(orderId)
                return report
            case .alreadyFinished, .other:
                return cancelRejected(request, known: known, code: nil, reason: "cancel rejected: \(outcome.wire)")
            }
        default:
            metrics.request(outcome: "error")
            return cancelRejected(
                request, known: known, code: "\(response.status)",
                reason: "cancel rejected: \(response.sfoxErrorMessage)")
        }
    }

    /// `GET /v1/orders/{client_order_id}`: the venue's own view, used to resolve an ambiguous create
    /// and to reconcile after a reconnect. Reports any change it reveals.
    public func query(clientOrderId: String, account: String) async throws(OrderEntryError) -> ExecutionReport? {
        guard let rest else { throw .invalid("no sFOX API key configured: order entry is off") }
        let response = try await call(rest, .GET, "/orders/\(Self.pathComponent(clientOrderId))")
        switch response.status {
        case 200...299:
            guard let order = try? SFOXOrder.decode(body: response.body) else {
                throw .ambiguous(.serverError(status: response.status, message: "order query reply is unreadable"))
            }
            _ = try? await track { $0.update(order, source: .snapshot) }
            return orders.withLock { $0.report(clientOrderId: order.clientOrderId ?? clientOrderId) }
        case 404:
            return nil
        default:
            throw .invalid("order query refused (\(response.status)): \(response.sfoxErrorMessage)")
        }
    }

    // MARK: - Helpers

    /// Maps a normalized order to sFOX's algorithm and time in force, or says why it cannot.
    func createRequest(_ order: OrderRequest) throws(OrderEntryError) -> (pair: String, create: SFOXCreateOrder) {
        guard let pair = configuration.instruments.venueId(forSymbol: order.instrument) else {
            throw .invalid("instrument \(order.instrument) is not configured for sFOX")
        }
        guard !order.clientOrderId.isEmpty else { throw .invalid("empty client order id") }
        guard order.quantity.isPositive else { throw .invalid("quantity must be positive, got \(order.quantity)") }
        guard !order.postOnly else { throw .invalid("sFOX has no post-only orders") }
        guard order.cancelOnDisconnect != true else { throw .invalid("sFOX has no cancel-on-disconnect") }
        let algorithm: SFOXAlgorithm
        let timeInForce: SFOXTimeInForce?
        switch (order.orderType, order.timeInForce) {
        case (.market, .gtc): (algorithm, timeInForce) = (.market, nil)
        case (.market, .fok): (algorithm, timeInForce) = (.market, .fillOrKill)
        case (.limit, .gtc): (algorithm, timeInForce) = (.limit, .goodTillCanceled)
        case (.limit, .ioc): (algorithm, timeInForce) = (.limit, .immediateOrCancel)
        case (.limit, .fok): (algorithm, timeInForce) = (.limit, .fillOrKill)
        default:
            throw .invalid(
                "sFOX does not take \(order.orderType.rawValue) orders with time in force \(order.timeInForce.rawValue)"
            )
        }
        var price: ExactDecimal?
        if algorithm == .limit {
            guard let limit = order.price, limit.isPositive else {
                throw .invalid("a limit order needs a positive price")
            }
            price = limit
        }
        let create = SFOXCreateOrder(
            action: SFOXAction(order.side), currencyPair: pair, algorithm: algorithm.rawValue, price: price,
            quantity: order.quantity, clientOrderId: order.clientOrderId, timeInForce: timeInForce
        )
        return (pair, create)
    }

    /// One REST call. A 429 (nothing done) and a 5xx (maybe done) are answered here, the same way
    /// for every request; the caller sees only 2xx and 4xx.
    private func call(
        _ rest: VenueHTTPClient, _ method: HTTPMethod, _ path: String, body: [UInt8]? = nil, isCreate: Bool = false
    ) async throws(OrderEntryError) -> VenueHTTPResponse {
        let response: VenueHTTPResponse
        do {
            response = try await rest.send(
                VenueHTTPRequest(method: method, path: path, body: body), class: isCreate ? .sfoxOrderCreate : nil)
        } catch {
            switch error {
            case .rateLimited(let retryAfter):
                metrics.request(outcome: "rate_limited")
                throw .rateLimited(retryAfter: retryAfter)
            case .transport(let reason, let timedOut):
                metrics.request(outcome: timedOut ? "timeout" : "disconnected")
                throw .ambiguous(
                    timedOut ? .timeout(after: configuration.privateLink.requestTimeout) : .disconnected(reason: reason)
                )
            }
        }
        switch response.status {
        case 429:
            metrics.request(outcome: "rate_limited")
            throw .rateLimited(retryAfter: configuration.backoffAfter429)
        case 500...:
            metrics.request(outcome: "error")
            throw .ambiguous(.serverError(status: response.status, message: response.sfoxErrorMessage))
        default:
            return response
        }
    }

    private func reject(_ order: OrderRequest, status: Int, message: String) async throws(OrderEntryError)
        -> ExecutionReport
    {
        let placeholder = placeholder(order, status: .rejected, code: "\(status)", reason: message)
        let reports = try? await track {
            [$0.rejection(clientOrderId: order.clientOrderId, code: "\(status)", reason: message) ?? placeholder]
        }
        return reports?.first ?? placeholder
    }

    private func cancelRejected(_ request: CancelRequest, known: ExecutionReport?, code: String?, reason: String)
        -> ExecutionReport
    {
        // A known order keeps its own state (only the cancel was refused).
        var report = known ?? placeholder(request, status: .rejected)
        report.reason = reason
        report.rejectCode = code
        return report
    }

    private func placeholder(_ order: OrderRequest, status: OrderStatus, code: String? = nil, reason: String? = nil)
        -> ExecutionReport
    {
        ExecutionReport(
            account: order.account, clientOrderId: order.clientOrderId, idempotencyKey: order.idempotencyKey,
            side: order.side,
            orderType: order.orderType, timeInForce: order.timeInForce, status: status, price: order.price,
            quantity: order.quantity,
            cumQty: .zero, leavesQty: status.isTerminal ? .zero : order.quantity, reason: reason, rejectCode: code
        )
    }

    private func placeholder(_ request: CancelRequest, status: OrderStatus) -> ExecutionReport {
        ExecutionReport(
            account: request.account, clientOrderId: request.clientOrderId ?? request.venueOrderId ?? "",
            idempotencyKey: request.idempotencyKey,
            venueOrderId: request.venueOrderId, side: request.side ?? .buy, orderType: request.orderType ?? .limit,
            status: status, cumQty: .zero
        )
    }

    /// Percent-encodes a client order id for use as one URL path segment.
    static func pathComponent(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                out += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return out
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
