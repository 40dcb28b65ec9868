public import EventBus
import FIWire
import Foundation
public import Logging
public import Metrics
import RSAPKCS1
import Synchronization
public import VenueBridgeCore
public import VenueConnector

/// The Fundamental Interactions connector: one JSON WebSocket for login, market data and order
/// entry.
///
/// Login (`shared/venues/fundamental.md`): `challenge` → the venue's RSA public key → the password
/// encrypted with RSA PKCS#1 v1.5 (`RSAPKCS1`, the system OpenSSL) → `login`; the reply's `result`
/// decides. The session is ready once logged in and subscribed (subscriptions have no reply),
/// degraded while the venue reports itself `Halted` (orders are then refused as unavailable). Books
/// arrive entry by entry and are kept in `EntryBook`s (`FIBookKeeper`). Orders (`FIOrderEntry`)
/// are tracked from the venue's replies and pushes (`FIOrderTracker`) and reconciled with
/// `openorderquery` after every login. The lifecycle (handshake deadline, dead link, backoff,
/// stop) is the shared supervisor's.
public final class FIConnector: VenueSessionDriver, Sendable {
    public let venue: VenueID = .fi
    public let configuration: FIConnectorConfiguration
    public let metrics: VenueConnectorMetrics
    public let control: VenueSessionControl
    let logger: Logger
    let publisher: ConnectorPublisher
    let rejected: RejectedFrames
    private let resyncs: BookResyncMemory
    let orders: Mutex<FIOrderTracker>
    let correlator = RequestCorrelator<FIReply, FIRequestKey>()
    let pending = Mutex(FIPendingRequests())
    private let writer = Mutex<VenueLinkWriter?>(nil)
    var currentWriter: VenueLinkWriter? { writer.withLock { $0 } }

    public init(
        configuration: FIConnectorConfiguration, sink: any EventSink, logger: Logger,
        metricsFactory: any MetricsFactory = MetricsSystem.factory
    ) {
        self.configuration = configuration
        self.logger = logger
        metrics = VenueConnectorMetrics(venue: .fi, factory: metricsFactory)
        publisher = ConnectorPublisher(venue: .fi, sink: sink, logger: logger)
        rejected = RejectedFrames(metrics: metrics, logger: logger, logMessage: "FI frame rejected")
        resyncs = BookResyncMemory(metrics: metrics)
        control = VenueSessionControl(venue: .fi, sink: sink, metrics: metrics, logger: logger)
        orders = Mutex(
            FIOrderTracker(
                account: configuration.account, finishedMemory: configuration.finishedOrderMemory,
                seenFillMemory: configuration.seenFillMemory))
    }

    /// The service that keeps this connector connected. `transport`: nil is the WebSocket to
    /// `configuration.link.url`; tests pass an in-memory one.
    public func supervisor(transport: (any VenueTransport)? = nil) -> VenueConnectionSupervisor {
        VenueConnectionSupervisor(
            settings: configuration.link, transport: transport, driver: self, control: control, metrics: metrics,
            logger: logger)
    }

    public func upgradeHeaders() throws -> [(name: String, value: String)] { [] }

    /// Where a session is in its login.
    private enum Phase { case awaitingChallenge, awaitingLogin, live }

    /// What one session keeps: its login phase, its books, and the `openorderquery` being answered.
    private struct SessionState {
        var phase = Phase.awaitingChallenge
        var books: FIBookKeeper
        /// Pages of the reconciliation so far; nil once it completed (or before it was asked).
        var reconciliation: (mark: UInt64, orders: [FIOrder])?
    }

    public func runSession(inbound: VenueInbound, writer linkWriter: VenueLinkWriter, control: VenueSessionControl)
        async throws
    {
        writer.withLock { $0 = linkWriter }
        defer { writer.withLock { $0 = nil } }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { [self] in
                // Replies that never come: fail them (ambiguous, resolved by query).
                while true {
                    try await Task.sleep(for: .milliseconds(200))
                    for key in correlator.expire() {
                        _ = pending.withLock { $0.take(key) }
                        metrics.request(outcome: "timeout")
                        logger.warning("FI request timed out", metadata: ["request": "\(key)"])
                    }
                }
            }
            group.addTask { [self] in try await readFrames(inbound: inbound, writer: linkWriter, control: control) }
            try await group.next()
            group.cancelAll()
        }
    }

    private func readFrames(inbound: VenueInbound, writer: VenueLinkWriter, control: VenueSessionControl)
        async throws
    {
        try await writer.send(text: FIClientMessage.challenge.encoded())
        var session = SessionState(
            books: FIBookKeeper(
                instruments: configuration.instruments, publishTicker: configuration.publishTicker,
                capacity: configuration.maxBookEntries))
        for try await frame in inbound {
            guard case .text(let text) = frame else {
                rejected.record(kind: "binary_frame", detail: "FI sends JSON text frames")
                continue
            }
            let message: FIServerMessage
            do {
                message = try FIServerMessage.decode(text)
            } catch {
                rejected.record(error, frame: text)
                continue
            }
            try await handle(message, session: &session, tsRecv: wallClockNanos(), writer: writer, control: control)
        }
    }

    private func handle(
        _ message: FIServerMessage, session: inout SessionState, tsRecv: Int64, writer: VenueLinkWriter,
        control: VenueSessionControl
    ) async throws {
        switch (session.phase, message) {
        case (.awaitingChallenge, .challenge(let result, let key)):
            guard result == FIServerMessage.ok, let key else {
                throw VenueSessionError("FI refused the challenge: \(result)")
            }
            try await writer.send(
                text: FIClientMessage.login(userID: configuration.userID, encryptedPassword: try encryptPassword(key))
                    .encoded())
            session.phase = .awaitingLogin
        case (.awaitingLogin, .login(let result, _, _)):
            guard result == FIServerMessage.ok else {
                // The venue's words only: the reply never holds the password, and we never log it.
                throw VenueSessionError(
                    "FI refused the login of \(configuration.userID): \(result)",
                    retryAfter: configuration.loginRetryDelay)
            }
            session.books.subscriptionStarted()
            try await writer.send(text: FIClientMessage.subscribeSystemStatus.encoded())
            try await writer.send(text: FIClientMessage.subscribe(configuration.subscriptions).encoded())
            // Orders survive a disconnect (FIHouseRules.ordersSurviveDisconnect): what changed while
            // we were away comes as replayed pushes and this query's answer.
            session.reconciliation = (orders.withLock { $0.reconciliationMark }, [])
            try await writer.send(text: FIClientMessage.openOrderQuery(security: "*").encoded())
            session.phase = .live
            await control.transition(
                to: .ready,
                reason: "logged in; subscribed to \(configuration.instruments.venueIds.count) instrument(s)")
        case (.live, .book(let security, let changes)):
            if session.books.awaitsSnapshot(security) { resyncs.snapshot(of: security) }
            let outcome: FIBookKeeper.Outcome
            do {
                outcome = try session.books.apply(security: security, changes: changes, tsRecv: tsRecv)
            } catch {
                throw VenueSessionError("FI book \(security) can no longer be kept: \(error); resubscribing")
            }
            for refusal in outcome.refused {
                rejected.record(kind: "book_entry", detail: "\(security): \(refusal)")
            }
            try await publisher.publish(outcome.events)
        case (.live, .trades(let security, let trades)):
            try await publisher.publish(
                trades.compactMap { session.books.trade($0, security: security, tsRecv: tsRecv) })
        case (.live, .systemStatus(let exchanges)):
            await apply(systemStatus: exchanges, control: control)
        case (.live, .order(let order)):
            try await publish(orders.withLock { $0.order(order) }, tsVenue: order.updatedMs, tsRecv: tsRecv)
        case (.live, .sale(let sale)):
            try await publish(orders.withLock { $0.sale(sale) }, tsVenue: sale.timeMs, tsRecv: tsRecv)
        case (.live, .position(let security, let position)):
            try await publisher.publish(
                NormalizedEvent(
                    venue: .fi, instrument: configuration.instruments.symbol(forVenueId: security) ?? security,
                    venueInstrument: security, tsRecv: tsRecv,
                    payload: .position(Position(account: configuration.account, quantity: position))))
        case (.live, .addOrderReply(let result, let clientOrderId?, let refno, _)):
            let (outcome, answer) = orders.withLock {
                $0.addReply(result: result, clientOrderId: clientOrderId, refno: refno)
            }
            // Published before the answer is handed back: the answer never runs ahead of the stream.
            try await publish(outcome, tsVenue: nil, tsRecv: tsRecv)
            resolve(.add(clientOrderId: clientOrderId), with: .added(answer))
        case (.live, .cancelOrderReply(let result, let refno?, _)):
            resolve(.cancel(refno: refno), with: .cancelled(result: result))
        case (.live, .openOrders(let result, let total, let page)):
            try await reconcile(result: result, total: total, page: page, session: &session, tsRecv: tsRecv)
        case (_, .other):
            // Replies and pushes the connector has no use for (unsubscribe, logout, …).
            break
        default:
            rejected.record(kind: "unexpected_message", detail: "\(message) while \(session.phase)")
        }
    }

    /// One page of `openorderquery`; the last one (`total_rec` records in all) reconciles.
    private func reconcile(
        result: String, total: Int?, page: [FIOrder], session: inout SessionState, tsRecv: Int64
    ) async throws {
        guard var reconciliation = session.reconciliation else {
            return rejected.record(kind: "unexpected_message", detail: "openorderquery reply nobody asked for")
        }
        guard result == FIServerMessage.ok || FIVenueError(result: result) == .orderNotFound else {
            session.reconciliation = nil
            logger.warning("FI open-order query refused; orders not reconciled", metadata: ["result": "\(result)"])
            return
        }
        reconciliation.orders += page
        guard result != FIServerMessage.ok || reconciliation.orders.count >= total ?? 0 else {
            session.reconciliation = reconciliation
            return
        }
        session.reconciliation = nil
        let outcome = orders.withLock { $0.reconcile(openOrders: reconciliation.orders, mark: reconciliation.mark) }
        try await publish(outcome, tsVenue: nil, tsRecv: tsRecv)
    }

    private func resolve(_ key: FIRequestKey, with reply: FIReply) {
        // Skips requests that already timed out (their ids are stale).
        while let id = pending.withLock({ $0.take(key) }) {
            if correlator.resolve(id, with: reply) != nil { return }
        }
        metrics.request(outcome: "late_reply")
        logger.warning("FI reply for no waiting request", metadata: ["request": "\(key)"])
    }

    private func publish(_ outcome: FIOrderTracker.Outcome, tsVenue: Int64?, tsRecv: Int64) async throws {
        for ignored in outcome.ignored { rejected.record(kind: "order_update", detail: ignored) }
        try await publisher.publish(
            reports: outcome.reports, tsVenue: tsVenue.flatMap(epochNanos(milliseconds:)), tsRecv: tsRecv,
            venueInstrument: { id in orders.withLock { $0.security(clientOrderId: id) } },
            symbol: configuration.instruments.symbol(forVenueId:))
    }

    public func sessionEnded(reason: String) async {
        for key in correlator.failAll(reason: reason) {
            metrics.request(outcome: "disconnected")
            logger.warning("FI request lost with the link", metadata: ["request": "\(key)", "reason": "\(reason)"])
        }
        pending.withLock { $0.removeAll() }
    }

    /// `Halted` anywhere degrades the session (orders will be refused as unavailable); `PreOpen`
    /// is ready with a reason (orders are accepted, nothing matches yet).
    private func apply(systemStatus exchanges: [FIExchangeStatus], control: VenueSessionControl) async {
        if let halted = exchanges.first(where: { $0.state == .halted }) {
            await control.transition(to: .degraded, reason: "venue halted (\(halted.exchange))")
        } else if let preOpen = exchanges.first(where: { $0.state == .preOpen }) {
            await control.transition(to: .ready, reason: "pre-open (\(preOpen.exchange)): orders accepted, no matching")
        } else {
            await control.transition(to: .ready, reason: "open")
        }
    }

    /// The password under the venue's per-connection key, base64. A key that is not an RSA
    /// public key ends the session with that reason (never the password).
    private func encryptPassword(_ key: String) throws -> String {
        guard let der = Data(base64Encoded: key) else { throw VenueSessionError("FI challenge key is not base64") }
        do {
            return Data(try RSAPKCS1.encrypt(Array(configuration.password.utf8), publicKeyDER: Array(der)))
                .base64EncodedString()
        } catch {
            throw VenueSessionError("FI challenge key unusable: \(error)")
        }
    }
}
