// File length: the simulated venue's state and its session handling share private state (logins, subscriptions,
// books); orders are already split out (T4Venue+Orders.swift).
import Logging
public import SimulatorKit
import Synchronization
import T4Wire
import VenueBridgeCore

/// What the venue queues for one socket: a serialized `ServerMessage`, or the end of the session
/// (a WebSocket close after everything queued before it).
enum OutFrame: Sendable {
    case message([UInt8])
    case close(String)
}

typealias T4Connection = SimConnection<OutFrame>

/// Lock-free counters, bumped off the venue actor by socket readers and writers too.
final class T4Counters: Sendable {
    let sockets = SocketCounters()
    let logins = Atomic<Int>(0)
    let loginFailures = Atomic<Int>(0)
    let heartbeatsSent = Atomic<Int>(0)
    let heartbeatDisconnects = Atomic<Int>(0)
    let depthUpdatesSent = Atomic<Int>(0)
    let ordersReceived = Atomic<Int>(0)
    let ordersRejected = Atomic<Int>(0)
    let fills = Atomic<Int>(0)

    var snapshot: T4SimulatorStats {
        var stats = T4SimulatorStats()
        sockets.record(into: &stats)
        stats.logins = logins.load(ordering: .relaxed)
        stats.loginFailures = loginFailures.load(ordering: .relaxed)
        stats.heartbeatsSent = heartbeatsSent.load(ordering: .relaxed)
        stats.heartbeatDisconnects = heartbeatDisconnects.load(ordering: .relaxed)
        stats.depthUpdatesSent = depthUpdatesSent.load(ordering: .relaxed)
        stats.ordersReceived = ordersReceived.load(ordering: .relaxed)
        stats.ordersRejected = ordersRejected.load(ordering: .relaxed)
        stats.fills = fills.load(ordering: .relaxed)
        return stats
    }
}

extension T4SimulatorStats: SocketStatistics {}

/// The simulated venue: sessions, books, accounts and orders, all owned by one actor so that every
/// socket sees one consistent order of messages (a reply before the feed messages it caused).
actor T4Venue: SimulatedVenue {
    struct DepthSubscription {
        var levels: Int
        var trades: Bool
        var depth: Bool
    }

    struct Session: VenueSession {
        let connection: T4Connection
        var user: T4SimulatorConfiguration.User?
        var priceFormat: T4proto_V1_Common_PriceFormat = .real
        var lastHeard: ContinuousClock.Instant
        var lastSent: ContinuousClock.Instant
        var depth: [String: DepthSubscription] = [:]
        var accounts: Set<String> = []
    }

    struct MarketState {
        let market: T4SimulatorConfiguration.Market
        let codec: PriceCodec
        var book: SimulatedBook
    }

    struct Order {
        var record: T4SimulatedOrder
        var limitTicks: Int64?
        let sequence: Int
    }

    struct Position {
        var buys: Int32 = 0
        var sells: Int32 = 0
    }

    let configuration: T4SimulatorConfiguration
    let counters: T4Counters
    let logger: Logger
    var socketCounters: SocketCounters { counters.sockets }

    var sessions: [T4Connection.ID: Session] = [:]
    var nextConnectionID: T4Connection.ID = 1
    var markets: [String: MarketState] = [:]
    let marketIDs: [String]
    var rng: SplitMix64
    var idRng: SplitMix64
    var orders: [String: Order] = [:]
    var submittedByTag: [String: Int] = [:]
    var positions: [String: [String: Position]] = [:]
    var nextSequence = 1
    var nextTradeID: Int64 = 1
    /// Test control: the venue's application hangs. Sockets stay open (WebSocket pings are still
    /// answered by the server library) but no message, heartbeats included, is sent.
    var silent = false

    init(configuration: T4SimulatorConfiguration, counters: T4Counters, logger: Logger) {
        self.configuration = configuration
        self.counters = counters
        self.logger = logger
        var rng = SplitMix64(seed: configuration.seed)
        var ids: [String] = []
        for market in configuration.markets where markets[market.marketID] == nil {
            let codec = PriceCodec(tick: market.minPriceIncrement, decimals: market.decimals)
            let mid = Self.ticksRoundedDown(market.midPrice, tick: market.minPriceIncrement)
            markets[market.marketID] = MarketState(
                market: market, codec: codec, book: SimulatedBook(midTicks: mid, depth: configuration.depth, rng: &rng))
            ids.append(market.marketID)
        }
        marketIDs = ids
        self.rng = rng
        idRng = SplitMix64(seed: UInt64(bitPattern: wallClockNanos()) ^ configuration.seed)
    }

    static func ticksRoundedDown(_ price: ExactDecimal, tick: ExactDecimal) -> Int64 {
        let scale = max(tick.fractionDigits, price.fractionDigits)
        guard let p = price.scaledInteger(scale: scale), let t = tick.scaledInteger(scale: scale), t > 0 else {
            return 1
        }
        return max(p / t, 1)
    }

    // MARK: - Sessions

    func openSession(abort: @escaping @Sendable () -> Void) -> T4Connection {
        let connection = T4Connection(id: nextConnectionID, queueLimit: configuration.maxOutboundQueue, abort: abort)
        nextConnectionID += 1
        let now = ContinuousClock.now
        sessions[connection.id] = Session(connection: connection, lastHeard: now, lastSent: now)
        return connection
    }

    func closeSession(_ id: T4Connection.ID) {
        guard let session = sessions.removeValue(forKey: id) else { return }
        session.connection.outbox.finish()
    }

    /// Queues a WebSocket close after what is queued, then forgets the session.
    func end(_ id: T4Connection.ID, reason: String) {
        guard sessions[id] != nil else { return }
        deliver(.close(reason), to: id)
        closeSession(id)
    }

    func send(_ message: T4ServerMessage, to id: T4Connection.ID) {
        guard sessions[id] != nil, !silent else { return }
        sessions[id]?.lastSent = ContinuousClock.now
        deliver(.message(T4Frame.encode(message)), to: id)
    }

    /// Heartbeats to sessions that were sent nothing for an interval; drops sessions silent for
    /// `deadAfter`.
    func checkHeartbeats() {
        let now = ContinuousClock.now
        for id in sessions.keys.sorted() {
            guard let session = sessions[id] else { continue }
            if now - session.lastHeard >= configuration.deadAfter {
                counters.heartbeatDisconnects.add(1, ordering: .relaxed)
                logger.info("client silent, dropping", metadata: ["connection": "\(id)"])
                end(id, reason: "heartbeat timeout")
            } else if now - session.lastSent >= configuration.heartbeatInterval {
                counters.heartbeatsSent.add(1, ordering: .relaxed)
                send(.heartbeat(timestampMilliseconds: wallClockNanos() / 1_000_000), to: id)
            }
        }
    }

    // MARK: - Inbound

    func receive(_ bytes: [UInt8], from id: T4Connection.ID) {
        guard sessions[id] != nil else { return }
        sessions[id]?.lastHeard = ContinuousClock.now
        let message: T4ClientMessage
        do {
            message = try T4Frame.decodeClient(bytes)
        } catch {
            counters.sockets.malformedFramesIn.add(1, ordering: .relaxed)
            logger.debug("malformed client message", metadata: ["connection": "\(id)", "error": "\(error)"])
            if sessions[id]?.user == nil { end(id, reason: "malformed message") }
            return
        }
        guard sessions[id]?.user != nil else {
            if case .loginRequest(let login)? = message.payload {
                self.login(login, id: id)
            } else {
                end(id, reason: "login_request must come first")
            }
            return
        }
        switch message.payload {
        case .heartbeat?, .loginRequest?, nil:
            break
        case .marketDepthSubscribe(let subscribe)?:
            depthSubscribe(subscribe, id: id)
        case .accountSubscribe(let subscribe)?:
            accountSubscribe(subscribe, id: id)
        case .orderSubmit(let submit)?:
            self.submit(submit, id: id)
        case .orderPull(let pull)?:
            self.pull(pull, id: id)
        case .orderRevise(let revise)?:
            self.revise(revise, id: id)
        }
    }

    private func login(_ request: T4proto_V1_Auth_LoginRequest, id: T4Connection.ID) {
        var response = T4proto_V1_Auth_LoginResponse()
        var user: T4SimulatorConfiguration.User?
        if !request.apiKey.isEmpty {
            if let name = configuration.apiKeys[request.apiKey] {
                user = configuration.users.first { $0.username == name }
            }
            if user == nil {
                response.result = .unauthorized
                response.errorMessage = "invalid api key"
            }
        } else if let match = configuration.users.first(where: {
            $0.firm == request.firm && $0.username == request.username && $0.password == request.password
        }) {
            if let appName = configuration.appName, appName != request.appName {
                response.result = .applicationNotValid
                response.errorMessage = "application not valid"
            } else if let license = configuration.appLicense, license != request.appLicense {
                response.result = .applicationNotValid
                response.errorMessage = "application license not valid"
            } else {
                user = match
            }
        } else {
            response.result = .failed
            response.errorMessage = "invalid firm, username or password"
        }
        guard let user else {
            counters.loginFailures.add(1, ordering: .relaxed)
            send(T4ServerMessage.with { $0.payload = .loginResponse(response) }, to: id)
            end(id, reason: "login failed")
            return
        }
        counters.logins.add(1, ordering: .relaxed)
        sessions[id]?.user = user
        sessions[id]?.priceFormat = request.priceFormat == .real ? .real : .decimal
        response.result = .success
        response.sessionID = "S-\(id)-\(uuid().prefix(8))"
        response.userID = user.userID
        response.firmID = user.firmID
        response.firm = user.firm
        response.username = user.username
        response.roles = ["trader"]
        var exchanges: [String] = []
        for marketID in marketIDs {
            if let exchange = markets[marketID]?.market.exchangeID, !exchanges.contains(exchange) {
                exchanges.append(exchange)
            }
        }
        response.exchanges = exchanges.map { exchangeID in
            var exchange = T4proto_V1_Auth_LoginResponse.Exchange()
            exchange.exchangeID = exchangeID
            exchange.userID = user.userID
            return exchange
        }
        response.accounts = user.accountIDs.compactMap { accountID in
            guard let account = configuration.accounts.first(where: { $0.accountID == accountID }) else { return nil }
            var entry = T4proto_V1_Auth_LoginResponse.Account()
            entry.accountID = account.accountID
            entry.accountNumber = account.accountNumber
            entry.accountName = account.name
            entry.displayName = account.name
            return entry
        }
        send(T4ServerMessage.with { $0.payload = .loginResponse(response) }, to: id)
    }

    // MARK: - Market data

    private func depthSubscribe(_ request: T4proto_V1_Market_MarketDepthSubscribe, id: T4Connection.ID) {
        guard let state = markets[request.marketID], state.market.exchangeID == request.exchangeID,
            state.market.contractID == request.contractID
        else {
            var reject = T4proto_V1_Market_MarketDepthSubscribeReject()
            reject.marketID = request.marketID
            (reject.time.seconds, reject.time.nanos) = now()
            reject.mode = .noPermission
            send(T4ServerMessage.with { $0.payload = .marketDepthSubscribeReject(reject) }, to: id)
            return
        }
        guard request.buffer != .noSubscription else {
            sessions[id]?.depth[request.marketID] = nil
            return
        }
        let levels =
            switch request.depthLevels {
            case .bestOnly: 1
            case .normal: 10
            default: configuration.depth
            }
        let trades: Bool =
            switch request.buffer {
            case .slowTrade, .smartTrade, .fastTrade, .tradeOnly, .all: true
            default: false
            }
        let subscription = DepthSubscription(
            levels: min(levels, configuration.depth), trades: trades, depth: request.buffer != .tradeOnly)
        let isNew = sessions[id]?.depth[request.marketID] == nil
        sessions[id]?.depth[request.marketID] = subscription
        guard let format = sessions[id]?.priceFormat else { return }
        if isNew {
            send(T4ServerMessage.with { $0.payload = .marketDetails(details(state, format)) }, to: id)
        }
        var snapshot = T4proto_V1_Market_MarketSnapshot()
        snapshot.marketID = state.market.marketID
        snapshot.mode = .open
        snapshot.messages.append(
            .with { $0.payload = .marketDepth(depth(state, format: format, levels: subscription.levels)) })
        if let trade = trade(state, format: format) {
            snapshot.messages.append(.with { $0.payload = .marketDepthTrade(trade) })
        }
        send(T4ServerMessage.with { $0.payload = .marketSnapshot(snapshot) }, to: id)
    }

    private func details(_ state: MarketState, _ format: T4proto_V1_Common_PriceFormat)
        -> T4proto_V1_Market_MarketDetails
    {
        var details = T4proto_V1_Market_MarketDetails()
        details.marketID = state.market.marketID
        details.exchangeID = state.market.exchangeID
        details.contractID = state.market.contractID
        details.expiryDate = state.market.expiryDate
        details.contractType = .future
        details.decimals = Int32(state.market.decimals)
        details.realDecimals = Int32(state.market.minPriceIncrement.fractionDigits)
        details.displayDecimals = Int32(state.market.minPriceIncrement.fractionDigits)
        details.pointValue = T4DecimalValue(state.market.pointValue)
        details.minPriceIncrement = state.codec.price(1, format)
        details.volumeIncrement = 1
        return details
    }

    private func depth(_ state: MarketState, format: T4proto_V1_Common_PriceFormat, levels: Int)
        -> T4proto_V1_Market_MarketDepth
    {
        func line(_ level: Level) -> T4proto_V1_Market_MarketDepth.DepthLine {
            var line = T4proto_V1_Market_MarketDepth.DepthLine()
            line.price = state.codec.price(level.ticks, format)
            line.volume = level.volume
            line.numOrders = level.orders
            return line
        }
        var depth = T4proto_V1_Market_MarketDepth()
        depth.marketID = state.market.marketID
        (depth.time.seconds, depth.time.nanos) = now()
        depth.mode = .open
        depth.bids = state.book.bids.prefix(levels).map(line)
        depth.offers = state.book.offers.prefix(levels).map(line)
        if let last = state.book.lastTrade {
            var data = T4proto_V1_Market_MarketDepth.TradeData()
            data.totalTradedVolume = state.book.totalTradedVolume
            data.totalTradeCount = state.book.totalTradeCount
            data.lastTradePrice = state.codec.price(last.ticks, format)
            data.lastTradeVolume = last.volume
            data.atBidOrOffer = last.atBidOrOffer
            depth.tradeData = data
        }
        return depth
    }

    private func trade(_ state: MarketState, format: T4proto_V1_Common_PriceFormat)
        -> T4proto_V1_Market_MarketDepthTrade?
    {
        guard let last = state.book.lastTrade else { return nil }
        var trade = T4proto_V1_Market_MarketDepthTrade()
        trade.marketID = state.market.marketID
        (trade.time.seconds, trade.time.nanos) = now()
        trade.totalTradedVolume = state.book.totalTradedVolume
        trade.totalTradeCount = state.book.totalTradeCount
        trade.lastTradePrice = state.codec.price(last.ticks, format)
        trade.lastTradeVolume = last.volume
        trade.atBidOrOffer = last.atBidOrOffer
        trade.mode = .open
        return trade
    }

    /// Sends the market's new book (and its trade, when `traded`) to its subscribers.
    func publishDepth(_ marketID: String, traded: Bool) {
        guard let state = markets[marketID] else { return }
        for id in sessions.keys.sorted() {
            guard let session = sessions[id], let subscription = session.depth[marketID] else { continue }
            if traded, subscription.trades, let trade = trade(state, format: session.priceFormat) {
                send(T4ServerMessage.with { $0.payload = .marketDepthTrade(trade) }, to: id)
            }
            if subscription.depth {
                counters.depthUpdatesSent.add(1, ordering: .relaxed)
                send(
                    T4ServerMessage.with {
                        $0.payload = .marketDepth(
                            depth(state, format: session.priceFormat, levels: subscription.levels))
                    }, to: id)
            }
        }
    }

    func randomWalk(steps: Int) {
        guard !marketIDs.isEmpty else { return }
        for _ in 0..<max(steps, 0) {
            let marketID = marketIDs[Int(rng.below(UInt64(marketIDs.count)))]
            guard var state = markets[marketID] else { continue }
            let trade = state.book.randomStep(rng: &rng)
            markets[marketID] = state
            let filled = matchResting(marketID)
            publishDepth(marketID, traded: trade != nil || filled)
        }
    }

    // MARK: - Helpers

    /// Now as (seconds, nanos) for a `google.protobuf.Timestamp` field.
    func now() -> (Int64, Int32) {
        let nanos = wallClockNanos()
        return (nanos / 1_000_000_000, Int32(nanos % 1_000_000_000))
    }

    /// A random (version 4) UUID string.
    func uuid() -> String {
        let high = idRng.next()
        let low = idRng.next()
        var bytes: [UInt8] =
            (0..<8).map { UInt8(truncatingIfNeeded: high >> (8 * UInt64($0))) }
            + (0..<8).map { UInt8(truncatingIfNeeded: low >> (8 * UInt64($0))) }
        bytes[6] = (bytes[6] & 0x0F) | 0x40
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        let hex = bytes.map { byte -> String in
            let digits = Array("0123456789abcdef")
            return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]])
        }
        return [hex[0..<4], hex[4..<6], hex[6..<8], hex[8..<10], hex[10..<16]].map { $0.joined() }.joined(
            separator: "-")
    }

    func setSilent(_ value: Bool) { silent = value }

    /// Ends a working order without telling anyone (as if it ended while the client was away).
    func finishQuietly(_ uniqueID: String) -> Bool {
        guard var order = orders[uniqueID], order.record.status == .working else { return false }
        order.record.status = .finished
        orders[uniqueID] = order
        return true
    }

    func tradeTotals(_ marketID: String) -> (volume: Int32, count: Int32)? {
        markets[marketID].map { ($0.book.totalTradedVolume, $0.book.totalTradeCount) }
    }

    // MARK: - Queries

    func book(_ marketID: String) -> (bids: [T4BookLevel], offers: [T4BookLevel])? {
        guard let state = markets[marketID] else { return nil }
        let level = { (level: Level) in T4BookLevel(price: state.codec.real(level.ticks), volume: level.volume) }
        return (state.book.bids.map(level), state.book.offers.map(level))
    }

    func orders(tag: String) -> [T4SimulatedOrder] {
        orders.values.filter { $0.record.tag == tag }.sorted { $0.sequence < $1.sequence }.map(\.record)
    }

    func submittedOrderCount(tag: String) -> Int {
        submittedByTag[tag] ?? 0
    }

    func submittedOrderCounts() -> [String: Int] {
        submittedByTag
    }

    func workingOrders() -> [T4SimulatedOrder] {
        orders.values.filter { $0.record.status == .working }.sorted { $0.sequence < $1.sequence }.map(\.record)
    }
}
