public import VenueBridgeCore

/// `buy` / `sell`, as Fig spells a leg's, a quote's and a trade's direction.
public enum FigDirection: String, Sendable, Hashable, CaseIterable {
    case buy, sell
}

/// One leg of an RFQ: which instrument, which way, in what ratio.
public struct FigLeg: Sendable, Hashable {
    public var instrumentId: Int64
    public var instrumentName: String?
    public var direction: FigDirection
    public var ratio: ExactDecimal?
    public var amount: ExactDecimal?

    public init(
        instrumentId: Int64, instrumentName: String? = nil, direction: FigDirection, ratio: ExactDecimal? = nil,
        amount: ExactDecimal? = nil
    ) {
        self.instrumentId = instrumentId
        self.instrumentName = instrumentName
        self.direction = direction
        self.ratio = ratio
        self.amount = amount
    }
}

/// A quote on an RFQ (taker's view): in the RFQ object, or pushed on `rfq_quote.taker` with its
/// `event`.
public struct FigQuote: Sendable, Hashable {
    public enum Event: String, Sendable, Hashable, CaseIterable {
        case created, updated, deleted, cancelled, filled
    }
    public var rfqQuoteId: Int64
    public var rfqId: Int64?
    /// The maker's direction: a maker `buy` lets the taker sell.
    public var direction: FigDirection
    public var price: ExactDecimal
    public var amount: ExactDecimal
    public var event: Event?
    public var createdAtMs: Int64?

    public init(
        rfqQuoteId: Int64, rfqId: Int64?, direction: FigDirection, price: ExactDecimal, amount: ExactDecimal,
        event: Event? = nil, createdAtMs: Int64? = nil
    ) {
        self.rfqQuoteId = rfqQuoteId
        self.rfqId = rfqId
        self.direction = direction
        self.price = price
        self.amount = amount
        self.event = event
        self.createdAtMs = createdAtMs
    }
}

/// A block trade against a quote. `exchangeTradeId` is the fill id.
public struct FigTrade: Sendable, Hashable {
    public var direction: FigDirection
    public var price: ExactDecimal
    public var amount: ExactDecimal
    public var instrumentName: String?
    public var exchangeTradeId: String
    public var createdAtMs: Int64?

    public init(
        direction: FigDirection, price: ExactDecimal, amount: ExactDecimal, instrumentName: String? = nil,
        exchangeTradeId: String, createdAtMs: Int64? = nil
    ) {
        self.direction = direction
        self.price = price
        self.amount = amount
        self.instrumentName = instrumentName
        self.exchangeTradeId = exchangeTradeId
        self.createdAtMs = createdAtMs
    }
}

/// An RFQ, as REST returns it and `rfq.taker` pushes it.
public struct FigRFQ: Sendable, Hashable {
    public enum Status: String, Sendable, Hashable, CaseIterable {
        case open, filled, filledPartial, cancelled, expired

        public var isFinal: Bool { self != .open }
    }
    public var rfqId: Int64
    public var status: Status
    /// The taker's own text: the bridge's client id (`FigHouseRules.clientOrderIdFormat`).
    public var label: String?
    public var baseCurrency: String?
    public var quoteCurrency: String?
    public var amount: ExactDecimal?
    public var legs: [FigLeg]
    public var quotes: [FigQuote]
    public var trades: [FigTrade]
    public var createdAtMs: Int64?
    public var expiresAtMs: Int64?

    public init(
        rfqId: Int64, status: Status, label: String? = nil, baseCurrency: String? = nil, quoteCurrency: String? = nil,
        amount: ExactDecimal? = nil, legs: [FigLeg] = [], quotes: [FigQuote] = [], trades: [FigTrade] = [],
        createdAtMs: Int64? = nil, expiresAtMs: Int64? = nil
    ) {
        self.rfqId = rfqId
        self.status = status
        self.label = label
        self.baseCurrency = baseCurrency
        self.quoteCurrency = quoteCurrency
        self.amount = amount
        self.legs = legs
        self.quotes = quotes
        self.trades = trades
        self.createdAtMs = createdAtMs
        self.expiresAtMs = expiresAtMs
    }
}

/// A push on a subscribed channel (the wrapper is a house rule: `v1/subscription` with
/// `channel` and `data`).
public enum FigPush: Sendable, Hashable {
    case rfq(channel: String, FigRFQ)
    case quote(channel: String, FigQuote)
    /// A channel the bridge does not read.
    case other(channel: String)
}

/// Reading Fig's objects: numbers exactly from their text (JSON numbers or strings), ids as
/// 64-bit integers, timestamps as Unix milliseconds.
public enum FigDecoding {
    public static func rfq(_ value: JSONValue) throws(FrameDecodeError) -> FigRFQ {
        guard value.object != nil else { throw FrameDecodeError(.unexpectedShape, "an RFQ is an object") }
        let f = JSONFields(value)
        let statusText = try f.string("status")
        guard let status = FigRFQ.Status(rawValue: statusText) else {
            throw FrameDecodeError(.invalidValue, "unknown RFQ status \(statusText)")
        }
        return FigRFQ(
            rfqId: try f.integer("rfqId"), status: status, label: f.optionalString("label"),
            baseCurrency: f.optionalString("baseCurrency"), quoteCurrency: f.optionalString("quoteCurrency"),
            amount: try f.optionalDecimal("amount"),
            legs: try list(value["legs"], "legs", leg),
            quotes: try list(value["quotes"], "quotes") { (row) throws(FrameDecodeError) in try quote(row) },
            trades: try list(value["trades"], "trades", trade),
            createdAtMs: try f.optionalInteger("createdAt"), expiresAtMs: try f.optionalInteger("expiresAt"))
    }

    public static func quote(_ value: JSONValue, rfqId: Int64? = nil) throws(FrameDecodeError) -> FigQuote {
        guard value.object != nil else { throw FrameDecodeError(.unexpectedShape, "a quote is an object") }
        let f = JSONFields(value)
        let event = try f.optionalString("event").map { (text) throws(FrameDecodeError) -> FigQuote.Event in
            guard let event = FigQuote.Event(rawValue: text) else {
                throw FrameDecodeError(.invalidValue, "unknown quote event \(text)")
            }
            return event
        }
        return FigQuote(
            rfqQuoteId: try f.integer("rfqQuoteId"), rfqId: try f.optionalInteger("rfqId") ?? rfqId,
            direction: try direction(f, "direction"), price: try f.decimal("price"), amount: try f.decimal("amount"),
            event: event, createdAtMs: try f.optionalInteger("createdAt"))
    }

    public static func trade(_ value: JSONValue) throws(FrameDecodeError) -> FigTrade {
        let f = JSONFields(value)
        return FigTrade(
            direction: try direction(f, "direction"), price: try f.decimal("price"), amount: try f.decimal("amount"),
            instrumentName: f.optionalString("instrumentName"), exchangeTradeId: try f.identifier("exchangeTradeId"),
            createdAtMs: try f.optionalInteger("createdAt"))
    }

    static func leg(_ value: JSONValue) throws(FrameDecodeError) -> FigLeg {
        let f = JSONFields(value)
        return FigLeg(
            instrumentId: try f.integer("instrumentId"), instrumentName: f.optionalString("instrumentName"),
            direction: try direction(f, "direction"), ratio: try f.optionalDecimal("ratio"),
            amount: try f.optionalDecimal("amount"))
    }

    /// An RFQ from a REST answer's text.
    public static func rfq(text: String) throws(FrameDecodeError) -> FigRFQ { try rfq(FigJSON.parse(text)) }

    /// A `v1/subscription` notification's params.
    public static func push(_ params: JSONValue) throws(FrameDecodeError) -> FigPush {
        let channel = try JSONFields(params).string("channel")
        guard let data = params["data"] else { throw FrameDecodeError(.unexpectedShape, "push without data") }
        if channel.hasPrefix("rfq_quote.") { return .quote(channel: channel, try quote(data)) }
        if channel.hasPrefix("rfq.") { return .rfq(channel: channel, try rfq(data)) }
        return .other(channel: channel)
    }

    static func direction(_ f: JSONFields, _ key: String) throws(FrameDecodeError) -> FigDirection {
        let text = try f.string(key)
        guard let direction = FigDirection(rawValue: text) else {
            throw FrameDecodeError(.invalidValue, "\(key) \(text)")
        }
        return direction
    }

    static func list<T>(_ value: JSONValue?, _ name: String, _ element: (JSONValue) throws(FrameDecodeError) -> T)
        throws(FrameDecodeError) -> [T]
    {
        switch value {
        case nil, .null?: return []
        case .array(let rows)?:
            var out: [T] = []
            out.reserveCapacity(rows.count)
            for row in rows { out.append(try element(row)) }
            return out
        default: throw FrameDecodeError(.unexpectedShape, "\(name) is not a list")
        }
    }
}
