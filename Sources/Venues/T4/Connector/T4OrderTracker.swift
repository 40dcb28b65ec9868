// File length: one venue's order state machine (submit, revise, pull, fills, account snapshots) over one set of maps;
// its rules cross-reference each other.
public import T4Wire
public import VenueBridgeCore
public import VenueConnector

/// Which of the bridge's own requests an update answers.
public enum T4RequestKind: String, Sendable, Hashable {
    case submit, pull, revise
}

/// The venue's answer to one of the bridge's requests.
public enum T4RequestAnswer: Sendable, Equatable {
    /// The order's state after the venue acted (accepted, pulled, revised, or refused as a whole
    /// for a submit: a `rejected` report).
    case report(ExecutionReport)
    /// A pull or revise the venue refused; the order itself is unchanged.
    case refused(reason: String, code: String)
}

/// What one venue message changed: reports to publish, and answers for requests in flight.
public struct T4OrderEvents: Sendable {
    public var reports: [ExecutionReport] = []
    public var answers: [(clientOrderId: String, kind: T4RequestKind, answer: T4RequestAnswer)] = []
    /// Updates for orders the tracker cannot place (no tag and never seen): counted and logged.
    public var unmatched: [String] = []
    /// Updates refused because their numbers cannot be right (negative volumes): counted and
    /// logged, and they changed nothing.
    public var invalid: [String] = []

    public init() {}

    init(invalid detail: String) { invalid = [detail] }

    mutating func append(_ other: T4OrderEvents) {
        reports += other.reports
        answers += other.answers
        unmatched += other.unmatched
        invalid += other.invalid
    }
}

/// Our view of the orders of the subscribed accounts, built from `OrderUpdateMulti` entries (and
/// the same messages at top level) and from each `AccountSnapshot`.
///
/// T4 has no client order id: the bridge sends its id in `Order.tag`, the venue echoes it in
/// `OrderUpdate.tag` and assigns `unique_id`, by which later updates are matched. Each state is
/// reported once; fills are deduplicated on `exchange_trade_id` and `cum_qty` only grows. Orders
/// not placed by the bridge (no tag) are reported under `t4-<unique_id>`.
///
/// Pure: the connector keeps it behind a lock and publishes what it returns.
public struct T4OrderTracker: Sendable {
    struct Entry: Sendable {
        var clientOrderId: String
        var idempotencyKey: String?
        var uniqueID: String?
        var accountID: String
        var marketID: String
        var side: Side
        var orderType: OrderType
        var timeInForce: TimeInForce?
        var price: ExactDecimal?
        var quantity: ExactDecimal
        var cumQty: ExactDecimal = .zero
        var status: OrderStatus?
        var reason: String?
        var rejectCode: String?
        var exchangeOrderID: String?
    }

    public enum Source: Sendable {
        /// A live update.
        case live
        /// An `AccountSnapshot` after (re)subscribing: past fills are not replayed, so the
        /// order's `total_fill_volume` is adopted.
        case snapshot
    }

    private var entries: [String: Entry] = [:]
    private var clientIdByUniqueID: [String: String] = [:]
    private var finished: RecentKeys<String>
    private var seenFills: RecentKeys<String>

    public init(finishedMemory: Int = 10_000, seenFillMemory: Int = 100_000) {
        finished = RecentKeys(capacity: finishedMemory)
        seenFills = RecentKeys(capacity: seenFillMemory)
    }

    // MARK: - Inputs

    /// Remembers an order about to be submitted, so its updates find the request's details.
    public mutating func willSubmit(_ request: OrderRequest, accountID: String, marketID: String) {
        guard entries[request.clientOrderId] == nil else { return }
        entries[request.clientOrderId] = Entry(
            clientOrderId: request.clientOrderId, idempotencyKey: request.idempotencyKey, accountID: accountID,
            marketID: marketID,
            side: request.side, orderType: request.orderType, timeInForce: request.timeInForce, price: request.price,
            quantity: request.quantity
        )
    }

    /// Forgets an order whose submit could not be written (nothing reached the venue).
    public mutating func submitNotSent(clientOrderId: String) {
        if let entry = entries[clientOrderId], entry.status == nil, entry.uniqueID == nil {
            entries[clientOrderId] = nil
        }
    }

    /// One entry of an `OrderUpdateMulti` (or the same message at top level).
    public mutating func apply(
        _ entry: T4proto_V1_Orderrouting_OrderUpdateMultiMessage, accountID: String, marketID: String, source: Source
    ) -> T4OrderEvents {
        switch entry.payload {
        case .orderUpdate(let update)?: return self.update(update, source: source)
        case .orderUpdateStatus(let status)?: return self.status(status)
        case .orderUpdateTrade(let trade)?: return self.trade(trade)
        case .orderUpdateFailed(let failed)?: return self.failed(failed)
        case .orderUpdateTradeLeg?, nil: return T4OrderEvents()
        }
    }

    /// A full order record: the answer to a submit, or an order listed by a snapshot.
    public mutating func update(_ update: T4proto_V1_Orderrouting_OrderUpdate, source: Source) -> T4OrderEvents {
        if let problem = Self.negativeVolume(
            [
                ("current_volume", update.currentVolume), ("total_fill_volume", update.totalFillVolume),
                ("working_volume", update.workingVolume),
            ] + update.trades.map { ("trades.volume", $0.volume) })
        {
            return T4OrderEvents(invalid: "order_update \(update.uniqueID): \(problem)")
        }
        var events = T4OrderEvents()
        let clientId = clientOrderId(tag: update.tag, uniqueID: update.uniqueID)
        var entry =
            entries[clientId]
            ?? Entry(
                clientOrderId: clientId, accountID: update.accountID, marketID: update.marketID,
                side: update.buySell.side ?? .buy,
                orderType: Self.orderType(update.priceType), timeInForce: Self.timeInForce(update.timeType),
                price: nil, quantity: T4Volume.quantity(update.currentVolume)
            )
        let firstAnswer = entry.status == nil
        entry.uniqueID = update.uniqueID
        entry.accountID = update.accountID.isEmpty ? entry.accountID : update.accountID
        entry.marketID = update.marketID.isEmpty ? entry.marketID : update.marketID
        if !update.exchangeOrderID.isEmpty { entry.exchangeOrderID = update.exchangeOrderID }
        if update.currentVolume > 0 { entry.quantity = T4Volume.quantity(update.currentVolume) }
        if update.hasCurrentLimitPrice, let price = try? update.currentLimitPrice.exactDecimal() { entry.price = price }
        clientIdByUniqueID[update.uniqueID] = clientId

        // Fills the record lists (e.g. a snapshot after a reconnect), deduplicated like live ones.
        for trade in update.trades where !trade.exchangeTradeID.isEmpty {
            events.reports += fill(
                &entry, tradeID: trade.exchangeTradeID, volume: trade.volume, price: trade.hasPrice ? trade.price : nil,
                total: nil, finished: false)
        }
        let total = T4Volume.quantity(update.totalFillVolume)
        if source == .snapshot, entry.cumQty < total, let missed = try? total.subtracting(entry.cumQty) {
            // Fills while we were away that the snapshot does not itemize: one report for them.
            entry.cumQty = total
            if entry.status != nil, entry.status?.isTerminal != true {
                var report = report(
                    &entry, status: total >= entry.quantity ? .filled : .partiallyFilled,
                    reason: "fills while disconnected (venue order state)")
                report.lastQty = missed
                events.reports.append(report)
            }
        }
        if entry.status?.isTerminal != true {
            if let report = statusReport(&entry, update.status, update.change, detail: update.statusDetail) {
                events.reports.append(report)
            } else if entry.status == nil {
                events.reports.append(report(&entry, status: .new, reason: "venue status \(update.status)"))
            }
        }
        if firstAnswer, let first = events.reports.first {
            events.answers.append((clientId, .submit, .report(first)))
        }
        store(entry)
        return events
    }

    /// A status change (pull, revise, expiry, the unfilled rest of an IOC).
    public mutating func status(_ status: T4proto_V1_Orderrouting_OrderUpdateStatus) -> T4OrderEvents {
        if let problem = Self.negativeVolume([("current_volume", status.currentVolume)]) {
            return T4OrderEvents(invalid: "order_update_status \(status.uniqueID): \(problem)")
        }
        var events = T4OrderEvents()
        guard let clientId = known(uniqueID: status.uniqueID, tag: status.tag), var entry = entries[clientId] else {
            events.unmatched.append("order_update_status for unknown order \(status.uniqueID)")
            return events
        }
        if entry.uniqueID == nil {
            entry.uniqueID = status.uniqueID
            clientIdByUniqueID[status.uniqueID] = clientId
        }
        if status.currentVolume > 0 { entry.quantity = T4Volume.quantity(status.currentVolume) }
        if status.hasCurrentLimitPrice, let price = try? status.currentLimitPrice.exactDecimal() { entry.price = price }
        if entry.status?.isTerminal != true,
            let report = statusReport(&entry, status.status, status.change, detail: status.statusDetail)
        {
            events.reports.append(report)
            switch (status.status, status.change) {
            case (.finished, .pullSuccess): events.answers.append((clientId, .pull, .report(report)))
            case (.working, .revisionSuccess), (.held, .revisionSuccess):
                events.answers.append((clientId, .revise, .report(report)))
            default: break
            }
        }
        store(entry)
        return events
    }

    /// A fill. Repeats (same `exchange_trade_id`) report nothing.
    public mutating func trade(_ trade: T4proto_V1_Orderrouting_OrderUpdateTrade) -> T4OrderEvents {
        if let problem = Self.negativeVolume([
            ("volume", trade.volume), ("total_fill_volume", trade.totalFillVolume),
            ("working_volume", trade.workingVolume),
        ]) {
            return T4OrderEvents(invalid: "order_update_trade \(trade.uniqueID): \(problem)")
        }
        var events = T4OrderEvents()
        guard let clientId = known(uniqueID: trade.uniqueID, tag: ""), var entry = entries[clientId] else {
            events.unmatched.append("order_update_trade for unknown order \(trade.uniqueID)")
            return events
        }
        let id = trade.exchangeTradeID.isEmpty ? "\(trade.uniqueID)#\(trade.totalFillVolume)" : trade.exchangeTradeID
        events.reports = fill(
            &entry, tradeID: id, volume: trade.volume, price: trade.hasPrice ? trade.price : nil,
            total: trade.totalFillVolume > 0 ? T4Volume.quantity(trade.totalFillVolume) : nil,
            finished: trade.status == .finished
        )
        store(entry)
        return events
    }

    /// A refused request: a submit (the order is `rejected`), or a pull / revise (the order is
    /// unchanged; the refusal answers the request).
    public mutating func failed(_ failed: T4proto_V1_Orderrouting_OrderUpdateFailed) -> T4OrderEvents {
        var events = T4OrderEvents()
        guard let clientId = known(uniqueID: failed.uniqueID, tag: failed.tagClOrdID), var entry = entries[clientId]
        else {
            events.unmatched.append(
                "order_update_failed (\(failed.change)) for unknown order \(failed.uniqueID): \(failed.statusDetail)")
            return events
        }
        let reason = Self.reason(failed.statusDetail, failed.change)
        switch failed.change {
        case .pullRejected:
            events.answers.append((clientId, .pull, .refused(reason: reason, code: Self.code(failed.change))))
        case .revisionRejected:
            events.answers.append((clientId, .revise, .refused(reason: reason, code: Self.code(failed.change))))
        default:
            // SUBMISSION_REJECTED / SUBMISSION_FAILED (and any other failure of an order that
            // never worked): the order is refused.
            guard entry.status == nil || entry.status == .unknown else {
                events.unmatched.append(
                    "order_update_failed (\(failed.change)) for a working order \(clientId): \(failed.statusDetail)")
                break
            }
            if !failed.uniqueID.isEmpty {
                entry.uniqueID = failed.uniqueID
                clientIdByUniqueID[failed.uniqueID] = clientId
            }
            let rejected = report(&entry, status: .rejected, reason: reason, code: Self.code(failed.change))
            events.reports.append(rejected)
            events.answers.append((clientId, .submit, .report(rejected)))
        }
        store(entry)
        return events
    }

    /// After an `AccountSnapshot` for `accountID`: orders we consider working that it does not
    /// list ended while we were away. T4 does not say how, so they are reported `unknown` (and a
    /// later update can still settle them).
    public mutating func reconcile(accountID: String, working uniqueIDs: Set<String>) -> T4OrderEvents {
        var events = T4OrderEvents()
        let vanished = entries.values.filter { entry in
            guard entry.accountID == accountID, let status = entry.status, !status.isTerminal, status != .unknown,
                let uniqueID = entry.uniqueID
            else { return false }
            return !uniqueIDs.contains(uniqueID)
        }.map(\.clientOrderId).sorted()
        for clientId in vanished {
            guard var entry = entries[clientId] else { continue }
            events.reports.append(
                report(
                    &entry, status: .unknown,
                    reason: "no longer working after a reconnect; T4 does not say whether it filled or was canceled"))
            store(entry)
        }
        return events
    }

    // MARK: - Queries

    public func report(clientOrderId: String) -> ExecutionReport? {
        guard let entry = entries[clientOrderId], let status = entry.status else { return nil }
        return Self.report(entry, status: status)
    }

    /// What a pull or revise of the order needs: the venue's id and the order's market.
    public func venueReference(clientOrderId: String) -> (uniqueID: String, accountID: String, marketID: String)? {
        guard let entry = entries[clientOrderId], let uniqueID = entry.uniqueID else { return nil }
        return (uniqueID, entry.accountID, entry.marketID)
    }

    public func clientOrderId(uniqueID: String) -> String? { clientIdByUniqueID[uniqueID] }
    /// Submitted (or about to be) and not answered yet.
    public func isPending(clientOrderId: String) -> Bool { entries[clientOrderId].map { $0.status == nil } ?? false }
    public func marketID(clientOrderId: String) -> String? { entries[clientOrderId]?.marketID }

    // MARK: - Helpers

    private func clientOrderId(tag: String, uniqueID: String) -> String {
        if !tag.isEmpty { return tag }
        return clientIdByUniqueID[uniqueID] ?? "t4-\(uniqueID)"
    }

    private func known(uniqueID: String, tag: String) -> String? {
        if let id = clientIdByUniqueID[uniqueID] { return id }
        if !tag.isEmpty, entries[tag] != nil { return tag }
        return nil
    }

    private mutating func fill(
        _ entry: inout Entry, tradeID: String, volume: Int32, price: T4Price?, total: ExactDecimal?, finished: Bool
    ) -> [ExecutionReport] {
        guard seenFills.insert(tradeID).inserted else { return [] }
        let tradeQty = T4Volume.quantity(volume)
        // The venue's running total, when given, is authoritative: it already counts fills we
        // adopted from a snapshot, so only the part beyond our total is new.
        let newCum = total ?? ((try? entry.cumQty.adding(tradeQty)) ?? entry.cumQty)
        guard newCum > entry.cumQty, entry.status?.isTerminal != true || entry.status == .canceled,
            let beyond = try? newCum.subtracting(entry.cumQty)
        else { return [] }
        let lastQty = min(tradeQty, beyond)
        entry.cumQty = newCum
        let wasTerminal = entry.status?.isTerminal == true
        let status: OrderStatus =
            if newCum >= entry.quantity { .filled } else if wasTerminal, let final = entry.status { final } else {
                .partiallyFilled
            }
        var fill = report(&entry, status: status)
        fill.lastQty = lastQty
        fill.lastPx = price.flatMap { try? $0.exactDecimal() }
        fill.fillId = tradeID
        var reports = [fill]
        if finished, status == .partiallyFilled {
            reports.append(
                report(
                    &entry, status: .canceled,
                    reason: "finished by the venue with \(entry.cumQty) of \(entry.quantity) filled"))
        }
        return reports
    }

    /// The report a status and change cause for an order not yet final, shared by full records
    /// and status updates; nil when they change nothing we report (a repeat of a working state).
    private mutating func statusReport(
        _ entry: inout Entry, _ status: T4OrderStatus, _ change: T4OrderChange, detail: String
    ) -> ExecutionReport? {
        switch status {
        case .working, .held:
            guard entry.status == nil || entry.status == .unknown || change == .revisionSuccess else { return nil }
            let reason = status == .held ? "held by the venue" : (change == .revisionSuccess ? "revised" : nil)
            return report(&entry, status: entry.cumQty.isZero ? .new : .partiallyFilled, reason: reason)
        case .finished:
            return finalReport(&entry, detail: detail, change: change)
        case .rejected:
            return report(&entry, status: .rejected, reason: Self.reason(detail, change), code: Self.code(change))
        default:
            return nil
        }
    }

    private mutating func finalReport(_ entry: inout Entry, detail: String, change: T4OrderChange) -> ExecutionReport {
        if entry.cumQty >= entry.quantity { return report(&entry, status: .filled) }
        if change == .pullSuccess, detail.isEmpty { return report(&entry, status: .canceled, reason: "canceled") }
        return report(&entry, status: .canceled, reason: Self.reason(detail, change))
    }

    private mutating func store(_ entry: Entry) {
        let wasFinished = entries[entry.clientOrderId]?.status?.isTerminal == true
        entries[entry.clientOrderId] = entry
        guard entry.status?.isTerminal == true, !wasFinished else { return }
        if let oldest = finished.insert(entry.clientOrderId).evicted, let gone = entries.removeValue(forKey: oldest),
            let id = gone.uniqueID
        {
            clientIdByUniqueID[id] = nil
        }
    }

    private func report(_ entry: inout Entry, status: OrderStatus, reason: String? = nil, code: String? = nil)
        -> ExecutionReport
    {
        entry.status = status
        entry.reason = reason
        entry.rejectCode = code
        return Self.report(entry, status: status)
    }

    private static func report(_ entry: Entry, status: OrderStatus) -> ExecutionReport {
        // Never negative: a venue that lowers an order's quantity below what already filled
        // (found by fuzzing) leaves nothing, not less than nothing.
        let leaves: ExactDecimal =
            status.isTerminal ? .zero : max(.zero, (try? entry.quantity.subtracting(entry.cumQty)) ?? .zero)
        return ExecutionReport(
            account: entry.accountID, clientOrderId: entry.clientOrderId, idempotencyKey: entry.idempotencyKey,
            venueOrderId: entry.uniqueID,
            side: entry.side, orderType: entry.orderType, timeInForce: entry.timeInForce, status: status,
            price: entry.price,
            quantity: entry.quantity, cumQty: entry.cumQty, leavesQty: leaves, reason: entry.reason,
            rejectCode: entry.rejectCode
        )
    }

    /// The first negative one of `volumes` (contract counts, never negative), described; nil when
    /// all are usable. A negative volume would become a negative quantity in a report.
    static func negativeVolume(_ volumes: [(String, Int32)]) -> String? {
        volumes.first { $0.1 < 0 }.map { "negative \($0.0) \($0.1)" }
    }

    static func reason(_ detail: String, _ change: T4OrderChange) -> String {
        detail.isEmpty ? "venue change \(code(change))" : detail
    }

    /// The venue's change as its wire name (`SUBMISSION_REJECTED`), for `reject_code`.
    static func code(_ change: T4OrderChange) -> String {
        switch change {
        case .submissionRejected: "SUBMISSION_REJECTED"
        case .submissionFailed: "SUBMISSION_FAILED"
        case .pullRejected: "PULL_REJECTED"
        case .revisionRejected: "REVISION_REJECTED"
        case .pullSuccess: "PULL_SUCCESS"
        default: "\(change.rawValue)"
        }
    }

    static func orderType(_ type: T4PriceType) -> OrderType {
        switch type {
        case .market: .market
        case .limit: .limit
        case .stopMarket: .stop
        case .stopLimit: .stopLimit
        default: .limit
        }
    }

    static func timeInForce(_ type: T4TimeType) -> TimeInForce? {
        switch type {
        case .normal: .day
        case .immediateAndCancel: .ioc
        case .goodTillCancelled: .gtc
        case .completeVolume: .fok
        default: nil
        }
    }
}
