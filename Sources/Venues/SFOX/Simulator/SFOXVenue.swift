import Logging
import SFOXWire
import SimulatorKit
import VenueBridgeCore

/// The simulated venue: books, tickers, accounts, orders and every socket's subscriptions.
///
/// One actor owns it all, shared by the WebSocket sessions and the REST responder, so an order
/// created over REST shows up on the private feeds of every socket authenticated with its key, in
/// one consistent order. Frames are queued to each socket's bounded `Outbox`; nothing here waits
/// for a socket.
actor SFOXVenue: SimulatedVenue {
    struct Session: VenueSession {
        let connection: SimConnection
        let remoteAddress: String
        /// Set by a successful `authenticate`.
        var apiKey: String?
        var feeds: Set<SFOXFeed> = []
        var requests = SlidingWindow()
        var blockedUntil: ContinuousClock.Instant?
    }

    /// A client order and the exact state behind its wire form.
    struct SimOrder {
        var order: SFOXOrder
        let apiKey: String
        let limitTicks: Int64?
        let quantityLots: Int64
        var filledLots: Int64 = 0
        var filledAmount: ExactDecimal = .zero
        var fees: ExactDecimal = .zero
        /// GTD: milliseconds since the epoch.
        let expiresMillis: Int64?

        var remainingLots: Int64 { quantityLots - filledLots }
        var isOpen: Bool { order.status == .started }
    }

    struct Account {
        var balances: [String: ExactDecimal]
        var creates = SlidingWindow()
        /// client_order_id → the order it created and when.
        var clientOrderIds: [String: (orderId: Int64, at: ContinuousClock.Instant)] = [:]
    }

    /// Per pair, since start: what `ticker.sfox.*` reports.
    struct TickerStats {
        var open: ExactDecimal
        var last: ExactDecimal
        var high: ExactDecimal
        var low: ExactDecimal
        var volume: ExactDecimal = .zero
        var notional: ExactDecimal = .zero

        init(price: ExactDecimal) {
            open = price
            last = price
            high = price
            low = price
        }

        mutating func record(price: ExactDecimal, quantity: ExactDecimal) {
            last = price
            high = max(high, price)
            low = min(low, price)
            volume = volume.plus(quantity)
            notional = notional.plus(price.times(quantity))
        }
    }

    let configuration: SFOXSimulatorConfiguration
    let counters: SimulatorCounters
    let logger: Logger
    let pairNames: [String]

    var rng: SplitMix64
    var books: [String: SimulatedBook] = [:]
    /// The latest raw and fee-adjusted snapshots sent, per pair.
    var snapshots: [String: SFOXOrderBook] = [:]
    var netSnapshots: [String: SFOXOrderBook] = [:]
    var tickers: [String: TickerStats] = [:]
    var sessions: [SimConnection.ID: Session] = [:]
    var nextConnectionId: SimConnection.ID = 1

    var accounts: [String: Account] = [:]
    var orders: [Int64: SimOrder] = [:]
    /// Ids of `Started` orders, ascending.
    var openOrderIds: [Int64] = []
    var createRequests: [String: Int] = [:]
    var acceptedOrders: [String: Int] = [:]
    var nextOrderId: Int64 = 693_291_242
    var nextTradeId: Int64 = 830_151_520
    var nextPublicTradeId: Int64 = 1_062_696_823
    var restRequests: [String: SlidingWindow] = [:]
    var createResponsesToDrop = 0

    init(configuration: SFOXSimulatorConfiguration, counters: SimulatorCounters, logger: Logger) {
        self.configuration = configuration
        self.counters = counters
        self.logger = logger
        var rng = SplitMix64(seed: configuration.seed)
        var names: [String] = []
        var books: [String: SimulatedBook] = [:]
        for pair in configuration.pairs where books[pair.name] == nil {
            names.append(pair.name)
            books[pair.name] = SimulatedBook(pair: pair, depth: configuration.bookDepth, rng: &rng)
        }
        self.rng = rng
        self.books = books
        pairNames = names
        let now = wallClockMillis()
        for name in names {
            guard let book = books[name] else { continue }
            snapshots[name] = book.snapshot(lastUpdated: now, lastPublished: now)
            netSnapshots[name] = book.netSnapshot(feeRate: configuration.feeRate, lastUpdated: now, lastPublished: now)
            tickers[name] = TickerStats(price: book.tick.value(book.midTicks))
        }
    }

    // MARK: - Sessions

    var socketCounters: SocketCounters { counters.sockets }

    func openSession(remoteAddress: String, abort: @escaping @Sendable () -> Void) -> SimConnection {
        let connection = SimConnection(id: nextConnectionId, queueLimit: configuration.maxOutboundQueue, abort: abort)
        nextConnectionId += 1
        sessions[connection.id] = Session(connection: connection, remoteAddress: remoteAddress)
        return connection
    }

    func closeSession(_ id: SimConnection.ID) {
        guard let session = sessions.removeValue(forKey: id) else { return }
        session.connection.outbox.finish()
    }

    func connectionCount(from address: String) -> Int {
        sessions.values.count { $0.remoteAddress == address }
    }

    // MARK: - Requests

    func receive(_ text: String, from id: SimConnection.ID) {
        guard sessions[id] != nil else { return }
        let now = ContinuousClock.now
        guard admitRequest(from: id, now: now) else {
            counters.webSocketRequestsRefused.add(1, ordering: .relaxed)
            deliver(
                .control(
                    success: false, action: Self.requestType(text) ?? "unknown", feeds: [],
                    message: "rate limit exceeded"), to: id)
            return
        }
        let request: SFOXClientMessage
        do {
            request = try SFOXClientMessage.decode(text)
        } catch {
            counters.sockets.malformedFramesIn.add(1, ordering: .relaxed)
            deliver(
                .control(
                    success: false, action: Self.requestType(text) ?? "unknown", feeds: [],
                    message: "invalid request: \(error.detail)"), to: id)
            return
        }
        switch request {
        case .authenticate(let apiKey, _):
            if configuration.apiKeys.contains(apiKey) {
                sessions[id]?.apiKey = apiKey
                deliver(.control(success: true, action: "authenticate", feeds: [], message: nil), to: id)
            } else {
                deliver(.control(success: false, action: "authenticate", feeds: [], message: "invalid api key"), to: id)
            }
        case .subscribe(let names):
            subscribe(names, from: id)
        case .unsubscribe(let names):
            for name in names { sessions[id]?.feeds.remove(SFOXFeed(name)) }
            deliver(.control(success: true, action: "unsubscribe", feeds: names, message: nil), to: id)
        }
    }

    /// More than `webSocketRequestsPerMinute` requests in a minute blocks the socket's requests
    /// for `webSocketBlockDuration`.
    private func admitRequest(from id: SimConnection.ID, now: ContinuousClock.Instant) -> Bool {
        guard var session = sessions[id] else { return false }
        defer { sessions[id] = session }
        if let until = session.blockedUntil {
            guard now >= until else { return false }
            session.blockedUntil = nil
            session.requests.reset()
        }
        guard session.requests.admit(limit: configuration.webSocketRequestsPerMinute, window: .seconds(60), now: now)
        else {
            session.blockedUntil = now + configuration.webSocketBlockDuration
            return false
        }
        return true
    }

    /// The `type` of a request that could not be handled, for the `action` of the error reply.
    private static func requestType(_ text: String) -> String? {
        (try? JSONValue.parse(text))?["type"]?.string
    }

    private func subscribe(_ names: [String], from id: SimConnection.ID) {
        guard let session = sessions[id] else { return }
        guard !names.isEmpty else {
            deliver(.control(success: false, action: "subscribe", feeds: [], message: "no feeds"), to: id)
            return
        }
        var accepted: [SFOXFeed] = []
        var refused: [(name: String, reason: String)] = []
        for name in names {
            let feed = SFOXFeed(name)
            switch feed {
            case .orderBook(let pair, _), .trades(let pair), .ticker(let pair):
                if books[pair] == nil {
                    refused.append((name, "unknown currency pair: \(pair)"))
                } else {
                    accepted.append(feed)
                }
            case .openOrders, .privateTrades, .balances:
                if session.apiKey == nil {
                    refused.append((name, "authentication required"))
                } else {
                    accepted.append(feed)
                }
            case .other:
                refused.append(
                    (
                        name,
                        name.hasPrefix("private.") && session.apiKey == nil
                            ? "authentication required" : "unknown feed: \(name)"
                    ))
            }
        }
        // One error reply per reason, naming its feeds; then one success for the rest.
        var reasons: [String] = []
        for entry in refused where !reasons.contains(entry.reason) { reasons.append(entry.reason) }
        for reason in reasons {
            deliver(
                .control(
                    success: false, action: "subscribe", feeds: refused.filter { $0.reason == reason }.map(\.name),
                    message: reason), to: id)
        }
        guard !accepted.isEmpty else { return }
        deliver(.control(success: true, action: "subscribe", feeds: accepted.map(\.name), message: nil), to: id)
        for feed in accepted {
            sessions[id]?.feeds.insert(feed)
            switch feed {
            case .orderBook(let pair, let net):
                if let book = net ? netSnapshots[pair] : snapshots[pair] {
                    deliver(.data(feed: feed, payload: .orderBook(book)), to: id)
                    counters.bookSnapshotsSent.add(1, ordering: .relaxed)
                }
            case .openOrders:
                if let apiKey = session.apiKey {
                    let open = openOrderIds.compactMap { orders[$0] }.filter { $0.apiKey == apiKey }.map(\.order)
                    deliver(.data(feed: feed, payload: .openOrders(open)), to: id)
                }
            case .balances:
                if let apiKey = session.apiKey {
                    deliver(.data(feed: feed, payload: .balances(balances(of: apiKey, only: nil))), to: id)
                }
            case .trades, .ticker, .privateTrades, .other:
                break
            }
        }
    }

    // MARK: - Publishing

    /// Sends `payload` to every socket subscribed to `feed` (and, for private feeds, authenticated
    /// with `apiKey`).
    func publish(_ feed: SFOXFeed, _ payload: SFOXPayload, apiKey: String? = nil) {
        for id in sessions.keys.sorted() {
            guard let session = sessions[id], session.feeds.contains(feed) else { continue }
            if let apiKey, session.apiKey != apiKey { continue }
            deliver(.data(feed: feed, payload: payload), to: id)
            if case .orderBook = feed { counters.bookSnapshotsSent.add(1, ordering: .relaxed) }
        }
    }

    /// Takes new snapshots of `pair` and sends them to the book subscribers.
    func publishBook(_ pair: String) {
        guard let book = books[pair] else { return }
        let updated = wallClockMillis()
        let published = updated + Int64(rng.below(4))
        let raw = book.snapshot(lastUpdated: updated, lastPublished: published)
        let net = book.netSnapshot(feeRate: configuration.feeRate, lastUpdated: updated, lastPublished: published)
        snapshots[pair] = raw
        netSnapshots[pair] = net
        publish(.orderBook(pair: pair, net: false), .orderBook(raw))
        publish(.orderBook(pair: pair, net: true), .orderBook(net))
    }

    /// A trade on `trades.sfox.<pair>`, also counted in the ticker.
    func publishMarketTrade(
        pair: String, price: ExactDecimal, quantity: ExactDecimal, side: SFOXAction, source: String, nanos: Int64
    ) {
        tickers[pair]?.record(price: price, quantity: quantity)
        let trade = SFOXTrade(
            id: String(nextPublicTradeId), pair: pair, price: price, quantity: quantity, side: side, exchange: source,
            timestamp: isoTimestamp(nanos: nanos, fractionDigits: 9))
        nextPublicTradeId += 1
        publish(.trades(pair: pair), .trade(trade))
    }

    func publishTickers() {
        let timestamp = isoTimestamp(nanos: wallClockNanos(), fractionDigits: 3)
        for pair in pairNames {
            guard let stats = tickers[pair] else { continue }
            let vwap =
                stats.volume.isZero ? stats.last : (stats.notional.divided(by: stats.volume, scale: 8) ?? stats.last)
            let ticker = SFOXTicker(
                pair: pair, last: stats.last, open: stats.open, high: stats.high, low: stats.low, volume: stats.volume,
                vwap: vwap, timestamp: timestamp)
            publish(.ticker(pair: pair), .ticker(ticker))
        }
    }

    // MARK: - Random walk

    /// Every pair moves `count` times; each move publishes a snapshot (after resting orders it
    /// crossed have filled) and, sometimes, a market trade.
    func step(_ count: Int) {
        for _ in 0..<max(count, 0) {
            for pair in pairNames {
                guard var book = books[pair] else { continue }
                let trade = book.step(rng: &rng)
                books[pair] = book
                let nanos = wallClockNanos()
                fillRestingOrders(pair: pair, nanos: nanos)
                publishBook(pair)
                if let trade {
                    publishMarketTrade(
                        pair: pair, price: book.tick.value(trade.ticks), quantity: book.lot.value(trade.lots),
                        side: trade.side,
                        source: trade.source, nanos: nanos)
                }
            }
        }
    }

    // MARK: - Queries

    func book(pair: String) -> SFOXOrderBook? { snapshots[pair] }

    func createRequestCount(clientOrderId: String) -> Int { createRequests[clientOrderId] ?? 0 }

    func createRequestCounts() -> [String: Int] { createRequests }

    func acceptedOrderCount(clientOrderId: String) -> Int { acceptedOrders[clientOrderId] ?? 0 }

    /// The latest order created with this client order id (any key).
    func order(clientOrderId: String) -> SFOXOrder? {
        orders.values.filter { $0.order.clientOrderId == clientOrderId }.max { $0.order.id < $1.order.id }?.order
    }

    func openOrders() -> [SFOXOrder] { openOrderIds.compactMap { orders[$0]?.order } }

    func dropNextCreateResponses(_ count: Int) { createResponsesToDrop = max(count, 0) }

    /// Balances of `apiKey` (all currencies, or those in `only`), with what open orders hold.
    func balances(of apiKey: String, only: Set<String>?) -> [SFOXBalance] {
        let account = account(apiKey)
        var held: [String: ExactDecimal] = [:]
        for id in openOrderIds {
            guard let entry = orders[id], entry.apiKey == apiKey,
                let pair = configuration.pairs.first(where: { $0.name == entry.order.pair }),
                let book = books[pair.name]
            else { continue }
            let remaining = book.lot.value(entry.remainingLots)
            if entry.order.action == .buy {
                let price = entry.limitTicks.map { book.tick.value($0) } ?? .zero
                held[pair.quoteCurrency, default: .zero] = held[pair.quoteCurrency, default: .zero].plus(
                    price.times(remaining))
            } else {
                held[pair.baseCurrency, default: .zero] = held[pair.baseCurrency, default: .zero].plus(remaining)
            }
        }
        return account.balances.keys.sorted().filter { only?.contains($0) ?? true }.map { currency in
            let balance = account.balances[currency] ?? .zero
            let onHold = held[currency] ?? .zero
            return SFOXBalance(currency: currency, balance: balance, available: balance.minus(onHold), held: onHold)
        }
    }

    func account(_ apiKey: String) -> Account {
        if let account = accounts[apiKey] { return account }
        var balances = configuration.initialBalances
        for pair in configuration.pairs {
            for currency in [pair.baseCurrency, pair.quoteCurrency] where balances[currency] == nil {
                balances[currency] = .zero
            }
        }
        let account = Account(balances: balances)
        accounts[apiKey] = account
        return account
    }
}
