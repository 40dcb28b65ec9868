// File length: one simulated venue's state (tokens, rate limits, RFQs, quotes, trades, sessions) behind
// one actor, so every request and push sees one order of events; REST is FigVenue+REST.swift.
import DequeModule
import FigWire
import Foundation
import Logging
import SimulatorKit
import VenueBridgeCore

/// The venue behind the Fig simulator (`shared/venues/fig.md`): access tokens that expire,
/// signed REST with a sliding-window rate limit, RFQs the bridge creates as taker, simulated makers
/// that quote, requote and pull over time, trades against a live quote, expiry, and the JSON-RPC
/// WebSocket session (auth, heartbeat with a silence limit, token expiry ending the session,
/// subscribe/unsubscribe, pushes on `rfq.taker` and `rfq_quote.taker`).
actor FigVenue: SimulatedVenue {
    struct Session: VenueSession {
        var connection: SimConnection<String>
        var clientId: String?
        var tokenExpiry: ContinuousClock.Instant?
        var channels: Set<String> = []
        var lastInbound: ContinuousClock.Instant
    }

    struct Token {
        var clientId: String
        var expires: ContinuousClock.Instant
    }

    struct OpenRFQ {
        var rfq: FigRFQ
        var owner: String
        var live: [Int64: FigQuote] = [:]
        var expires: ContinuousClock.Instant
        var nextMakerMove: ContinuousClock.Instant
    }

    static let channels: Set<String> = ["rfq.taker", "rfq_quote.taker", "rfq.maker", "rfq_quote.maker"]

    let configuration: FigSimulatorConfiguration
    let socketCounters: SocketCounters
    let logger: Logger
    private(set) var sessions: [SimConnection<String>.ID: Session] = [:]
    private var nextConnectionId = 1
    var tokens: [String: Token] = [:]
    var requestTimes: [String: Deque<ContinuousClock.Instant>] = [:]
    var rfqs: [Int64: OpenRFQ] = [:]
    var rfqOrder = Deque<Int64>()
    var quoteToRFQ: [Int64: Int64] = [:]
    var nextRFQId: Int64 = 100_001
    var nextQuoteId: Int64 = 500_001
    var nextTradeId: Int64 = 1
    var random: SplitMix64
    /// `POST /rfq` per label and `POST /rfq/trade` per quote (`GET /sim/orders`).
    var createsByLabel: [String: Int] = [:]
    var tradesByQuote: [Int64: Int] = [:]
    /// Test control: this many create or trade replies are lost (the venue acts; the client never hears).
    var repliesToDrop = 0
    /// Test control: seconds added to the venue's clock when it checks `X-FIG-Timestamp` (a
    /// client clock that drifted more than a minute has every signed request refused).
    var clockSkewSeconds: Int64 = 0
    private(set) var authFailures = 0
    /// REST requests answered 429.
    var rateLimitedRequests = 0

    init(configuration: FigSimulatorConfiguration, counters: SocketCounters, logger: Logger) {
        self.configuration = configuration
        socketCounters = counters
        self.logger = logger
        random = SplitMix64(seed: configuration.seed)
    }

    // MARK: - Sockets

    func openSession(abort: @escaping @Sendable () -> Void) -> SimConnection<String> {
        let connection = SimConnection<String>(
            id: nextConnectionId, queueLimit: configuration.maxOutboundQueue, abort: abort)
        nextConnectionId += 1
        sessions[connection.id] = Session(connection: connection, lastInbound: .now)
        return connection
    }

    func closeSession(_ id: SimConnection<String>.ID) {
        guard let session = sessions.removeValue(forKey: id) else { return }
        session.connection.outbox.finish()
    }

    /// The reply, then the close (the writer sends what is queued, then closes the socket).
    private func replyAndClose(_ id: SimConnection<String>.ID, _ frame: String) {
        deliver(frame, to: id)
        closeSession(id)
    }

    func receive(_ text: String, from id: SimConnection<String>.ID) {
        sessions[id]?.lastInbound = .now
        guard let request = try? JSONValue.parse(text), request.object != nil,
            let method = request["method"]?.string
        else {
            deliver(Self.error(id: nil, code: -32700, message: "Parse error"), to: id)
            return
        }
        let rpcId = request["id"]
        let params = request["params"] ?? .object([:])
        switch method {
        case "auth":
            auth(params, rpcId: rpcId, from: id)
        case "heartbeat":
            deliver(Self.result(id: rpcId, method: method, #"{"time":\#(wallClockMillis())}"#), to: id)
        default:
            guard sessions[id]?.clientId != nil else {
                deliver(Self.error(id: rpcId, code: -32600, message: "Not authenticated"), to: id)
                return
            }
            switch method {
            case "v1/subscribe", "v1/unsubscribe":
                let asked = params["channels"]?.array?.compactMap(\.string) ?? []
                guard !asked.isEmpty, asked.allSatisfy(Self.channels.contains) else {
                    deliver(Self.error(id: rpcId, code: -32602, message: "Invalid params: unknown channel"), to: id)
                    return
                }
                let subscribe = method == "v1/subscribe"
                for channel in asked {
                    if subscribe {
                        sessions[id]?.channels.insert(channel)
                    } else {
                        sessions[id]?.channels.remove(channel)
                    }
                }
                let list = asked.map { "\"\($0)\"" }.joined(separator: ",")
                deliver(
                    Self.result(
                        id: rpcId, method: method,
                        #"{"status":"\#(subscribe ? "subscribed" : "unsubscribed")","channels":[\#(list)]}"#), to: id)
            default:
                deliver(Self.error(id: rpcId, code: -32601, message: "Method not found"), to: id)
            }
        }
    }

    /// `auth` with a token, or with credentials (a token is issued); a failure is answered and
    /// the socket closed (house rule).
    private func auth(_ params: JSONValue, rpcId: JSONValue?, from id: SimConnection<String>.ID) {
        let now = ContinuousClock.now
        var issued: String?
        let clientId: String?
        var expiry: ContinuousClock.Instant?
        if let token = params["token"]?.string, let known = tokens[token], known.expires > now {
            clientId = known.clientId
            expiry = known.expires
        } else if let client = params["clientId"]?.string, let secret = params["clientSecret"]?.string,
            configuration.clients[client] == secret
        {
            let token = issueToken(for: client)
            issued = token
            clientId = client
            expiry = tokens[token]?.expires
        } else {
            clientId = nil
        }
        guard let clientId else {
            authFailures += 1
            replyAndClose(
                id, Self.error(id: rpcId, code: FigHouseRules.authFailedCode, message: "Authentication failed"))
            return
        }
        sessions[id]?.clientId = clientId
        sessions[id]?.tokenExpiry = expiry
        let token = issued.map { #","token":"\#($0)""# } ?? ""
        deliver(Self.result(id: rpcId, method: "auth", #"{"success":true\#(token)}"#), to: id)
    }

    func issueToken(for clientId: String) -> String {
        let now = ContinuousClock.now
        // Bounded: expired tokens go first; past the bound the oldest expiry goes.
        tokens = tokens.filter { $0.value.expires > now }
        if tokens.count >= 10_000, let oldest = tokens.min(by: { $0.value.expires < $1.value.expires }) {
            tokens[oldest.key] = nil
        }
        let token = String(format: "%016llx%016llx", random.next(), random.next())
        tokens[token] = Token(clientId: clientId, expires: now + configuration.tokenLifetime)
        return token
    }

    // MARK: - Timers

    /// The maker tick: quotes arrive, move and go; RFQs expire; silent sockets and sockets whose
    /// token expired are closed.
    func tick() {
        let now = ContinuousClock.now
        for (id, session) in sessions.sorted(by: { $0.key < $1.key }) {
            if now - session.lastInbound > configuration.silenceLimit {
                logger.debug("closing a silent socket", metadata: ["connection": "\(id)"])
                closeSession(id)
                session.connection.abort()
            } else if let expiry = session.tokenExpiry, expiry <= now {
                replyAndClose(
                    id,
                    #"{"jsonrpc":"2.0","method":"\#(FigHouseRules.sessionEndedMethod)","params":{"reason":"token expired"}}"#
                )
            }
        }
        for rfqId in rfqOrder where rfqs[rfqId]?.rfq.status == .open {
            guard var open = rfqs[rfqId] else { continue }
            if open.expires <= now {
                finish(&open, status: .expired)
                rfqs[rfqId] = open
                continue
            }
            guard configuration.makerTicksPerSecond > 0, open.nextMakerMove <= now else { continue }
            if open.live.count < 2 {
                quote(&open)
            } else if random.below(4) == 0, let pulled = open.live.keys.min() {
                pull(&open, quoteId: pulled)
            } else if let moved = open.live.keys.sorted().randomElement(using: &random) {
                requote(&open, quoteId: moved)
            }
            open.nextMakerMove = now + configuration.quoteDelay
            rfqs[rfqId] = open
        }
    }

    // MARK: - Makers

    /// A new maker quote on the RFQ: the other side of the one already there (or a buy first),
    /// priced a few ticks off the first leg's mid.
    @discardableResult
    func quote(_ open: inout OpenRFQ) -> Int64 {
        let direction: FigDirection = open.live.values.contains { $0.direction == .buy } ? .sell : .buy
        let quoteId = nextQuoteId
        nextQuoteId += 1
        let quote = FigQuote(
            rfqQuoteId: quoteId, rfqId: open.rfq.rfqId, direction: direction, price: price(open, direction),
            amount: open.rfq.amount ?? 1, event: .created, createdAtMs: wallClockMillis())
        open.live[quoteId] = quote
        quoteToRFQ[quoteId] = open.rfq.rfqId
        push(quote, owner: open.owner)
        return quoteId
    }

    private func requote(_ open: inout OpenRFQ, quoteId: Int64) {
        guard var quote = open.live[quoteId] else { return }
        quote.price = price(open, quote.direction)
        quote.event = .updated
        open.live[quoteId] = quote
        push(quote, owner: open.owner)
    }

    func pull(_ open: inout OpenRFQ, quoteId: Int64) {
        guard var quote = open.live.removeValue(forKey: quoteId) else { return }
        quote.event = .deleted
        push(quote, owner: open.owner)
    }

    private func price(_ open: OpenRFQ, _ direction: FigDirection) -> ExactDecimal {
        let instrument = configuration.instruments.first { $0.instrumentId == open.rfq.legs.first?.instrumentId }
        let mid = instrument?.mid ?? 1
        let tick = instrument?.tick ?? ExactDecimal(significand: 1, exponent: -4)
        let ticks = ExactDecimal(Int(1 + random.below(5)))
        let offset = (try? tick.multiplied(by: ticks)) ?? tick
        // A maker buys below the mid and sells above it.
        let price = direction == .buy ? try? mid.subtracting(offset) : try? mid.adding(offset)
        return price.flatMap { $0.isPositive ? $0 : nil } ?? mid
    }

    /// The RFQ ends: its live quotes are deleted, the taker hears both.
    func finish(_ open: inout OpenRFQ, status: FigRFQ.Status) {
        for quoteId in open.live.keys.sorted() { pull(&open, quoteId: quoteId) }
        open.rfq.status = status
        push(open.rfq, owner: open.owner)
    }

    // MARK: - Pushes

    func push(_ rfq: FigRFQ, owner: String) {
        pushFrame(channel: "rfq.taker", data: FigSimulatorJSON.rfq(rfq), owner: owner)
    }

    func push(_ quote: FigQuote, owner: String) {
        pushFrame(channel: "rfq_quote.taker", data: FigSimulatorJSON.quote(quote), owner: owner)
    }

    private func pushFrame(channel: String, data: String, owner: String) {
        let frame =
            #"{"jsonrpc":"2.0","method":"\#(FigHouseRules.pushMethod)","params":{"channel":"\#(channel)","data":\#(data)}}"#
        for id in sessions.keys.sorted()
        where sessions[id]?.clientId == owner && sessions[id]?.channels.contains(channel) == true {
            deliver(frame, to: id)
        }
    }

    // MARK: - JSON-RPC frames

    static func result(id: JSONValue?, method: String, _ result: String) -> String {
        #"{"jsonrpc":"2.0","id":\#(idText(id)),"method":"\#(method)","result":\#(result)}"#
    }

    static func error(id: JSONValue?, code: Int64, message: String) -> String {
        #"{"jsonrpc":"2.0","id":\#(idText(id)),"error":{"code":\#(code),"message":"\#(message)"}}"#
    }

    /// The request's id echoed as it came (a number or a string), `null` when it had none.
    private static func idText(_ id: JSONValue?) -> String {
        switch id {
        case .number(let text)?: text
        case .string(let text)?: FigSimulatorJSON.string(text)
        default: "null"
        }
    }

}
