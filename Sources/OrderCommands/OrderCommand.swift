public import VenueBridgeCore

/// One command as read from `<prefix>.orders.command` (contract `venuebridge.command.v1`,
/// docs/commands.md): the envelope every command has (key, venue, account, instrument, expiry)
/// and the payload of its type, which holds exactly what that type asks for — a `new_order`
/// always has a side, a type and a quantity, a `cancel_rfq` its RFQ id — so nothing downstream
/// unwraps an optional the codec already checked. Decoding checks the shape only; whether the
/// venue, account and instrument are known is the command path's business (it has the
/// configuration).
public struct OrderCommand: Sendable, Hashable {
    public static let schemaID = "venuebridge.command.v1"
    public static let maxIdempotencyKeyLength = 128

    /// Who the command is for and how it is named: what even a message too broken to decode may
    /// tell (its answer is addressed with it).
    public var address: CommandAddress
    public var payload: Payload

    public var idempotencyKey: String {
        get { address.idempotencyKey }
        set { address.idempotencyKey = newValue }
    }
    public var venue: VenueID {
        get { address.venue }
        set { address.venue = newValue }
    }
    public var account: String {
        get { address.account }
        set { address.account = newValue }
    }
    public var instrument: String {
        get { address.instrument }
        set { address.instrument = newValue }
    }
    public var expiresAt: Int64? {
        get { address.expiresAt }
        set { address.expiresAt = newValue }
    }

    /// What a command asks for, by type.
    public enum Payload: Sendable, Hashable {
        case newOrder(NewOrder)
        case cancelOrder(CancelOrder)
        case replaceOrder(ReplaceOrder)
        case createRFQ(CreateRFQ)
        case cancelRFQ(CancelRFQ)
        case acceptQuote(AcceptQuote)

        public var type: CommandType {
            switch self {
            case .newOrder: .newOrder
            case .cancelOrder: .cancelOrder
            case .replaceOrder: .replaceOrder
            case .createRFQ: .createRFQ
            case .cancelRFQ: .cancelRFQ
            case .acceptQuote: .acceptQuote
            }
        }
    }

    public init(
        idempotencyKey: String, venue: VenueID, account: String, instrument: String, expiresAt: Int64? = nil,
        _ payload: Payload
    ) {
        self.init(
            address: CommandAddress(
                idempotencyKey: idempotencyKey, venue: venue, account: account, instrument: instrument,
                expiresAt: expiresAt),
            payload)
    }

    public init(address: CommandAddress, _ payload: Payload) {
        self.address = address
        self.payload = payload
    }

    public var type: CommandType { payload.type }

    /// The Kafka key commands are produced with: commands for one account stay in one partition,
    /// hence in order.
    public var kafkaKey: String { "\(venue.rawValue):\(account)" }

    // MARK: - Reading across types (what the checks and the answers need, whatever the type)

    public var side: Side? {
        switch payload {
        case .newOrder(let order): order.side
        case .cancelOrder(let cancel): cancel.side
        case .replaceOrder(let replace): replace.side
        case .createRFQ(let rfq): rfq.side
        case .cancelRFQ, .acceptQuote: nil
        }
    }

    public var orderType: OrderType? {
        switch payload {
        case .newOrder(let order): order.orderType
        case .cancelOrder(let cancel): cancel.orderType
        case .replaceOrder(let replace): replace.orderType
        case .createRFQ, .cancelRFQ, .acceptQuote: nil
        }
    }

    public var timeInForce: TimeInForce? {
        if case .newOrder(let order) = payload { return order.timeInForce }
        return nil
    }

    /// The order's (or RFQ's) quantity; for a replace the new one.
    public var quantity: ExactDecimal? {
        switch payload {
        case .newOrder(let order): order.quantity
        case .replaceOrder(let replace): replace.quantity
        case .createRFQ(let rfq): rfq.quantity
        case .cancelOrder, .cancelRFQ, .acceptQuote: nil
        }
    }

    /// The limit price; for a replace the new one.
    public var price: ExactDecimal? {
        switch payload {
        case .newOrder(let order): order.price
        case .replaceOrder(let replace): replace.price
        case .cancelOrder, .createRFQ, .cancelRFQ, .acceptQuote: nil
        }
    }

    /// The caller's own client id, for the commands that create something at the venue.
    public var clientOrderId: String? {
        switch payload {
        case .newOrder(let order): order.clientOrderId
        case .createRFQ(let rfq): rfq.clientOrderId
        case .acceptQuote(let accept): accept.clientOrderId
        case .cancelOrder, .replaceOrder, .cancelRFQ: nil
        }
    }

    /// The RFQ a `cancel_rfq` or `accept_quote` names.
    public var rfqId: String? {
        switch payload {
        case .cancelRFQ(let cancel): cancel.rfqId
        case .acceptQuote(let accept): accept.rfqId
        case .newOrder, .cancelOrder, .replaceOrder, .createRFQ: nil
        }
    }

    public var quoteId: String? {
        if case .acceptQuote(let accept) = payload { return accept.quoteId }
        return nil
    }

    /// Which order a cancel or replace acts on.
    public var target: OrderTarget? {
        switch payload {
        case .cancelOrder(let cancel): cancel.target
        case .replaceOrder(let replace): replace.target
        case .newOrder, .createRFQ, .cancelRFQ, .acceptQuote: nil
        }
    }
}

/// The envelope of a command: its key, where it goes, and until when it may be sent.
public struct CommandAddress: Sendable, Hashable {
    /// Printable ASCII without spaces, 1…128 characters. It names the command for ever (well, for
    /// the idempotency TTL): a replay with the same key is answered, never sent again.
    public var idempotencyKey: String
    public var venue: VenueID
    public var account: String
    /// Normalized symbol.
    public var instrument: String
    /// A command read after this instant (ns since the Unix epoch) is rejected, not sent.
    public var expiresAt: Int64?

    public init(idempotencyKey: String, venue: VenueID, account: String, instrument: String, expiresAt: Int64? = nil) {
        self.idempotencyKey = idempotencyKey
        self.venue = venue
        self.account = account
        self.instrument = instrument
        self.expiresAt = expiresAt
    }
}

/// `new_order`.
public struct NewOrder: Sendable, Hashable {
    public var side: Side
    public var orderType: OrderType
    /// nil: the default of the order type (docs/commands.md §2).
    public var timeInForce: TimeInForce?
    public var quantity: ExactDecimal
    /// Limit price: required for limit orders, refused for market orders (checked by the path).
    public var price: ExactDecimal?
    /// The venue-format client id to use instead of the one derived from the key.
    public var clientOrderId: String?

    public init(
        side: Side, orderType: OrderType, timeInForce: TimeInForce? = nil, quantity: ExactDecimal,
        price: ExactDecimal? = nil, clientOrderId: String? = nil
    ) {
        self.side = side
        self.orderType = orderType
        self.timeInForce = timeInForce
        self.quantity = quantity
        self.price = price
        self.clientOrderId = clientOrderId
    }
}

/// `cancel_order`. `side` and `order_type`, when the sender gives them, only fill in the answer
/// for an order the bridge has no record of.
public struct CancelOrder: Sendable, Hashable {
    public var target: OrderTarget
    public var side: Side?
    public var orderType: OrderType?

    public init(target: OrderTarget, side: Side? = nil, orderType: OrderType? = nil) {
        self.target = target
        self.side = side
        self.orderType = orderType
    }
}

/// `replace_order`: the new quantity, the new price, or both (the codec refuses neither).
public struct ReplaceOrder: Sendable, Hashable {
    public var target: OrderTarget
    public var quantity: ExactDecimal?
    public var price: ExactDecimal?
    public var side: Side?
    public var orderType: OrderType?

    public init(
        target: OrderTarget, quantity: ExactDecimal? = nil, price: ExactDecimal? = nil, side: Side? = nil,
        orderType: OrderType? = nil
    ) {
        self.target = target
        self.quantity = quantity
        self.price = price
        self.side = side
        self.orderType = orderType
    }
}

/// `create_rfq`. No side: a two-way request.
public struct CreateRFQ: Sendable, Hashable {
    public var side: Side?
    public var quantity: ExactDecimal
    public var clientOrderId: String?

    public init(side: Side? = nil, quantity: ExactDecimal, clientOrderId: String? = nil) {
        self.side = side
        self.quantity = quantity
        self.clientOrderId = clientOrderId
    }
}

/// `cancel_rfq`.
public struct CancelRFQ: Sendable, Hashable {
    public var rfqId: String

    public init(rfqId: String) { self.rfqId = rfqId }
}

/// `accept_quote`.
public struct AcceptQuote: Sendable, Hashable {
    public var quoteId: String
    /// The RFQ the quote answers, where the sender names it.
    public var rfqId: String?
    public var clientOrderId: String?

    public init(quoteId: String, rfqId: String? = nil, clientOrderId: String? = nil) {
        self.quoteId = quoteId
        self.rfqId = rfqId
        self.clientOrderId = clientOrderId
    }
}

/// How a cancel or replace names the order it acts on.
public enum OrderTarget: Sendable, Hashable {
    /// The idempotency key of the new_order command that placed it.
    case idempotencyKey(String)
    case clientOrderId(String)
    case venueOrderId(String)
}

/// Why a message is not a usable command. `code` is stable (it goes into the DLQ's `error.code`
/// header and the rejected report's `reject_code`); `message` says what to fix.
public struct CommandError: Error, Sendable, Hashable, CustomStringConvertible {
    public var code: Code
    public var message: String

    public enum Code: String, Sendable, Hashable, CaseIterable {
        /// Not a JSON object.
        case malformed = "MALFORMED"
        /// A JSON object that breaks the contract (missing, unknown or ill-typed field).
        case invalidField = "INVALID_FIELD"
        case unsupportedSchema = "UNSUPPORTED_SCHEMA"
        case unknownVenue = "UNKNOWN_VENUE"
        case unknownAccount = "UNKNOWN_ACCOUNT"
        case unknownInstrument = "UNKNOWN_INSTRUMENT"
        case invalidQuantity = "INVALID_QUANTITY"
        case invalidPrice = "INVALID_PRICE"
        case limitExceeded = "LIMIT_EXCEEDED"
        case expired = "EXPIRED"
        /// The venue (or the bridge, for it) has no such command, e.g. replace on sFOX.
        case unsupported = "UNSUPPORTED"
        /// The key was used before for a different command.
        case idempotencyKeyReused = "IDEMPOTENCY_KEY_REUSED"
        /// A cancel or replace names an order the bridge cannot find.
        case unknownOrder = "UNKNOWN_ORDER"
        /// The venue session stayed unusable for longer than the configured wait.
        case venueUnavailable = "VENUE_UNAVAILABLE"
        /// The connector refused the order as not expressible for the venue (nothing was sent).
        case invalidForVenue = "INVALID_FOR_VENUE"
        /// The message is larger than `commands.max_message_bytes`; it was not read.
        case messageTooLarge = "MESSAGE_TOO_LARGE"
        /// An object has the same key twice (at any depth): which one is meant is not safe to guess.
        case duplicateKey = "DUPLICATE_KEY"
    }

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }
}
