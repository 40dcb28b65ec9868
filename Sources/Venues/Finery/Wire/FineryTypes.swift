public import VenueBridgeCore

/// Finery sends sizes (int64) and prices (uint64) as integers in units of 1e-8.
public enum FineryUnits {
    public static let scale = 8

    public static func decimal(_ scaled: Int64) -> ExactDecimal { ExactDecimal(scaled: scaled, scale: scale) }

    public static func decimal(_ scaled: UInt64) -> ExactDecimal {
        ExactDecimal(significand: Int128(scaled), exponent: -scale)
    }

    /// The scaled integer, or nil when the value has more than 8 decimal places or is out of range:
    /// such an amount cannot be sent to the venue without changing it.
    public static func scaled(_ value: ExactDecimal) -> Int64? { value.scaledInteger(scale: scale) }

    /// A venue timestamp (uint64 milliseconds) as our nanoseconds since the epoch, or nil when that
    /// does not fit in `Int64` (beyond the year 2262: a value in another unit, e.g. microseconds).
    /// Checked, because the product of a venue number must never trap the process.
    public static func nanoseconds(milliseconds: UInt64) -> Int64? {
        Int64(exactly: milliseconds).flatMap(epochNanos(milliseconds:))
    }
}

public enum FinerySide: Int64, Sendable, Hashable {
    case bid = 0
    case ask = 1

    /// The spelling used in requests (`"bid"` / `"ask"`).
    public var requestName: String { self == .bid ? "bid" : "ask" }

    public init?(requestName: String) {
        switch requestName {
        case "bid": self = .bid
        case "ask": self = .ask
        default: return nil
        }
    }
}

public enum FineryOrderType: Int64, Sendable, Hashable, CaseIterable {
    case limit = 0
    case postOnly = 1
    case limitIOC = 2
    case limitFOK = 3
    case marketIOC = 4
    case marketFOK = 5
    case manualTrade = 6
    case pendingLimit = 7
    case rfq = 9

    /// The name used in `add` requests; nil for types a client cannot place.
    public var requestName: String? {
        switch self {
        case .limit: "limit"
        case .postOnly: "postOnly"
        case .limitIOC: "limitIOC"
        case .limitFOK: "limitFOK"
        case .marketIOC: "marketIOC"
        case .marketFOK: "marketFOK"
        case .manualTrade, .pendingLimit, .rfq: nil
        }
    }

    public init?(requestName: String) {
        guard let type = Self.allCases.first(where: { $0.requestName == requestName }) else { return nil }
        self = type
    }

    public var isTaker: Bool { [.limitIOC, .limitFOK, .marketIOC, .marketFOK].contains(self) }
    public var isMarket: Bool { self == .marketIOC || self == .marketFOK }
}

public enum FineryCancelReason: Int64, Sendable, Hashable {
    case inPlaceOrFilled = 0
    case byClient = 1
    case asNonBookOrder = 2
    case selfTradePrevention = 3
    case cancelOnDisconnect = 4

    public var text: String {
        switch self {
        case .inPlaceOrFilled: "in place or filled"
        case .byClient: "canceled by client"
        case .asNonBookOrder: "canceled as non-book order"
        case .selfTradePrevention: "self-trade prevention"
        case .cancelOnDisconnect: "cancel on disconnect"
        }
    }
}

/// A bound feed's id: an instrument name or a number (0 when none was given).
public enum FineryFeedID: Sendable, Hashable, CustomStringConvertible {
    case number(Int64)
    case name(String)

    public var description: String {
        switch self {
        case .number(let n): "\(n)"
        case .name(let s): s
        }
    }
}

/// One book level, scaled.
public struct FineryLevel: Sendable, Hashable {
    public var price: UInt64
    public var size: Int64

    public init(price: UInt64, size: Int64) {
        self.price = price
        self.size = size
    }
}

public enum FineryBookAction: String, Sendable, Hashable {
    case add = "+"
    case modify = "M"
    case remove = "-"
    /// Remove every level from the top of the side down to `price`; the given level is the new top.
    /// `["~",0,0]` empties the side.
    case truncate = "~"
}

public struct FineryBookUpdate: Sendable, Hashable {
    public var action: FineryBookAction
    public var price: UInt64
    public var size: Int64

    public init(_ action: FineryBookAction, price: UInt64, size: Int64) {
        self.action = action
        self.price = price
        self.size = size
    }
}

/// An order as feed `O` reports it (positions 0–10 of the array).
public struct FineryOrder: Sendable, Hashable {
    public var instrument: String
    public var type: FineryOrderType
    public var side: FinerySide
    public var cancelReason: Int64
    public var orderId: Int64
    public var clientOrderId: Int64
    public var price: UInt64
    public var initialSize: Int64
    public var sizeLeft: Int64
    public var createdAt: UInt64
    public var bySizeOrByVolume: Int64

    public init(
        instrument: String, type: FineryOrderType, side: FinerySide, cancelReason: Int64, orderId: Int64,
        clientOrderId: Int64,
        price: UInt64, initialSize: Int64, sizeLeft: Int64, createdAt: UInt64, bySizeOrByVolume: Int64 = 0
    ) {
        self.instrument = instrument
        self.type = type
        self.side = side
        self.cancelReason = cancelReason
        self.orderId = orderId
        self.clientOrderId = clientOrderId
        self.price = price
        self.initialSize = initialSize
        self.sizeLeft = sizeLeft
        self.createdAt = createdAt
        self.bySizeOrByVolume = bySizeOrByVolume
    }
}

/// A deal on feed `O`: the order's fields 0–9, then the deal's.
public struct FineryDeal: Sendable, Hashable {
    public var order: FineryOrder
    public var moment: UInt64
    public var dealId: Int64
    public var aggressorSide: FinerySide
    public var price: UInt64
    public var size: Int64
    public var volume: Int64
    public var delta: Int64
    public var counterpartyId: Int64

    public init(
        order: FineryOrder, moment: UInt64, dealId: Int64, aggressorSide: FinerySide, price: UInt64, size: Int64,
        volume: Int64, delta: Int64, counterpartyId: Int64
    ) {
        self.order = order
        self.moment = moment
        self.dealId = dealId
        self.aggressorSide = aggressorSide
        self.price = price
        self.size = size
        self.volume = volume
        self.delta = delta
        self.counterpartyId = counterpartyId
    }
}

/// A position on feed `K`: `[currencyName, value, counterpartyId, ...]`, value scaled.
public struct FineryPosition: Sendable, Hashable {
    public var currency: String
    public var value: Int64
    public var counterpartyId: Int64

    public init(currency: String, value: Int64, counterpartyId: Int64) {
        self.currency = currency
        self.value = value
        self.counterpartyId = counterpartyId
    }
}

/// An instrument on feed `I`: `[name, id, assetCurrency, balanceCurrency]`.
public struct FineryInstrument: Sendable, Hashable {
    public var name: String
    public var id: Int64
    public var assetCurrency: String
    public var balanceCurrency: String

    public init(name: String, id: Int64, assetCurrency: String, balanceCurrency: String) {
        self.name = name
        self.id = id
        self.assetCurrency = assetCurrency
        self.balanceCurrency = balanceCurrency
    }
}
