public import EventBus
public import Logging
public import ServiceLifecycle
import Synchronization
public import VenueBridgeCore

/// A protocol error the session detected (as opposed to a link failure): the venue refused
/// authentication, answered out of protocol, etc. The supervisor reconnects after it.
public struct VenueSessionError: Error, Sendable, CustomStringConvertible {
    public var reason: String
    /// The shortest wait before the next attempt, when the error says retrying soon is harmful
    /// (e.g. a refused login: repeated bad passwords lock the user out). nil: the normal backoff.
    public var retryAfter: Duration?
    public init(_ reason: String, retryAfter: Duration? = nil) {
        self.reason = reason
        self.retryAfter = retryAfter
    }
    public var description: String { reason }
}

/// One venue's protocol, plugged into the shared runtime.
public protocol VenueSessionDriver: Sendable {
    var venue: VenueID { get }
    /// Upgrade headers for the next connection attempt (fresh nonce/signature each time).
    func upgradeHeaders() throws -> [(name: String, value: String)]
    /// Runs one connected session until the link ends: authenticate, subscribe, process frames.
    /// Reports `ready` / `degraded` through `control`.
    func runSession(inbound: VenueInbound, writer: VenueLinkWriter, control: VenueSessionControl) async throws
    /// The link is gone: fail requests in flight, mark state stale.
    func sessionEnded(reason: String) async
}

/// The session's state as the rest of the bridge sees it. Each transition is published as a
/// `venue_status` event and recorded in metrics.
public final class VenueSessionControl: Sendable {
    public let venue: VenueID
    /// Which of the venue's connections this controls (nil: the venue has one).
    public let session: String?
    private let machine: Mutex<VenueSessionStateMachine>
    private let sink: any EventSink
    private let metrics: VenueConnectorMetrics
    private let logger: Logger

    public init(
        venue: VenueID, session: String? = nil, sink: any EventSink, metrics: VenueConnectorMetrics, logger: Logger
    ) {
        self.venue = venue
        self.session = session
        machine = Mutex(VenueSessionStateMachine(session: session))
        self.sink = sink
        self.metrics = metrics
        self.logger = logger
        metrics.record(state: .disconnected, session: session)
    }

    public var state: VenueConnectionState { machine.withLock { $0.state } }

    /// When the current connection first became ready (nil if it did not).
    public var readySince: ContinuousClock.Instant? { machine.withLock { $0.readySince } }

    /// Returns once the session is `ready` or `degraded` (the venue accepted us and answered our
    /// subscriptions); throws a `VenueSessionError` when that takes longer than `timeout`.
    public func awaitHandshake(within timeout: Duration, clock: ContinuousClock = .init()) async throws {
        let deadline = clock.now + timeout
        while true {
            switch state {
            case .ready, .degraded: return
            case .disconnected, .connecting, .authenticating: break
            }
            let now = clock.now
            if now >= deadline {
                let name = session.map { "\(venue) \($0)" } ?? "\(venue)"
                throw VenueSessionError(
                    "\(name) session not ready within \(timeout) of connecting (no login or subscription answer from the venue)"
                )
            }
            try await Task.sleep(for: min(.milliseconds(20), deadline - now))
        }
    }

    /// Moves the session to `state`. An invalid transition is a bug in a driver: logged, not fatal.
    public func transition(to state: VenueConnectionState, reason: String? = nil) async {
        let status: VenueStatus?
        do {
            status = try machine.withLock { machine throws(VenueSessionStateMachine.InvalidTransition) in
                try machine.transition(to: state, reason: reason)
            }
        } catch {
            logger.error(
                "ignored invalid venue state transition",
                metadata: ["venue": "\(venue)", "session": "\(session ?? "-")", "error": "\(error)"])
            return
        }
        guard let status else { return }
        metrics.record(state: state, session: session)
        // No empty fields: a session or reason that is not there is left out, not printed blank.
        var metadata: Logger.Metadata = ["venue": "\(venue)", "reconnects": "\(status.reconnects ?? 0)"]
        if let session { metadata["session"] = "\(session)" }
        if let reason, !reason.isEmpty { metadata["reason"] = "\(reason)" }
        logger.info("venue state \(state.rawValue)", metadata: metadata)
        do {
            try await sink.publish(
                NormalizedEvent(
                    venue: venue, instrument: nil, venueInstrument: nil, tsRecv: wallClockNanos(),
                    payload: .venueStatus(status)))
        } catch {
            logger.warning("venue_status not published", metadata: ["venue": "\(venue)", "error": "\(error)"])
        }
    }
}

/// Keeps one venue connected: dial, run the driver's session, and on any failure publish
/// `disconnected`, back off (exponential, jittered, capped) and dial again, until shutdown.
public struct VenueConnectionSupervisor: Service {
    public let venue: VenueID
    let settings: VenueLinkSettings
    let transport: any VenueTransport
    let driver: any VenueSessionDriver
    let control: VenueSessionControl
    let metrics: VenueConnectorMetrics
    let logger: Logger

    /// `transport`: how each connection is opened; nil is a WebSocket to `settings.url`. The
    /// handshake deadline and the backoff come from `settings` whatever the transport.
    public init(
        settings: VenueLinkSettings, transport: (any VenueTransport)? = nil, driver: any VenueSessionDriver,
        control: VenueSessionControl,
        metrics: VenueConnectorMetrics, logger: Logger
    ) {
        venue = driver.venue
        self.settings = settings
        self.transport = transport ?? WebSocketTransport(settings: settings, metrics: metrics, logger: logger)
        self.driver = driver
        self.control = control
        self.metrics = metrics
        self.logger = logger
    }

    public func run() async throws {
        try await cancelWhenGracefulShutdown {
            try await superviseConnections()
        }
        await control.transition(to: .disconnected, reason: "shutdown")
    }

    private func superviseConnections() async throws {
        var attempt = 0
        var generator = SystemRandomNumberGenerator()
        while !Task.isCancelled {
            await control.transition(to: .connecting, reason: attempt == 0 ? nil : "reconnect attempt \(attempt)")
            let reason: String
            var minimumDelay: Duration = .zero
            do {
                let headers = try driver.upgradeHeaders()
                try await transport.connect(headers: headers) { [driver, control, settings] inbound, writer in
                    await control.transition(to: .authenticating)
                    try await Self.runSession(
                        driver: driver, inbound: inbound, writer: writer, control: control,
                        handshakeTimeout: settings.connectTimeout)
                }
                reason = "session ended"
            } catch is CancellationError {
                await driver.sessionEnded(reason: "shutdown")
                return
            } catch {
                reason = "\(error)"
                if let retryAfter = (error as? VenueSessionError)?.retryAfter { minimumDelay = retryAfter }
            }
            if Task.isCancelled {
                await driver.sessionEnded(reason: "shutdown")
                return
            }
            let readySince = control.readySince
            await driver.sessionEnded(reason: reason)
            await control.transition(to: .disconnected, reason: reason)
            logger.warning("venue link lost", metadata: ["venue": "\(venue)", "reason": "\(reason)"])

            if let readySince, ContinuousClock.now - readySince >= settings.reconnect.resetAfter { attempt = 0 }
            attempt += 1
            if let maxAttempts = settings.reconnect.maxAttempts, attempt > maxAttempts {
                throw VenueSessionError(
                    "\(venue): gave up after \(maxAttempts) reconnect attempts; last error: \(reason)")
            }
            let delay = max(
                minimumDelay,
                settings.reconnect.delay(attempt: attempt, unit: Double.random(in: 0..<1, using: &generator)))
            metrics.reconnects.increment()
            // A stop during the backoff is a normal stop, not a failure of the service: the
            // session already ended above, so there is nothing left to clean up.
            do { try await Task.sleep(for: delay) } catch { return }
        }
    }

    /// What ended first among a connected session's two tasks.
    private enum SessionTaskOutcome: Sendable { case sessionEnded, handshakeFinished }

    /// Runs the driver's session under the handshake deadline: a connected session must become
    /// `ready` or `degraded` (authenticated and subscribed, however the venue does it) within
    /// `handshakeTimeout`, else it ends with a `VenueSessionError`. The deadline is watched here,
    /// once for every venue, and only ever *ends* the session when it fires: once the handshake is
    /// done the watcher finishes and the session runs on until the link or the driver ends it.
    static func runSession(
        driver: any VenueSessionDriver, inbound: VenueInbound, writer: VenueLinkWriter, control: VenueSessionControl,
        handshakeTimeout: Duration
    ) async throws {
        try await withThrowingTaskGroup(of: SessionTaskOutcome.self) { group in
            group.addTask {
                try await driver.runSession(inbound: inbound, writer: writer, control: control)
                return .sessionEnded
            }
            group.addTask {
                try await control.awaitHandshake(within: handshakeTimeout)
                return .handshakeFinished
            }
            while let outcome = try await group.next() {
                if outcome == .sessionEnded { break }
            }
            group.cancelAll()
        }
    }
}
