public import EventBus
import FigWire
public import Logging
public import Metrics
public import ServiceLifecycle
import Synchronization
public import VenueBridgeCore
public import VenueConnector

/// The Fig Markets connector, as taker: a JSON-RPC WebSocket for the firm's RFQs and the quotes on
/// them (published as `rfq` and `quote` events, and the fills of accepted quotes as execution
/// reports), and signed REST for RFQ entry (`FigRFQEntry`).
///
/// Session (`shared/venues/fig.md`): a token from `/v1/auth` → `auth` → `v1/subscribe` to the
/// taker channels → ready; a `heartbeat` call every 25 s (`FigHouseRules`), and before the token
/// runs out a fresh one is sent with `auth` on the same socket. The lifecycle (connect deadline,
/// dead link, backoff, stop) is the shared supervisor's.
public final class FigConnector: VenueSessionDriver, Service, Sendable {
    public let venue: VenueID = .fig
    public let configuration: FigConnectorConfiguration
    public let metrics: VenueConnectorMetrics
    public let control: VenueSessionControl
    let logger: Logger
    let publisher: ConnectorPublisher
    let rejected: RejectedFrames
    let rest: FigRest
    let book: Mutex<FigTakerBook>
    /// Held while the taker book changes and its reports are published: a trade answer (REST) and
    /// the RFQ push (socket) report the same fills from different tasks, and what the book
    /// produced first must reach the bus first.
    let reportLane = AsyncLock()

    public init(
        configuration: FigConnectorConfiguration, sink: any EventSink, logger: Logger,
        metricsFactory: any MetricsFactory = MetricsSystem.factory
    ) {
        self.configuration = configuration
        self.logger = logger
        metrics = VenueConnectorMetrics(venue: .fig, factory: metricsFactory)
        publisher = ConnectorPublisher(venue: .fig, sink: sink, logger: logger)
        rejected = RejectedFrames(metrics: metrics, logger: logger, logMessage: "Fig frame rejected")
        control = VenueSessionControl(venue: .fig, sink: sink, metrics: metrics, logger: logger)
        rest = FigRest(configuration: configuration, logger: logger)
        book = Mutex(FigTakerBook(account: configuration.account, memory: configuration.memory))
    }

    /// The service that keeps the session up. `transport`: nil is the WebSocket to
    /// `configuration.link.url`; tests pass an in-memory one.
    public func supervisor(transport: (any VenueTransport)? = nil) -> VenueConnectionSupervisor {
        VenueConnectionSupervisor(
            settings: configuration.link, transport: transport, driver: self, control: control, metrics: metrics,
            logger: logger)
    }

    /// Keeps the session up until shutdown, then closes the REST client (its HTTP client must be
    /// shut down before it goes away).
    public func run() async throws {
        do {
            try await supervisor().run()
        } catch {
            await rest.shutdown()
            throw error
        }
        await rest.shutdown()
    }

    /// Closes the REST client, for a caller that ran `supervisor()` itself.
    public func shutdown() async { await rest.shutdown() }

    public func upgradeHeaders() throws -> [(name: String, value: String)] { [] }

    public func runSession(inbound: VenueInbound, writer: VenueLinkWriter, control: VenueSessionControl) async throws {
        let calls = JSONRPCCalls()
        defer { calls.failAll(reason: "session ended") }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { [self] in try await readFrames(inbound, calls: calls) }
            group.addTask {
                // Calls that never get their reply fail as ambiguous (and end the session below).
                while true {
                    try await Task.sleep(for: .milliseconds(200))
                    calls.expire()
                }
            }
            group.addTask { [self] in try await converse(calls: calls, writer: writer, control: control) }
            try await group.next()
            group.cancelAll()
        }
    }

    public func sessionEnded(reason: String) async {}

    // MARK: - Session

    /// Log in, subscribe, then keep the session alive: heartbeats, and a fresh token before the
    /// current one expires (the venue ends the session of an expired token).
    private func converse(calls: JSONRPCCalls, writer: VenueLinkWriter, control: VenueSessionControl) async throws {
        let timeout = configuration.link.requestTimeout
        func call(_ method: String, _ params: JSONValue) async throws -> JSONValue {
            switch try await calls.call(
                method, params: params, timeout: timeout, write: { try await writer.send(text: $0) })
            {
            case .success(let result): return result
            case .failure(let error): throw VenueSessionError("Fig \(method) refused: \(error)")
            }
        }
        var token: (value: String, expires: ContinuousClock.Instant)
        do { token = try await rest.accessToken() } catch {
            // Refused credentials wait the login retry delay; a token request that got no answer
            // (or was held back by a 429 pause) takes the usual reconnect backoff.
            guard case .refused = error else { throw VenueSessionError("Fig token: \(error)") }
            throw VenueSessionError("Fig token: \(error)", retryAfter: configuration.loginRetryDelay)
        }
        do {
            let auth = try await call("auth", .object(["token": .string(token.value)]))
            guard auth["success"]?.bool == true else { throw VenueSessionError("Fig auth answered \(auth)") }
        } catch let noAnswer as RequestFailure {
            // No answer is not a refusal: the usual reconnect backoff, not the login retry delay.
            throw VenueSessionError("Fig auth unanswered: \(noAnswer)")
        } catch {
            // A token the venue does not take is not reused.
            rest.dropToken()
            throw VenueSessionError("Fig auth failed: \(error)", retryAfter: configuration.loginRetryDelay)
        }
        let channels = FigHouseRules.takerChannels + configuration.extraChannels
        _ = try await call("v1/subscribe", .object(["channels": .array(channels.map { .string($0) })]))
        await control.transition(to: .ready, reason: "authenticated; subscribed to \(channels.joined(separator: ", "))")
        while true {
            try await Task.sleep(for: configuration.heartbeatInterval)
            _ = try await call("heartbeat", .object([:]))
            if token.expires - configuration.tokenRefreshMargin <= .now {
                do {
                    let fresh = try await rest.accessToken()
                    let auth = try await call("auth", .object(["token": .string(fresh.value)]))
                    guard auth["success"]?.bool == true else { throw VenueSessionError("Fig auth answered \(auth)") }
                    token = fresh
                    logger.info("Fig session re-authenticated with a fresh token")
                } catch {
                    // The current token holds the session until it expires (a 429 pause, say, held
                    // the token request back): try again at the next heartbeat, and end the session
                    // only when the token would expire before that.
                    guard token.expires > .now + configuration.heartbeatInterval else {
                        throw VenueSessionError("Fig token refresh: \(error)")
                    }
                    logger.warning(
                        "Fig token refresh failed; trying again before the token expires",
                        metadata: ["error": "\(error)"])
                }
            }
        }
    }

    private func readFrames(_ inbound: VenueInbound, calls: JSONRPCCalls) async throws {
        for try await frame in inbound {
            guard case .text(let text) = frame else {
                rejected.record(kind: "binary_frame", detail: "Fig sends JSON text frames")
                continue
            }
            let message: JSONRPCMessage
            do { message = try JSONRPCMessage.decode(text) } catch {
                rejected.record(error, frame: text)
                continue
            }
            if calls.deliver(message) { continue }
            switch message {
            case .notification(FigHouseRules.pushMethod, let params):
                do { try await handle(try FigDecoding.push(params), tsRecv: wallClockNanos()) } catch let error
                    as FrameDecodeError
                {
                    rejected.record(error, frame: text)
                }
            case .notification(let method, let params):
                if method == FigHouseRules.sessionEndedMethod {
                    throw VenueSessionError("Fig ended the session: \(params["reason"]?.string ?? "\(params)")")
                }
                rejected.record(kind: "unexpected_message", detail: "notification \(method)")
            case .error(nil, _, let error):
                rejected.record(kind: "venue_error", detail: "\(error)")
            case .result, .error:
                metrics.request(outcome: "late_reply")
            }
        }
    }

    // MARK: - Pushes

    func handle(_ push: FigPush, tsRecv: Int64) async throws {
        switch push {
        case .rfq(let channel, let rfq) where FigHouseRules.takerChannels.contains(channel):
            try await reportLane.withLock {
                let fills = book.withLock { $0.rfq(rfq) }
                try await publisher.publish(rfqEvent(rfq, tsRecv: tsRecv))
                try await publish(fills, rfqId: rfq.rfqId, tsRecv: tsRecv)
            }
        case .rfq(_, let rfq):
            // Another side's channel (`rfq.maker`: RFQs the firm may quote): market data, not the
            // firm's. No account, and its trades are not the firm's fills.
            book.withLock { $0.remember(rfq) }
            try await publisher.publish(rfqEvent(rfq, tsRecv: tsRecv, ours: false))
        case .quote(let channel, let quote):
            // Only the taker's quotes are the firm's to accept; another side's are market data.
            if FigHouseRules.takerChannels.contains(channel) { book.withLock { $0.quote(quote) } }
            guard let rfq = try await rfqOfQuote(quote) else { return }
            try await publisher.publish(quoteEvent(quote, rfq: rfq, tsRecv: tsRecv))
        case .other(let channel):
            rejected.record(kind: "unexpected_channel", detail: channel)
        }
    }

    /// The RFQ a quote answers, for the instrument it is published under: remembered, else read
    /// once from the venue (a quote of an RFQ from before a restart, or forgotten past the bound).
    /// A quote whose RFQ cannot be had is counted and skipped: a quote event names its instrument.
    private func rfqOfQuote(_ quote: FigQuote) async throws -> FigRFQ? {
        guard let rfqId = quote.rfqId else {
            rejected.record(kind: "quote_without_rfq", detail: "quote \(quote.rfqQuoteId)")
            return nil
        }
        if let known = book.withLock({ $0.rfq(id: rfqId) }), !known.legs.isEmpty { return known }
        do {
            let rfq = try await read("/v1/rfq/\(rfqId)", FigDecoding.rfq(text:))
            book.withLock { $0.remember(rfq) }
            return rfq
        } catch {
            rejected.record(kind: "quote_of_unknown_rfq", detail: "quote \(quote.rfqQuoteId) of RFQ \(rfqId): \(error)")
            return nil
        }
    }

    /// The RFQ in normalized terms: status, the taker's side (its first leg's direction), amount.
    func rfqEvent(_ rfq: FigRFQ, tsRecv: Int64, ours: Bool = true) -> NormalizedEvent {
        let status: RFQStatus =
            switch rfq.status {
            case .open: rfq.quotes.isEmpty ? .open : .quoted
            case .filled, .filledPartial: .traded
            case .cancelled: .canceled
            case .expired: .expired
            }
        let side: Side? = rfq.legs.first.map { $0.direction == .buy ? .buy : .sell }
        return NormalizedEvent(
            venue: .fig, instrument: instrument(rfq.legs.first), venueInstrument: rfq.legs.first?.instrumentName,
            tsVenue: rfq.createdAtMs.flatMap(epochNanos(milliseconds:)), tsRecv: tsRecv,
            payload: .rfq(
                RFQ(
                    rfqId: "\(rfq.rfqId)", status: status, side: side, quantity: rfq.amount,
                    account: ours ? configuration.account : nil,
                    expiresAt: rfq.expiresAtMs.flatMap(epochNanos(milliseconds:)))))
    }

    /// A maker's quote: `side` is what it lets the taker do (a maker's buy lets the taker sell).
    func quoteEvent(_ quote: FigQuote, rfq: FigRFQ?, tsRecv: Int64) -> NormalizedEvent {
        // A quote the firm traded leaves the RFQ as `deleted` on the taker's channel: it was accepted.
        let taken = quote.event == .deleted && book.withLock { $0.isAccepted(quoteId: quote.rfqQuoteId) }
        let status: QuoteStatus =
            switch quote.event {
            case .created?, .updated?, nil: .active
            case .deleted?, .cancelled?: taken ? .accepted : .canceled
            case .filled?: .accepted
            }
        return NormalizedEvent(
            venue: .fig, instrument: instrument(rfq?.legs.first), venueInstrument: rfq?.legs.first?.instrumentName,
            tsVenue: quote.createdAtMs.flatMap(epochNanos(milliseconds:)), tsRecv: tsRecv,
            payload: .quote(
                Quote(
                    rfqId: quote.rfqId.map { "\($0)" } ?? "", quoteId: "\(quote.rfqQuoteId)", status: status,
                    side: quote.direction == .buy ? .sell : .buy, price: quote.price, quantity: quote.amount)))
    }

    /// Applies `change` to the taker book and publishes the reports it returns, holding the
    /// report lane (see `reportLane`).
    @discardableResult
    func track(rfqId: Int64?, _ change: (inout FigTakerBook) -> [ExecutionReport]) async throws -> [ExecutionReport] {
        try await reportLane.withLock {
            let fills = book.withLock { change(&$0) }
            try await publish(fills, rfqId: rfqId, tsRecv: wallClockNanos())
            return fills
        }
    }

    func publish(_ reports: [ExecutionReport], rfqId: Int64?, tsRecv: Int64) async throws {
        guard !reports.isEmpty else { return }
        let leg = rfqId.flatMap { id in book.withLock { $0.rfq(id: id) } }?.legs.first
        let symbol = instrument(leg)
        try await publisher.publish(
            reports: reports, tsRecv: tsRecv, venueInstrument: { _ in leg?.instrumentName ?? symbol },
            symbol: { _ in symbol })
    }

    /// Our symbol for a leg's instrument; the venue's name when it is not configured.
    private func instrument(_ leg: FigLeg?) -> String? {
        guard let leg else { return nil }
        return configuration.symbol(instrumentId: leg.instrumentId) ?? leg.instrumentName ?? "\(leg.instrumentId)"
    }
}
