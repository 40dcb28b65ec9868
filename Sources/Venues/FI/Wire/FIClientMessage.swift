public import VenueBridgeCore

/// A market-data subscription: `{"msg":"book","security":"BTCUSD","dest":"GEMI"}`.
public struct FISubscription: Sendable, Hashable {
    public enum Feed: String, Sendable, CaseIterable {
        /// External, aggregated (needs `dest`).
        case book
        /// Internal, order by order.
        case ibook
        /// External last sale (needs `dest`).
        case trade
        /// Internal last sale.
        case itrade

        public var needsDestination: Bool { self == .book || self == .trade }
    }

    public var feed: Feed
    public var security: String
    public var destination: String?

    public init(feed: Feed, security: String, destination: String? = nil) {
        self.feed = feed
        self.security = security
        self.destination = destination
    }
}

/// `addorder`, in the venue's terms.
public struct FIAddOrder: Sendable, Hashable {
    public enum OrderType: String, Sendable, CaseIterable {
        case limit = "LMT"
        case market = "MKT"
        case postOnly = "POST"
    }
    public enum TimeInForce: String, Sendable, CaseIterable {
        case gtc = "GTC"
        case ioc = "IOC"
        case fok = "FOK"
        case day = "DAY"
        case gtt = "GTT"
    }

    public var security: String
    public var side: FISide
    public var price: ExactDecimal?
    public var quantity: ExactDecimal
    public var orderType: OrderType
    public var timeInForce: TimeInForce
    /// GTT only: the expiry, Unix milliseconds.
    public var expiresAtMs: Int64?
    public var clientOrderId: String

    public init(
        security: String, side: FISide, price: ExactDecimal?, quantity: ExactDecimal, orderType: OrderType,
        timeInForce: TimeInForce, expiresAtMs: Int64? = nil, clientOrderId: String
    ) {
        self.security = security
        self.side = side
        self.price = price
        self.quantity = quantity
        self.orderType = orderType
        self.timeInForce = timeInForce
        self.expiresAtMs = expiresAtMs
        self.clientOrderId = clientOrderId
    }
}

/// `B` / `S`.
public enum FISide: String, Sendable, Hashable, CaseIterable {
    case buy = "B"
    case sell = "S"
}

/// A client → server message: flat JSON objects with a `type`.
public enum FIClientMessage: Sendable, Hashable {
    case challenge
    /// `pass`: the base64 RSA PKCS#1 v1.5 ciphertext of the password, never the password.
    case login(userID: String, encryptedPassword: String)
    case logout
    case subscribe([FISubscription])
    case unsubscribe([FISubscription])
    case subscribeSystemStatus
    case addOrder(FIAddOrder)
    case cancelOrder(security: String, refno: String)
    /// `security` `*`: every open order (the reconciliation after a reconnect).
    case openOrderQuery(security: String)

    public var type: String {
        switch self {
        case .challenge: "challenge"
        case .login: "login"
        case .logout: "logout"
        case .subscribe: "subscribe"
        case .unsubscribe: "unsubscribe"
        case .subscribeSystemStatus: "subscribesystemstatus"
        case .addOrder: "addorder"
        case .cancelOrder: "cancelorder"
        case .openOrderQuery: "openorderquery"
        }
    }

    public func encoded() -> String {
        var writer = JSONWriter(capacity: 160)
        writer.beginObject()
        writer.field("type", type)
        switch self {
        case .challenge, .logout, .subscribeSystemStatus:
            break
        case .login(let userID, let encryptedPassword):
            writer.field("userid", userID)
            writer.field("pass", encryptedPassword)
        case .subscribe(let subscriptions), .unsubscribe(let subscriptions):
            writer.key("request")
            writer.beginArray()
            for subscription in subscriptions {
                writer.beginObject()
                writer.field("msg", subscription.feed.rawValue)
                writer.field("security", subscription.security)
                writer.field("dest", subscription.destination)
                writer.endObject()
            }
            writer.endArray()
        case .addOrder(let order):
            writer.field("security", order.security)
            writer.field("side", order.side.rawValue)
            writer.field("price", number: order.price)
            writer.field("qty", number: order.quantity)
            writer.field("ordertype", order.orderType.rawValue)
            writer.field("tif", order.timeInForce.rawValue)
            writer.field("exptime", order.expiresAtMs)
            writer.field("clientorderid", order.clientOrderId)
        case .cancelOrder(let security, let refno):
            writer.field("security", security)
            writer.field("refno", refno)
        case .openOrderQuery(let security):
            writer.field("security", security)
        }
        writer.endObject()
        return String(decoding: writer.bytes, as: UTF8.self)
    }
}
