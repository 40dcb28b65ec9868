import DequeModule
import FigWire
import Foundation
import SimulatorKit
import VenueBridgeCore

/// One REST answer of the simulated venue.
struct FigRestReply: Sendable {
    var status: Int
    var body: String
    var headers: [(String, String)] = []
    /// The venue acted but the reply is lost (test control): the connection closes unanswered.
    var drop = false

    static func error(_ status: Int, _ message: String, reasons: [String] = []) -> FigRestReply {
        let list = reasons.map(FigSimulatorJSON.string).joined(separator: ",")
        return FigRestReply(
            status: status,
            body: #"{"code":\#(status),"message":\#(FigSimulatorJSON.string(message)),"reason":[\#(list)]}"#)
    }
}

/// What the REST side needs of a request.
struct FigRestRequest: Sendable {
    var method: String
    /// With the query, as sent: `/v1/rfq?status=open`.
    var uri: String
    var authorization: String?
    var timestamp: String?
    var signature: String?
    var body: String
}

/// REST (`shared/venues/fig.md`): `POST /v1/auth`; then every call with a live bearer token, a
/// valid signature and within the client's sliding-window rate limit; RFQ create, get, list and
/// cancel, quotes of an RFQ, and trades against a live quote.
extension FigVenue {
    func rest(_ request: FigRestRequest) -> FigRestReply {
        let path = String(request.uri.split(separator: "?", maxSplits: 1).first ?? "")
        if request.method == "POST", path == FigAuth.path { return authenticate(request.body) }
        guard let token = Self.bearer(request.authorization), let known = tokens[token], known.expires > .now else {
            return .error(401, "Unauthorized", reasons: ["invalid or expired token"])
        }
        let client = known.clientId
        guard let secret = configuration.clients[client], let timestampText = request.timestamp,
            let timestamp = Int64(timestampText), abs(timestamp - wallClockMillis() / 1000 - clockSkewSeconds) <= 60,
            let signature = request.signature,
            FigSignature.isValid(
                signature, secret: secret, timestamp: timestamp, method: request.method,
                uri: FigSignature.signedURI(path: request.uri), body: request.body)
        else {
            return .error(401, "Unauthorized", reasons: ["invalid signature or timestamp"])
        }
        let limit = admit(client)
        if !limit.admitted { rateLimitedRequests += 1 }
        var reply = limit.admitted ? route(request, path: path, client: client) : .error(429, "Too Many Requests")
        reply.headers += [
            ("X-RateLimit-Limit", "\(configuration.requestsPerMinute)"),
            ("X-RateLimit-Remaining", "\(limit.remaining)"),
            ("X-RateLimit-Reset", "\(limit.resetSeconds)"),
        ]
        return reply
    }

    private func authenticate(_ body: String) -> FigRestReply {
        guard let value = try? JSONValue.parse(body), let client = value["clientId"]?.string,
            let secret = value["clientSecret"]?.string, configuration.clients[client] == secret
        else {
            return .error(401, "Unauthorized", reasons: ["invalid client credentials"])
        }
        let token = issueToken(for: client)
        return FigRestReply(
            status: 200,
            body:
                #"{"access_token":"\#(token)","token_type":"Bearer","expires_in":\#(configuration.tokenLifetime.components.seconds)}"#
        )
    }

    /// The sliding window: requests in the last `rateLimitWindow` (a minute), at most
    /// `requestsPerMinute`. The reset rounds up: a client that waits it out has room.
    private func admit(_ client: String) -> (admitted: Bool, remaining: Int, resetSeconds: Int64) {
        let now = ContinuousClock.now
        var times = requestTimes[client] ?? []
        let window = configuration.rateLimitWindow
        while let first = times.first, now - first >= window { times.removeFirst() }
        let admitted = times.count < configuration.requestsPerMinute
        if admitted { times.append(now) }
        requestTimes[client] = times
        let reset =
            times.first.map { first -> Int64 in
                let left = window - (now - first)
                return max(1, left.components.seconds + (left.components.attoseconds > 0 ? 1 : 0))
            } ?? 0
        return (admitted, max(0, configuration.requestsPerMinute - times.count), reset)
    }

    private func route(_ request: FigRestRequest, path: String, client: String) -> FigRestReply {
        let parts = path.split(separator: "/").map(String.init)  // ["v1", "rfq", …]
        guard parts.count >= 2, parts[0] == "v1", parts[1] == "rfq" else { return .error(404, "Not Found") }
        switch (request.method, parts.count) {
        case ("POST", 2): return create(request.body, client: client)
        case ("GET", 2): return list(request.uri, client: client)
        case ("POST", 3) where parts[2] == "trade": return trade(request.body, client: client)
        case ("GET", 3):
            return withRFQ(parts[2], client: client) { FigRestReply(status: 200, body: FigSimulatorJSON.rfq($0.rfq)) }
        case ("DELETE", 3): return cancel(parts[2], client: client)
        case ("GET", 4) where parts[3] == "quote":
            return withRFQ(parts[2], client: client) { open in
                let live = open.live.values.sorted { $0.rfqQuoteId < $1.rfqQuoteId }
                let bids = live.filter { $0.direction == .buy }.map(FigSimulatorJSON.quote).joined(separator: ",")
                let asks = live.filter { $0.direction == .sell }.map(FigSimulatorJSON.quote).joined(separator: ",")
                return FigRestReply(
                    status: 200, body: #"{"rfqId":\#(open.rfq.rfqId),"bids":[\#(bids)],"asks":[\#(asks)]}"#)
            }
        default: return .error(405, "Method Not Allowed")
        }
    }

    private func withRFQ(_ idText: String, client: String, _ answer: (OpenRFQ) -> FigRestReply) -> FigRestReply {
        guard let id = Int64(idText), let open = rfqs[id], open.owner == client else {
            return .error(404, "Not Found", reasons: ["no RFQ \(idText)"])
        }
        return answer(open)
    }

    private func create(_ body: String, client: String) -> FigRestReply {
        let request: FigCreateRFQ
        do { request = try FigCreateRFQ.decode(body) } catch {
            return .error(400, "Bad Request", reasons: ["\(error)"])
        }
        createsByLabel[request.label, default: 0] += 1
        guard request.amount.isPositive else { return .error(400, "Bad Request", reasons: ["amount must be positive"]) }
        guard !request.legs.isEmpty else { return .error(400, "Bad Request", reasons: ["an RFQ needs a leg"]) }
        var legs: [FigLeg] = []
        for leg in request.legs {
            guard let instrument = configuration.instruments.first(where: { $0.instrumentId == leg.instrumentId })
            else {
                return .error(400, "Bad Request", reasons: ["unknown instrumentId \(leg.instrumentId)"])
            }
            legs.append(
                FigLeg(
                    instrumentId: leg.instrumentId, instrumentName: instrument.name, direction: leg.direction,
                    ratio: leg.ratio, amount: try? request.amount.multiplied(by: leg.ratio)))
        }
        let now = ContinuousClock.now
        let rfqId = nextRFQId
        nextRFQId += 1
        let wall = wallClockMillis()
        let rfq = FigRFQ(
            rfqId: rfqId, status: .open, label: request.label.isEmpty ? nil : request.label,
            baseCurrency: request.baseCurrency, quoteCurrency: request.quoteCurrency, amount: request.amount,
            legs: legs,
            createdAtMs: wall, expiresAtMs: wall + configuration.rfqLifetime.components.seconds * 1000)
        rfqs[rfqId] = OpenRFQ(
            rfq: rfq, owner: client, expires: now + configuration.rfqLifetime,
            nextMakerMove: now + configuration.quoteDelay)
        remember(rfqId)
        push(rfq, owner: client)
        return dropOr(FigRestReply(status: 200, body: #"{"rfqId":\#(rfqId)}"#))
    }

    /// Finished RFQs beyond `maxRFQs` are forgotten, oldest first (open ones are kept).
    private func remember(_ rfqId: Int64) {
        rfqOrder.append(rfqId)
        var kept = 0
        while rfqOrder.count > configuration.maxRFQs, kept < rfqOrder.count, let oldest = rfqOrder.popFirst() {
            if rfqs[oldest]?.rfq.status == .open {
                rfqOrder.append(oldest)
                kept += 1
            } else if let gone = rfqs.removeValue(forKey: oldest) {
                for quoteId in gone.rfq.quotes.map(\.rfqQuoteId) { quoteToRFQ[quoteId] = nil }
            }
        }
    }

    private func list(_ uri: String, client: String) -> FigRestReply {
        let query = URLComponents(string: uri)?.queryItems ?? []
        func item(_ name: String) -> String? { query.first { $0.name == name }?.value }
        let status = item("status").flatMap(FigRFQ.Status.init(rawValue:))
        let limit = min(max(Int(item("limit") ?? "") ?? 100, 1), 100)
        let offset = max(Int(item("cursor") ?? "") ?? 0, 0)
        let matching = rfqOrder.compactMap { rfqs[$0] }.filter {
            $0.owner == client && (status == nil || $0.rfq.status == status)
        }
        let page = matching.dropFirst(offset).prefix(limit)
        let next = offset + page.count < matching.count ? #""\#(offset + page.count)""# : "null"
        let results = page.map { FigSimulatorJSON.rfq($0.rfq) }.joined(separator: ",")
        return FigRestReply(
            status: 200, body: #"{"totalResults":\#(matching.count),"cursor":\#(next),"results":[\#(results)]}"#)
    }

    private func cancel(_ idText: String, client: String) -> FigRestReply {
        guard let id = Int64(idText), var open = rfqs[id], open.owner == client else {
            return .error(404, "Not Found", reasons: ["no RFQ \(idText)"])
        }
        guard open.rfq.status == .open else {
            return .error(400, "Bad Request", reasons: ["RFQ \(id) is \(open.rfq.status.rawValue)"])
        }
        finish(&open, status: .cancelled)
        rfqs[id] = open
        return dropOr(FigRestReply(status: 200, body: FigSimulatorJSON.rfq(open.rfq)))
    }

    /// Trades the whole quote: one trade per leg (the leg's ratio of the quote's amount), the RFQ
    /// filled, its other quotes deleted.
    private func trade(_ body: String, client: String) -> FigRestReply {
        guard let value = try? JSONValue.parse(body), let quoteId = value["rfqQuoteId"]?.int64 else {
            return .error(400, "Bad Request", reasons: ["rfqQuoteId is required"])
        }
        tradesByQuote[quoteId, default: 0] += 1
        guard let rfqId = quoteToRFQ[quoteId], var open = rfqs[rfqId], open.owner == client else {
            return .error(404, "Not Found", reasons: ["no quote \(quoteId)"])
        }
        guard open.rfq.status == .open, let quote = open.live[quoteId] else {
            return .error(400, "Bad Request", reasons: ["quote \(quoteId) is no longer live"])
        }
        let wall = wallClockMillis()
        var trades: [FigTrade] = []
        for leg in open.rfq.legs {
            // The maker's direction is the quote's; the taker trades the other way on each leg.
            let amount = (try? quote.amount.multiplied(by: leg.ratio ?? 1)) ?? quote.amount
            trades.append(
                FigTrade(
                    direction: quote.direction == .buy ? .sell : .buy, price: quote.price, amount: amount,
                    instrumentName: leg.instrumentName, exchangeTradeId: "BLOCK-\(nextTradeId)", createdAtMs: wall))
            nextTradeId += 1
        }
        // The taker hears the traded quote leave the RFQ (its channel has no `filled` event).
        pull(&open, quoteId: quoteId)
        var traded = quote
        traded.event = nil
        open.rfq.quotes.append(traded)
        open.rfq.trades += trades
        finish(&open, status: .filled)
        rfqs[rfqId] = open
        let tradeId = nextTradeId
        nextTradeId += 1
        let list = trades.map(FigSimulatorJSON.trade).joined(separator: ",")
        return dropOr(
            FigRestReply(status: 200, body: #"{"rfqTradeId":\#(tradeId),"rfqId":\#(rfqId),"trades":[\#(list)]}"#))
    }

    private func dropOr(_ reply: FigRestReply) -> FigRestReply {
        guard repliesToDrop > 0 else { return reply }
        repliesToDrop -= 1
        var dropped = reply
        dropped.drop = true
        return dropped
    }

    /// Test control: makes a maker quote the RFQ now; its id, or nil for an RFQ that is not open.
    func quoteNow(rfqId: Int64) -> Int64? {
        guard var open = rfqs[rfqId], open.rfq.status == .open else { return nil }
        let id = quote(&open)
        rfqs[rfqId] = open
        return id
    }

    /// Test control: the RFQ expires now.
    func expire(rfqId: Int64) {
        guard var open = rfqs[rfqId], open.rfq.status == .open else { return }
        finish(&open, status: .expired)
        rfqs[rfqId] = open
    }

    func rfq(label: String) -> FigRFQ? { rfqs.values.first { $0.rfq.label == label }?.rfq }

    func requestCounts() -> [String: Int] {
        var counts: [String: Int] = [:]
        for (label, count) in createsByLabel { counts[label] = count }
        for (quote, count) in tradesByQuote { counts["trade:\(quote)"] = count }
        return counts
    }

    static func bearer(_ header: String?) -> String? {
        guard let header, header.lowercased().hasPrefix("bearer ") else { return nil }
        return String(header.dropFirst("bearer ".count)).trimmingCharacters(in: .whitespaces)
    }
}

/// The simulator's JSON: objects as the notes show them.
enum FigSimulatorJSON {
    static func rfq(_ rfq: FigRFQ) -> String {
        var w = JSONWriter(capacity: 512)
        w.beginObject()
        w.field("rfqId", rfq.rfqId)
        w.field("status", rfq.status.rawValue)
        w.field("role", "taker")
        w.field("baseCurrency", rfq.baseCurrency)
        w.field("quoteCurrency", rfq.quoteCurrency)
        w.field("amount", number: rfq.amount)
        w.field("label", rfq.label)
        w.key("legs")
        w.beginArray()
        for leg in rfq.legs {
            w.beginObject()
            w.field("instrumentId", leg.instrumentId)
            w.field("instrumentName", leg.instrumentName)
            w.field("direction", leg.direction.rawValue)
            w.field("ratio", number: leg.ratio)
            w.field("amount", number: leg.amount)
            w.endObject()
        }
        w.endArray()
        w.key("quotes")
        w.beginArray()
        for quote in rfq.quotes { writeQuote(&w, quote, withRFQ: false) }
        w.endArray()
        w.key("trades")
        w.beginArray()
        for trade in rfq.trades { writeTrade(&w, trade) }
        w.endArray()
        w.field("createdAt", rfq.createdAtMs)
        w.field("expiresAt", rfq.expiresAtMs)
        w.endObject()
        return String(decoding: w.bytes, as: UTF8.self)
    }

    static func quote(_ quote: FigQuote) -> String {
        var w = JSONWriter(capacity: 192)
        writeQuote(&w, quote, withRFQ: true)
        return String(decoding: w.bytes, as: UTF8.self)
    }

    static func trade(_ trade: FigTrade) -> String {
        var w = JSONWriter(capacity: 192)
        writeTrade(&w, trade)
        return String(decoding: w.bytes, as: UTF8.self)
    }

    private static func writeQuote(_ w: inout JSONWriter, _ quote: FigQuote, withRFQ: Bool) {
        w.beginObject()
        w.field("rfqQuoteId", quote.rfqQuoteId)
        if withRFQ { w.field("rfqId", quote.rfqId) }
        w.field("direction", quote.direction.rawValue)
        // Prices as strings here, amounts as numbers: the venue's numbers come both ways.
        w.field("price", quote.price)
        w.field("amount", number: quote.amount)
        w.field("createdAt", quote.createdAtMs)
        w.field("event", quote.event?.rawValue)
        w.endObject()
    }

    private static func writeTrade(_ w: inout JSONWriter, _ trade: FigTrade) {
        w.beginObject()
        w.field("direction", trade.direction.rawValue)
        w.field("price", number: trade.price)
        w.field("amount", number: trade.amount)
        w.field("instrumentName", trade.instrumentName)
        w.field("exchangeTradeId", trade.exchangeTradeId)
        w.field("createdAt", trade.createdAtMs)
        w.endObject()
    }

    static func string(_ text: String) -> String { JSONWriter.quoted(text) }
}
