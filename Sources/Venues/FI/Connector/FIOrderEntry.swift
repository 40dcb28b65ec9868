import FIWire
public import VenueBridgeCore
public import VenueConnector

/// A reply the venue sent to one of our requests. FI replies carry no request id: an `addorder`
/// reply is matched by its `clientorderid`, a `cancelorder` reply by its `refno`.
enum FIReply: Sendable {
    /// The tracker's answer once it applied the reply (nil: the reply named no order we placed).
    case added(ExecutionReport?)
    case cancelled(result: String)
}

/// Which reply a request waits for.
enum FIRequestKey: Sendable, Hashable, CustomStringConvertible {
    case add(clientOrderId: String)
    case cancel(refno: String)

    var description: String {
        switch self {
        case .add(let id): "addorder \(id)"
        case .cancel(let refno): "cancelorder \(refno)"
        }
    }
}

/// Order entry over the session's socket (`addorder` / `cancelorder`), for the command path.
extension FIConnector: OrderEntry {
    public var clientOrderIdFormat: ClientOrderIdFormat { FIHouseRules.clientOrderIdFormat }
    public var marketTimeInForce: TimeInForce { FIHouseRules.marketTimeInForce }

    public func place(_ order: OrderRequest) async throws(OrderEntryError) -> ExecutionReport {
        let add = try addOrder(for: order)
        guard orders.withLock({ $0.willPlace(order, security: add.security) }) else {
            // The id names an order already placed through this connector: its state, not a second order.
            if let known = orders.withLock({ $0.report(clientOrderId: order.clientOrderId) }) { return known }
            throw .ambiguous(.notSent(reason: "an addorder with this clientorderid is already waiting for its reply"))
        }
        let reply: FIReply
        do {
            reply = try await send(.addOrder(add), key: .add(clientOrderId: add.clientOrderId))
        } catch {
            if error.nothingSent { orders.withLock { $0.placeNotSent(clientOrderId: add.clientOrderId) } }
            throw error
        }
        guard case .added(let answer?) = reply else {
            throw .ambiguous(.disconnected(reason: "the addorder reply named no order"))
        }
        return answer
    }

    public func cancel(_ request: CancelRequest) async throws(OrderEntryError) -> ExecutionReport {
        let (target, clientOrderId) = try cancelTarget(request)
        let known = clientOrderId.flatMap { id in orders.withLock { $0.report(clientOrderId: id) } }
        let reply = try await send(
            .cancelOrder(security: target.security, refno: target.refno), key: .cancel(refno: target.refno))
        guard case .cancelled(let result) = reply else {
            throw .ambiguous(.disconnected(reason: "a cancelorder reply of another shape"))
        }
        guard result == FIServerMessage.ok else {
            // A known order keeps its own state (only the cancel was refused).
            var report = known ?? placeholder(request, refno: target.refno)
            report.reason = "cancel rejected: \(result)"
            report.rejectCode = FIVenueError(result: result).code
            return report
        }
        // The venue's `order` push says the order is done; the answer does not run ahead of it.
        if let clientOrderId, let done = await terminalReport(clientOrderId) { return done }
        var pending = known ?? placeholder(request, refno: target.refno)
        pending.status = .pendingCancel
        pending.reason = "cancel accepted; the venue has not yet shown the order done"
        pending.rejectCode = nil
        return pending
    }

    public func query(clientOrderId: String, account: String) async throws(OrderEntryError) -> ExecutionReport? {
        // The venue pushes every change of the account's orders and replays them at login, and
        // `openorderquery` reconciles after each reconnect: the tracker is the venue's view.
        orders.withLock { $0.report(clientOrderId: clientOrderId) }
    }

    // MARK: - Helpers

    /// Writes one request and waits for its reply (matched by `key`), under the shared rules of
    /// `RequestCorrelator.roundTrip`: no session → unavailable, nothing sent; a lost or late reply
    /// is ambiguous.
    func send(_ message: FIClientMessage, key: FIRequestKey) async throws(OrderEntryError) -> FIReply {
        let state = control.state
        guard state == .ready else { throw .unavailable(state) }
        guard let linkWriter = currentWriter else { throw .unavailable(.disconnected) }
        return try await correlator.roundTrip(
            context: key, timeout: configuration.link.requestTimeout, metrics: metrics,
            registered: { id in pending.withLock { $0.register(key, id: id) } },
            abandoned: { id in pending.withLock { $0.remove(key, id: id) } },
            isRefusal: { reply in
                switch reply {
                case .added(let report): report?.status == .rejected
                case .cancelled(let result): result != FIServerMessage.ok
                }
            },
            write: { _ in try await linkWriter.send(text: message.encoded()) })
    }

    /// Waits (bounded) for the tracker to show the order done, as its `order` push arrives.
    private func terminalReport(_ clientOrderId: String) async -> ExecutionReport? {
        let deadline = ContinuousClock.now + configuration.cancelConfirmationWait
        while true {
            if let report = orders.withLock({ $0.report(clientOrderId: clientOrderId) }), report.status.isTerminal {
                return report
            }
            guard ContinuousClock.now < deadline else { return nil }
            do { try await Task.sleep(for: .milliseconds(5)) } catch { return nil }
        }
    }

    private func addOrder(for order: OrderRequest) throws(OrderEntryError) -> FIAddOrder {
        guard let security = configuration.instruments.venueId(forSymbol: order.instrument) else {
            throw .invalid("instrument \(order.instrument) is not configured for FI")
        }
        guard FIHouseRules.clientOrderIdFormat.accepts(order.clientOrderId) else {
            throw .invalid("FI client order ids are 1…32 characters of A-Z, a-z, 0-9, - and _")
        }
        guard order.quantity.isPositive else { throw .invalid("quantity \(order.quantity) must be positive") }
        let type: FIAddOrder.OrderType
        switch order.orderType {
        case .market:
            guard order.timeInForce == .ioc || order.timeInForce == .fok else {
                throw .invalid("FI market orders take time in force ioc or fok")
            }
            type = .market
        case .limit:
            guard let price = order.price, price.isPositive else {
                throw .invalid("limit orders need a positive price")
            }
            type = order.postOnly ? .postOnly : .limit
            if order.postOnly, order.timeInForce == .ioc || order.timeInForce == .fok {
                throw .invalid("a post-only order rests: time in force gtc or day")
            }
        case .stop, .stopLimit:
            throw .invalid("FI order entry through the bridge takes market and limit orders")
        }
        let tif: FIAddOrder.TimeInForce
        switch order.timeInForce {
        case .gtc: tif = .gtc
        case .ioc: tif = .ioc
        case .fok: tif = .fok
        case .day: tif = .day
        case .gtd: throw .invalid("gtd needs an expiry the command contract does not carry")
        }
        return FIAddOrder(
            security: security, side: order.side == .buy ? .buy : .sell,
            price: type == .market ? nil : order.price, quantity: order.quantity, orderType: type, timeInForce: tif,
            clientOrderId: order.clientOrderId)
    }

    /// The order to cancel: by client id through the tracker, or by the venue's `refno` (with the
    /// instrument, since `cancelorder` names the security). Nothing is sent for an order the
    /// connector cannot address.
    private func cancelTarget(_ request: CancelRequest) throws(OrderEntryError) -> (
        (refno: String, security: String), clientOrderId: String?
    ) {
        if let clientOrderId = request.clientOrderId,
            let target = orders.withLock({ $0.cancelTarget(clientOrderId: clientOrderId) })
        {
            return (target, clientOrderId)
        }
        if let refno = request.venueOrderId {
            let clientOrderId = orders.withLock { $0.clientOrderId(refno: refno) }
            if let clientOrderId, let target = orders.withLock({ $0.cancelTarget(clientOrderId: clientOrderId) }) {
                return (target, clientOrderId)
            }
            if let symbol = request.instrument, let security = configuration.instruments.venueId(forSymbol: symbol) {
                return ((refno, security), nil)
            }
        }
        throw .invalid(
            "FI cancels by refno: the connector knows no refno for \(request.clientOrderId ?? request.venueOrderId ?? "this order")"
        )
    }

    private func placeholder(_ cancel: CancelRequest, refno: String) -> ExecutionReport {
        ExecutionReport(
            account: cancel.account, clientOrderId: cancel.clientOrderId ?? "", idempotencyKey: cancel.idempotencyKey,
            venueOrderId: refno, side: cancel.side ?? .buy, orderType: cancel.orderType ?? .limit, status: .rejected,
            cumQty: .zero)
    }
}

/// The requests waiting for a reply, by what the reply will name; oldest first when two wait for
/// the same (two cancels of one order). Bounded by the correlator's capacity.
struct FIPendingRequests: Sendable {
    private var ids: [FIRequestKey: [Int64]] = [:]

    mutating func register(_ key: FIRequestKey, id: Int64) { ids[key, default: []].append(id) }

    mutating func remove(_ key: FIRequestKey, id: Int64) {
        ids[key]?.removeAll { $0 == id }
        if ids[key]?.isEmpty == true { ids[key] = nil }
    }

    /// The oldest request waiting for `key`'s reply.
    mutating func take(_ key: FIRequestKey) -> Int64? {
        guard var waiting = ids[key], !waiting.isEmpty else { return nil }
        let id = waiting.removeFirst()
        ids[key] = waiting.isEmpty ? nil : waiting
        return id
    }

    mutating func removeAll() { ids = [:] }
}
