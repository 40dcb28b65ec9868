import DequeModule
public import FineryWire
import Synchronization
public import VenueBridgeCore
public import VenueConnector

/// The connector's view of its orders, built from feed `O` and carried across reconnects, so that:
/// - every order change becomes exactly one `execution_report` (deals are de-duplicated by id),
/// - orders that vanished while the link was down are reported (cancel-on-disconnect), and
/// - `query(clientOrderId:)` and error 74 ("already in use") can be answered from it.
public final class FineryOrderTracker: Sendable {
    struct Tracked {
        var order: FineryOrder
        var cumQty: ExactDecimal = .zero
        var dealIds: Set<Int64> = []
        var status: OrderStatus = .new
        var idempotencyKey: String?
        /// Whether the order was placed with cancel-on-disconnect; nil for orders we did not place.
        var cancelOnDisconnect: Bool?
    }

    /// What we know about an order we are placing, before the venue has confirmed it.
    public struct Placement: Sendable {
        var idempotencyKey: String?
        var cancelOnDisconnect: Bool

        public init(idempotencyKey: String?, cancelOnDisconnect: Bool) {
            self.idempotencyKey = idempotencyKey
            self.cancelOnDisconnect = cancelOnDisconnect
        }
    }

    private struct State {
        var active: [Int64: Tracked] = [:]
        var activeByClientId: [Int64: Int64] = [:]
        var placements: [Int64: Placement] = [:]
        var finished: [Int64: ExecutionReport] = [:]
        var finishedInstrument: [Int64: String] = [:]
        var finishedOrder: Deque<Int64> = []
        /// Deal ids already reported, across orders and after they finish: a redelivered deal is
        /// never a second fill.
        var seenDeals: RecentKeys<Int64>
    }

    private let state: Mutex<State>
    let account: String
    let finishedMemory: Int

    public init(account: String, finishedMemory: Int) {
        self.account = account
        self.finishedMemory = max(1, finishedMemory)
        state = Mutex(State(seenDeals: RecentKeys(capacity: max(1, finishedMemory) * 8)))
    }

    public func notePlacement(clientOrderId: Int64, _ placement: Placement) {
        state.withLock { $0.placements[clientOrderId] = placement }
    }

    /// The latest report for an order by client id: active or recently finished.
    public func report(clientOrderId: Int64) -> ExecutionReport? {
        state.withLock { state in
            if let orderId = state.activeByClientId[clientOrderId], let tracked = state.active[orderId] {
                return makeReport(tracked, status: tracked.status)
            }
            return state.finished[clientOrderId]
        }
    }

    var activeCount: Int { state.withLock { $0.active.count } }

    /// The venue instrument of an order we track (reports themselves carry no instrument).
    public func instrument(clientOrderId: String) -> String? {
        guard let id = Int64(clientOrderId) else { return nil }
        return state.withLock { state in
            if let orderId = state.activeByClientId[id], let tracked = state.active[orderId] {
                return tracked.order.instrument
            }
            return state.finishedInstrument[id]
        }
    }

    /// `O` snapshot: the venue's full list of active orders. Orders we knew as active but are not
    /// listed left the book while we could not see it. One unusable order refuses the whole
    /// snapshot before anything changes: acting on part of it would report listed orders as gone.
    public func snapshot(_ orders: [FineryOrder]) throws(VenueNormalizeError) -> [ExecutionReport] {
        var filled: [Int64: ExactDecimal] = [:]
        for order in orders { filled[order.orderId] = try Self.filledSize(order) }
        return state.withLock { state in
            var reports: [ExecutionReport] = []
            let listed = Set(orders.map(\.orderId))
            for (orderId, tracked) in state.active where !listed.contains(orderId) {
                // Its client id finished under another venue order id: one terminal report per
                // client order id, so this one leaves quietly.
                if state.finished[tracked.order.clientOrderId] != nil {
                    state.active[orderId] = nil
                    continue
                }
                var report: ExecutionReport
                if tracked.cancelOnDisconnect ?? true {
                    report = makeReport(tracked, status: .canceled)
                    report.reason =
                        "\(FineryCancelReason.cancelOnDisconnect.text) (absent from the O snapshot after reconnect)"
                    report.leavesQty = .zero
                } else {
                    report = makeReport(tracked, status: .unknown)
                    report.reason = "left the book while the link was down; fills, if any, were not seen"
                }
                finish(&state, orderId: orderId, instrument: tracked.order.instrument, report: report)
                reports.append(report)
            }
            for order in orders {
                if var tracked = state.active[order.orderId] {
                    tracked.order = order
                    state.active[order.orderId] = tracked
                    continue
                }
                // Finished (or refused) already: nothing follows a terminal report.
                guard state.finished[order.clientOrderId] == nil else { continue }
                reports.append(track(&state, order, filled: filled[order.orderId] ?? .zero))
            }
            return reports
        }
    }

    /// `O` `+`: a new order on the book.
    public func added(_ order: FineryOrder) throws(VenueNormalizeError) -> ExecutionReport? {
        let filled = try Self.filledSize(order)
        return state.withLock { state in
            // Finished (or refused) already: nothing follows a terminal report.
            guard state.active[order.orderId] == nil, state.finished[order.clientOrderId] == nil else { return nil }
            return track(&state, order, filled: filled)
        }
    }

    /// `O` `D`: a fill. Duplicate deal ids are ignored.
    public func deal(_ deal: FineryDeal) throws(VenueNormalizeError) -> ExecutionReport? {
        // The deal's order fields must be usable too: they become the tracked order.
        _ = try Self.filledSize(deal.order)
        guard deal.size >= 0 else {
            throw VenueNormalizeError(.invalidOrder, "O deal \(deal.dealId): negative size \(deal.size)")
        }
        return state.withLock { state in
            guard state.seenDeals.insert(deal.dealId).inserted else { return nil }
            let size = FineryUnits.decimal(deal.size)
            if var done = state.finished[deal.order.clientOrderId] {
                // A fill the venue reports after the order's terminal report (it traded before the
                // cancel took effect): money moved, so it is published, with the terminal status
                // unchanged and cum_qty grown (events.md §4.7). The same when a second venue
                // order claims a client id that already finished: one terminal report per client id.
                state.active[deal.order.orderId] = nil
                done.cumQty = (try? done.cumQty.adding(size)) ?? done.cumQty
                done.lastQty = size
                done.lastPx = FineryUnits.decimal(deal.price)
                done.fillId = "\(deal.dealId)"
                done.liquidity = deal.aggressorSide == deal.order.side ? .taker : .maker
                state.finished[deal.order.clientOrderId] = done
                return done
            }
            var tracked = state.active[deal.order.orderId] ?? newTracked(&state, deal.order)
            guard tracked.dealIds.insert(deal.dealId).inserted else { return nil }
            tracked.order = deal.order
            tracked.cumQty = (try? tracked.cumQty.adding(size)) ?? tracked.cumQty
            tracked.status = deal.order.sizeLeft == 0 ? .filled : .partiallyFilled
            var report = makeReport(tracked, status: tracked.status)
            report.lastQty = size
            report.lastPx = FineryUnits.decimal(deal.price)
            report.fillId = "\(deal.dealId)"
            report.liquidity = deal.aggressorSide == deal.order.side ? .taker : .maker
            if tracked.status == .filled {
                finish(&state, orderId: deal.order.orderId, instrument: deal.order.instrument, report: report)
            } else {
                state.active[deal.order.orderId] = tracked
                state.activeByClientId[deal.order.clientOrderId] = deal.order.orderId
            }
            return report
        }
    }

    /// `O` `-`: the order left the book: filled (already reported by its deal) or canceled.
    public func removed(_ order: FineryOrder) throws(VenueNormalizeError) -> ExecutionReport? {
        let filled = try Self.filledSize(order)
        return state.withLock { state in
            guard var tracked = state.active[order.orderId] else {
                // Unknown and already finished: a late duplicate. Unknown and never seen: report it once.
                if state.finished[order.clientOrderId] != nil { return nil }
                var tracked = newTracked(&state, order)
                tracked.order = order
                let report = removalReport(tracked, order, filled: filled)
                finish(&state, orderId: order.orderId, instrument: order.instrument, report: report)
                return report
            }
            if state.finished[order.clientOrderId] != nil {
                // Its client id finished under another venue order id: reported already.
                state.active[order.orderId] = nil
                return nil
            }
            tracked.order = order
            let report = removalReport(tracked, order, filled: filled)
            let alreadyReported = tracked.status == .filled && report.status == .filled
            finish(&state, orderId: order.orderId, instrument: order.instrument, report: report)
            return alreadyReported ? nil : report
        }
    }

    /// The report for an `add` the venue refused.
    public func rejection(_ request: FineryAddRequest, idempotencyKey: String?, code: FineryErrorCode, param: String?)
        -> ExecutionReport
    {
        let report = ExecutionReport(
            account: account, clientOrderId: "\(request.clientOrderId)", idempotencyKey: idempotencyKey,
            side: request.side == .bid ? .buy : .sell, orderType: Self.orderType(request.type),
            timeInForce: Self.timeInForce(request.type),
            status: .rejected, price: request.price.map(FineryUnits.decimal),
            quantity: FineryUnits.decimal(request.size), cumQty: .zero,
            leavesQty: .zero, reason: code.meaning + (param.map { " (\($0))" } ?? ""), rejectCode: "\(code.rawValue)"
        )
        return state.withLock { state in
            state.placements.removeValue(forKey: request.clientOrderId)
            // The feed already shows the order: it exists, whatever the reply said; its state is
            // the answer, and the stream goes on from it.
            if let orderId = state.activeByClientId[request.clientOrderId], let tracked = state.active[orderId] {
                return makeReport(tracked, status: tracked.status)
            }
            if let done = state.finished[request.clientOrderId] { return done }
            // Remembered as finished: an order the feed shows for it later reports nothing more.
            finish(&state, orderId: -1, instrument: request.instrument, report: report)
            return report
        }
    }

    /// How much of `order` has filled (`initialSize - sizeLeft`), checked: both sizes come from
    /// the venue, and a difference that overflows or is negative (more left than ordered) would
    /// trap the process or publish a negative `cum_qty`. Such an order is refused, not tracked.
    public static func filledSize(_ order: FineryOrder) throws(VenueNormalizeError) -> ExactDecimal {
        guard order.initialSize >= 0, order.sizeLeft >= 0 else {
            throw VenueNormalizeError(
                .invalidOrder,
                "O order \(order.orderId): negative size (initial \(order.initialSize), left \(order.sizeLeft))")
        }
        let (filled, overflow) = order.initialSize.subtractingReportingOverflow(order.sizeLeft)
        guard !overflow, filled >= 0 else {
            throw VenueNormalizeError(
                .invalidOrder,
                "O order \(order.orderId): size left \(order.sizeLeft) exceeds initial size \(order.initialSize)")
        }
        return FineryUnits.decimal(filled)
    }

    private func removalReport(_ tracked: Tracked, _ order: FineryOrder, filled impliedCum: ExactDecimal)
        -> ExecutionReport
    {
        var tracked = tracked
        if impliedCum > tracked.cumQty { tracked.cumQty = impliedCum }
        if order.sizeLeft == 0 {
            return makeReport(tracked, status: .filled)
        }
        var report = makeReport(tracked, status: .canceled)
        report.leavesQty = .zero
        report.reason = FineryCancelReason(rawValue: order.cancelReason)?.text ?? "cancel reason \(order.cancelReason)"
        return report
    }

    private func track(_ state: inout State, _ order: FineryOrder, filled: ExactDecimal) -> ExecutionReport {
        var tracked = newTracked(&state, order)
        tracked.cumQty = filled
        tracked.status = tracked.cumQty.isZero ? .new : .partiallyFilled
        state.active[order.orderId] = tracked
        state.activeByClientId[order.clientOrderId] = order.orderId
        return makeReport(tracked, status: tracked.status)
    }

    private func newTracked(_ state: inout State, _ order: FineryOrder) -> Tracked {
        let placement = state.placements.removeValue(forKey: order.clientOrderId)
        return Tracked(
            order: order, idempotencyKey: placement?.idempotencyKey, cancelOnDisconnect: placement?.cancelOnDisconnect)
    }

    private func finish(_ state: inout State, orderId: Int64, instrument: String, report: ExecutionReport) {
        guard let clientOrderId = Int64(report.clientOrderId) else { return }
        state.finishedInstrument[clientOrderId] = instrument
        state.active[orderId] = nil
        if state.activeByClientId[clientOrderId] == orderId { state.activeByClientId[clientOrderId] = nil }
        if state.finished.updateValue(report, forKey: clientOrderId) == nil {
            state.finishedOrder.append(clientOrderId)
            while state.finishedOrder.count > finishedMemory, let oldest = state.finishedOrder.popFirst() {
                state.finished[oldest] = nil
                state.finishedInstrument[oldest] = nil
            }
        }
    }

    private func makeReport(_ tracked: Tracked, status: OrderStatus) -> ExecutionReport {
        let order = tracked.order
        return ExecutionReport(
            account: account, clientOrderId: "\(order.clientOrderId)", idempotencyKey: tracked.idempotencyKey,
            venueOrderId: "\(order.orderId)", side: order.side == .bid ? .buy : .sell,
            orderType: Self.orderType(order.type), timeInForce: Self.timeInForce(order.type), status: status,
            price: order.type.isMarket ? nil : FineryUnits.decimal(order.price),
            quantity: FineryUnits.decimal(order.initialSize),
            cumQty: tracked.cumQty, leavesQty: status.isTerminal ? .zero : FineryUnits.decimal(order.sizeLeft)
        )
    }

    static func orderType(_ type: FineryOrderType) -> OrderType { type.isMarket ? .market : .limit }

    static func timeInForce(_ type: FineryOrderType) -> TimeInForce {
        switch type {
        case .limitIOC, .marketIOC: .ioc
        case .limitFOK, .marketFOK: .fok
        default: .gtc
        }
    }
}
