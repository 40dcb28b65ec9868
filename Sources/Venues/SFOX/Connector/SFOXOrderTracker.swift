import DequeModule
public import SFOXWire
public import VenueBridgeCore
public import VenueConnector

/// Our view of every order placed through (or seen by) this connector, built from three sources
/// that arrive in no guaranteed order: REST replies, `private.user.open-orders` and
/// `private.user.trades`. It turns them into `execution_report`s so that each state is reported
/// once:
///
/// - Fills come from the trades feed, deduplicated on `trade_id`. The reported `cum_qty` is a
///   high-water mark that only grows, so a fill is never counted twice.
/// - Status changes (`new`, `pending_cancel`, `canceled`) come from whichever source says so first.
/// - `Filled`/`Done` on the open-orders feed while its trades are still in flight reports nothing:
///   the trades follow and report the fills. An order first learned from a snapshot or a query (a
///   restart, a reconnect) adopts the venue's `filled` instead, since its past trades are not
///   replayed.
/// - A trade for an order not yet known (the trade overtook the REST reply) is held until the
///   order shows up, within a bound.
///
/// Pure: the connector keeps it behind a lock and publishes what it returns.
public struct SFOXOrderTracker: Sendable {
    struct Entry: Sendable {
        var clientOrderId: String
        var idempotencyKey: String?
        var orderId: Int64?
        var pair: String
        var side: Side
        var orderType: OrderType
        var timeInForce: TimeInForce?
        var price: ExactDecimal?
        var quantity: ExactDecimal
        /// Quantity reported as filled (the high-water mark).
        var cumQty: ExactDecimal = .zero
        /// Quantity seen on the trades feed.
        var tradedQty: ExactDecimal = .zero
        /// The venue's own figures, from the latest order object.
        var venueFilled: ExactDecimal = .zero
        var venueVwap: ExactDecimal?
        /// The last status reported; nil before the first report.
        var status: OrderStatus?
        var reason: String?
        var rejectCode: String?
        /// A `Filled`/`Done` is known from the open-orders feed; its trades may still be in flight.
        var venueFinal: SFOXOrderStatus?
    }

    public enum Source: Sendable {
        /// A live open-orders update or a REST create/cancel reply.
        case live
        /// The first open-orders message after subscribing, or a REST query: the order's past
        /// trades will not be replayed.
        case snapshot
    }

    let account: String
    private var entries: [String: Entry] = [:]
    private var clientIdByOrderId: [Int64: String] = [:]
    private var finished: RecentKeys<String>
    private var seenTrades: RecentKeys<Int64>
    private var pendingTrades: [Int64: [SFOXPrivateTrade]] = [:]
    private var pendingTradeOrder = Deque<Int64>()
    private let pendingTradeCapacity: Int
    /// Trades dropped because the pending buffer was full (oldest first).
    public private(set) var droppedPendingTrades = 0

    public init(
        account: String, finishedMemory: Int = 10_000, pendingTradeCapacity: Int = 1_000, seenTradeMemory: Int = 100_000
    ) {
        self.account = account
        finished = RecentKeys(capacity: finishedMemory)
        self.pendingTradeCapacity = pendingTradeCapacity
        seenTrades = RecentKeys(capacity: seenTradeMemory)
    }

    // MARK: - Inputs

    /// Remembers an order about to be sent, so replies and feed messages find its details
    /// (idempotency key, time in force) even when they arrive first.
    public mutating func willPlace(_ request: OrderRequest, pair: String) {
        guard entries[request.clientOrderId] == nil else { return }
        entries[request.clientOrderId] = Entry(
            clientOrderId: request.clientOrderId, idempotencyKey: request.idempotencyKey, pair: pair,
            side: request.side,
            orderType: request.orderType, timeInForce: request.timeInForce, price: request.price,
            quantity: request.quantity
        )
    }

    /// An order object (feed or REST). Returns the reports it causes.
    public mutating func update(_ order: SFOXOrder, source: Source) -> [ExecutionReport] {
        let clientId = order.clientOrderId ?? clientIdByOrderId[order.id] ?? "sfox-\(order.id)"
        var entry =
            entries[clientId]
            ?? Entry(
                clientOrderId: clientId, pair: order.pair, side: order.action.side, orderType: Self.orderType(order),
                timeInForce: order.timeInForce.flatMap(Self.timeInForce), price: order.price, quantity: order.quantity
            )
        entry.orderId = order.id
        entry.quantity = order.quantity
        if let price = order.price, entry.orderType == .limit { entry.price = price }
        entry.venueFilled = order.filled
        entry.venueVwap = order.vwap
        clientIdByOrderId[order.id] = clientId

        var reports: [ExecutionReport] = []
        let wasReported = entry.status != nil
        if source == .snapshot, entry.cumQty < order.filled, let missed = try? order.filled.subtracting(entry.cumQty) {
            // Trades happened while we were not subscribed and will not be replayed: take the
            // venue's cumulative figure. A known order reports the missed quantity as one fill.
            entry.cumQty = order.filled
            entry.tradedQty = order.filled
            if wasReported, entry.status?.isTerminal != true {
                var fill = report(
                    &entry, status: entry.cumQty >= entry.quantity ? .filled : .partiallyFilled,
                    reason: "fills while disconnected (venue order state)")
                fill.lastQty = missed
                reports.append(fill)
            }
        }
        if entry.status?.isTerminal == true {
            store(entry)
            return reports
        }
        switch order.status {
        case .started:
            if !wasReported { reports.append(report(&entry, status: entry.cumQty.isZero ? .new : .partiallyFilled)) }
        case .cancelPending:
            if entry.status != .pendingCancel { reports.append(report(&entry, status: .pendingCancel)) }
        case .canceled, .filled, .done:
            entry.venueFinal = order.status
            if let final = finalReport(&entry) {
                reports.append(final)
            } else if !wasReported {
                // Final at the venue while its trades are still in flight: acknowledge now; the
                // trades report the fills and then the final state.
                reports.append(report(&entry, status: .new))
            }
        case .other(let text):
            if !wasReported { reports.append(report(&entry, status: .new, reason: "venue status \(text)")) }
        }
        store(entry)
        // Trades that overtook this order.
        if let held = pendingTrades.removeValue(forKey: order.id) {
            pendingTradeOrder.removeAll { $0 == order.id }
            for trade in held { reports += self.trade(trade, alreadySeen: true) }
        }
        return reports
    }

    /// One of our fills. Returns the fill report, or nothing for a repeat.
    public mutating func trade(_ trade: SFOXPrivateTrade) -> [ExecutionReport] {
        self.trade(trade, alreadySeen: false)
    }

    private mutating func trade(_ trade: SFOXPrivateTrade, alreadySeen: Bool) -> [ExecutionReport] {
        if !alreadySeen {
            guard seenTrades.insert(trade.tradeId).inserted else { return [] }
        }
        guard
            let clientId = clientIdByOrderId[trade.orderId]
                ?? trade.clientOrderId.flatMap({ entries[$0] != nil ? $0 : nil }),
            var entry = entries[clientId]
        else {
            hold(trade)
            return []
        }
        if entry.orderId == nil {
            entry.orderId = trade.orderId
            clientIdByOrderId[trade.orderId] = clientId
        }
        entry.tradedQty = (try? entry.tradedQty.adding(trade.quantity)) ?? entry.tradedQty
        guard entry.cumQty < entry.tradedQty, let lastQty = try? entry.tradedQty.subtracting(entry.cumQty) else {
            store(entry)
            return []
        }
        entry.cumQty = entry.tradedQty
        let wasTerminal = entry.status?.isTerminal == true
        // A fill after the order's terminal report (it traded before the cancel took effect, its
        // news came later) keeps the terminal status: nothing else follows a terminal report, and
        // the fill is still published (events.md §4.7).
        let status: OrderStatus =
            if wasTerminal, let final = entry.status { final } else if entry.cumQty >= entry.quantity { .filled } else {
                .partiallyFilled
            }
        var fill =
            wasTerminal
            ? report(&entry, status: status, reason: entry.reason, code: entry.rejectCode)
            : report(&entry, status: status)
        fill.lastQty = lastQty
        fill.lastPx = trade.price
        fill.fillId = String(trade.tradeId)
        var reports = [fill]
        if !wasTerminal, status != .filled, let final = finalReport(&entry) { reports.append(final) }
        store(entry)
        return reports
    }

    /// The final report for an order the venue finished, once every fill it reported is ours too.
    private mutating func finalReport(_ entry: inout Entry) -> ExecutionReport? {
        guard let final = entry.venueFinal, entry.cumQty >= entry.venueFilled else { return nil }
        if entry.cumQty >= entry.quantity { return report(&entry, status: .filled) }
        if case .canceled = final { return report(&entry, status: .canceled, reason: "canceled") }
        return report(
            &entry, status: .canceled, reason: "finished by the venue with \(entry.cumQty) of \(entry.quantity) filled")
    }

    /// The venue refused a create (HTTP 4xx). Returns the `rejected` report.
    public mutating func rejection(clientOrderId: String, code: String, reason: String) -> ExecutionReport? {
        guard var entry = entries[clientOrderId] else { return nil }
        let rejected = report(&entry, status: .rejected, reason: reason, code: code)
        store(entry)
        return rejected
    }

    /// A cancel the venue confirmed over REST (`canceled` / `cancel pending`).
    public mutating func cancelConfirmed(clientOrderId: String, pending: Bool) -> [ExecutionReport] {
        guard var entry = entries[clientOrderId], entry.status?.isTerminal != true else { return [] }
        if pending {
            guard entry.status != .pendingCancel else { return [] }
            let pendingReport = report(&entry, status: .pendingCancel)
            store(entry)
            return [pendingReport]
        }
        let canceled = report(&entry, status: .canceled, reason: "canceled by client")
        store(entry)
        return [canceled]
    }

    // MARK: - Queries

    public func report(clientOrderId: String) -> ExecutionReport? {
        guard let entry = entries[clientOrderId], let status = entry.status else { return nil }
        return Self.report(entry, account: account, status: status)
    }

    public func orderId(clientOrderId: String) -> Int64? { entries[clientOrderId]?.orderId }
    public func clientOrderId(orderId: Int64) -> String? { clientIdByOrderId[orderId] }
    public func pair(clientOrderId: String) -> String? { entries[clientOrderId]?.pair }

    /// Orders we consider open that a fresh open-orders snapshot does not list: they finished while
    /// we were not looking, and need a query.
    public func missing(from snapshot: [SFOXOrder]) -> [String] {
        let listed = Set(snapshot.map(\.id))
        return entries.values.filter { entry in
            guard let status = entry.status, !status.isTerminal, status != .rejected, let id = entry.orderId else {
                return false
            }
            return !listed.contains(id)
        }.map(\.clientOrderId).sorted()
    }

    public var pendingTradeCount: Int { pendingTrades.values.reduce(0) { $0 + $1.count } }

    // MARK: - Helpers

    private mutating func hold(_ trade: SFOXPrivateTrade) {
        if pendingTrades[trade.orderId] == nil { pendingTradeOrder.append(trade.orderId) }
        pendingTrades[trade.orderId, default: []].append(trade)
        while pendingTradeCount > pendingTradeCapacity, let oldest = pendingTradeOrder.popFirst() {
            droppedPendingTrades += pendingTrades.removeValue(forKey: oldest)?.count ?? 0
        }
    }

    private mutating func store(_ entry: Entry) {
        let wasFinished = entries[entry.clientOrderId]?.status?.isTerminal == true
        entries[entry.clientOrderId] = entry
        guard entry.status?.isTerminal == true, !wasFinished else { return }
        if let oldest = finished.insert(entry.clientOrderId).evicted, let gone = entries.removeValue(forKey: oldest),
            let id = gone.orderId
        {
            clientIdByOrderId[id] = nil
        }
    }

    private func report(_ entry: inout Entry, status: OrderStatus, reason: String? = nil, code: String? = nil)
        -> ExecutionReport
    {
        entry.status = status
        entry.reason = reason
        entry.rejectCode = code
        return Self.report(entry, account: account, status: status)
    }

    private static func report(_ entry: Entry, account: String, status: OrderStatus) -> ExecutionReport {
        let leaves: ExactDecimal =
            status.isTerminal ? .zero : max(.zero, (try? entry.quantity.subtracting(entry.cumQty)) ?? .zero)
        return ExecutionReport(
            account: account, clientOrderId: entry.clientOrderId, idempotencyKey: entry.idempotencyKey,
            venueOrderId: entry.orderId.map(String.init), side: entry.side, orderType: entry.orderType,
            timeInForce: entry.timeInForce,
            status: status, price: entry.price, quantity: entry.quantity, cumQty: entry.cumQty, leavesQty: leaves,
            // The venue's VWAP is exact; ours would need a division. Given only when both agree.
            avgPx: entry.venueFilled == entry.cumQty && !entry.cumQty.isZero ? entry.venueVwap : nil,
            reason: entry.reason, rejectCode: entry.rejectCode
        )
    }

    static func orderType(_ order: SFOXOrder) -> OrderType {
        if order.algorithmId == SFOXAlgorithm.market.rawValue || order.type?.lowercased() == "market" { return .market }
        return .limit
    }

    static func timeInForce(_ text: String) -> TimeInForce? {
        switch SFOXTimeInForce(rawValue: text.uppercased()) {
        case .goodTillCanceled?: .gtc
        case .immediateOrCancel?: .ioc
        case .fillOrKill?: .fok
        case .goodTillDate?: .gtd
        case nil: nil
        }
    }
}
