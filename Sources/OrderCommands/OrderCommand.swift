public import VenueBridgeCore

/// One order command as read from `<prefix>.orders.command` (contract `venuebridge.command.v1`,
/// docs/commands.md). Decoding checks the shape only; whether the venue, account and instrument
/// are known is the command path's business (it has the configuration).
public struct OrderCommand: Sendable, Hashable {
    public static let schemaID = "venuebridge.command.v1"
    public static let maxIdempotencyKeyLength = 128

    public var type: CommandType
    /// Printable ASCII without spaces, 1…128 characters. It names the command for ever (well, for
    /// the idempotency TTL): a replay with the same key is answered, never sent again.
    public var idempotencyKey: String
    public var venue: VenueID
    public var account: String
    /// Normalized symbol.
    public var instrument: String
    public var side: Side?
    public var orderType: OrderType?
    public var timeInForce: TimeInForce?
    public var quantity: ExactDecimal?
    public var price: ExactDecimal?
    /// The venue-format client id to use instead of the one derived from the key.
    public var clientOrderId: String?
    /// A command read after this instant (ns since the Unix epoch) is rejected, not sent.
    public var expiresAt: Int64?
    /// cancel_order / replace_order: which order. One of the three is required; the key of the
    /// command that placed the order is the usual one.
    public var target: OrderTarget?
    /// RFQ commands (create_rfq, cancel_rfq, accept_quote), for RFQ venues.
    public var rfqId: String?
    public var quoteId: String?

    public init(
        type: CommandType, idempotencyKey: String, venue: VenueID, account: String, instrument: String,
        side: Side? = nil, orderType: OrderType? = nil, timeInForce: TimeInForce? = nil, quantity: ExactDecimal? = nil,
        price: ExactDecimal? = nil, clientOrderId: String? = nil, expiresAt: Int64? = nil, target: OrderTarget? = nil,
        rfqId: String? = nil, quoteId: String? = nil
    ) {
        self.type = type
        self.idempotencyKey = idempotencyKey
        self.venue = venue
        self.account = account
        self.instrument = instrument
        self.side = side
        self.orderType = orderType
        self.timeInForce = timeInForce
        self.quantity = quantity
        self.price = price
        self.clientOrderId = clientOrderId
        self.expiresAt = expiresAt
        self.target = target
        self.rfqId = rfqId
        self.quoteId = quoteId
    }

    /// The Kafka key commands are produced with: commands for one account stay in one partition,
    /// hence in order.
    public var kafkaKey: String { "\(venue.rawValue):\(account)" }
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
