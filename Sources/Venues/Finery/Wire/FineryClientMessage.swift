public import VenueBridgeCore

/// A client → server message (JSON objects).
public enum FineryClientMessage: Sendable, Hashable {
    case bind(feed: String, feedId: FineryFeedID)
    case unbind(feed: String, feedId: FineryFeedID)
    /// Any REST method over the socket; `content` is `{}` when there are no parameters.
    case request(reqId: Int64, method: String, content: JSONValue)

    public func encoded() -> String {
        var writer = JSONWriter(capacity: 160)
        writer.beginObject()
        switch self {
        case .bind(let feed, let feedId), .unbind(let feed, let feedId):
            writer.key("event")
            writer.string(self.isBind ? "bind" : "unbind")
            writer.key("feed")
            writer.string(feed)
            writer.key("feedId")
            switch feedId {
            case .number(let n): writer.integer(n)
            case .name(let name): writer.string(name)
            }
        case .request(let reqId, let method, let content):
            writer.key("event")
            writer.string("request")
            writer.key("reqId")
            writer.integer(reqId)
            writer.key("method")
            writer.string(method)
            writer.key("content")
            writer.value(content)
        }
        writer.endObject()
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    private var isBind: Bool {
        if case .bind = self { return true }
        return false
    }

    public static func decode(_ text: String) throws(FineryDecodeError) -> FineryClientMessage {
        let json: JSONValue
        do { json = try JSONValue.parse(text) } catch { throw FineryDecodeError(.invalidJSON, error.description) }
        guard let event = json["event"]?.string else {
            throw FineryDecodeError(.unexpectedShape, "message without an event")
        }
        switch event {
        case "bind", "unbind":
            guard let feed = json["feed"]?.string else {
                throw FineryDecodeError(.invalidValue, "\(event) without a feed")
            }
            let feedId: FineryFeedID
            switch json["feedId"] {
            case .string(let name)?: feedId = .name(name)
            case .none, .null?: feedId = .number(0)
            case let value?:
                guard let number = value.int64 else {
                    throw FineryDecodeError(.invalidValue, "\(event): invalid feedId")
                }
                feedId = .number(number)
            }
            return event == "bind" ? .bind(feed: feed, feedId: feedId) : .unbind(feed: feed, feedId: feedId)
        case "request":
            guard let reqId = json["reqId"]?.int64, let method = json["method"]?.string else {
                throw FineryDecodeError(.invalidValue, "request without reqId or method")
            }
            return .request(reqId: reqId, method: method, content: json["content"] ?? .object([:]))
        default:
            throw FineryDecodeError(.unknownMessage, "unknown event \(event)")
        }
    }
}

/// `add`: place an order. Prices and sizes are scaled integers (see `FineryUnits`).
public struct FineryAddRequest: Sendable, Hashable {
    public var instrument: String
    public var clientOrderId: Int64
    /// Absent for market orders.
    public var price: UInt64?
    public var size: Int64
    public var side: FinerySide
    public var type: FineryOrderType
    public var cancelOnDisconnect: Bool

    public init(
        instrument: String, clientOrderId: Int64, price: UInt64?, size: Int64, side: FinerySide, type: FineryOrderType,
        cancelOnDisconnect: Bool = true
    ) {
        self.instrument = instrument
        self.clientOrderId = clientOrderId
        self.price = price
        self.size = size
        self.side = side
        self.type = type
        self.cancelOnDisconnect = cancelOnDisconnect
    }

    public var content: JSONValue {
        var members: [String: JSONValue] = [
            "instrument": .string(instrument),
            "clientOrderId": .number("\(clientOrderId)"),
            "size": .number("\(size)"),
            "side": .string(side.requestName),
            "type": .string(type.requestName ?? "limit"),
            "cod": .bool(cancelOnDisconnect),
        ]
        if let price { members["price"] = .number("\(price)") }
        return .object(members)
    }

    public init(content: JSONValue) throws(FineryDecodeError) {
        guard let instrument = content["instrument"]?.string else {
            throw FineryDecodeError(.invalidValue, "instrument")
        }
        guard let clientOrderId = content["clientOrderId"]?.int64 else {
            throw FineryDecodeError(.invalidValue, "clientOrderId")
        }
        guard let size = content["size"]?.int64 else { throw FineryDecodeError(.invalidValue, "size") }
        guard let sideName = content["side"]?.string, let side = FinerySide(requestName: sideName) else {
            throw FineryDecodeError(.invalidValue, "side")
        }
        guard let typeName = content["type"]?.string, let type = FineryOrderType(requestName: typeName) else {
            throw FineryDecodeError(.invalidValue, "type")
        }
        var price: UInt64?
        if let value = content["price"], !value.isNull {
            guard let parsed = value.uint64 else { throw FineryDecodeError(.invalidValue, "price") }
            price = parsed
        }
        self.init(
            instrument: instrument, clientOrderId: clientOrderId, price: price, size: size, side: side, type: type,
            cancelOnDisconnect: content["cod"]?.bool ?? false)
    }
}

/// `del`: cancel by venue order id or by client order id.
public enum FineryDelRequest: Sendable, Hashable {
    case orderId(Int64)
    case clientOrderId(Int64)

    public var content: JSONValue {
        switch self {
        case .orderId(let id): .object(["orderId": .number("\(id)")])
        case .clientOrderId(let id): .object(["clientOrderId": .number("\(id)")])
        }
    }

    public init(content: JSONValue) throws(FineryDecodeError) {
        if let id = content["orderId"]?.int64 {
            self = .orderId(id)
        } else if let id = content["clientOrderId"]?.int64 {
            self = .clientOrderId(id)
        } else {
            throw FineryDecodeError(.invalidValue, "orderId")
        }
    }
}

/// A deal inside an `add` reply.
public struct FineryReplyDeal: Sendable, Hashable {
    public var id: Int64
    public var counterpartyId: Int64
    public var price: UInt64
    public var size: Int64
    public var volume: Int64
    public var delta: Int64

    public init(id: Int64, counterpartyId: Int64, price: UInt64, size: Int64, volume: Int64, delta: Int64) {
        self.id = id
        self.counterpartyId = counterpartyId
        self.price = price
        self.size = size
        self.volume = volume
        self.delta = delta
    }
}

/// The reply to `add` / `del` / `mod`: the order's state after the request.
public struct FineryOrderReply: Sendable, Hashable {
    public var id: Int64
    public var clientOrderId: Int64?
    public var remainingSize: Int64
    public var cancelReason: Int64?
    public var origId: Int64?
    public var deals: [FineryReplyDeal]

    public init(
        id: Int64, clientOrderId: Int64?, remainingSize: Int64, cancelReason: Int64?, origId: Int64? = nil,
        deals: [FineryReplyDeal]
    ) {
        self.id = id
        self.clientOrderId = clientOrderId
        self.remainingSize = remainingSize
        self.cancelReason = cancelReason
        self.origId = origId
        self.deals = deals
    }

    public init(body: JSONValue) throws(FineryDecodeError) {
        guard let id = body["id"]?.int64 else { throw FineryDecodeError(.invalidValue, "order reply without id") }
        guard let remaining = body["remainingSize"]?.int64 else {
            throw FineryDecodeError(.invalidValue, "order reply without remainingSize")
        }
        guard remaining >= 0 else {
            throw FineryDecodeError(.invalidValue, "order reply \(id): negative remainingSize \(remaining)")
        }
        var deals: [FineryReplyDeal] = []
        for deal in body["deals"]?.array ?? [] {
            guard let dealId = deal["id"]?.int64, let price = deal["price"]?.uint64, let size = deal["size"]?.int64
            else {
                throw FineryDecodeError(.invalidValue, "order reply deal malformed")
            }
            guard size >= 0 else {
                throw FineryDecodeError(.invalidValue, "order reply \(id): deal \(dealId) has negative size \(size)")
            }
            deals.append(
                FineryReplyDeal(
                    id: dealId, counterpartyId: deal["counterpartyId"]?.int64 ?? 0, price: price, size: size,
                    volume: deal["volume"]?.int64 ?? 0, delta: deal["delta"]?.int64 ?? 0))
        }
        self.init(
            id: id, clientOrderId: body["clientOrderId"]?.int64, remainingSize: remaining,
            cancelReason: body["cancelReason"]?.int64, origId: body["origId"]?.int64, deals: deals)
    }

    public var body: JSONValue {
        var members: [String: JSONValue] = ["id": .number("\(id)"), "remainingSize": .number("\(remainingSize)")]
        if let clientOrderId { members["clientOrderId"] = .number("\(clientOrderId)") }
        if let cancelReason { members["cancelReason"] = .number("\(cancelReason)") }
        if let origId { members["origId"] = .number("\(origId)") }
        members["deals"] = .array(
            deals.map { deal in
                .object([
                    "id": .number("\(deal.id)"), "counterpartyId": .number("\(deal.counterpartyId)"),
                    "price": .number("\(deal.price)"),
                    "size": .number("\(deal.size)"), "volume": .number("\(deal.volume)"),
                    "delta": .number("\(deal.delta)"),
                ])
            })
        return .object(members)
    }
}
