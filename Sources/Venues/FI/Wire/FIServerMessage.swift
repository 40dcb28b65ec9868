public import VenueBridgeCore

/// One change to an entry-based book: `A`/`U` carry the whole entry, `R` only its id.
public enum FIBookChange: Sendable, Hashable {
    case put(
        id: String, add: Bool, side: FISide, price: ExactDecimal, quantity: ExactDecimal, ioi: Bool, source: String?)
    case remove(id: String)
}

/// A last sale: `{"price":7014.2,"qty":0.5,"side":"B","time":1557323619303,"src":"GEMI","id":"..."}`.
public struct FITrade: Sendable, Hashable {
    public var price: ExactDecimal
    public var quantity: ExactDecimal
    /// The aggressor, when the venue says.
    public var side: FISide?
    public var timeMs: Int64?
    public var source: String?
    public var id: String?
}

/// An `order` push: the order's whole state. There is no status field; `status` derives it.
public struct FIOrder: Sendable, Hashable {
    public var refno: String
    public var clientOrderId: String?
    public var security: String
    public var side: FISide
    public var price: ExactDecimal?
    public var quantity: ExactDecimal
    /// 0: the order is done.
    public var liveQuantity: ExactDecimal
    public var executedQuantity: ExactDecimal
    public var executedAmount: ExactDecimal?
    public var timeInForce: String?
    public var updatedMs: Int64?

    public init(
        refno: String, clientOrderId: String?, security: String, side: FISide, price: ExactDecimal?,
        quantity: ExactDecimal, liveQuantity: ExactDecimal, executedQuantity: ExactDecimal,
        executedAmount: ExactDecimal? = nil, timeInForce: String? = nil, updatedMs: Int64? = nil
    ) {
        self.refno = refno
        self.clientOrderId = clientOrderId
        self.security = security
        self.side = side
        self.price = price
        self.quantity = quantity
        self.liveQuantity = liveQuantity
        self.executedQuantity = executedQuantity
        self.executedAmount = executedAmount
        self.timeInForce = timeInForce
        self.updatedMs = updatedMs
    }

    public enum Status: Sendable, Hashable { case open, partiallyFilled, filled, canceled }

    /// The notes' rule: live > 0 → open (partially filled once something executed); live 0 → filled
    /// when everything executed, else canceled.
    public var status: Status {
        if liveQuantity.isPositive { return executedQuantity.isPositive ? .partiallyFilled : .open }
        return executedQuantity >= quantity ? .filled : .canceled
    }
}

/// A `sale` push: one fill. `traderefno` is the fill id (fills are deduplicated on it).
public struct FISale: Sendable, Hashable {
    public var refno: String
    public var tradeRefno: String
    public var security: String
    public var side: FISide
    public var quantity: ExactDecimal
    public var price: ExactDecimal
    public var timeMs: Int64?
    public var isMaker: Bool?

    public init(
        refno: String, tradeRefno: String, security: String, side: FISide, quantity: ExactDecimal,
        price: ExactDecimal, timeMs: Int64? = nil, isMaker: Bool? = nil
    ) {
        self.refno = refno
        self.tradeRefno = tradeRefno
        self.security = security
        self.side = side
        self.quantity = quantity
        self.price = price
        self.timeMs = timeMs
        self.isMaker = isMaker
    }
}

/// One exchange's state in a `systemstatus` push.
public struct FIExchangeStatus: Sendable, Hashable {
    public enum State: String, Sendable, Hashable, CaseIterable {
        case open = "Open"
        case preOpen = "PreOpen"
        case halted = "Halted"
    }
    public var exchange: String
    public var state: State
    public var timeMs: Int64?

    public init(exchange: String, state: State, timeMs: Int64? = nil) {
        self.exchange = exchange
        self.state = state
        self.timeMs = timeMs
    }
}

/// A server → client message. Replies echo the request's `type` and carry `result`: `"OK"` or
/// the venue's reason in words (there are no error codes).
public enum FIServerMessage: Sendable, Hashable {
    case challenge(result: String, key: String?)
    case login(result: String, userID: String?, firm: String?)
    case addOrderReply(result: String, clientOrderId: String?, refno: String?, security: String?)
    case cancelOrderReply(result: String, refno: String?, security: String?)
    /// One page of an `openorderquery` reply: `total_rec` records in all, `data` one record (an
    /// object) or several (a list), at most 100 a message.
    case openOrders(result: String, total: Int?, orders: [FIOrder])
    case book(security: String, changes: [FIBookChange])
    case trades(security: String, trades: [FITrade])
    case order(FIOrder)
    case sale(FISale)
    case position(security: String, position: ExactDecimal)
    case systemStatus([FIExchangeStatus])
    /// A reply or push the connector has no use for (yet), by its `type`.
    case other(type: String)

    public static let ok = "OK"

    /// Decodes one text frame. Numbers may be JSON numbers or strings and are read exactly from
    /// their text; 64-bit ids stay text. A frame of no known shape is a `FrameDecodeError`.
    public static func decode(_ text: String) throws(FrameDecodeError) -> FIServerMessage {
        let value: JSONValue
        do {
            value = try JSONValue.parse(text)
        } catch {
            throw FrameDecodeError(.invalidJSON, "\(error)")
        }
        guard value.object != nil else { throw FrameDecodeError(.unexpectedShape, "not a JSON object") }
        let r = JSONFields(value)
        if let books = value["books"] {
            return .book(security: try r.string("security"), changes: try bookChanges(books))
        }
        if let trades = value["trades"] {
            return .trades(security: try r.string("security"), trades: try self.trades(trades))
        }
        guard let type = value["type"]?.string else {
            throw FrameDecodeError(.unexpectedShape, "no type, books or trades")
        }
        switch type {
        case "challenge":
            return .challenge(result: try r.string("result"), key: r.optionalString("key"))
        case "login":
            return .login(
                result: try r.string("result"), userID: r.optionalString("userid"), firm: r.optionalString("firm"))
        case "addorder":
            return .addOrderReply(
                result: try r.string("result"), clientOrderId: r.optionalString("clientorderid"),
                refno: r.optionalString("refno"), security: r.optionalString("security"))
        case "cancelorder":
            return .cancelOrderReply(
                result: try r.string("result"), refno: r.optionalString("refno"), security: r.optionalString("security")
            )
        case "openorderquery":
            let total = try r.optionalInteger("total_rec")
            guard total.map({ $0 >= 0 && $0 <= Int64(Int32.max) }) ?? true else {
                throw FrameDecodeError(.invalidValue, "total_rec out of range")
            }
            let records: [JSONValue] =
                switch value["data"] {
                case nil, .null?: []
                case .array(let rows)?: rows
                case let row?: [row]
                }
            return .openOrders(
                result: try r.string("result"), total: total.map { Int($0) },
                orders: try records.map { (row) throws(FrameDecodeError) in try order(JSONFields(row)) })
        case "order":
            return .order(try order(r))
        case "sale":
            return .sale(
                FISale(
                    refno: try r.string("refno"), tradeRefno: try r.string("traderefno"),
                    security: try r.string("security"), side: try r.side("side"), quantity: try r.decimal("execqty"),
                    price: try r.decimal("execprice"), timeMs: try r.optionalInteger("trdtime"),
                    isMaker: value["ismaker"]?.bool))
        case "position":
            return .position(security: try r.string("security"), position: try r.decimal("curpos"))
        case "systemstatus":
            guard let rows = value["data"]?.array else {
                throw FrameDecodeError(.unexpectedShape, "systemstatus without data")
            }
            return .systemStatus(
                try rows.map { (row) throws(FrameDecodeError) -> FIExchangeStatus in
                    let f = JSONFields(row)
                    let state = try f.string("status")
                    guard let known = FIExchangeStatus.State(rawValue: state) else {
                        throw FrameDecodeError(.invalidValue, "unknown system status \(state)")
                    }
                    return FIExchangeStatus(
                        exchange: try f.string("exchange"), state: known, timeMs: try f.optionalInteger("time"))
                })
        default:
            return .other(type: type)
        }
    }

    /// An order record: an `order` push, or one row of an `openorderquery` reply.
    private static func order(_ r: JSONFields) throws(FrameDecodeError) -> FIOrder {
        FIOrder(
            refno: try r.string("refno"), clientOrderId: r.optionalString("clientorderid"),
            security: try r.string("security"), side: try r.side("side"), price: try r.optionalDecimal("price"),
            quantity: try r.decimal("qty"), liveQuantity: try r.decimal("liveqty"),
            executedQuantity: try r.decimal("execqty"), executedAmount: try r.optionalDecimal("execamount"),
            timeInForce: r.optionalString("tif"), updatedMs: try r.optionalInteger("updtime"))
    }

    private static func bookChanges(_ value: JSONValue) throws(FrameDecodeError) -> [FIBookChange] {
        guard let rows = value.array else { throw FrameDecodeError(.unexpectedShape, "books is not a list") }
        return try rows.map { (row) throws(FrameDecodeError) -> FIBookChange in
            let f = JSONFields(row)
            let id = try f.identifier("id")
            switch try f.string("act") {
            case "R":
                return .remove(id: id)
            case let act where act == "A" || act == "U":
                return .put(
                    id: id, add: act == "A", side: try f.side("side"), price: try f.decimal("price"),
                    quantity: try f.decimal("qty"), ioi: row["ioi"]?.bool ?? false, source: f.optionalString("src"))
            case let act:
                throw FrameDecodeError(.invalidValue, "unknown book act \(act)")
            }
        }
    }

    private static func trades(_ value: JSONValue) throws(FrameDecodeError) -> [FITrade] {
        guard let rows = value.array else { throw FrameDecodeError(.unexpectedShape, "trades is not a list") }
        return try rows.map { (row) throws(FrameDecodeError) -> FITrade in
            let f = JSONFields(row)
            return FITrade(
                price: try f.decimal("price"), quantity: try f.decimal("qty"),
                side: try f.optionalString("side").map { (text) throws(FrameDecodeError) -> FISide in
                    guard let side = FISide(rawValue: text) else {
                        throw FrameDecodeError(.invalidValue, "side \(text)")
                    }
                    return side
                },
                timeMs: try f.optionalInteger("time"), source: f.optionalString("src"),
                id: try f.optionalIdentifier("id"))
        }
    }
}

extension JSONFields {
    func side(_ key: String) throws(FrameDecodeError) -> FISide {
        let text = try string(key)
        guard let side = FISide(rawValue: text) else { throw FrameDecodeError(.invalidValue, "\(key) \(text)") }
        return side
    }
}
