public import VenueBridgeCore

/// Which working order to change, and to what: a new quantity, a new limit price, or both.
public struct ReplaceRequest: Sendable, Hashable {
    public var account: String
    /// The order's client id (replace finds the order by the id the bridge placed it with).
    public var clientOrderId: String
    public var quantity: ExactDecimal?
    public var price: ExactDecimal?
    public var idempotencyKey: String?

    public init(
        account: String, clientOrderId: String, quantity: ExactDecimal? = nil, price: ExactDecimal? = nil,
        idempotencyKey: String? = nil
    ) {
        self.account = account
        self.clientOrderId = clientOrderId
        self.quantity = quantity
        self.price = price
        self.idempotencyKey = idempotencyKey
    }
}

/// `replace_order`, for a venue that changes a working order in place (T4's revise). Venues
/// without it get `UNSUPPORTED` from the command path: cancel and place a new order.
public protocol OrderReplacing: OrderEntry {
    /// A refusal (unknown order, order already done) is a `rejected` report.
    func replace(_ request: ReplaceRequest) async throws(OrderEntryError) -> ExecutionReport
}

/// One request for quotes, in normalized terms.
public struct RFQRequest: Sendable, Hashable {
    public var account: String
    /// Normalized symbol.
    public var instrument: String
    /// Derived from the idempotency key like an order's client id; the venue keeps it with the
    /// RFQ (Fig: its `label`), so an ambiguous create is resolved by finding it, not by resending.
    public var clientRFQId: String
    /// nil: a two-way request.
    public var side: Side?
    public var quantity: ExactDecimal
    public var idempotencyKey: String?

    public init(
        account: String, instrument: String, clientRFQId: String, side: Side? = nil, quantity: ExactDecimal,
        idempotencyKey: String? = nil
    ) {
        self.account = account
        self.instrument = instrument
        self.clientRFQId = clientRFQId
        self.side = side
        self.quantity = quantity
        self.idempotencyKey = idempotencyKey
    }
}

/// Taking a venue's quote: which quote, and the client id the resulting order carries.
public struct AcceptQuoteRequest: Sendable, Hashable {
    public var account: String
    public var instrument: String
    public var quoteId: String
    /// The RFQ the quote answers, where the command names it.
    public var rfqId: String?
    public var clientOrderId: String
    public var idempotencyKey: String?

    public init(
        account: String, instrument: String, quoteId: String, rfqId: String? = nil, clientOrderId: String,
        idempotencyKey: String? = nil
    ) {
        self.account = account
        self.instrument = instrument
        self.quoteId = quoteId
        self.rfqId = rfqId
        self.clientOrderId = clientOrderId
        self.idempotencyKey = idempotencyKey
    }
}

/// The RFQ commands (`create_rfq`, `cancel_rfq`, `accept_quote`), for an RFQ venue where the
/// bridge is the taker. Answers are execution reports like order entry's, so the command path
/// stores and publishes them the same way: a created RFQ is `new` with the venue's RFQ id as
/// `venue_order_id`, a cancelled one `canceled`, a refusal `rejected`; an accepted quote is the
/// resulting order's report.
public protocol RFQEntry: VenueCommandEntry {
    func createRFQ(_ request: RFQRequest) async throws(OrderEntryError) -> ExecutionReport
    func cancelRFQ(rfqId: String, account: String, instrument: String) async throws(OrderEntryError)
        -> ExecutionReport
    func acceptQuote(_ request: AcceptQuoteRequest) async throws(OrderEntryError) -> ExecutionReport
    /// Resolves an RFQ command whose answer was lost (`query`'s job for orders), from what the
    /// command names; nil when the venue cannot say yet. Never sends the command again.
    func resolve(_ command: RFQCommandFacts) async throws(OrderEntryError) -> ExecutionReport?
}

extension RFQEntry {
    /// By client id alone, where the venue needs nothing else.
    public func resolve(_ command: RFQCommandFacts) async throws(OrderEntryError) -> ExecutionReport? {
        try await query(clientOrderId: command.clientOrderId, account: command.account)
    }
}

/// What an RFQ command acted on, from the command itself: what resolving a lost answer needs even
/// after a restart, when the connector remembers nothing (a cancel's derived client id, say,
/// names nothing at the venue; its RFQ id does).
public struct RFQCommandFacts: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case create
        case cancel(rfqId: String)
        case accept(quoteId: String, rfqId: String?)
    }

    public var kind: Kind
    /// The client id the command path derived (an RFQ's label, an accept's order).
    public var clientOrderId: String
    public var account: String
    public var instrument: String

    public init(kind: Kind, clientOrderId: String, account: String, instrument: String) {
        self.kind = kind
        self.clientOrderId = clientOrderId
        self.account = account
        self.instrument = instrument
    }
}
