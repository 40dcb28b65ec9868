public import EventBus
import FIWire
import Foundation
public import Logging
public import Metrics
import RSAPKCS1
import Synchronization
public import VenueBridgeCore
public import VenueConnector

/// The Fundamental Interactions connector: one JSON WebSocket for login, market data and (next)
/// order entry.
///
/// Login (`shared/venues/fundamental.md`): `challenge` → the venue's RSA public key → the password
/// encrypted with RSA PKCS#1 v1.5 (`RSAPKCS1`, the system OpenSSL) → `login`; the reply's `result`
/// decides. The session is ready once logged in and subscribed (subscriptions have no reply),
/// degraded while the venue reports itself `Halted`. Books arrive entry by entry and are kept in
/// `EntryBook`s (`FIBookKeeper`). The lifecycle (handshake deadline, dead link, backoff, stop) is
/// the shared supervisor's.
public final class FIConnector: VenueSessionDriver, Sendable {
    public let venue: VenueID = .fi
    public let configuration: FIConnectorConfiguration
    public let metrics: VenueConnectorMetrics
    public let control: VenueSessionControl
    let logger: Logger
    let publisher: ConnectorPublisher
    let rejected: RejectedFrames
    private let resyncs: BookResyncMemory

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

    public func runSession(inbound: VenueInbound, writer: VenueLinkWriter, control: VenueSessionControl) async throws {
        try await writer.send(text: FIClientMessage.challenge.encoded())
        var phase = Phase.awaitingChallenge
        var books = FIBookKeeper(
            instruments: configuration.instruments, publishTicker: configuration.publishTicker,
            capacity: configuration.maxBookEntries)
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
            let tsRecv = wallClockNanos()
            switch (phase, message) {
            case (.awaitingChallenge, .challenge(let result, let key)):
                guard result == FIServerMessage.ok, let key else {
                    throw VenueSessionError("FI refused the challenge: \(result)")
                }
                try await writer.send(
                    text: FIClientMessage.login(
                        userID: configuration.userID, encryptedPassword: try encryptPassword(key)
                    )
                    .encoded())
                phase = .awaitingLogin
            case (.awaitingLogin, .login(let result, _, _)):
                guard result == FIServerMessage.ok else {
                    // The venue's words only: the reply never holds the password, and we never log it.
                    throw VenueSessionError(
                        "FI refused the login of \(configuration.userID): \(result)",
                        retryAfter: configuration.loginRetryDelay)
                }
                books.subscriptionStarted()
                try await writer.send(text: FIClientMessage.subscribeSystemStatus.encoded())
                try await writer.send(text: FIClientMessage.subscribe(configuration.subscriptions).encoded())
                phase = .live
                await control.transition(
                    to: .ready,
                    reason: "logged in; subscribed to \(configuration.instruments.venueIds.count) instrument(s)")
            case (.live, .book(let security, let changes)):
                if books.awaitsSnapshot(security) { resyncs.snapshot(of: security) }
                let outcome: FIBookKeeper.Outcome
                do {
                    outcome = try books.apply(security: security, changes: changes, tsRecv: tsRecv)
                } catch {
                    throw VenueSessionError("FI book \(security) can no longer be kept: \(error); resubscribing")
                }
                for refusal in outcome.refused {
                    rejected.record(kind: "book_entry", detail: "\(security): \(refusal)")
                }
                try await publisher.publish(outcome.events)
            case (.live, .trades(let security, let trades)):
                try await publisher.publish(trades.compactMap { books.trade($0, security: security, tsRecv: tsRecv) })
            case (.live, .systemStatus(let exchanges)):
                await apply(systemStatus: exchanges, control: control)
            case (.live, .order), (.live, .sale), (.live, .position), (_, .other):
                // Account pushes: order entry is the next step of this connector (issue 15).
                continue
            default:
                rejected.record(kind: "unexpected_message", detail: "\(message) while \(phase)")
            }
        }
    }

    public func sessionEnded(reason: String) async {}

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
