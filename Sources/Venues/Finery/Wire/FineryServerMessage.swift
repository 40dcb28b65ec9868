// File length: one decoder per Finery feed message, every one the venue's positional-array format; kept together so
// the notes' message table maps onto one file.
public import VenueBridgeCore

/// Why a Finery frame could not be decoded.
public typealias FineryDecodeError = FrameDecodeError

/// Feed actions (`[feed, feedId, action, data]`).
public enum FineryFeedAction: String, Sendable, Hashable {
    case snapshot = "S"
    case added = "+"
    case modified = "M"
    case removed = "-"
    case deal = "D"
    case failure = "Z"
    case unsubscribed = "U"
}

/// A server → client message.
public enum FineryServerMessage: Sendable, Hashable {
    /// `["X",0,"Z",code]`: 0 means the venue's backend is connected.
    case status(code: Int64)
    case bookSnapshot(feedId: FineryFeedID, bids: [FineryLevel], asks: [FineryLevel])
    case bookUpdate(feedId: FineryFeedID, bids: [FineryBookUpdate], asks: [FineryBookUpdate])
    case instruments(currencies: [String], instruments: [FineryInstrument])
    /// Feed `O`: `S` (active orders), `+` (new) or `-` (removed).
    case orders(action: FineryFeedAction, feedId: FineryFeedID, orders: [FineryOrder])
    case deal(feedId: FineryFeedID, deal: FineryDeal)
    /// Feed `K`: `S` (all, with the next id), `+`, `M`, `-`.
    case positions(action: FineryFeedAction, feedId: FineryFeedID, positions: [FineryPosition])
    /// `[feed, feedId, "Z", code]`: a failed bind or a feed failure.
    case feedFailure(feed: String, feedId: FineryFeedID, code: FineryErrorCode)
    case unsubscribed(feed: String, feedId: FineryFeedID)
    case reply(reqId: Int64, body: JSONValue)
    case replyError(reqId: Int64, code: FineryErrorCode, param: String?)
}

// MARK: - Decoding

extension FineryServerMessage {
    public static func decode(_ text: String) throws(FineryDecodeError) -> FineryServerMessage {
        let json: JSONValue
        do { json = try JSONValue.parse(text) } catch { throw FineryDecodeError(.invalidJSON, error.description) }
        return try decode(json)
    }

    public static func decode(_ json: JSONValue) throws(FineryDecodeError) -> FineryServerMessage {
        switch json {
        case .array(let elements): return try decodeFeed(elements)
        case .object(let members): return try decodeReply(members)
        default: throw FineryDecodeError(.unexpectedShape, "neither a feed array nor a reply object")
        }
    }

    private static func decodeReply(_ members: [String: JSONValue]) throws(FineryDecodeError) -> FineryServerMessage {
        guard members["event"]?.string == FineryHouseRules.replyEvent else {
            throw FineryDecodeError(.unknownMessage, "object with event \(members["event"]?.string ?? "(none)")")
        }
        guard let reqId = members["reqId"]?.int64 else {
            throw FineryDecodeError(.invalidValue, "reply without an integer reqId")
        }
        if let error = members["error"] {
            guard let code = error.int64 else {
                throw FineryDecodeError(.invalidValue, "reply \(reqId): error is not an integer")
            }
            return .replyError(reqId: reqId, code: FineryErrorCode(code), param: members["param"]?.string)
        }
        return .reply(reqId: reqId, body: members["reply"] ?? .object([:]))
    }

    private static func decodeFeed(_ elements: [JSONValue]) throws(FineryDecodeError) -> FineryServerMessage {
        guard elements.count == 4, let feed = elements[0].string, let actionText = elements[2].string else {
            throw FineryDecodeError(.unexpectedShape, "feed message is not [feed, feedId, action, data]")
        }
        let feedId: FineryFeedID
        switch elements[1] {
        case .string(let name): feedId = .name(name)
        default:
            guard let number = elements[1].int64 else {
                throw FineryDecodeError(.invalidValue, "feed \(feed): feedId is neither a name nor an integer")
            }
            feedId = .number(number)
        }
        guard let action = FineryFeedAction(rawValue: actionText) else {
            throw FineryDecodeError(.unknownMessage, "feed \(feed): unknown action \(actionText)")
        }
        let data = elements[3]
        if feed == "X" {
            guard action == .failure, let code = data.int64 else {
                throw FineryDecodeError(.unexpectedShape, "X status is not [\"X\",0,\"Z\",code]")
            }
            return .status(code: code)
        }
        switch action {
        case .failure:
            guard let code = data.int64 else {
                throw FineryDecodeError(.invalidValue, "feed \(feed): failure code is not an integer")
            }
            return .feedFailure(feed: feed, feedId: feedId, code: FineryErrorCode(code))
        case .unsubscribed:
            return .unsubscribed(feed: feed, feedId: feedId)
        default:
            break
        }
        switch feed {
        case "B": return try decodeBook(action: action, feedId: feedId, data: data)
        case "I":
            guard action == .snapshot, let parts = data.array, parts.count >= 2, let currencies = parts[0].array,
                let instruments = parts[1].array
            else {
                throw FineryDecodeError(.unexpectedShape, "I: expected S with [currencies, instruments]")
            }
            return .instruments(
                currencies: currencies.compactMap { $0.string ?? $0[0]?.string },
                instruments: try instruments.map { element throws(FineryDecodeError) in try decodeInstrument(element) }
            )
        case "O":
            switch action {
            case .deal: return .deal(feedId: feedId, deal: try decodeDeal(data))
            case .snapshot, .added, .removed:
                return .orders(action: action, feedId: feedId, orders: try decodeOrders(data))
            default: throw FineryDecodeError(.unknownMessage, "O: unexpected action \(action.rawValue)")
            }
        case "K":
            return .positions(
                action: action, feedId: feedId, positions: try decodePositions(action: action, data: data))
        default:
            throw FineryDecodeError(.unknownMessage, "unknown feed \(feed)")
        }
    }

    private static func decodeBook(action: FineryFeedAction, feedId: FineryFeedID, data: JSONValue)
        throws(FineryDecodeError) -> FineryServerMessage
    {
        guard let sides = data.array, sides.count == 2, let bids = sides[0].array, let asks = sides[1].array else {
            throw FineryDecodeError(.unexpectedShape, "B \(feedId): expected [[bids],[asks]]")
        }
        switch action {
        case .snapshot:
            return .bookSnapshot(
                feedId: feedId,
                bids: try bids.map { level throws(FineryDecodeError) in try decodeLevel(level) },
                asks: try asks.map { level throws(FineryDecodeError) in try decodeLevel(level) }
            )
        case .modified:
            return .bookUpdate(
                feedId: feedId,
                bids: try bids.map { update throws(FineryDecodeError) in try decodeBookUpdate(update) },
                asks: try asks.map { update throws(FineryDecodeError) in try decodeBookUpdate(update) }
            )
        default:
            throw FineryDecodeError(.unknownMessage, "B: unexpected action \(action.rawValue)")
        }
    }

    private static func decodeLevel(_ value: JSONValue) throws(FineryDecodeError) -> FineryLevel {
        guard let pair = value.array, pair.count >= 2, let price = pair[0].uint64, let size = pair[1].int64 else {
            throw FineryDecodeError(.invalidValue, "book level is not [uint64 price, int64 size]")
        }
        // A size is a quantity: negative has no meaning and would be published as one.
        guard size >= 0 else { throw FineryDecodeError(.invalidValue, "book level \(price) has negative size \(size)") }
        return FineryLevel(price: price, size: size)
    }

    private static func decodeBookUpdate(_ value: JSONValue) throws(FineryDecodeError) -> FineryBookUpdate {
        guard let triple = value.array, triple.count >= 3, let actionText = triple[0].string,
            let price = triple[1].uint64, let size = triple[2].int64
        else { throw FineryDecodeError(.invalidValue, "book update is not [action, price, size]") }
        guard let action = FineryBookAction(rawValue: actionText) else {
            throw FineryDecodeError(.invalidValue, "unknown book update action \(actionText)")
        }
        // Size 0 is meaningful (`M` to 0 deletes the level, `-` and `["~",0,0]` carry 0); negative is not.
        guard size >= 0 else {
            throw FineryDecodeError(.invalidValue, "book update \(actionText) \(price) has negative size \(size)")
        }
        return FineryBookUpdate(action, price: price, size: size)
    }

    private static func decodeInstrument(_ value: JSONValue) throws(FineryDecodeError) -> FineryInstrument {
        guard let fields = value.array, fields.count >= 4, let name = fields[0].string, let id = fields[1].int64,
            let asset = fields[2].string, let balance = fields[3].string
        else { throw FineryDecodeError(.invalidValue, "instrument is not [name, id, asset, balance]") }
        return FineryInstrument(name: name, id: id, assetCurrency: asset, balanceCurrency: balance)
    }

    /// `S` carries a list; `+` / `-` carry one order (a list is accepted too).
    private static func decodeOrders(_ data: JSONValue) throws(FineryDecodeError) -> [FineryOrder] {
        guard let elements = data.array else { throw FineryDecodeError(.unexpectedShape, "O: data is not an array") }
        if elements.first?.string != nil { return [try decodeOrder(elements)] }
        return try elements.map { element throws(FineryDecodeError) in
            guard let fields = element.array else {
                throw FineryDecodeError(.unexpectedShape, "O: order is not an array")
            }
            return try decodeOrder(fields)
        }
    }

    private static func decodeOrder(_ fields: [JSONValue]) throws(FineryDecodeError) -> FineryOrder {
        guard fields.count >= 10, let instrument = fields[0].string,
            let typeCode = fields[1].int64, let type = FineryOrderType(rawValue: typeCode),
            let sideCode = fields[2].int64, let side = FinerySide(rawValue: sideCode),
            let cancelReason = fields[3].int64, let orderId = fields[4].int64, let clientOrderId = fields[5].int64,
            let price = fields[6].uint64, let initialSize = fields[7].int64, let sizeLeft = fields[8].int64,
            let createdAt = fields[9].uint64
        else { throw FineryDecodeError(.invalidValue, "O: order fields 0–9 malformed") }
        guard initialSize >= 0, sizeLeft >= 0 else {
            throw FineryDecodeError(
                .invalidValue, "O: order \(orderId) has a negative size (initial \(initialSize), left \(sizeLeft))")
        }
        return FineryOrder(
            instrument: instrument, type: type, side: side, cancelReason: cancelReason, orderId: orderId,
            clientOrderId: clientOrderId,
            price: price, initialSize: initialSize, sizeLeft: sizeLeft, createdAt: createdAt,
            bySizeOrByVolume: fields.count > 10 ? (fields[10].int64 ?? 0) : 0
        )
    }

    /// Deal: order fields 0–9 then, from 10: moment, dealId, aggressor side, price, size, volume,
    /// delta, counterparty. Parsed by position; trailing extras are ignored (the array has grown).
    private static func decodeDeal(_ data: JSONValue) throws(FineryDecodeError) -> FineryDeal {
        guard let fields = data.array, fields.count >= 18 else {
            throw FineryDecodeError(.unexpectedShape, "O deal: fewer than 18 fields")
        }
        var order = try decodeOrder(Array(fields[0..<10]))
        order.bySizeOrByVolume = 0
        guard let moment = fields[10].uint64, let dealId = fields[11].int64,
            let aggressorCode = fields[12].int64, let aggressor = FinerySide(rawValue: aggressorCode),
            let price = fields[13].uint64, let size = fields[14].int64, let volume = fields[15].int64,
            let delta = fields[16].int64, let counterparty = fields[17].int64
        else { throw FineryDecodeError(.invalidValue, "O deal: deal fields malformed") }
        guard size >= 0 else { throw FineryDecodeError(.invalidValue, "O deal \(dealId): negative size \(size)") }
        // The event carries the moment in nanoseconds: a moment that does not convert (e.g. sent
        // in microseconds) is refused here rather than published wrong or overflowing later.
        guard FineryUnits.nanoseconds(milliseconds: moment) != nil else {
            throw FineryDecodeError(.invalidValue, "O deal \(dealId): moment \(moment) ms is out of range")
        }
        return FineryDeal(
            order: order, moment: moment, dealId: dealId, aggressorSide: aggressor, price: price, size: size,
            volume: volume, delta: delta, counterpartyId: counterparty)
    }

    /// `S`: `[nextId, [positions]]`; `+` / `M` / `-`: one position (a list is accepted too).
    private static func decodePositions(action: FineryFeedAction, data: JSONValue) throws(FineryDecodeError)
        -> [FineryPosition]
    {
        let list: [JSONValue]
        if action == .snapshot {
            guard let parts = data.array, parts.count >= 2, let positions = parts[1].array else {
                throw FineryDecodeError(.unexpectedShape, "K: snapshot is not [nextId, [positions]]")
            }
            list = positions
        } else {
            guard let elements = data.array else {
                throw FineryDecodeError(.unexpectedShape, "K: data is not an array")
            }
            list = elements.first?.string != nil ? [data] : elements
        }
        return try list.map { element throws(FineryDecodeError) in
            guard let fields = element.array, fields.count >= 3, let currency = fields[0].string,
                let value = fields[1].int64,
                let counterparty = fields[2].int64
            else { throw FineryDecodeError(.invalidValue, "K: position is not [currency, value, counterpartyId]") }
            return FineryPosition(currency: currency, value: value, counterpartyId: counterparty)
        }
    }
}

// MARK: - Encoding (the simulator's side)

extension FineryServerMessage {
    public func encoded() -> String {
        var writer = JSONWriter(capacity: 256)
        switch self {
        case .status(let code):
            Self.feedHeader(&writer, "X", .number(0), .failure)
            writer.integer(code)
            writer.endArray()
        case .bookSnapshot(let feedId, let bids, let asks):
            Self.feedHeader(&writer, "B", feedId, .snapshot)
            writer.beginArray()
            for side in [bids, asks] {
                writer.beginArray()
                for level in side {
                    writer.beginArray()
                    writer.integer(level.price)
                    writer.integer(level.size)
                    writer.endArray()
                }
                writer.endArray()
            }
            writer.endArray()
            writer.endArray()
        case .bookUpdate(let feedId, let bids, let asks):
            Self.feedHeader(&writer, "B", feedId, .modified)
            writer.beginArray()
            for side in [bids, asks] {
                writer.beginArray()
                for update in side {
                    writer.beginArray()
                    writer.string(update.action.rawValue)
                    writer.integer(update.price)
                    writer.integer(update.size)
                    writer.endArray()
                }
                writer.endArray()
            }
            writer.endArray()
            writer.endArray()
        case .instruments(let currencies, let instruments):
            Self.feedHeader(&writer, "I", .number(0), .snapshot)
            writer.beginArray()
            writer.beginArray()
            for (index, currency) in currencies.enumerated() {
                writer.beginArray()
                writer.string(currency)
                writer.integer(index + 1)
                writer.endArray()
            }
            writer.endArray()
            writer.beginArray()
            for instrument in instruments {
                writer.beginArray()
                writer.string(instrument.name)
                writer.integer(instrument.id)
                writer.string(instrument.assetCurrency)
                writer.string(instrument.balanceCurrency)
                writer.endArray()
            }
            writer.endArray()
            writer.endArray()
            writer.endArray()
        case .orders(let action, let feedId, let orders):
            Self.feedHeader(&writer, "O", feedId, action)
            if action == .snapshot || orders.count != 1 {
                writer.beginArray()
                for order in orders { Self.writeOrder(&writer, order, includeFlag: true, close: true) }
                writer.endArray()
            } else {
                Self.writeOrder(&writer, orders[0], includeFlag: true, close: true)
            }
            writer.endArray()
        case .deal(let feedId, let deal):
            Self.feedHeader(&writer, "O", feedId, .deal)
            Self.writeOrder(&writer, deal.order, includeFlag: false, close: false)
            writer.integer(deal.moment)
            writer.integer(deal.dealId)
            writer.integer(deal.aggressorSide.rawValue)
            writer.integer(deal.price)
            writer.integer(deal.size)
            writer.integer(deal.volume)
            writer.integer(deal.delta)
            writer.integer(deal.counterpartyId)
            writer.endArray()
            writer.endArray()
        case .positions(let action, let feedId, let positions):
            Self.feedHeader(&writer, "K", feedId, action)
            if action == .snapshot {
                writer.beginArray()
                writer.integer(positions.count + 1)
                writer.beginArray()
                for position in positions { Self.writePosition(&writer, position) }
                writer.endArray()
                writer.endArray()
            } else if positions.count == 1 {
                Self.writePosition(&writer, positions[0])
            } else {
                writer.beginArray()
                for position in positions { Self.writePosition(&writer, position) }
                writer.endArray()
            }
            writer.endArray()
        case .feedFailure(let feed, let feedId, let code):
            Self.feedHeader(&writer, feed, feedId, .failure)
            writer.integer(code.rawValue)
            writer.endArray()
        case .unsubscribed(let feed, let feedId):
            Self.feedHeader(&writer, feed, feedId, .unsubscribed)
            writer.integer(0)
            writer.endArray()
        case .reply(let reqId, let body):
            writer.beginObject()
            writer.key("event")
            writer.string(FineryHouseRules.replyEvent)
            writer.key("reqId")
            writer.integer(reqId)
            writer.key("reply")
            writer.value(body)
            writer.endObject()
        case .replyError(let reqId, let code, let param):
            writer.beginObject()
            writer.key("event")
            writer.string(FineryHouseRules.replyEvent)
            writer.key("reqId")
            writer.integer(reqId)
            writer.key("error")
            writer.integer(code.rawValue)
            writer.field("param", param)
            writer.endObject()
        }
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    private static func feedHeader(
        _ writer: inout JSONWriter, _ feed: String, _ feedId: FineryFeedID, _ action: FineryFeedAction
    ) {
        writer.beginArray()
        writer.string(feed)
        switch feedId {
        case .number(let n): writer.integer(n)
        case .name(let name): writer.string(name)
        }
        writer.string(action.rawValue)
    }

    private static func writeOrder(_ writer: inout JSONWriter, _ order: FineryOrder, includeFlag: Bool, close: Bool) {
        writer.beginArray()
        writer.string(order.instrument)
        writer.integer(order.type.rawValue)
        writer.integer(order.side.rawValue)
        writer.integer(order.cancelReason)
        writer.integer(order.orderId)
        writer.integer(order.clientOrderId)
        writer.integer(order.price)
        writer.integer(order.initialSize)
        writer.integer(order.sizeLeft)
        writer.integer(order.createdAt)
        if includeFlag { writer.integer(order.bySizeOrByVolume) }
        if close { writer.endArray() }
    }

    private static func writePosition(_ writer: inout JSONWriter, _ position: FineryPosition) {
        writer.beginArray()
        writer.string(position.currency)
        writer.integer(position.value)
        writer.integer(position.counterpartyId)
        writer.endArray()
    }
}
