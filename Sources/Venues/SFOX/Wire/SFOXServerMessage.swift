public import VenueBridgeCore

/// A control reply: `{"type":"success"|"error","action":…,"sequence":…,"payload":{…}}`.
public struct SFOXControlReply: Sendable, Hashable {
    public var success: Bool
    /// `authenticate`, `subscribe`, `unsubscribe`.
    public var action: String
    public var sequence: Int64?
    /// Nanoseconds since epoch.
    public var timestamp: Int64?
    /// The feeds a subscribe/unsubscribe reply names.
    public var feeds: [String]
    /// The venue's words on an error, when it gives any.
    public var message: String?

    public init(
        success: Bool, action: String, sequence: Int64?, timestamp: Int64?, feeds: [String] = [], message: String? = nil
    ) {
        self.success = success
        self.action = action
        self.sequence = sequence
        self.timestamp = timestamp
        self.feeds = feeds
        self.message = message
    }
}

/// The payload of a data message, by feed.
public enum SFOXPayload: Sendable, Hashable {
    case orderBook(SFOXOrderBook)
    case trade(SFOXTrade)
    case ticker(SFOXTicker)
    case openOrders([SFOXOrder])
    case privateTrades([SFOXPrivateTrade])
    case balances([SFOXBalance])
    /// A feed this codec does not model, kept verbatim.
    case other(JSONValue)
}

/// A server → client WebSocket message.
public enum SFOXServerMessage: Sendable, Hashable {
    case control(SFOXControlReply)
    /// `{"sequence":…,"recipient":"<feed>","timestamp":<ns>,"payload":…}`.
    case data(sequence: Int64, feed: SFOXFeed, timestamp: Int64?, payload: SFOXPayload)

    /// Every message carries the connection's sequence number (control replies too).
    public var sequence: Int64? {
        switch self {
        case .control(let reply): reply.sequence
        case .data(let sequence, _, _, _): sequence
        }
    }
}

// MARK: - Decoding

extension SFOXServerMessage {
    public static func decode(_ text: String) throws(SFOXDecodeError) -> SFOXServerMessage {
        let json: JSONValue
        do { json = try JSONValue.parse(text) } catch { throw SFOXDecodeError(.invalidJSON, error.description) }
        return try decode(json)
    }

    public static func decode(_ json: JSONValue) throws(SFOXDecodeError) -> SFOXServerMessage {
        let fields = try SFOXFields(json, "message")
        if let type = fields.optionalString("type") {
            guard type == "success" || type == "error" else {
                throw SFOXDecodeError(.unknownMessage, "message type \(type)")
            }
            let payload = fields.members["payload"]
            let action = fields.optionalString("action") ?? payload?["action"]?.string ?? ""
            let feeds = payload?["feeds"]?.array?.compactMap(\.string) ?? []
            let message =
                payload?["error"]?.string ?? payload?["message"]?.string ?? fields.optionalString("error")
                ?? fields.optionalString("message")
            return .control(
                SFOXControlReply(
                    success: type == "success", action: action, sequence: try fields.optionalInt64("sequence"),
                    timestamp: try fields.optionalInt64("timestamp"), feeds: feeds, message: message
                ))
        }
        guard fields.has("recipient") else {
            throw SFOXDecodeError(.unknownMessage, "neither a control reply (type) nor a data message (recipient)")
        }
        let feed = SFOXFeed(try fields.string("recipient"))
        let sequence = try fields.int64("sequence")
        let timestamp = try fields.optionalInt64("timestamp")
        // Published as ts_venue, which is never negative.
        if let timestamp, timestamp < 0 {
            throw SFOXDecodeError(.invalidValue, "\(feed): negative timestamp \(timestamp)")
        }
        guard let payload = fields.members["payload"] else {
            throw SFOXDecodeError(.unexpectedShape, "\(feed): no payload")
        }
        return .data(
            sequence: sequence, feed: feed, timestamp: timestamp, payload: try decodePayload(payload, feed: feed))
    }

    static func decodePayload(_ payload: JSONValue, feed: SFOXFeed) throws(SFOXDecodeError) -> SFOXPayload {
        switch feed {
        case .orderBook: .orderBook(try decodeBook(payload))
        case .trades: .trade(try decodeTrade(payload))
        case .ticker: .ticker(try decodeTicker(payload))
        case .openOrders:
            .openOrders(try list(payload, feed) { value throws(SFOXDecodeError) in try SFOXOrder.decode(value) })
        case .privateTrades:
            .privateTrades(
                try list(payload, feed) { value throws(SFOXDecodeError) in try SFOXPrivateTrade.decode(value) })
        case .balances:
            .balances(try list(payload, feed) { value throws(SFOXDecodeError) in try SFOXBalance.decode(value) })
        case .other: .other(payload)
        }
    }

    /// Private feeds send a list; a single object is accepted as a list of one.
    private static func list<T>(
        _ payload: JSONValue, _ feed: SFOXFeed, _ element: (JSONValue) throws(SFOXDecodeError) -> T
    ) throws(SFOXDecodeError) -> [T] {
        switch payload {
        case .array(let values):
            var result: [T] = []
            result.reserveCapacity(values.count)
            for value in values { result.append(try element(value)) }
            return result
        case .object: return [try element(payload)]
        default: throw SFOXDecodeError(.unexpectedShape, "\(feed): payload is neither a list nor an object")
        }
    }

    static func decodeBook(_ payload: JSONValue) throws(SFOXDecodeError) -> SFOXOrderBook {
        let fields = try SFOXFields(payload, "orderbook")
        return SFOXOrderBook(
            pair: try fields.string("pair"),
            bids: try levels(fields.members["bids"], "bids"),
            asks: try levels(fields.members["asks"], "asks"),
            lastUpdated: try fields.optionalInt64("lastupdated"),
            lastPublished: try fields.optionalInt64("lastpublished")
        )
    }

    private static func levels(_ value: JSONValue?, _ side: String) throws(SFOXDecodeError) -> [SFOXLevel] {
        guard case .array(let rows)? = value else {
            throw SFOXDecodeError(.unexpectedShape, "orderbook.\(side) is not a list")
        }
        var result: [SFOXLevel] = []
        result.reserveCapacity(rows.count)
        for row in rows {
            guard case .array(let cells) = row, cells.count >= 2, let price = cells[0].decimal,
                let quantity = cells[1].decimal
            else {
                throw SFOXDecodeError(.invalidValue, "orderbook.\(side): level is not [price, quantity, source]")
            }
            // A crypto book level has a positive price and a quantity that is not negative.
            guard price.isPositive, !quantity.isNegative else {
                throw SFOXDecodeError(
                    .invalidValue,
                    "orderbook.\(side): level \(price) × \(quantity) is not a positive price with a non-negative quantity"
                )
            }
            result.append(
                SFOXLevel(price: price, quantity: quantity, source: cells.count > 2 ? cells[2].string ?? "" : ""))
        }
        return result
    }

    static func decodeTrade(_ payload: JSONValue) throws(SFOXDecodeError) -> SFOXTrade {
        let fields = try SFOXFields(payload, "trade")
        let side = fields.optionalString("side").flatMap(SFOXAction.init(wire:))
        return SFOXTrade(
            id: try fields.idText("id"), pair: try fields.string("pair"), price: try fields.decimal("price"),
            quantity: try fields.quantity("quantity"), side: side, exchange: fields.optionalString("exchange"),
            timestamp: fields.optionalString("timestamp")
        )
    }

    static func decodeTicker(_ payload: JSONValue) throws(SFOXDecodeError) -> SFOXTicker {
        let fields = try SFOXFields(payload, "ticker")
        return SFOXTicker(
            pair: try fields.string("pair"), last: try fields.optionalDecimal("last"),
            open: try fields.optionalDecimal("open"),
            high: try fields.optionalDecimal("high"), low: try fields.optionalDecimal("low"),
            volume: try fields.optionalQuantity("volume"),
            vwap: try fields.optionalDecimal("vwap"), timestamp: fields.optionalString("timestamp")
        )
    }
}

extension SFOXOrder {
    public static func decode(_ value: JSONValue) throws(SFOXDecodeError) -> SFOXOrder {
        let fields = try SFOXFields(value, "order")
        return SFOXOrder(
            id: try fields.int64("id"),
            clientOrderId: fields.optionalString("client_order_id").flatMap { $0.isEmpty ? nil : $0 },
            dateAdded: fields.optionalString("date_added"), status: SFOXOrderStatus(wire: try fields.string("status")),
            filled: try fields.optionalQuantity("filled") ?? .zero,
            filledAmount: try fields.optionalDecimal("filled_amount"),
            vwap: try fields.optionalDecimal("vwap"), price: try fields.optionalDecimal("price"),
            quantity: try fields.quantity("quantity"),
            pair: try fields.string("pair"), action: try fields.action("action"), type: fields.optionalString("type"),
            algorithmId: try fields.optionalInt64("algorithm_id").map { Int($0) },
            timeInForce: fields.optionalString("time_in_force"),
            fees: try fields.optionalDecimal("fees")
        )
    }
}

extension SFOXPrivateTrade {
    public static func decode(_ value: JSONValue) throws(SFOXDecodeError) -> SFOXPrivateTrade {
        let fields = try SFOXFields(value, "private trade")
        return SFOXPrivateTrade(
            tradeId: try fields.int64("trade_id"), orderId: try fields.int64("order_id"),
            clientOrderId: fields.optionalString("client_order_id"),
            dateUpdated: fields.optionalString("date_updated"), action: try fields.action("action"),
            currencyPair: try fields.string("currency_pair"),
            quantity: try fields.quantity("quantity"), amount: try fields.optionalDecimal("amount"),
            price: try fields.decimal("price"),
            fees: try fields.optionalDecimal("fees"), netAmount: try fields.optionalDecimal("net_amount")
        )
    }
}

extension SFOXBalance {
    public static func decode(_ value: JSONValue) throws(SFOXDecodeError) -> SFOXBalance {
        let fields = try SFOXFields(value, "balance")
        return SFOXBalance(
            currency: try fields.string("currency"), balance: try fields.decimal("balance"),
            available: try fields.optionalDecimal("available"), held: try fields.optionalDecimal("held")
        )
    }
}

// MARK: - Encoding (the simulator's side)

extension SFOXServerMessage {
    public func encoded() -> String {
        var writer = JSONWriter()
        switch self {
        case .control(let reply):
            writer.beginObject()
            writer.field("type", reply.success ? "success" : "error")
            writer.field("sequence", reply.sequence)
            writer.field("timestamp", reply.timestamp)
            writer.key("payload")
            writer.beginObject()
            writer.field("action", reply.action)
            if !reply.feeds.isEmpty {
                writer.key("feeds")
                writer.beginArray()
                for feed in reply.feeds { writer.string(feed) }
                writer.endArray()
            }
            writer.field("error", reply.message)
            writer.endObject()
            writer.field("action", reply.action)
            writer.endObject()
        case .data(let sequence, let feed, let timestamp, let payload):
            writer.beginObject()
            writer.field("sequence", sequence)
            writer.field("recipient", feed.name)
            writer.field("timestamp", timestamp)
            writer.key("payload")
            payload.write(to: &writer)
            writer.endObject()
        }
        return String(decoding: writer.bytes, as: UTF8.self)
    }
}

extension SFOXPayload {
    func write(to writer: inout JSONWriter) {
        switch self {
        case .orderBook(let book):
            writer.beginObject()
            writeLevels("bids", book.bids, to: &writer)
            writeLevels("asks", book.asks, to: &writer)
            writer.key("market_making")
            writer.beginObject()
            writer.key("bids")
            writer.beginArray()
            writer.endArray()
            writer.key("asks")
            writer.beginArray()
            writer.endArray()
            writer.endObject()
            writer.field("pair", book.pair)
            writer.field("lastupdated", book.lastUpdated)
            writer.field("lastpublished", book.lastPublished)
            writer.endObject()
        case .trade(let trade):
            writer.beginObject()
            writer.field("id", trade.id)
            writer.field("quantity", trade.quantity.description)
            writer.field("price", trade.price.description)
            writer.field("exchange", trade.exchange)
            writer.field("side", trade.side.map { $0.rawValue.lowercased() })
            writer.field("pair", trade.pair)
            writer.field("timestamp", trade.timestamp)
            writer.endObject()
        case .ticker(let ticker):
            writer.beginObject()
            writer.field("pair", ticker.pair)
            // JSON numbers, as the venue sends them.
            writer.field("last", number: ticker.last)
            writer.field("open", number: ticker.open)
            writer.field("high", number: ticker.high)
            writer.field("low", number: ticker.low)
            writer.field("volume", number: ticker.volume)
            writer.field("vwap", number: ticker.vwap)
            writer.field("timestamp", ticker.timestamp)
            writer.endObject()
        case .openOrders(let orders):
            writer.beginArray()
            for order in orders { order.write(to: &writer) }
            writer.endArray()
        case .privateTrades(let trades):
            writer.beginArray()
            for trade in trades { trade.write(to: &writer) }
            writer.endArray()
        case .balances(let balances):
            writer.beginArray()
            for balance in balances {
                writer.beginObject()
                writer.field("currency", balance.currency)
                writer.field("balance", balance.balance.description)
                writer.field("available", balance.available?.description)
                writer.field("held", balance.held?.description)
                writer.endObject()
            }
            writer.endArray()
        case .other(let value):
            writer.value(value)
        }
    }

    private func writeLevels(_ name: StaticString, _ levels: [SFOXLevel], to writer: inout JSONWriter) {
        writer.key(name)
        writer.beginArray()
        for level in levels {
            writer.beginArray()
            writer.decimalNumber(level.price)
            writer.decimalNumber(level.quantity)
            writer.string(level.source)
            writer.endArray()
        }
        writer.endArray()
    }
}

extension SFOXOrder {
    /// The venue's order object (open-orders feed and REST replies): decimals as strings.
    public func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.field("id", id)
        writer.field("client_order_id", clientOrderId)
        writer.field("date_added", dateAdded)
        writer.field("status", status.wire)
        writer.field("filled", filled.description)
        writer.field("filled_amount", filledAmount?.description)
        writer.field("vwap", vwap?.description)
        writer.field("price", price?.description)
        writer.field("quantity", quantity.description)
        writer.field("pair", pair)
        writer.field("action", action.rawValue)
        writer.field("type", type)
        writer.field("algorithm_id", algorithmId)
        writer.field("time_in_force", timeInForce)
        writer.field("fees", fees?.description)
        writer.endObject()
    }

    public func encoded() -> String {
        var writer = JSONWriter()
        write(to: &writer)
        return String(decoding: writer.bytes, as: UTF8.self)
    }
}

extension SFOXPrivateTrade {
    public func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.field("trade_id", tradeId)
        writer.field("order_id", orderId)
        writer.field("client_order_id", clientOrderId)
        writer.field("date_updated", dateUpdated)
        writer.field("action", action.rawValue)
        writer.field("currency_pair", currencyPair)
        writer.field("quantity", quantity.description)
        writer.field("amount", amount?.description)
        writer.field("price", price.description)
        writer.field("fees", fees?.description)
        writer.field("net_amount", netAmount?.description)
        writer.endObject()
    }
}
