// File length: one venue's taker state (RFQs by label, quotes, accepts and their fills) over one set of
// maps; its rules cross-reference each other.
public import FigWire
public import VenueBridgeCore
public import VenueConnector

/// The connector's view of the firm's RFQs as taker: which RFQ each label (the bridge's client id)
/// created, the quotes on them, and the accepts (trades against a quote) with their fills.
///
/// Rules (`shared/venues/fig.md`, docs/venues/fig.md):
/// - A fill is a trade's `exchangeTradeId`, reported once whether it came in the `/rfq/trade`
///   answer or on an `rfq.taker` push; an RFQ's trades belong to the accept made on it.
/// - An accept's report is `partially_filled` until the RFQ is known filled (its status, or the
///   trade answer, which lists every leg's trade), then `filled`; nothing follows.
/// - Bounded: RFQs and accepts are remembered up to `memory`, oldest forgotten first.
///
/// Pure: the connector keeps it behind a lock and publishes what it returns.
public struct FigTakerBook: Sendable {
    struct Accept: Sendable {
        var clientOrderId: String
        var idempotencyKey: String?
        var quoteId: Int64
        var rfqId: Int64?
        var side: Side?
        var price: ExactDecimal?
        var quantity: ExactDecimal?
        var cumQty: ExactDecimal = .zero
        var done = false
    }

    public let account: String
    private var rfqByLabel: [String: Int64] = [:]
    private var rfqs: [Int64: FigRFQ] = [:]
    private var rfqMemory: RecentKeys<Int64>
    private var quotes: [Int64: FigQuote] = [:]
    private var accepts: [String: Accept] = [:]
    private var acceptByRFQ: [Int64: String] = [:]
    private var acceptMemory: RecentKeys<String>
    private var seenTrades: RecentKeys<String>

    public init(account: String, memory: Int = 10_000) {
        self.account = account
        rfqMemory = RecentKeys(capacity: memory)
        acceptMemory = RecentKeys(capacity: memory)
        seenTrades = RecentKeys(capacity: memory * 4)
    }

    // MARK: - RFQs

    /// An RFQ as REST answered or a push showed it.
    public mutating func rfq(_ rfq: FigRFQ) -> [ExecutionReport] {
        remember(rfq)
        for quote in rfq.quotes {
            quotes[quote.rfqQuoteId] = FigQuote(
                rfqQuoteId: quote.rfqQuoteId, rfqId: rfq.rfqId, direction: quote.direction, price: quote.price,
                amount: quote.amount, event: quote.event, createdAtMs: quote.createdAtMs)
        }
        guard let acceptId = acceptByRFQ[rfq.rfqId] else { return [] }
        return fills(acceptId, trades: rfq.trades, complete: rfq.status == .filled || rfq.status == .filledPartial)
    }

    /// A created RFQ (the create answer): known by its label from now on.
    public mutating func created(label: String, rfqId: Int64) {
        guard !label.isEmpty else { return }
        rfqByLabel[label] = rfqId
        if rfqs[rfqId] == nil { remember(FigRFQ(rfqId: rfqId, status: .open, label: label)) }
    }

    public func rfq(label: String) -> FigRFQ? { rfqByLabel[label].flatMap { rfqs[$0] } }
    public func rfq(id: Int64) -> FigRFQ? { rfqs[id] }

    public mutating func quote(_ quote: FigQuote) {
        quotes[quote.rfqQuoteId] = quote
        if quotes.count > rfqMemory.capacity * 8 {
            // Quotes of forgotten RFQs go first.
            quotes = quotes.filter { $0.value.rfqId.map { rfqs[$0] != nil } ?? false }
        }
    }

    public func rfqId(quoteId: Int64) -> Int64? { quotes[quoteId]?.rfqId }

    // MARK: - Accepts

    /// Remembers an accept about to be sent, so its fills find it.
    public mutating func willAccept(_ request: AcceptQuoteRequest) {
        if var known = accepts[request.clientOrderId] {
            // Known already; a request that names the RFQ tells where it traded, if that was not known.
            if known.rfqId == nil, let rfqId = request.rfqId.flatMap(Int64.init) {
                known.rfqId = rfqId
                accepts[request.clientOrderId] = known
                acceptByRFQ[rfqId] = request.clientOrderId
            }
            return
        }
        let quote = quotes[Int64(request.quoteId) ?? -1]
        let rfqId = quote?.rfqId ?? request.rfqId.flatMap(Int64.init)
        var accept = Accept(
            clientOrderId: request.clientOrderId, idempotencyKey: request.idempotencyKey,
            quoteId: Int64(request.quoteId) ?? -1, rfqId: rfqId)
        if let quote {
            // A maker's buy lets the taker sell.
            accept.side = quote.direction == .buy ? .sell : .buy
            accept.price = quote.price
            accept.quantity = quote.amount
        }
        accepts[request.clientOrderId] = accept
        if let rfqId { acceptByRFQ[rfqId] = request.clientOrderId }
        if let evicted = acceptMemory.insert(request.clientOrderId).evicted,
            let old = accepts.removeValue(forKey: evicted),
            let oldRFQ = old.rfqId, acceptByRFQ[oldRFQ] == evicted
        {
            acceptByRFQ[oldRFQ] = nil
        }
    }

    public func acceptRFQ(clientOrderId: String) -> Int64? { accepts[clientOrderId]?.rfqId }
    public func acceptQuote(clientOrderId: String) -> Int64? { accepts[clientOrderId]?.quoteId }

    /// Whether the firm traded against this quote (its `deleted` then means it was taken).
    public func isAccepted(quoteId: Int64) -> Bool {
        guard let rfqId = quotes[quoteId]?.rfqId, let acceptId = acceptByRFQ[rfqId] else { return false }
        return accepts[acceptId]?.quoteId == quoteId
    }
    public func isAccept(clientOrderId: String) -> Bool { accepts[clientOrderId] != nil }

    /// The trade answer: every leg's trade of the accept; the accept is complete.
    public mutating func traded(clientOrderId: String, result: FigTradeRequest.Result) -> [ExecutionReport] {
        guard var accept = accepts[clientOrderId] else { return [] }
        accept.rfqId = result.rfqId
        accepts[clientOrderId] = accept
        acceptByRFQ[result.rfqId] = clientOrderId
        return fills(clientOrderId, trades: result.trades, complete: true)
    }

    /// The accept's state as last reported; nil before anything was reported.
    public func report(clientOrderId: String) -> ExecutionReport? {
        guard let accept = accepts[clientOrderId], !accept.cumQty.isZero else { return nil }
        return report(accept)
    }

    private mutating func fills(_ clientOrderId: String, trades: [FigTrade], complete: Bool) -> [ExecutionReport] {
        guard var accept = accepts[clientOrderId], !accept.done else { return [] }
        let fresh = trades.filter { !seenTrades.contains($0.exchangeTradeId) }
        var reports: [ExecutionReport] = []
        if accept.side == nil, let first = trades.first { accept.side = first.direction == .buy ? .buy : .sell }
        if accept.price == nil { accept.price = trades.first?.price }
        if complete {
            // The whole trade is known: its quantity is what its legs traded.
            let total = trades.reduce(ExactDecimal.zero) { (try? $0.adding($1.amount)) ?? $0 }
            if total.isPositive { accept.quantity = total }
        }
        for (index, trade) in fresh.enumerated() {
            seenTrades.insert(trade.exchangeTradeId)
            accept.cumQty = (try? accept.cumQty.adding(trade.amount)) ?? accept.cumQty
            let last = index == fresh.count - 1
            var fill = report(accept, status: complete && last ? .filled : .partiallyFilled)
            fill.lastQty = trade.amount
            fill.lastPx = trade.price
            fill.fillId = trade.exchangeTradeId
            fill.liquidity = .taker
            reports.append(fill)
        }
        if complete, !fresh.isEmpty || !accept.cumQty.isZero { accept.done = true }
        accepts[clientOrderId] = accept
        return reports
    }

    private func report(_ accept: Accept, status: OrderStatus? = nil) -> ExecutionReport {
        let status = status ?? (accept.done ? .filled : .partiallyFilled)
        let quantity = accept.quantity ?? accept.cumQty
        return ExecutionReport(
            account: account, clientOrderId: accept.clientOrderId, idempotencyKey: accept.idempotencyKey,
            venueOrderId: accept.rfqId.map { "\($0)" }, side: accept.side ?? .buy, orderType: .limit, status: status,
            price: accept.price, quantity: quantity, cumQty: accept.cumQty,
            leavesQty: status.isTerminal ? .zero : max(.zero, (try? quantity.subtracting(accept.cumQty)) ?? .zero))
    }

    /// Remembers an RFQ (for the instrument its quotes are published under) without reading its
    /// trades as fills: an RFQ read for a quote, or one of another side's channel.
    public mutating func remember(_ rfq: FigRFQ) {
        rfqs[rfq.rfqId] = rfq
        if let label = rfq.label, !label.isEmpty { rfqByLabel[label] = rfq.rfqId }
        guard let evicted = rfqMemory.insert(rfq.rfqId).evicted, let old = rfqs.removeValue(forKey: evicted) else {
            return
        }
        if let label = old.label, rfqByLabel[label] == evicted { rfqByLabel[label] = nil }
    }
}
