// File length: the session driver: login, heartbeats, subscriptions and message dispatch share the session's state;
// order entry and the tracker are split out.
public import EventBus
public import Logging
public import Metrics
import NIOCore
import Synchronization
import T4Wire
public import VenueBridgeCore
public import VenueConnector

/// The Plus500 Futures (T4) connector: one WebSocket of protobuf messages (binary frames) carrying
/// login, heartbeats, market depth and trades, account snapshots, positions and order entry.
///
/// Seams: `T4Frame` decodes (pure) → this session logs in, keeps the heartbeat, subscribes and
/// routes → `T4BookKeeper` / `T4OrderTracker` normalize → the `EventSink`. Every event is published
/// from the one task that reads the socket, so `seq` order is the venue's order.
///
/// T4 has no request ids: the answer to a submit is the first update carrying the order's `tag`
/// (our client order id), the answer to a pull or revise the next update of that order. The
/// tracker names those answers; `RequestCorrelator` gives each request its deadline.
public final class T4Connector: VenueSessionDriver, OrderReplacing, Sendable {
    public let venue: VenueID = .t4
    public let configuration: T4ConnectorConfiguration
    public let metrics: VenueConnectorMetrics
    public let control: VenueSessionControl
    private let logger: Logger
    private let publisher: ConnectorPublisher
    private let rejected: RejectedFrames
    /// Markets that had a snapshot before (on this session or an earlier one): a later one is a resync.
    private let resyncs: BookResyncMemory
    let correlator = RequestCorrelator<T4RequestAnswer, T4PendingRequest>()
    let orders: Mutex<T4OrderTracker>
    let session = Mutex(T4SessionState())
    /// Requests waiting for an answer, by order and kind (several callers may wait on one order).
    let waiting = Mutex<[T4PendingRequest: [Int64]]>([:])
    /// Outlives sessions: the last `total_traded_volume` per market (trade dedupe across
    /// reconnects).
    private let tradeBaselines = Mutex<[String: Int32]>([:])
    private let instrumentDetails = Mutex<[String: T4InstrumentDetails]>([:])

    public init(
        configuration: T4ConnectorConfiguration, sink: any EventSink, logger: Logger,
        metricsFactory: any MetricsFactory = MetricsSystem.factory
    ) {
        self.configuration = configuration
        self.logger = logger
        metrics = VenueConnectorMetrics(venue: .t4, factory: metricsFactory)
        publisher = ConnectorPublisher(venue: .t4, sink: sink, logger: logger)
        rejected = RejectedFrames(metrics: metrics, logger: logger, logMessage: "T4 message rejected")
        resyncs = BookResyncMemory(metrics: metrics)
        control = VenueSessionControl(venue: .t4, sink: sink, metrics: metrics, logger: logger)
        orders = Mutex(T4OrderTracker(finishedMemory: configuration.finishedOrderMemory))
    }

    /// The service that keeps this connector connected (run it in the bridge's service group).
    /// `transport`: nil is the WebSocket to `configuration.link.url`; tests pass an in-memory one.
    public func supervisor(transport: (any VenueTransport)? = nil) -> VenueConnectionSupervisor {
        VenueConnectionSupervisor(
            settings: configuration.link, transport: transport, driver: self, control: control, metrics: metrics,
            logger: logger)
    }

    /// `MarketDetails` of a configured market (tick, point value), once the venue sent them.
    public func details(symbol: String) -> T4InstrumentDetails? {
        guard let market = configuration.market(symbol: symbol) else { return nil }
        return instrumentDetails.withLock { $0[market.marketID] }
    }

    func tickSize(marketID: String) -> ExactDecimal? { instrumentDetails.withLock { $0[marketID]?.tick } }

    /// The accounts the current login may trade (from `LoginResponse.accounts`).
    public var accounts: [String] { session.withLock { $0.accounts } }

    // MARK: - Session

    public func upgradeHeaders() throws -> [(name: String, value: String)] { [] }

    public func runSession(inbound: VenueInbound, writer: VenueLinkWriter, control: VenueSessionControl) async throws {
        session.withLock { $0 = T4SessionState(writer: writer) }
        defer { session.withLock { $0 = T4SessionState() } }
        try await send(login())
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { [self] in try await keepAlive() }
            group.addTask { [self] in try await read(inbound) }
            try await group.next()
            group.cancelAll()
        }
    }

    public func sessionEnded(reason: String) async {
        waiting.withLock { $0.removeAll() }
        for context in correlator.failAll(reason: reason) {
            metrics.request(outcome: "disconnected")
            logger.warning("T4 request lost with the link", metadata: ["request": "\(context)", "reason": "\(reason)"])
        }
    }

    private func login() -> T4ClientMessage {
        switch configuration.credentials {
        case .apiKey(let key): .login(apiKey: key)
        case .password(let firm, let username, let password, let appName, let appLicense):
            .login(firm: firm, username: username, password: password, appName: appName, appLicense: appLicense)
        }
    }

    /// Heartbeats when we sent nothing for an interval (the configured one, or the venue's own when
    /// its heartbeats come more often: a venue drops a client silent for three of *its* intervals);
    /// the link is dead after `deadAfter` without any venue message (WebSocket pongs do not count:
    /// the venue's application must be alive); requests have their deadlines. The login's deadline
    /// is the supervisor's handshake deadline.
    private func keepAlive() async throws {
        let tick = min(Duration.milliseconds(250), configuration.heartbeatInterval / 4)
        while true {
            try await Task.sleep(for: tick)
            let now = ContinuousClock.now
            let (loggedIn, lastHeard, lastSent, venueInterval) = session.withLock {
                ($0.loggedIn, $0.lastHeard, $0.lastSent, $0.venueHeartbeats.interval)
            }
            let silence = now - lastHeard
            metrics.lastMessageAge.record(silence.seconds)
            if silence > configuration.deadAfter {
                throw VenueSessionError(
                    "dead link: no message from T4 for \(silence) (heartbeat every \(configuration.heartbeatInterval))")
            }
            let interval = min(configuration.heartbeatInterval, venueInterval ?? configuration.heartbeatInterval)
            if loggedIn, now - lastSent >= interval {
                try await send(.heartbeat(timestampMilliseconds: wallClockNanos() / 1_000_000))
            }
            for context in correlator.expire() {
                waiting.withLock { $0[context] = nil }
                metrics.request(outcome: "timeout")
                logger.warning("T4 request timed out", metadata: ["request": "\(context)"])
            }
        }
    }

    private func read(_ inbound: VenueInbound) async throws {
        var books = T4BookKeeper(
            markets: configuration.markets, publishTicker: configuration.publishTicker,
            tradeBaselines: tradeBaselines.withLock { $0 })
        defer { tradeBaselines.withLock { $0 = books.tradeBaselines } }
        for try await frame in inbound {
            session.withLock { state in
                state.previousHeard = state.lastHeard
                state.lastHeard = .now
            }
            guard case .binary(let buffer) = frame else {
                rejected.record(kind: "text_frame", detail: "text frame on a protobuf venue")
                continue
            }
            let tsRecv = wallClockNanos()
            let message: T4ServerMessage
            do {
                message = try T4Frame.decodeServer(Array(buffer.readableBytesView))
            } catch {
                rejected.record(kind: error.kind.rawValue, detail: "\(error.detail) (\(buffer.readableBytes) bytes)")
                continue
            }
            try await handle(message, books: &books, tsRecv: tsRecv)
        }
    }

    private func handle(_ message: T4ServerMessage, books: inout T4BookKeeper, tsRecv: Int64) async throws {
        guard session.withLock({ $0.loggedIn }) else {
            guard case .loginResponse(let response)? = message.payload else {
                throw VenueSessionError(
                    "T4 protocol error: the first message after login must be login_response, got \(Self.name(message.payload))"
                )
            }
            return try await loggedIn(response)
        }
        switch message.payload {
        case .heartbeat?:
            let configured = configuration.heartbeatInterval
            let faster: Duration? = session.withLock { state in
                let interval = state.venueHeartbeats.record(gap: state.lastHeard - state.previousHeard)
                guard let interval, interval < configured, state.venueHeartbeats.announce() else { return nil }
                return interval
            }
            if let interval = faster {
                logger.notice(
                    "T4 heartbeats come more often than ours: heartbeating at the venue's interval",
                    metadata: [
                        "venue_interval": "\(interval)", "configured_interval": "\(configuration.heartbeatInterval)",
                    ])
            }
        case .loginResponse?:
            logger.warning("T4 sent a second login_response; ignored")

        case .marketDepthSubscribeReject(let reject)?:
            let market = configuration.market(id: reject.marketID)?.symbol ?? reject.marketID
            logger.error(
                "T4 refused the depth subscription",
                metadata: ["market": "\(reject.marketID)", "mode": "\(reject.mode)"])
            session.withLock { $0.refusedMarkets[reject.marketID] = "\(market) refused (\(reject.mode))" }
            await updateReadiness()
        case .marketDetails(let details)?:
            do {
                let entry = try books.details(details)
                instrumentDetails.withLock { $0[entry.marketID] = entry }
                logger.info(
                    "T4 market details",
                    metadata: [
                        "market": "\(entry.marketID)", "tick": "\(entry.tick.map { "\($0)" } ?? "-")",
                        "point_value": "\(entry.pointValue.map { "\($0)" } ?? "-")",
                    ])
            } catch {
                rejected.record(error, countedAs: "market_details")
            }
        case .marketSnapshot(let snapshot)?:
            resyncs.snapshot(of: snapshot.marketID)
            try await publish { () throws(VenueNormalizeError) in try books.snapshot(snapshot, tsRecv: tsRecv) }
        case .marketDepth(let depth)?:
            try await publish { () throws(VenueNormalizeError) in try books.depth(depth, tsRecv: tsRecv) }
        case .marketDepthTrade(let trade)?:
            try await publish { () throws(VenueNormalizeError) in
                try books.trade(trade, tsRecv: tsRecv).map { [$0] } ?? []
            }

        case .accountSubscribeResponse(let response)?:
            session.withLock { state in
                if response.success {
                    state.accountsSubscribed = true
                } else {
                    state.accountRefusal =
                        "account subscription refused: "
                        + (response.errors.isEmpty ? "no reason given" : response.errors.joined(separator: "; "))
                }
            }
            if !response.success {
                logger.error("T4 refused the account subscription", metadata: ["errors": "\(response.errors)"])
            }
            await updateReadiness()
        case .accountSnapshot(let snapshot)?:
            try await accountSnapshot(snapshot, tsRecv: tsRecv)
        case .accountPosition(let position)?:
            try await publish(position, tsRecv: tsRecv)
        case .accountUpdate?:
            // Balances and margins are doubles on the wire: not published as exact `balance`s.
            break

        case .orderUpdateMulti(let multi)?:
            var events = T4OrderEvents()
            orders.withLock { tracker in
                for entry in multi.updates {
                    events.append(
                        tracker.apply(entry, accountID: multi.accountID, marketID: multi.marketID, source: .live))
                }
            }
            try await deliver(events, tsRecv: tsRecv)
        case .orderUpdate(let update)?:
            try await deliver(orders.withLock { $0.update(update, source: .live) }, tsRecv: tsRecv)
        case .orderUpdateStatus(let status)?:
            try await deliver(orders.withLock { $0.status(status) }, tsRecv: tsRecv)
        case .orderUpdateTrade(let trade)?:
            try await deliver(orders.withLock { $0.trade(trade) }, tsRecv: tsRecv)
        case .orderUpdateFailed(let failed)?:
            try await deliver(orders.withLock { $0.failed(failed) }, tsRecv: tsRecv)
        case nil:
            break  // a message outside the subset the bridge uses (high/low, profit, batch acks)
        }
    }

    private func loggedIn(_ response: T4proto_V1_Auth_LoginResponse) async throws {
        guard response.result == .success else {
            metrics.request(outcome: "login_refused")
            let detail = response.errorMessage.isEmpty ? "" : ": \(response.errorMessage)"
            throw VenueSessionError(
                "T4 login refused: \(Self.name(response.result))\(detail)", retryAfter: configuration.loginRetryDelay)
        }
        let accounts = response.accounts.map(\.accountID)
        session.withLock {
            $0.loggedIn = true
            $0.accounts = accounts
        }
        logger.info(
            "T4 login accepted",
            metadata: ["user": "\(response.userID)", "firm": "\(response.firmID)", "accounts": "\(accounts)"])
        for market in configuration.markets {
            try await send(
                .marketDepthSubscribe(
                    exchangeID: market.exchangeID, contractID: market.contractID, marketID: market.marketID))
        }
        if configuration.subscribeAccounts { try await send(.accountSubscribeAll()) }
        await updateReadiness()
    }

    /// Ready once logged in and (when trading) the accounts are subscribed; degraded while the
    /// venue refuses a market or the accounts, naming them.
    private func updateReadiness() async {
        let (state, reason): (VenueConnectionState?, String?) = session.withLock { state in
            guard state.loggedIn else { return (nil, nil) }
            if configuration.subscribeAccounts, !state.accountsSubscribed, state.accountRefusal == nil {
                return (nil, nil)
            }
            let problems =
                state.refusedMarkets.keys.sorted().compactMap { state.refusedMarkets[$0] }
                + [state.accountRefusal].compactMap { $0 }
            return problems.isEmpty
                ? (.ready, "logged in" + (configuration.subscribeAccounts ? ", accounts subscribed" : ""))
                : (.degraded, problems.joined(separator: "; "))
        }
        guard let state else { return }
        await control.transition(to: state, reason: reason)
    }

    private func accountSnapshot(_ snapshot: T4proto_V1_Account_AccountSnapshot, tsRecv: Int64) async throws {
        var events = T4OrderEvents()
        var working = Set<String>()
        for entry in snapshot.messages {
            switch entry.payload {
            case .accountPosition(let position)?:
                try await publish(position, tsRecv: tsRecv)
            case .orderUpdateMulti(let multi)?:
                for update in multi.updates {
                    if case .orderUpdate(let record)? = update.payload,
                        record.status == .working || record.status == .held
                    {
                        working.insert(record.uniqueID)
                    }
                    events.append(
                        orders.withLock {
                            $0.apply(update, accountID: multi.accountID, marketID: multi.marketID, source: .snapshot)
                        })
                }
            default:
                break
            }
        }
        events.append(orders.withLock { $0.reconcile(accountID: snapshot.accountID, working: working) })
        try await deliver(events, tsRecv: tsRecv)
    }

    // MARK: - Publishing

    /// Market data is counted under one label whatever went wrong (docs/venues/t4.md): the
    /// message is dropped whole and the book keeps its last good state, so no kind needs a remedy.
    private func publish(_ normalize: () throws(VenueNormalizeError) -> [NormalizedEvent]) async throws {
        let events: [NormalizedEvent]
        do { events = try normalize() } catch {
            return rejected.record(error, countedAs: "unusable_market_data")
        }
        try await publisher.publish(events)
    }

    private func publish(_ position: T4proto_V1_Account_AccountPosition, tsRecv: Int64) async throws {
        let symbol = configuration.market(id: position.marketID)?.symbol ?? position.marketID
        let net = T4HouseRules.netPosition(
            overnight: position.overnightPosition, buys: position.buys, sells: position.sells)
        let average = position.hasAverageOpenPrice ? try? position.averageOpenPrice.exactDecimal() : nil
        try await publisher.publish(
            NormalizedEvent(
                venue: .t4, instrument: symbol, venueInstrument: position.marketID, tsRecv: tsRecv,
                payload: .position(
                    Position(account: position.accountID, quantity: T4Volume.quantity(net), avgPrice: average))
            ))
    }

    /// Publishes the reports, then hands answers to the requests waiting for them (after
    /// publishing, so a caller never sees an answer before the topic has its report).
    private func deliver(_ events: T4OrderEvents, tsRecv: Int64) async throws {
        for detail in events.unmatched {
            metrics.decodeError(kind: "unmatched_order_update")
            logger.warning("T4 order update for an order the bridge cannot place", metadata: ["detail": "\(detail)"])
        }
        for detail in events.invalid { rejected.record(kind: "invalid_order_update", detail: detail) }
        try await publisher.publish(
            reports: events.reports, tsRecv: tsRecv,
            venueInstrument: { clientOrderId in orders.withLock { $0.marketID(clientOrderId: clientOrderId) } },
            symbol: { marketID in configuration.market(id: marketID)?.symbol }
        )
        for (clientOrderId, kind, answer) in events.answers {
            let key = T4PendingRequest(clientOrderId: clientOrderId, kind: kind)
            for id in waiting.withLock({ $0.removeValue(forKey: key) }) ?? [] { correlator.resolve(id, with: answer) }
        }
    }

    // MARK: - Helpers

    func send(_ message: T4ClientMessage) async throws {
        guard let writer = session.withLock({ $0.writer }) else {
            throw RequestFailure.notSent(reason: "T4 link is down")
        }
        try await writer.send(binary: ByteBuffer(bytes: T4Frame.encode(message)))
        session.withLock { $0.lastSent = .now }
    }

    static func name(_ payload: T4ServerMessage.OneOf_Payload?) -> String {
        guard let payload else { return "a message outside the bridge's subset" }
        return "\(payload)".prefix { $0 != "(" }.description
    }

    static func name(_ result: T4proto_V1_Common_LoginResult) -> String {
        "\(result) (\(result.rawValue))"
    }
}

/// One request waiting for the venue: the order (by client id) and what was asked.
struct T4PendingRequest: Sendable, Hashable, CustomStringConvertible {
    var clientOrderId: String
    var kind: T4RequestKind
    var description: String { "\(kind.rawValue) clientOrderId=\(clientOrderId)" }
}

/// The current connection: its writer and what the venue has confirmed on it.
struct T4SessionState: Sendable {
    var writer: VenueLinkWriter?
    var lastHeard: ContinuousClock.Instant = .now
    /// When the venue's message before the latest one arrived: a heartbeat's distance from it is
    /// the venue's heartbeat interval.
    var previousHeard: ContinuousClock.Instant = .now
    var lastSent: ContinuousClock.Instant = .now
    var loggedIn = false
    var venueHeartbeats = T4VenueHeartbeats()
    var accounts: [String] = []
    var accountsSubscribed = false
    var accountRefusal: String?
    /// Market id → why the venue refused its depth subscription.
    var refusedMarkets: [String: String] = [:]

    init(writer: VenueLinkWriter? = nil) { self.writer = writer }
}

/// The venue's own heartbeat interval, as observed on this connection. The venue sends a heartbeat
/// when it had nothing else to send for its interval, so the gap between a heartbeat and the
/// venue's message before it is never shorter than that interval, and a quiet spell shows the
/// interval itself: the shortest such gap is our estimate, known from the first heartbeat on.
struct T4VenueHeartbeats: Sendable {
    /// Gaps shorter than this are not an interval (two messages queued back to back): heartbeating
    /// faster would only add load.
    static let shortestInterval: Duration = .seconds(1)
    private(set) var interval: Duration?
    private var announced = false

    /// Records the gap between a venue heartbeat and the venue's message before it; returns the
    /// interval now known.
    mutating func record(gap: Duration) -> Duration? {
        if gap >= Self.shortestInterval, interval.map({ gap < $0 }) ?? true { interval = gap }
        return interval
    }

    /// True the first time it is asked once an interval is known (one log line per connection).
    mutating func announce() -> Bool {
        guard interval != nil, !announced else { return false }
        announced = true
        return true
    }
}
