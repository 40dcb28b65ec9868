// File length: one venue's order state machine (placement, add/cancel replies, order and sale pushes,
// reconciliation after a reconnect) over one set of maps; its rules cross-reference each other.
public import FIWire
public import VenueBridgeCore
public import VenueConnector

/// Our view of the account's FI orders, built from the `addorder` replies, the `order` and `sale`
/// pushes (live and replayed at login) and `openorderquery` after every (re)connect.
///
/// Rules (`shared/venues/fundamental.md`, docs/venues/fi.md):
/// - An order is known by its `clientorderid` (ours, derived from the idempotency key) and, once
///   the venue answered, by its `refno`. Orders the bridge did not place (no client id) are
///   reported under `fi-<refno>`.
/// - The status is derived from `liveqty`/`execqty` (`FIOrder.status`); each change is reported
///   once, `cum_qty` only grows, and nothing is reported after a terminal report.
/// - A `sale` is a fill, reported once per `traderefno`. Sales and order pushes may come in either
///   order: a sale that arrives after the order push already counted it is still one fill report
///   (with `last_qty`), `cum_qty` unchanged; a sale after the order's terminal report is dropped.
/// - After a reconnect, a working order missing from `openorderquery` is reported `unknown`.
///
/// Pure: the connector keeps it behind a lock and publishes what it returns.
public struct FIOrderTracker: Sendable {
    struct Entry: Sendable {
        var clientOrderId: String
        var idempotencyKey: String?
        var refno: String?
        var security: String
        var side: Side
        var orderType: OrderType
        var timeInForce: TimeInForce?
        var price: ExactDecimal?
        var quantity: ExactDecimal
        /// The larger of what the order pushes said was executed and what the sales add up to:
        /// pushes and sales may come in either order, and neither counts a fill twice.
        var cumQty: ExactDecimal = .zero
        var pushedExecuted: ExactDecimal = .zero
        var salesTotal: ExactDecimal = .zero
        var leaves: ExactDecimal?
        /// The last reported status; nil before the venue said anything of the order.
        var status: OrderStatus?
        var reason: String?
        /// When the tracker first heard of it (`FIOrderTracker.clock`): reconciliation only judges
        /// orders it knew before asking.
        var since: UInt64
    }

    /// What one venue message changed: reports to publish (in order) and what was set aside.
    public struct Outcome: Sendable {
        public var reports: [ExecutionReport] = []
        /// Messages that named an order or fill the tracker cannot use: counted and logged.
        public var ignored: [String] = []
    }

    public let account: String
    private var entries: [String: Entry] = [:]
    private var clientIdByRefno: [String: String] = [:]
    private var finished: RecentKeys<String>
    private var seenFills: RecentKeys<String>
    private var clock: UInt64 = 0

    public init(account: String, finishedMemory: Int = 10_000, seenFillMemory: Int = 100_000) {
        self.account = account
        finished = RecentKeys(capacity: finishedMemory)
        seenFills = RecentKeys(capacity: seenFillMemory)
    }

    /// Orders not yet finished, and every order still remembered.
    public var workingCount: Int { entries.values.count { !($0.status?.isTerminal ?? false) } }
    public var count: Int { entries.count }

    // MARK: - Requests

    /// Remembers an order about to be sent, so the venue's answers find its details. False when
    /// the client id already names an order the tracker knows (nothing should be sent).
    public mutating func willPlace(_ request: OrderRequest, security: String) -> Bool {
        guard entries[request.clientOrderId] == nil else { return false }
        clock += 1
        entries[request.clientOrderId] = Entry(
            clientOrderId: request.clientOrderId, idempotencyKey: request.idempotencyKey, security: security,
            side: request.side, orderType: request.orderType, timeInForce: request.timeInForce,
            price: request.orderType == .market ? nil : request.price, quantity: request.quantity, since: clock)
        return true
    }

    /// Forgets an order whose `addorder` could not be written (nothing reached the venue).
    public mutating func placeNotSent(clientOrderId: String) {
        if let entry = entries[clientOrderId], entry.status == nil, entry.refno == nil { entries[clientOrderId] = nil }
    }

    /// The `addorder` reply. `OK` acknowledges the order (`new`, unless a push already said more);
    /// a refusal rejects it, except `duplicate clientorderid`, which means an earlier attempt got
    /// through (the answer is then the order's state, or `unknown` when no push showed it yet).
    public mutating func addReply(result: String, clientOrderId: String, refno: String?) -> (
        outcome: Outcome, answer: ExecutionReport?
    ) {
        guard var entry = entries[clientOrderId] else {
            return (Outcome(ignored: ["addorder reply for unknown clientorderid \(clientOrderId)"]), nil)
        }
        var outcome = Outcome()
        if result == FIServerMessage.ok {
            if let refno, entry.refno == nil {
                entry.refno = refno
                clientIdByRefno[refno] = clientOrderId
            }
            if entry.status == nil {
                entry.status = .new
                entry.leaves = entry.quantity
                outcome.reports.append(report(entry))
            }
            entries[clientOrderId] = entry
            return (outcome, report(entry))
        }
        let error = FIVenueError(result: result)
        if error == .duplicateClientOrderId {
            if entry.status != nil { return (outcome, report(entry)) }
            var unknown = report(entry)
            unknown.status = .unknown
            unknown.reason = "the venue holds an order with this clientorderid, but has not shown it yet"
            unknown.rejectCode = error.code
            return (outcome, unknown)
        }
        guard entry.status == nil else {
            // The venue showed the order before refusing it: its pushes decide.
            return (Outcome(ignored: ["addorder refused (\(result)) for an order already shown"]), report(entry))
        }
        entry.status = .rejected
        entry.reason = result
        var rejected = report(entry)
        rejected.leavesQty = .zero
        rejected.rejectCode = error.code
        outcome.reports.append(rejected)
        finish(clientOrderId, entry)
        return (outcome, rejected)
    }

    /// What `cancelorder` needs: the order's refno and security, when the tracker knows them.
    public func cancelTarget(clientOrderId: String) -> (refno: String, security: String)? {
        guard let entry = entries[clientOrderId], let refno = entry.refno else { return nil }
        return (refno, entry.security)
    }

    /// The client id of the order with this refno.
    public func clientOrderId(refno: String) -> String? { clientIdByRefno[refno] }

    /// The latest state of an order, as last reported (nil when unknown or not yet shown).
    public func report(clientOrderId: String) -> ExecutionReport? {
        guard let entry = entries[clientOrderId], entry.status != nil else { return nil }
        return report(entry)
    }

    /// The venue security of an order (reports carry no instrument).
    public func security(clientOrderId: String) -> String? { entries[clientOrderId]?.security }

    // MARK: - Pushes

    /// An `order` push (or a row of `openorderquery`): the order's whole state.
    public mutating func order(_ order: FIOrder) -> Outcome {
        guard order.quantity.isPositive, !order.liveQuantity.isNegative, !order.executedQuantity.isNegative,
            order.executedQuantity <= order.quantity
        else {
            return Outcome(
                ignored: [
                    "order \(order.refno): impossible quantities (qty \(order.quantity), liveqty \(order.liveQuantity), execqty \(order.executedQuantity))"
                ])
        }
        let clientId = locate(order)
        var entry = entries[clientId] ?? foreignEntry(order, clientId: clientId)
        guard !(entry.status?.isTerminal ?? false) else { return Outcome() }
        if entry.refno == nil {
            entry.refno = order.refno
            clientIdByRefno[order.refno] = clientId
        }
        entry.quantity = order.quantity
        if let price = order.price, price.isPositive { entry.price = price }
        let before = (entry.status, entry.cumQty)
        entry.pushedExecuted = max(entry.pushedExecuted, order.executedQuantity)
        let cum = max(entry.pushedExecuted, entry.salesTotal)
        let lastQty = cum > entry.cumQty ? try? cum.subtracting(entry.cumQty) : nil
        entry.cumQty = cum
        let unexecuted = (try? entry.quantity.subtracting(cum)) ?? order.liveQuantity
        entry.leaves = min(order.liveQuantity, unexecuted)
        switch order.status {
        case .open, .partiallyFilled:
            // The order push can lag its own sales: never report less than they did.
            entry.status = entry.cumQty.isZero ? .new : .partiallyFilled
        case .filled:
            entry.status = .filled
        case .canceled:
            entry.status = entry.cumQty >= entry.quantity ? .filled : .canceled
            entry.reason = "canceled at the venue with \(entry.cumQty) of \(entry.quantity) executed"
        }
        guard before.0 != entry.status || before.1 != entry.cumQty else {
            entries[clientId] = entry
            return Outcome()
        }
        var changed = report(entry)
        changed.lastQty = lastQty
        store(clientId, entry)
        return Outcome(reports: [changed])
    }

    /// A `sale` push: one fill, once per `traderefno`.
    public mutating func sale(_ sale: FISale) -> Outcome {
        guard sale.quantity.isPositive, sale.price.isPositive else {
            return Outcome(ignored: [
                "sale \(sale.tradeRefno): impossible execqty \(sale.quantity) / execprice \(sale.price)"
            ])
        }
        guard let clientId = clientIdByRefno[sale.refno], var entry = entries[clientId] else {
            // An order we have not seen: its order push (which always accompanies it) carries the
            // state; the fill itself cannot be attributed.
            return Outcome(ignored: ["sale \(sale.tradeRefno) for unknown refno \(sale.refno)"])
        }
        guard seenFills.insert(sale.tradeRefno).inserted else { return Outcome() }
        guard !(entry.status?.isTerminal ?? false) else {
            return Outcome(ignored: ["sale \(sale.tradeRefno) after order \(sale.refno)'s final report"])
        }
        guard let salesTotal = try? entry.salesTotal.adding(sale.quantity), salesTotal <= entry.quantity else {
            return Outcome(ignored: ["sale \(sale.tradeRefno): fills add up to more than order \(sale.refno)"])
        }
        entry.salesTotal = salesTotal
        entry.cumQty = max(entry.cumQty, salesTotal)
        entry.status = entry.cumQty >= entry.quantity ? .filled : .partiallyFilled
        if let leaves = try? entry.quantity.subtracting(entry.cumQty) { entry.leaves = max(.zero, leaves) }
        var fill = report(entry)
        fill.lastQty = sale.quantity
        fill.lastPx = sale.price
        fill.fillId = sale.tradeRefno
        fill.liquidity = sale.isMaker.map { $0 ? .maker : .taker }
        store(clientId, entry)
        return Outcome(reports: [fill])
    }

    // MARK: - Reconciliation

    /// A mark before `openorderquery` is sent: only orders known before it are judged by its answer.
    public var reconciliationMark: UInt64 { clock }

    /// `openorderquery`'s complete answer: every listed order is applied as a push; a working
    /// order known before `mark` and not listed left the venue's book while we could not see it,
    /// and is reported `unknown` (its final state, if the venue replays it, follows).
    public mutating func reconcile(openOrders: [FIOrder], mark: UInt64) -> Outcome {
        var outcome = Outcome()
        for order in openOrders {
            let step = self.order(order)
            outcome.reports += step.reports
            outcome.ignored += step.ignored
        }
        let listed = Set(openOrders.map(\.refno))
        for clientId in entries.keys.sorted() {
            guard var entry = entries[clientId], entry.since <= mark, let refno = entry.refno,
                let status = entry.status, !status.isTerminal, status != .unknown, !listed.contains(refno)
            else { continue }
            entry.status = .unknown
            entry.reason = "not among the venue's open orders after reconnecting; its final state was not seen"
            entries[clientId] = entry
            outcome.reports.append(report(entry))
        }
        return outcome
    }

    // MARK: - Internals

    private func locate(_ order: FIOrder) -> String {
        if let clientId = clientIdByRefno[order.refno] { return clientId }
        if let clientId = order.clientOrderId, !clientId.isEmpty { return clientId }
        return "fi-\(order.refno)"
    }

    private mutating func foreignEntry(_ order: FIOrder, clientId: String) -> Entry {
        clock += 1
        return Entry(
            clientOrderId: clientId, security: order.security, side: order.side == .buy ? .buy : .sell,
            orderType: order.price?.isPositive == true ? .limit : .market,
            timeInForce: order.timeInForce.flatMap(Self.timeInForce), price: order.price, quantity: order.quantity,
            since: clock)
    }

    private mutating func store(_ clientId: String, _ entry: Entry) {
        if entry.status?.isTerminal == true { finish(clientId, entry) } else { entries[clientId] = entry }
    }

    /// A finished order stays answerable until `finishedMemory` later ones push it out.
    private mutating func finish(_ clientId: String, _ entry: Entry) {
        entries[clientId] = entry
        guard let evicted = finished.insert(clientId).evicted, let old = entries.removeValue(forKey: evicted) else {
            return
        }
        if let refno = old.refno, clientIdByRefno[refno] == evicted { clientIdByRefno[refno] = nil }
    }

    static func timeInForce(_ text: String) -> TimeInForce? {
        switch FIAddOrder.TimeInForce(rawValue: text) {
        case .gtc?: .gtc
        case .ioc?: .ioc
        case .fok?: .fok
        case .day?: .day
        case .gtt?: .gtd
        case nil: nil
        }
    }

    private func report(_ entry: Entry) -> ExecutionReport {
        let status = entry.status ?? .pendingNew
        return ExecutionReport(
            account: account, clientOrderId: entry.clientOrderId, idempotencyKey: entry.idempotencyKey,
            venueOrderId: entry.refno, side: entry.side, orderType: entry.orderType, timeInForce: entry.timeInForce,
            status: status, price: entry.price, quantity: entry.quantity, cumQty: entry.cumQty,
            leavesQty: status.isTerminal ? .zero : (entry.leaves ?? entry.quantity), reason: entry.reason)
    }
}
