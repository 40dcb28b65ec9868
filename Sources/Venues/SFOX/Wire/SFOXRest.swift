public import VenueBridgeCore

/// `POST /v1/orders/buy|sell`. Decimals go out as strings, exactly as given.
public struct SFOXCreateOrder: Sendable, Hashable {
    public var action: SFOXAction
    public var currencyPair: String
    public var algorithm: Int
    public var price: ExactDecimal?
    public var quantity: ExactDecimal
    /// The venue refuses a `client_order_id` used in the last 24 h: our idempotency key at the venue.
    public var clientOrderId: String
    public var timeInForce: SFOXTimeInForce?
    /// Milliseconds since epoch, with `GTD`.
    public var expires: Int64?

    public init(
        action: SFOXAction, currencyPair: String, algorithm: Int, price: ExactDecimal?, quantity: ExactDecimal,
        clientOrderId: String,
        timeInForce: SFOXTimeInForce?, expires: Int64? = nil
    ) {
        self.action = action
        self.currencyPair = currencyPair
        self.algorithm = algorithm
        self.price = price
        self.quantity = quantity
        self.clientOrderId = clientOrderId
        self.timeInForce = timeInForce
        self.expires = expires
    }

    /// Relative to the REST base (`…/v1`).
    public var path: String { action == .buy ? "/orders/buy" : "/orders/sell" }

    public func body() -> [UInt8] {
        var writer = JSONWriter(capacity: 256)
        writer.beginObject()
        writer.field("currency_pair", currencyPair)
        writer.field("algorithm_id", algorithm)
        writer.field("price", price?.description)
        writer.field("quantity", quantity.description)
        writer.field("client_order_id", clientOrderId)
        writer.field("time_in_force", timeInForce?.rawValue)
        writer.field("expires", expires)
        writer.endObject()
        return writer.bytes
    }

    /// The simulator's side: decodes a create body for the side named by the path.
    public static func decode(action: SFOXAction, body: String) throws(SFOXDecodeError) -> SFOXCreateOrder {
        let json: JSONValue
        do { json = try JSONValue.parse(body) } catch { throw SFOXDecodeError(.invalidJSON, error.description) }
        let fields = try SFOXFields(json, "order")
        let tif: SFOXTimeInForce?
        if let text = fields.optionalString("time_in_force") {
            guard let value = SFOXTimeInForce(rawValue: text.uppercased()) else {
                throw SFOXDecodeError(.invalidValue, "order.time_in_force: \(text)")
            }
            tif = value
        } else {
            tif = nil
        }
        return SFOXCreateOrder(
            action: action, currencyPair: try fields.string("currency_pair"),
            algorithm: Int(try fields.int64("algorithm_id")),
            price: try fields.optionalDecimal("price"), quantity: try fields.decimal("quantity"),
            clientOrderId: fields.optionalString("client_order_id") ?? "", timeInForce: tif,
            expires: try fields.optionalInt64("expires")
        )
    }
}

/// `{"error":"<message>"}`, the body of every REST error.
public struct SFOXErrorBody: Sendable, Hashable {
    public var error: String
    public init(error: String) { self.error = error }

    public static func decode(_ body: String) -> SFOXErrorBody? {
        guard let json = try? JSONValue.parse(body), let text = json["error"]?.string else { return nil }
        return SFOXErrorBody(error: text)
    }

    public func encoded() -> String {
        var writer = JSONWriter(capacity: 64)
        writer.beginObject()
        writer.field("error", error)
        writer.endObject()
        return String(decoding: writer.bytes, as: UTF8.self)
    }
}

/// `DELETE /v1/orders/{id}` → `{"status":"canceled" | "cancel pending" | "order already finished"}`.
public enum SFOXCancelOutcome: Sendable, Hashable {
    case canceled
    case cancelPending
    case alreadyFinished
    case other(String)

    public init(wire text: String) {
        switch text.lowercased() {
        case "canceled", "cancelled": self = .canceled
        case "cancel pending": self = .cancelPending
        case "order already finished": self = .alreadyFinished
        default: self = .other(text)
        }
    }

    public var wire: String {
        switch self {
        case .canceled: "canceled"
        case .cancelPending: "cancel pending"
        case .alreadyFinished: "order already finished"
        case .other(let text): text
        }
    }

    public static func decode(_ body: String) throws(SFOXDecodeError) -> SFOXCancelOutcome {
        let json: JSONValue
        do { json = try JSONValue.parse(body) } catch { throw SFOXDecodeError(.invalidJSON, error.description) }
        guard let status = json["status"]?.string else {
            throw SFOXDecodeError(.unexpectedShape, "cancel reply without status")
        }
        return SFOXCancelOutcome(wire: status)
    }

    public func encoded() -> String {
        var writer = JSONWriter(capacity: 48)
        writer.beginObject()
        writer.field("status", wire)
        writer.endObject()
        return String(decoding: writer.bytes, as: UTF8.self)
    }
}

extension SFOXOrder {
    /// A REST reply body (create or get).
    public static func decode(body: String) throws(SFOXDecodeError) -> SFOXOrder {
        let json: JSONValue
        do { json = try JSONValue.parse(body) } catch { throw SFOXDecodeError(.invalidJSON, error.description) }
        return try decode(json)
    }
}
