import Foundation

/// Encodes and decodes normalized events in their one wire form (docs/events.md).
///
/// Encoding is hand-written (`JSONWriter`) because it runs for every published event; decoding,
/// used by consumers, the CLI and tests, goes through `JSONDecoder`. A round-trip test over every
/// type keeps the two in agreement, and the contract test checks both against docs/schema/.
public enum EventCodec {
    public static func encode(_ event: NormalizedEvent) -> [UInt8] {
        var w = JSONWriter(capacity: 384)
        w.beginObject()
        w.key("schema")
        w.string(NormalizedEvent.schemaID)
        w.key("type")
        w.string(event.type.rawValue)
        w.key("venue")
        w.string(event.venue.rawValue)
        w.field("instrument", event.instrument)
        w.field("venue_instrument", event.venueInstrument)
        w.key("seq")
        w.integer(event.seq)
        w.field("venue_seq", event.venueSeq)
        w.field("ts_venue", event.tsVenue)
        w.key("ts_recv")
        w.integer(event.tsRecv)
        w.key("data")
        writePayload(event.payload, to: &w)
        w.endObject()
        return w.bytes
    }

    public static func decode(_ bytes: some Collection<UInt8>) throws(EventDecodingError) -> NormalizedEvent {
        do {
            return try decoder.decode(NormalizedEvent.self, from: Data(bytes))
        } catch let error as EventDecodingError {
            throw error
        } catch {
            throw .malformed(String(describing: error))
        }
    }

    // JSONDecoder is Sendable (decode calls are thread-safe); configured once.
    private static let decoder: JSONDecoder = {
        let d = JSONDecoder()
        d.keyDecodingStrategy = .convertFromSnakeCase
        return d
    }()

    private static func writePayload(_ payload: EventPayload, to w: inout JSONWriter) {
        w.beginObject()
        switch payload {
        case .bookSnapshot(let book), .bookDelta(let book):
            w.key("bids")
            writeLevels(book.bids, to: &w)
            w.key("asks")
            writeLevels(book.asks, to: &w)
            w.field("depth", book.depth)
        case .trade(let t):
            w.key("price")
            w.decimal(t.price)
            w.key("size")
            w.decimal(t.size)
            w.key("aggressor")
            w.string(t.aggressor.rawValue)
            w.field("trade_id", t.tradeId)
        case .ticker(let t):
            w.field("bid", t.bid)
            w.field("bid_size", t.bidSize)
            w.field("ask", t.ask)
            w.field("ask_size", t.askSize)
            w.field("last", t.last)
            w.field("last_size", t.lastSize)
            w.field("open", t.open)
            w.field("high", t.high)
            w.field("low", t.low)
            w.field("volume", t.volume)
            w.field("vwap", t.vwap)
        case .rfq(let r):
            w.key("rfq_id")
            w.string(r.rfqId)
            w.key("status")
            w.string(r.status.rawValue)
            w.field("side", r.side)
            w.field("quantity", r.quantity)
            w.field("account", r.account)
            w.field("expires_at", r.expiresAt)
        case .quote(let q):
            w.key("rfq_id")
            w.string(q.rfqId)
            w.key("quote_id")
            w.string(q.quoteId)
            w.key("status")
            w.string(q.status.rawValue)
            w.field("side", q.side)
            w.key("price")
            w.decimal(q.price)
            w.key("quantity")
            w.decimal(q.quantity)
            w.field("expires_at", q.expiresAt)
        case .executionReport(let r):
            w.key("account")
            w.string(r.account)
            w.key("client_order_id")
            w.string(r.clientOrderId)
            w.field("idempotency_key", r.idempotencyKey)
            w.field("venue_order_id", r.venueOrderId)
            w.key("side")
            w.string(r.side.rawValue)
            w.key("order_type")
            w.string(r.orderType.rawValue)
            w.field("time_in_force", r.timeInForce)
            w.key("status")
            w.string(r.status.rawValue)
            w.field("price", r.price)
            w.field("quantity", r.quantity)
            w.field("last_qty", r.lastQty)
            w.field("last_px", r.lastPx)
            w.key("cum_qty")
            w.decimal(r.cumQty)
            w.field("leaves_qty", r.leavesQty)
            w.field("avg_px", r.avgPx)
            w.field("fill_id", r.fillId)
            w.field("liquidity", r.liquidity)
            w.field("reason", r.reason)
            w.field("reject_code", r.rejectCode)
            w.field("duplicate", r.duplicate)
            w.field("command", r.command)
        case .position(let p):
            w.key("account")
            w.string(p.account)
            w.key("quantity")
            w.decimal(p.quantity)
            w.field("avg_price", p.avgPrice)
            w.field("realized_pnl", p.realizedPnl)
            w.field("unrealized_pnl", p.unrealizedPnl)
        case .balance(let b):
            w.key("account")
            w.string(b.account)
            w.key("asset")
            w.string(b.asset)
            w.key("total")
            w.decimal(b.total)
            w.field("available", b.available)
            w.field("held", b.held)
        case .venueStatus(let s):
            w.key("state")
            w.string(s.state.rawValue)
            w.field("reason", s.reason)
            w.field("reconnects", s.reconnects)
            w.field("session", s.session)
        }
        w.endObject()
    }

    private static func writeLevels(_ levels: [PriceLevel], to w: inout JSONWriter) {
        w.beginArray()
        for level in levels {
            w.beginArray()
            w.decimal(level.price)
            w.decimal(level.size)
            w.endArray()
        }
        w.endArray()
    }
}

public enum EventDecodingError: Error, Sendable, Equatable, CustomStringConvertible {
    case malformed(String)
    case unsupportedSchema(String)

    public var description: String {
        switch self {
        case .malformed(let detail): "malformed event: \(detail)"
        case .unsupportedSchema(let schema):
            "unsupported event schema \"\(schema)\" (expected \(NormalizedEvent.schemaID))"
        }
    }
}

extension NormalizedEvent: Decodable {
    // Keys after .convertFromSnakeCase.
    private enum CodingKeys: String, CodingKey {
        case schema, type, venue, instrument, venueInstrument, seq, venueSeq, tsVenue, tsRecv, data
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let schema = try c.decode(String.self, forKey: .schema)
        guard schema == NormalizedEvent.schemaID else { throw EventDecodingError.unsupportedSchema(schema) }
        let type = try c.decode(EventType.self, forKey: .type)
        let payload: EventPayload =
            switch type {
            case .bookSnapshot: .bookSnapshot(try c.decode(BookLevels.self, forKey: .data))
            case .bookDelta: .bookDelta(try c.decode(BookLevels.self, forKey: .data))
            case .trade: .trade(try c.decode(Trade.self, forKey: .data))
            case .ticker: .ticker(try c.decode(Ticker.self, forKey: .data))
            case .rfq: .rfq(try c.decode(RFQ.self, forKey: .data))
            case .quote: .quote(try c.decode(Quote.self, forKey: .data))
            case .executionReport: .executionReport(try c.decode(ExecutionReport.self, forKey: .data))
            case .position: .position(try c.decode(Position.self, forKey: .data))
            case .balance: .balance(try c.decode(Balance.self, forKey: .data))
            case .venueStatus: .venueStatus(try c.decode(VenueStatus.self, forKey: .data))
            }
        self.init(
            venue: try c.decode(VenueID.self, forKey: .venue),
            instrument: try c.decodeIfPresent(String.self, forKey: .instrument),
            venueInstrument: try c.decodeIfPresent(String.self, forKey: .venueInstrument),
            seq: try c.decode(UInt64.self, forKey: .seq),
            venueSeq: try c.decodeIfPresent(UInt64.self, forKey: .venueSeq),
            tsVenue: try c.decodeIfPresent(Int64.self, forKey: .tsVenue),
            tsRecv: try c.decode(Int64.self, forKey: .tsRecv),
            payload: payload
        )
    }
}
