public import VenueBridgeCore

/// `POST /v1/auth` and its answer.
public enum FigAuth {
    public static let path = "/v1/auth"

    public static func body(clientId: String, clientSecret: String) -> String {
        var w = JSONWriter(capacity: 96)
        w.beginObject()
        w.field("clientId", clientId)
        w.field("clientSecret", clientSecret)
        w.endObject()
        return String(decoding: w.bytes, as: UTF8.self)
    }

    /// `{"access_token":…,"token_type":"Bearer","expires_in":3600}`.
    public struct Token: Sendable, Hashable {
        public var accessToken: String
        public var expiresIn: Duration

        public init(accessToken: String, expiresIn: Duration) {
            self.accessToken = accessToken
            self.expiresIn = expiresIn
        }

        public static func decode(_ text: String) throws(FrameDecodeError) -> Token {
            let value = try FigJSON.parse(text)
            let f = JSONFields(value)
            let seconds = try f.integer("expires_in")
            guard seconds > 0, seconds <= 7 * 24 * 3600 else {
                throw FrameDecodeError(.invalidValue, "expires_in \(seconds) s")
            }
            return Token(accessToken: try f.string("access_token"), expiresIn: .seconds(seconds))
        }
    }
}

/// `POST /v1/rfq`: the taker's request for quotes. The bridge's client id goes in `label`.
public struct FigCreateRFQ: Sendable, Hashable {
    public struct Leg: Sendable, Hashable {
        public var direction: FigDirection
        public var instrumentId: Int64
        public var ratio: ExactDecimal

        public init(direction: FigDirection, instrumentId: Int64, ratio: ExactDecimal = 1) {
            self.direction = direction
            self.instrumentId = instrumentId
            self.ratio = ratio
        }
    }

    public static let path = "/v1/rfq"

    public var baseCurrency: String
    public var quoteCurrency: String
    public var amount: ExactDecimal
    public var label: String
    public var legs: [Leg]
    public var anonymous = false

    public init(baseCurrency: String, quoteCurrency: String, amount: ExactDecimal, label: String, legs: [Leg]) {
        self.baseCurrency = baseCurrency
        self.quoteCurrency = quoteCurrency
        self.amount = amount
        self.label = label
        self.legs = legs
    }

    /// Amounts as exact JSON numbers, as the venue's examples write them.
    public func body() -> String {
        var w = JSONWriter(capacity: 192)
        w.beginObject()
        w.field("baseCurrency", baseCurrency)
        w.field("quoteCurrency", quoteCurrency)
        w.field("amount", number: amount)
        w.field("anonymous", anonymous)
        w.field("label", label)
        w.key("legs")
        w.beginArray()
        for leg in legs {
            w.beginObject()
            w.field("direction", leg.direction.rawValue)
            w.field("instrumentId", leg.instrumentId)
            w.field("ratio", number: leg.ratio)
            w.endObject()
        }
        w.endArray()
        w.endObject()
        return String(decoding: w.bytes, as: UTF8.self)
    }

    /// The simulator's reading of a create request.
    public static func decode(_ text: String) throws(FrameDecodeError) -> FigCreateRFQ {
        let value = try FigJSON.parse(text)
        let f = JSONFields(value)
        let legs = try FigDecoding.list(value["legs"], "legs") { (row) throws(FrameDecodeError) -> Leg in
            let leg = JSONFields(row)
            return Leg(
                direction: try FigDecoding.direction(leg, "direction"), instrumentId: try leg.integer("instrumentId"),
                ratio: try leg.optionalDecimal("ratio") ?? 1)
        }
        var request = FigCreateRFQ(
            baseCurrency: try f.string("baseCurrency"), quoteCurrency: try f.string("quoteCurrency"),
            amount: try f.decimal("amount"), label: f.optionalString("label") ?? "", legs: legs)
        request.anonymous = value["anonymous"]?.bool ?? false
        return request
    }
}

/// `POST /v1/rfq/trade`: trade against one quote, and the venue's answer.
public enum FigTradeRequest {
    public static let path = "/v1/rfq/trade"

    public static func body(rfqQuoteId: Int64) -> String { #"{"rfqQuoteId":\#(rfqQuoteId)}"# }

    /// `{"rfqTradeId":…,"rfqId":…,"trades":[…]}`.
    public struct Result: Sendable, Hashable {
        public var rfqTradeId: Int64
        public var rfqId: Int64
        public var trades: [FigTrade]

        public init(rfqTradeId: Int64, rfqId: Int64, trades: [FigTrade]) {
            self.rfqTradeId = rfqTradeId
            self.rfqId = rfqId
            self.trades = trades
        }

        public static func decode(_ text: String) throws(FrameDecodeError) -> Result {
            let value = try FigJSON.parse(text)
            let f = JSONFields(value)
            return Result(
                rfqTradeId: try f.integer("rfqTradeId"), rfqId: try f.integer("rfqId"),
                trades: try FigDecoding.list(value["trades"], "trades", FigDecoding.trade))
        }
    }
}

/// `GET /v1/rfq?status=open&role=taker&limit=100`: `{"totalResults":N,"cursor":C,"results":[…]}`.
public struct FigRFQPage: Sendable, Hashable {
    public var totalResults: Int64
    public var cursor: String?
    public var results: [FigRFQ]

    public init(totalResults: Int64, cursor: String?, results: [FigRFQ]) {
        self.totalResults = totalResults
        self.cursor = cursor
        self.results = results
    }

    public static func path(status: FigRFQ.Status, cursor: String?) -> String {
        "/v1/rfq?status=\(status.rawValue)&role=taker&limit=\(FigHouseRules.listPageSize)"
            + (cursor.map { "&cursor=\($0)" } ?? "")
    }

    public static func decode(_ text: String) throws(FrameDecodeError) -> FigRFQPage {
        let value = try FigJSON.parse(text)
        let f = JSONFields(value)
        return FigRFQPage(
            totalResults: try f.optionalInteger("totalResults") ?? 0, cursor: try f.optionalIdentifier("cursor"),
            results: try FigDecoding.list(value["results"], "results", FigDecoding.rfq))
    }
}

/// A REST error: `{"code":400,"message":"Bad Request","reason":["…"]}`, on 420 with the
/// settlement venue's `exchangeError`.
public struct FigAPIError: Error, Sendable, Hashable, CustomStringConvertible {
    public var status: Int
    public var message: String
    public var reasons: [String]
    public var exchangeError: String?

    public init(status: Int, message: String, reasons: [String] = [], exchangeError: String? = nil) {
        self.status = status
        self.message = message
        self.reasons = reasons
        self.exchangeError = exchangeError
    }

    /// Reads the body of an error response; a body of another shape keeps the status and its text.
    public static func decode(status: Int, body: String) -> FigAPIError {
        guard let value = try? JSONValue.parse(body), value.object != nil else {
            return FigAPIError(status: status, message: String(body.prefix(200)))
        }
        let reasons = value["reason"]?.array?.compactMap(\.string) ?? value["reason"]?.string.map { [$0] } ?? []
        let exchange = value["exchangeError"].flatMap { $0.string ?? ($0.isNull ? nil : "\($0)") }
        return FigAPIError(
            status: status, message: value["message"]?.string ?? "HTTP \(status)", reasons: reasons,
            exchangeError: exchange)
    }

    public var description: String {
        var text = "Fig \(status) \(message)"
        if !reasons.isEmpty { text += ": " + reasons.joined(separator: "; ") }
        if let exchangeError { text += " (exchange: \(exchangeError))" }
        return text
    }
}

enum FigJSON {
    static func parse(_ text: String) throws(FrameDecodeError) -> JSONValue {
        do {
            let value = try JSONValue.parse(text)
            guard value.object != nil else { throw FrameDecodeError(.unexpectedShape, "not a JSON object") }
            return value
        } catch let error as FrameDecodeError {
            throw error
        } catch {
            throw FrameDecodeError(.invalidJSON, "\(error)")
        }
    }
}
