import FineryWire
import Logging
import SimulatorKit
import VenueBridgeCore

typealias SimConnection = SimulatorKit.SimConnection<String>

/// The simulated venue: books, client orders, positions and the feed bindings of every socket.
///
/// One actor owns it all, so every frame a socket receives is produced in one consistent order
/// (a bind's snapshot is queued before any later update, a reply before the feed events it
/// caused). Frames are encoded once and queued to each socket's bounded `Outbox`; nothing here
/// waits for a socket.
actor FineryVenue: SimulatedVenue {
    struct FeedBinding: Hashable {
        var feed: String
        var feedId: FineryFeedID
    }

    struct Session: VenueSession {
        let connection: SimConnection
        /// The key the upgrade authenticated.
        let apiKey: String
        var bindings: Set<FeedBinding> = []
    }

    /// A client order on the venue's order list (client orders do not show in the public book).
    struct ClientOrder {
        var order: FineryOrder
        /// The socket it was placed through: cancel-on-disconnect applies to that socket only.
        let connectionId: SimConnection.ID
        let cancelOnDisconnect: Bool
    }

    struct Account {
        var activeOrders: [Int64: ClientOrder] = [:]
        /// Every clientOrderId this key has used, including rejected IOC/FOK attempts.
        var usedClientOrderIds: Set<Int64> = []
        var createdOrders: [Int64: Int] = [:]
        var positions: [String: Int64] = [:]
    }

    /// What one operation changed, published after its reply (if any).
    enum VenueEvent {
        case book(instrument: String, change: BookChange, snapshot: (bids: [FineryLevel], asks: [FineryLevel])?)
        case order(apiKey: String, action: FineryFeedAction, order: FineryOrder)
        case deal(apiKey: String, deal: FineryDeal)
        case positions(apiKey: String, positions: [FineryPosition])
    }

    let configuration: FinerySimulatorConfiguration
    let counters: SimulatorCounters
    let logger: Logger
    let instruments: [String: FinerySimulatorConfiguration.Instrument]
    let instrumentNames: [String]
    let currencies: [String]

    var rng: SplitMix64
    var books: [String: SimulatedBook] = [:]
    var backendStatus: Int64 = 0
    var sessions: [SimConnection.ID: Session] = [:]
    var nextConnectionId: SimConnection.ID = 1
    var accounts: [String: Account] = [:]
    var addRequests: [Int64: Int] = [:]
    var nextOrderId: Int64 = 1000
    var nextDealId: Int64 = 1
    var pending: [VenueEvent] = []
    /// Test query: bind / unbind requests per binding.
    var feedRequests: [FeedRequest: Int] = [:]

    struct FeedRequest: Hashable {
        var event: String
        var feed: String
        var feedId: FineryFeedID
    }

    init(configuration: FinerySimulatorConfiguration, counters: SimulatorCounters, logger: Logger) {
        self.configuration = configuration
        self.counters = counters
        self.logger = logger
        var rng = SplitMix64(seed: configuration.seed)
        var instruments: [String: FinerySimulatorConfiguration.Instrument] = [:]
        var names: [String] = []
        var currencies: [String] = []
        for instrument in configuration.instruments where instruments[instrument.name] == nil {
            instruments[instrument.name] = instrument
            names.append(instrument.name)
            for currency in [instrument.assetCurrency, instrument.balanceCurrency] where !currencies.contains(currency)
            {
                currencies.append(currency)
            }
            books[instrument.name] = SimulatedBook(
                midPrice: instrument.midPrice, tick: instrument.tickSize, levelSize: instrument.levelSize,
                depth: configuration.depth, rng: &rng
            )
        }
        self.rng = rng
        self.instruments = instruments
        self.instrumentNames = names
        self.currencies = currencies
    }

    // MARK: - Sessions

    var socketCounters: SocketCounters { counters.sockets }

    func openSession(apiKey: String, abort: @escaping @Sendable () -> Void) -> SimConnection {
        let connection = SimConnection(id: nextConnectionId, queueLimit: configuration.maxOutboundQueue, abort: abort)
        nextConnectionId += 1
        sessions[connection.id] = Session(connection: connection, apiKey: apiKey)
        deliver(FineryServerMessage.status(code: backendStatus).encoded(), to: connection.id)
        return connection
    }

    /// The socket is gone (any reason): forget its bindings and apply cancel-on-disconnect.
    func closeSession(_ id: SimConnection.ID) {
        guard let session = sessions.removeValue(forKey: id) else { return }
        session.connection.outbox.finish()
        let key = session.apiKey
        let cancelled = (accounts[key]?.activeOrders.values ?? [:].values)
            .filter { $0.connectionId == id && $0.cancelOnDisconnect }
            .sorted { $0.order.orderId < $1.order.orderId }
        for var entry in cancelled {
            accounts[key]?.activeOrders[entry.order.orderId] = nil
            entry.order.cancelReason = FineryCancelReason.cancelOnDisconnect.rawValue
            emit(.order(apiKey: key, action: .removed, order: entry.order))
        }
        if !cancelled.isEmpty {
            logger.debug("cancel-on-disconnect", metadata: ["connection": "\(id)", "orders": "\(cancelled.count)"])
        }
        flush()
    }

    func setBackendStatus(_ code: Int64) {
        backendStatus = code
        if code != 0 {
            // The venue forgets feed bindings when its backend goes: clients rebind after X 0.
            for id in sessions.keys { sessions[id]?.bindings.removeAll() }
        }
        sendToAll(FineryServerMessage.status(code: code).encoded())
    }

    // MARK: - Inbound frames

    func receive(_ text: String, from id: SimConnection.ID) {
        guard let session = sessions[id] else { return }
        let message: FineryClientMessage
        do {
            message = try FineryClientMessage.decode(text)
        } catch {
            counters.sockets.malformedFramesIn.add(1, ordering: .relaxed)
            answerMalformed(text, to: id)
            return
        }
        switch message {
        case .bind(let feed, let feedId):
            feedRequests[FeedRequest(event: "bind", feed: feed, feedId: feedId), default: 0] += 1
            bind(feed: feed, feedId: feedId, session: session)
        case .unbind(let feed, let feedId):
            feedRequests[FeedRequest(event: "unbind", feed: feed, feedId: feedId), default: 0] += 1
            unbind(feed: feed, feedId: feedId, session: session)
        case .request(let reqId, let method, let content):
            let reply: FineryServerMessage
            do throws(RequestFailure) {
                reply = .reply(reqId: reqId, body: try request(method: method, content: content, from: session))
            } catch {
                reply = .replyError(reqId: reqId, code: error.code, param: error.param)
            }
            deliver(reply.encoded(), to: id)
        }
        flush()
    }

    /// A frame FineryClientMessage cannot decode: answer what can still be identified (a bind with
    /// a bad feedId → 103, a request with a reqId → 9), ignore the rest.
    private func answerMalformed(_ text: String, to id: SimConnection.ID) {
        guard let json = try? JSONValue.parse(text) else { return }
        switch json["event"]?.string {
        case "bind"?, "unbind"?:
            if let feed = json["feed"]?.string {
                deliver(
                    FineryServerMessage.feedFailure(feed: feed, feedId: .number(0), code: .invalidFeedId).encoded(),
                    to: id)
            }
        case "request"?:
            if let reqId = json["reqId"]?.int64 {
                deliver(
                    FineryServerMessage.replyError(reqId: reqId, code: .parameterInvalid, param: nil).encoded(), to: id)
            }
        default:
            break
        }
    }

    // MARK: - Feeds

    static let knownFeeds: Set<String> = ["B", "I", "O", "K"]

    private func bind(feed: String, feedId: FineryFeedID, session: Session) {
        let id = session.connection.id
        func fail(_ code: FineryErrorCode) {
            deliver(FineryServerMessage.feedFailure(feed: feed, feedId: feedId, code: code).encoded(), to: id)
        }
        guard Self.knownFeeds.contains(feed) else { return fail(.invalidFeedName) }
        guard backendStatus == 0 else { return fail(.notConnected) }
        let snapshot: FineryServerMessage
        switch (feed, feedId) {
        case ("B", .name(let name)):
            guard let book = books[name] else { return fail(.instrumentNotFound) }
            snapshot = .bookSnapshot(feedId: feedId, bids: book.bids, asks: book.asks)
        case ("I", .number):
            snapshot = .instruments(
                currencies: currencies,
                instruments: instrumentNames.compactMap { name in
                    instruments[name].map {
                        FineryInstrument(
                            name: $0.name, id: $0.id, assetCurrency: $0.assetCurrency,
                            balanceCurrency: $0.balanceCurrency)
                    }
                })
        case ("O", .number(0)), ("O", .name):
            if case .name(let name) = feedId, instruments[name] == nil { return fail(.instrumentNotFound) }
            let orders = (accounts[session.apiKey]?.activeOrders.values.map(\.order) ?? [])
                .filter { Self.orderFeed(feedId, covers: $0.instrument) }
                .sorted { $0.orderId < $1.orderId }
            snapshot = .orders(action: .snapshot, feedId: feedId, orders: orders)
        case ("K", .number):
            snapshot = .positions(
                action: .snapshot, feedId: feedId, positions: positions(of: session.apiKey, currencies))
        default:
            return fail(.invalidFeedId)
        }
        guard sessions[id]?.bindings.insert(FeedBinding(feed: feed, feedId: feedId)).inserted == true else {
            return fail(.bindingExists)
        }
        deliver(snapshot.encoded(), to: id)
    }

    private func unbind(feed: String, feedId: FineryFeedID, session: Session) {
        let reply: FineryServerMessage
        if !Self.knownFeeds.contains(feed) {
            reply = .feedFailure(feed: feed, feedId: feedId, code: .invalidFeedName)
        } else if sessions[session.connection.id]?.bindings.remove(FeedBinding(feed: feed, feedId: feedId)) != nil {
            reply = .unsubscribed(feed: feed, feedId: feedId)
        } else {
            reply = .feedFailure(feed: feed, feedId: feedId, code: .bindingNotFound)
        }
        deliver(reply.encoded(), to: session.connection.id)
    }

    static func orderFeed(_ feedId: FineryFeedID, covers instrument: String) -> Bool {
        switch feedId {
        case .number: true
        case .name(let name): name == instrument
        }
    }

    func positions(of apiKey: String, _ currencies: [String]) -> [FineryPosition] {
        currencies.map {
            FineryPosition(
                currency: $0, value: accounts[apiKey]?.positions[$0] ?? 0, counterpartyId: configuration.counterpartyId)
        }
    }

    func emit(_ event: VenueEvent) {
        pending.append(event)
    }

    /// Publishes the pending events to the sockets bound to them.
    func flush() {
        let events = pending
        pending.removeAll(keepingCapacity: true)
        for event in events {
            switch event {
            case .book(let instrument, let change, let snapshot):
                let feedId = FineryFeedID.name(instrument)
                let message: FineryServerMessage =
                    if let snapshot {
                        .bookSnapshot(feedId: feedId, bids: snapshot.bids, asks: snapshot.asks)
                    } else {
                        .bookUpdate(feedId: feedId, bids: change.bids, asks: change.asks)
                    }
                let binding = FeedBinding(feed: "B", feedId: feedId)
                var text: String?
                for (id, session) in sessions where session.bindings.contains(binding) {
                    if text == nil { text = message.encoded() }
                    if let text { deliver(text, to: id) }
                    counters.bookUpdatesSent.add(1, ordering: .relaxed)
                }
            case .order(let apiKey, let action, let order):
                publishOwn(apiKey: apiKey, feed: "O", instrument: order.instrument) {
                    .orders(action: action, feedId: $0, orders: [order])
                }
            case .deal(let apiKey, let deal):
                publishOwn(apiKey: apiKey, feed: "O", instrument: deal.order.instrument) {
                    .deal(feedId: $0, deal: deal)
                }
            case .positions(let apiKey, let positions):
                publishOwn(apiKey: apiKey, feed: "K", instrument: nil) {
                    .positions(action: .modified, feedId: $0, positions: positions)
                }
            }
        }
    }

    /// Private feeds (`O`, `K`) go to every socket of the API key bound to them.
    private func publishOwn(
        apiKey: String, feed: String, instrument: String?, _ message: (FineryFeedID) -> FineryServerMessage
    ) {
        for (id, session) in sessions.sorted(by: { $0.key < $1.key }) where session.apiKey == apiKey {
            for binding in session.bindings where binding.feed == feed {
                if let instrument, !Self.orderFeed(binding.feedId, covers: instrument) { continue }
                deliver(message(binding.feedId).encoded(), to: id)
            }
        }
    }

    // MARK: - Random walk

    func randomWalk(steps: Int) {
        guard !instrumentNames.isEmpty else { return }
        for _ in 0..<max(steps, 0) {
            let name = instrumentNames[Int(rng.below(UInt64(instrumentNames.count)))]
            guard let change = books[name]?.randomStep(rng: &rng), !change.isEmpty else { continue }
            emitBook(name, change)
            fillCrossedOrders(instrument: name)
        }
        flush()
    }

    /// Test control: see `FinerySimulator.sendBookUpdate`.
    func applyInOneFrame(_ instrument: String, bids: [FineryBookUpdate], asks: [FineryBookUpdate]) {
        guard var book = books[instrument] else { return }
        for update in bids { book.apply(update, bid: true) }
        for update in asks { book.apply(update, bid: false) }
        books[instrument] = book
        emitBook(instrument, BookChange(bids: bids, asks: asks))
        flush()
    }

    func emitBook(_ instrument: String, _ change: BookChange) {
        let snapshot = configuration.snapshotOnly ? books[instrument].map { (bids: $0.bids, asks: $0.asks) } : nil
        emit(.book(instrument: instrument, change: change, snapshot: snapshot))
    }

    // MARK: - Queries

    func book(_ instrument: String) -> (bids: [FineryLevel], asks: [FineryLevel]) {
        guard let book = books[instrument] else { return ([], []) }
        return (book.bids, book.asks)
    }

    func acceptedOrderCount(clientOrderId: Int64, apiKey: String?) -> Int {
        accounts.filter { apiKey == nil || $0.key == apiKey }.values.reduce(0) {
            $0 + ($1.createdOrders[clientOrderId] ?? 0)
        }
    }

    func addRequestCount(clientOrderId: Int64) -> Int {
        addRequests[clientOrderId] ?? 0
    }

    func addRequestCounts() -> [Int64: Int] {
        addRequests
    }

    func activeOrders(apiKey: String?) -> [FineryOrder] {
        accounts.filter { apiKey == nil || $0.key == apiKey }.values
            .flatMap { $0.activeOrders.values.map(\.order) }
            .sorted { $0.orderId < $1.orderId }
    }
}

/// Milliseconds since the epoch, for `createdAt` and deal moments (Finery's wire is unsigned).
func unsignedWallClockMillis() -> UInt64 {
    UInt64(max(0, wallClockMillis()))
}
