public import VenueBridgeCore

/// `action` on orders and private trades: `Buy` / `Sell` in any case.
public enum SFOXAction: String, Sendable, Hashable {
    case buy = "Buy"
    case sell = "Sell"

    public init?(wire text: String) {
        switch text.lowercased() {
        case "buy": self = .buy
        case "sell": self = .sell
        default: return nil
        }
    }

    public var side: Side { self == .buy ? .buy : .sell }
    public init(_ side: Side) { self = side == .buy ? .buy : .sell }
}

/// Order status. The wire's case and spacing vary (`Cancel Pending`, `Cancel pending`), so it is
/// matched case- and space-insensitively; the documented numeric codes are kept for reference.
public enum SFOXOrderStatus: Sendable, Hashable, CustomStringConvertible {
    case started  // 100: open
    case cancelPending  // 90
    case canceled  // 10
    case filled  // 210: fully filled, not yet settled
    case done  // 300: settled
    /// Anything else, verbatim (reported as `unknown`, never guessed).
    case other(String)

    public init(wire text: String) {
        let folded = text.lowercased().filter { $0 != " " && $0 != "_" && $0 != "-" }
        switch folded {
        case "started": self = .started
        case "cancelpending": self = .cancelPending
        case "canceled", "cancelled": self = .canceled
        case "filled": self = .filled
        case "done": self = .done
        default: self = .other(text)
        }
    }

    public var wire: String {
        switch self {
        case .started: "Started"
        case .cancelPending: "Cancel Pending"
        case .canceled: "Canceled"
        case .filled: "Filled"
        case .done: "Done"
        case .other(let text): text
        }
    }

    public var code: Int? {
        switch self {
        case .started: 100
        case .cancelPending: 90
        case .canceled: 10
        case .filled: 210
        case .done: 300
        case .other: nil
        }
    }

    /// The venue will not change the order any more.
    public var isFinal: Bool {
        switch self {
        case .canceled, .filled, .done: true
        case .started, .cancelPending, .other: false
        }
    }

    public var description: String { wire }
}

/// Execution algorithms the bridge uses (the venue has more: stop, TWAP, …).
public enum SFOXAlgorithm: Int, Sendable, Hashable {
    case market = 100
    case smartRouting = 200
    case limit = 201
    case immediateOrCancel = 309
}

public enum SFOXTimeInForce: String, Sendable, Hashable {
    case goodTillCanceled = "GTC"
    case immediateOrCancel = "IOC"
    case fillOrKill = "FOK"
    case goodTillDate = "GTD"
}

/// One order book level: `[price, quantity, source venue]`, numbers decoded from their JSON text.
public struct SFOXLevel: Sendable, Hashable {
    public var price: ExactDecimal
    public var quantity: ExactDecimal
    public var source: String

    public init(price: ExactDecimal, quantity: ExactDecimal, source: String) {
        self.price = price
        self.quantity = quantity
        self.source = source
    }
}

/// An `orderbook.*` payload: always the whole book, best level first.
public struct SFOXOrderBook: Sendable, Hashable {
    public var pair: String
    public var bids: [SFOXLevel]
    public var asks: [SFOXLevel]
    /// Milliseconds since epoch.
    public var lastUpdated: Int64?
    public var lastPublished: Int64?

    public init(
        pair: String, bids: [SFOXLevel], asks: [SFOXLevel], lastUpdated: Int64? = nil, lastPublished: Int64? = nil
    ) {
        self.pair = pair
        self.bids = bids
        self.asks = asks
        self.lastUpdated = lastUpdated
        self.lastPublished = lastPublished
    }
}

/// A `trades.sfox.*` payload (a trade on any of sFOX's liquidity sources).
public struct SFOXTrade: Sendable, Hashable {
    public var id: String
    public var pair: String
    public var price: ExactDecimal
    public var quantity: ExactDecimal
    /// The aggressor's side, when given.
    public var side: SFOXAction?
    public var exchange: String?
    /// ISO 8601, as sent.
    public var timestamp: String?

    public init(
        id: String, pair: String, price: ExactDecimal, quantity: ExactDecimal, side: SFOXAction?,
        exchange: String? = nil, timestamp: String? = nil
    ) {
        self.id = id
        self.pair = pair
        self.price = price
        self.quantity = quantity
        self.side = side
        self.exchange = exchange
        self.timestamp = timestamp
    }
}

/// A `ticker.sfox.*` payload (about every 3 s).
public struct SFOXTicker: Sendable, Hashable {
    public var pair: String
    public var last: ExactDecimal?
    public var open: ExactDecimal?
    public var high: ExactDecimal?
    public var low: ExactDecimal?
    public var volume: ExactDecimal?
    public var vwap: ExactDecimal?
    public var timestamp: String?

    public init(
        pair: String, last: ExactDecimal? = nil, open: ExactDecimal? = nil, high: ExactDecimal? = nil,
        low: ExactDecimal? = nil,
        volume: ExactDecimal? = nil, vwap: ExactDecimal? = nil, timestamp: String? = nil
    ) {
        self.pair = pair
        self.last = last
        self.open = open
        self.high = high
        self.low = low
        self.volume = volume
        self.vwap = vwap
        self.timestamp = timestamp
    }
}

/// An order as `private.user.open-orders` and the REST order endpoints show it.
public struct SFOXOrder: Sendable, Hashable {
    public var id: Int64
    public var clientOrderId: String?
    public var dateAdded: String?
    public var status: SFOXOrderStatus
    /// Quantity filled so far.
    public var filled: ExactDecimal
    /// Notional filled so far.
    public var filledAmount: ExactDecimal?
    /// Average fill price.
    public var vwap: ExactDecimal?
    public var price: ExactDecimal?
    public var quantity: ExactDecimal
    public var pair: String
    public var action: SFOXAction
    /// `Limit`, `Market`, … as sent.
    public var type: String?
    public var algorithmId: Int?
    public var timeInForce: String?
    public var fees: ExactDecimal?

    public init(
        id: Int64, clientOrderId: String?, dateAdded: String? = nil, status: SFOXOrderStatus, filled: ExactDecimal,
        filledAmount: ExactDecimal? = nil,
        vwap: ExactDecimal? = nil, price: ExactDecimal?, quantity: ExactDecimal, pair: String, action: SFOXAction,
        type: String? = nil,
        algorithmId: Int? = nil, timeInForce: String? = nil, fees: ExactDecimal? = nil
    ) {
        self.id = id
        self.clientOrderId = clientOrderId
        self.dateAdded = dateAdded
        self.status = status
        self.filled = filled
        self.filledAmount = filledAmount
        self.vwap = vwap
        self.price = price
        self.quantity = quantity
        self.pair = pair
        self.action = action
        self.type = type
        self.algorithmId = algorithmId
        self.timeInForce = timeInForce
        self.fees = fees
    }
}

/// A `private.user.trades` entry: one fill of one of our orders.
public struct SFOXPrivateTrade: Sendable, Hashable {
    public var tradeId: Int64
    public var orderId: Int64
    /// Not documented on this feed; the simulator sends it and the connector uses it when present.
    public var clientOrderId: String?
    public var dateUpdated: String?
    public var action: SFOXAction
    public var currencyPair: String
    public var quantity: ExactDecimal
    public var amount: ExactDecimal?
    public var price: ExactDecimal
    public var fees: ExactDecimal?
    public var netAmount: ExactDecimal?

    public init(
        tradeId: Int64, orderId: Int64, clientOrderId: String? = nil, dateUpdated: String? = nil, action: SFOXAction,
        currencyPair: String,
        quantity: ExactDecimal, amount: ExactDecimal? = nil, price: ExactDecimal, fees: ExactDecimal? = nil,
        netAmount: ExactDecimal? = nil
    ) {
        self.tradeId = tradeId
        self.orderId = orderId
        self.clientOrderId = clientOrderId
        self.dateUpdated = dateUpdated
        self.action = action
        self.currencyPair = currencyPair
        self.quantity = quantity
        self.amount = amount
        self.price = price
        self.fees = fees
        self.netAmount = netAmount
    }
}

/// A `private.user.balances` entry.
public struct SFOXBalance: Sendable, Hashable {
    public var currency: String
    public var balance: ExactDecimal
    public var available: ExactDecimal?
    public var held: ExactDecimal?

    public init(currency: String, balance: ExactDecimal, available: ExactDecimal? = nil, held: ExactDecimal? = nil) {
        self.currency = currency
        self.balance = balance
        self.available = available
        self.held = held
    }
}
