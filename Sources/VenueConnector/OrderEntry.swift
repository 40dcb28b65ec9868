public import VenueBridgeCore

/// One order to place, in normalized terms. The connector converts it to the venue's units and
/// names, exactly or not at all.
public struct OrderRequest: Sendable, Hashable {
    public var account: String
    /// Normalized symbol.
    public var instrument: String
    /// The venue-format client order id (derived from the idempotency key by the command path).
    public var clientOrderId: String
    public var idempotencyKey: String?
    public var side: Side
    public var orderType: OrderType
    public var timeInForce: TimeInForce
    public var quantity: ExactDecimal
    public var price: ExactDecimal?
    /// Maker-only: refuse instead of matching.
    public var postOnly: Bool
    /// Ask the venue to cancel the order if this connection drops (where the venue supports it);
    /// nil takes the connector's configured default.
    public var cancelOnDisconnect: Bool?

    public init(
        account: String, instrument: String, clientOrderId: String, idempotencyKey: String? = nil, side: Side,
        orderType: OrderType,
        timeInForce: TimeInForce, quantity: ExactDecimal, price: ExactDecimal? = nil, postOnly: Bool = false,
        cancelOnDisconnect: Bool? = nil
    ) {
        self.account = account
        self.instrument = instrument
        self.clientOrderId = clientOrderId
        self.idempotencyKey = idempotencyKey
        self.side = side
        self.orderType = orderType
        self.timeInForce = timeInForce
        self.quantity = quantity
        self.price = price
        self.postOnly = postOnly
        self.cancelOnDisconnect = cancelOnDisconnect
    }
}

/// Which order to cancel: by client id (preferred: it is ours and survives restarts) or venue id.
public struct CancelRequest: Sendable, Hashable {
    public var account: String
    public var instrument: String?
    public var clientOrderId: String?
    public var venueOrderId: String?
    public var idempotencyKey: String?
    /// What the caller knows of the order (e.g. from its command log). Used only to fill in the
    /// report when the venue does not know the order either.
    public var side: Side?
    public var orderType: OrderType?

    public init(
        account: String, instrument: String? = nil, clientOrderId: String? = nil, venueOrderId: String? = nil,
        idempotencyKey: String? = nil,
        side: Side? = nil, orderType: OrderType? = nil
    ) {
        self.account = account
        self.side = side
        self.orderType = orderType
        self.instrument = instrument
        self.clientOrderId = clientOrderId
        self.venueOrderId = venueOrderId
        self.idempotencyKey = idempotencyKey
    }
}

public enum OrderEntryError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The request cannot be expressed for this venue (unknown instrument, too many decimals,
    /// unsupported type). Nothing was sent.
    case invalid(String)
    /// The order a cancel or replace names is not one this venue or connector knows. Nothing
    /// was sent (answered `UNKNOWN_ORDER`, docs/commands.md §6).
    case unknownOrder(String)
    /// The venue session is not ready. Nothing was sent.
    case unavailable(VenueConnectionState)
    /// Sent (or possibly sent) without a reply: resolve with `query`, never by resending.
    case ambiguous(RequestFailure)
    /// Too many requests in flight. Nothing was sent.
    case overloaded
    /// The venue's rate limit (or our pacing under it) allows no request now; try after
    /// `retryAfter`. Nothing was sent.
    case rateLimited(retryAfter: Duration)

    public var description: String {
        switch self {
        case .invalid(let detail): "invalid order: \(detail)"
        case .unknownOrder(let detail): "unknown order: \(detail)"
        case .unavailable(let state): "venue session not ready (\(state.rawValue))"
        case .ambiguous(let failure): "outcome unknown: \(failure)"
        case .overloaded: "too many requests in flight"
        case .rateLimited(let retryAfter): "venue rate limit: retry after \(retryAfter)"
        }
    }

    /// True when nothing reached the venue, so the command can be answered without a query.
    public var nothingSent: Bool {
        switch self {
        case .invalid, .unknownOrder, .unavailable, .overloaded, .rateLimited: true
        case .ambiguous(let failure): !failure.isAmbiguous
        }
    }
}

/// What every venue that takes commands offers the command path, whatever its capabilities: who
/// it is, how it spells client ids, and a way to find out what a command it may have received
/// became. The capabilities refine it: `OrderEntry` (place, cancel), `OrderReplacing` (replace),
/// `RFQEntry` (create and cancel RFQs, accept quotes). The command path asks a venue for the one
/// a command needs (`entry as? any OrderReplacing`) and answers `UNSUPPORTED` when it has none.
public protocol VenueCommandEntry: Sendable {
    var venue: VenueID { get }

    /// Its client order id format (the venue's house rules): what the command path derives from
    /// an idempotency key, and accepts as a caller's own id.
    var clientOrderIdFormat: ClientOrderIdFormat { get }

    /// The venue's view of what the command with this client id made (an order, or an RFQ whose
    /// label it is); nil when the venue does not know it. Resolves an ambiguous send, never by
    /// sending again.
    func query(clientOrderId: String, account: String) async throws(OrderEntryError) -> ExecutionReport?
}

/// Order entry. Each answer is the order's state as an execution report (the same report the
/// connector publishes), so the caller can store it as the command's outcome.
public protocol OrderEntry: VenueCommandEntry {
    /// Time in force of a market order whose command names none (a venue may have no GTC market).
    var marketTimeInForce: TimeInForce { get }

    /// Places an order. A venue refusal is a `rejected` report, not an error; an error means the
    /// venue's answer is unknown (see `OrderEntryError`).
    func place(_ order: OrderRequest) async throws(OrderEntryError) -> ExecutionReport

    /// Cancels an order. "Not found" is a `rejected` report with the venue's code.
    func cancel(_ request: CancelRequest) async throws(OrderEntryError) -> ExecutionReport
}
