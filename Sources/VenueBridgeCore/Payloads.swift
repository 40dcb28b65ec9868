// The per-type bodies of normalized events (the `data` object on the wire).
// Property names are the wire names in camelCase: the wire uses snake_case and the decoder
// converts (`client_order_id` ↔ `clientOrderId`), so there is one spelling to keep in sync.

/// One price level. On the wire: a two-element array of decimal strings `["price", "size"]`.
public struct PriceLevel: Sendable, Hashable, Codable {
    public var price: ExactDecimal
    public var size: ExactDecimal

    public init(price: ExactDecimal, size: ExactDecimal) {
        self.price = price
        self.size = size
    }

    public init(from decoder: any Decoder) throws {
        var container = try decoder.unkeyedContainer()
        price = try container.decode(ExactDecimal.self)
        size = try container.decode(ExactDecimal.self)
        guard container.isAtEnd else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "a price level has exactly two elements")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.unkeyedContainer()
        try container.encode(price)
        try container.encode(size)
    }
}

/// Price levels of a book. In a `book_snapshot` they are the whole book (best first); in a
/// `book_delta` only the changed levels, where size `0` deletes the level.
public struct BookLevels: Sendable, Hashable, Codable {
    public var bids: [PriceLevel]
    public var asks: [PriceLevel]
    /// Levels per side the venue sends, when it says.
    public var depth: Int?

    public init(bids: [PriceLevel], asks: [PriceLevel], depth: Int? = nil) {
        self.bids = bids
        self.asks = asks
        self.depth = depth
    }
}

public struct Trade: Sendable, Hashable, Codable {
    public var price: ExactDecimal
    public var size: ExactDecimal
    public var aggressor: AggressorSide
    public var tradeId: String?

    public init(price: ExactDecimal, size: ExactDecimal, aggressor: AggressorSide, tradeId: String?) {
        self.price = price
        self.size = size
        self.aggressor = aggressor
        self.tradeId = tradeId
    }
}

/// Top of book and/or last trade, plus OHLCV when the venue gives it. Every field is optional
/// because venues differ; at least one is present.
public struct Ticker: Sendable, Hashable, Codable {
    public var bid: ExactDecimal?
    public var bidSize: ExactDecimal?
    public var ask: ExactDecimal?
    public var askSize: ExactDecimal?
    public var last: ExactDecimal?
    public var lastSize: ExactDecimal?
    public var open: ExactDecimal?
    public var high: ExactDecimal?
    public var low: ExactDecimal?
    public var volume: ExactDecimal?
    public var vwap: ExactDecimal?

    public init(
        bid: ExactDecimal? = nil, bidSize: ExactDecimal? = nil, ask: ExactDecimal? = nil, askSize: ExactDecimal? = nil,
        last: ExactDecimal? = nil, lastSize: ExactDecimal? = nil, open: ExactDecimal? = nil, high: ExactDecimal? = nil,
        low: ExactDecimal? = nil, volume: ExactDecimal? = nil, vwap: ExactDecimal? = nil
    ) {
        self.bid = bid
        self.bidSize = bidSize
        self.ask = ask
        self.askSize = askSize
        self.last = last
        self.lastSize = lastSize
        self.open = open
        self.high = high
        self.low = low
        self.volume = volume
        self.vwap = vwap
    }
}

/// A request for quote as the venue reports it.
public struct RFQ: Sendable, Hashable, Codable {
    public var rfqId: String
    public var status: RFQStatus
    public var side: Side?
    public var quantity: ExactDecimal?
    public var account: String?
    /// Nanoseconds since epoch.
    public var expiresAt: Int64?

    public init(
        rfqId: String, status: RFQStatus, side: Side? = nil, quantity: ExactDecimal? = nil, account: String? = nil,
        expiresAt: Int64? = nil
    ) {
        self.rfqId = rfqId
        self.status = status
        self.side = side
        self.quantity = quantity
        self.account = account
        self.expiresAt = expiresAt
    }
}

/// A quote answering an RFQ.
public struct Quote: Sendable, Hashable, Codable {
    public var rfqId: String
    public var quoteId: String
    public var status: QuoteStatus
    /// The side the quote lets the requester take.
    public var side: Side?
    public var price: ExactDecimal
    public var quantity: ExactDecimal
    /// Nanoseconds since epoch.
    public var expiresAt: Int64?

    public init(
        rfqId: String, quoteId: String, status: QuoteStatus, side: Side?, price: ExactDecimal, quantity: ExactDecimal,
        expiresAt: Int64? = nil
    ) {
        self.rfqId = rfqId
        self.quoteId = quoteId
        self.status = status
        self.side = side
        self.price = price
        self.quantity = quantity
        self.expiresAt = expiresAt
    }
}

public struct ExecutionReport: Sendable, Hashable, Codable {
    public var account: String
    public var clientOrderId: String
    public var idempotencyKey: String?
    public var venueOrderId: String?
    public var side: Side
    public var orderType: OrderType
    public var timeInForce: TimeInForce?
    public var status: OrderStatus
    /// Limit price of the order, when it has one.
    public var price: ExactDecimal?
    /// Original order quantity.
    public var quantity: ExactDecimal?
    public var lastQty: ExactDecimal?
    public var lastPx: ExactDecimal?
    public var cumQty: ExactDecimal
    public var leavesQty: ExactDecimal?
    public var avgPx: ExactDecimal?
    public var fillId: String?
    public var liquidity: Liquidity?
    /// Why the order was rejected, canceled or is unknown: the venue's words, or ours.
    public var reason: String?
    /// The venue's own error code for a reject, verbatim.
    public var rejectCode: String?
    /// Set by the command path when this report repeats the outcome of an already-seen command.
    public var duplicate: Bool?
    /// Set on the one report that answers a command (and on its duplicates): the command's type.
    /// Reports without it are the order's own life (acks, fills, cancels) as the venue tells it.
    public var command: CommandType?

    public init(
        account: String, clientOrderId: String, idempotencyKey: String? = nil, venueOrderId: String? = nil,
        side: Side, orderType: OrderType, timeInForce: TimeInForce? = nil, status: OrderStatus,
        price: ExactDecimal? = nil, quantity: ExactDecimal? = nil, lastQty: ExactDecimal? = nil,
        lastPx: ExactDecimal? = nil,
        cumQty: ExactDecimal, leavesQty: ExactDecimal? = nil, avgPx: ExactDecimal? = nil, fillId: String? = nil,
        liquidity: Liquidity? = nil, reason: String? = nil, rejectCode: String? = nil, duplicate: Bool? = nil,
        command: CommandType? = nil
    ) {
        self.account = account
        self.clientOrderId = clientOrderId
        self.idempotencyKey = idempotencyKey
        self.venueOrderId = venueOrderId
        self.side = side
        self.orderType = orderType
        self.timeInForce = timeInForce
        self.status = status
        self.price = price
        self.quantity = quantity
        self.lastQty = lastQty
        self.lastPx = lastPx
        self.cumQty = cumQty
        self.leavesQty = leavesQty
        self.avgPx = avgPx
        self.fillId = fillId
        self.liquidity = liquidity
        self.reason = reason
        self.rejectCode = rejectCode
        self.duplicate = duplicate
        self.command = command
    }
}

/// A net position in one instrument (quantity signed: negative is short).
public struct Position: Sendable, Hashable, Codable {
    public var account: String
    public var quantity: ExactDecimal
    public var avgPrice: ExactDecimal?
    public var realizedPnl: ExactDecimal?
    public var unrealizedPnl: ExactDecimal?

    public init(
        account: String, quantity: ExactDecimal, avgPrice: ExactDecimal? = nil, realizedPnl: ExactDecimal? = nil,
        unrealizedPnl: ExactDecimal? = nil
    ) {
        self.account = account
        self.quantity = quantity
        self.avgPrice = avgPrice
        self.realizedPnl = realizedPnl
        self.unrealizedPnl = unrealizedPnl
    }
}

public struct Balance: Sendable, Hashable, Codable {
    public var account: String
    public var asset: String
    public var total: ExactDecimal
    public var available: ExactDecimal?
    public var held: ExactDecimal?

    public init(
        account: String, asset: String, total: ExactDecimal, available: ExactDecimal? = nil, held: ExactDecimal? = nil
    ) {
        self.account = account
        self.asset = asset
        self.total = total
        self.available = available
        self.held = held
    }
}

/// A connection state change. One is published on every transition, so a consumer knows when a
/// book stops being trustworthy (anything but `ready`) and when a fresh snapshot is coming.
public struct VenueStatus: Sendable, Hashable, Codable {
    public var state: VenueConnectionState
    public var reason: String?
    /// Reconnects since the process started.
    public var reconnects: UInt64?
    /// Which of the venue's connections this is, for venues the bridge reaches over more than one
    /// (sFOX: `market_data`, `private`); absent for single-connection venues.
    public var session: String?

    public init(state: VenueConnectionState, reason: String? = nil, reconnects: UInt64? = nil, session: String? = nil) {
        self.state = state
        self.reason = reason
        self.reconnects = reconnects
        self.session = session
    }
}
