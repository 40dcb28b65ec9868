public import EventBus
public import Logging
public import Metrics
import SFOXWire
public import ServiceLifecycle
import Synchronization
public import VenueBridgeCore
public import VenueConnector

/// The sFOX connector: two WebSocket sessions and a REST client.
///
/// - `market_data` socket: full-snapshot books (diffed into `book_delta`), trades, tickers.
/// - `private` socket (only with an API key): own orders, fills and balances.
/// - REST: order entry (`POST /v1/orders/buy|sell`, `DELETE`, `GET` by id or client order id).
///
/// The venue advises separate sockets for market data and account feeds, so each has its own
/// supervisor and its own `venue_status` (`session` field). Both sessions and the REST replies feed
/// one `SFOXOrderTracker`, which reports each order state once.
public final class SFOXConnector: OrderEntry, Service, Sendable {
    public let venue: VenueID = .sfox
    public let configuration: SFOXConnectorConfiguration
    public let metrics: VenueConnectorMetrics
    public let marketDataControl: VenueSessionControl
    /// nil without an API key.
    public let privateControl: VenueSessionControl?
    let logger: Logger
    let publisher: ConnectorPublisher
    let rejected: RejectedFrames
    let orders: Mutex<SFOXOrderTracker>
    /// Held while the tracker changes and its reports are published. REST replies and the private
    /// feed arrive on different tasks; without the lane a create reply's `new`, computed first,
    /// could reach the bus after the feed's `filled` (events.md §4.7: nothing after a terminal
    /// report).
    let reportLane = AsyncLock()
    let rest: VenueHTTPClient?
    /// WebSocket requests (authenticate, subscribe) of both sockets, kept under the venue's 40 per
    /// minute per IP with a margin: going over blocks every request for two minutes.
    let webSocketRequests = Mutex(
        RequestPacer(limits: [.init(requests: SFOXHouseRules.webSocketRequestsPerMinute - 4, per: .seconds(60))]))

    public init(
        configuration: SFOXConnectorConfiguration, sink: any EventSink, logger: Logger,
        metricsFactory: any MetricsFactory = MetricsSystem.factory
    ) throws {
        self.configuration = configuration
        self.logger = logger
        metrics = VenueConnectorMetrics(venue: .sfox, factory: metricsFactory)
        publisher = ConnectorPublisher(venue: .sfox, sink: sink, logger: logger)
        rejected = RejectedFrames(metrics: metrics, logger: logger, logMessage: "sFOX frame rejected")
        marketDataControl = VenueSessionControl(
            venue: .sfox, session: "market_data", sink: sink, metrics: metrics, logger: logger)
        if let apiKey = configuration.apiKey {
            privateControl = VenueSessionControl(
                venue: .sfox, session: "private", sink: sink, metrics: metrics, logger: logger)
            rest = VenueHTTPClient.sfox(configuration: configuration, apiKey: apiKey, logger: logger)
        } else {
            privateControl = nil
            rest = nil
        }
        orders = Mutex(
            SFOXOrderTracker(
                account: configuration.account, finishedMemory: configuration.finishedOrderMemory,
                pendingTradeCapacity: configuration.pendingTradeCapacity))
    }

    /// Runs both sessions until shutdown, then closes the REST client.
    public func run() async throws {
        try await run(marketDataTransport: nil, privateTransport: nil)
    }

    /// Runs both sessions over the given transports (nil: the WebSocket of the session's link
    /// settings); tests pass in-memory ones.
    public func run(marketDataTransport: (any VenueTransport)?, privateTransport: (any VenueTransport)?) async throws {
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                let market = VenueConnectionSupervisor(
                    settings: configuration.marketDataLink, transport: marketDataTransport,
                    driver: SFOXMarketDataSession(connector: self), control: marketDataControl, metrics: metrics,
                    logger: logger)
                group.addTask { try await market.run() }
                if let privateControl, let apiKey = configuration.apiKey {
                    let account = VenueConnectionSupervisor(
                        settings: configuration.privateLink, transport: privateTransport,
                        driver: SFOXPrivateSession(connector: self, apiKey: apiKey), control: privateControl,
                        metrics: metrics, logger: logger)
                    group.addTask { try await account.run() }
                }
                try await group.waitForAll()
            }
        } catch {
            await rest?.shutdown()
            throw error
        }
        await rest?.shutdown()
    }

    // MARK: - Shared by the sessions

    /// Decodes a frame; a bad one is counted and logged, and the session goes on.
    func decode(_ frame: VenueFrame) -> SFOXServerMessage? {
        guard case .text(let text) = frame else {
            rejected.record(kind: "binary_frame", detail: "binary frame on a JSON venue")
            return nil
        }
        do {
            return try SFOXServerMessage.decode(text)
        } catch {
            rejected.record(error, frame: text)
            return nil
        }
    }

    /// Takes `count` slots of the shared WebSocket request budget, waiting for them if needed, before
    /// a session sends its requests: a reconnect storm waits here instead of getting the IP blocked.
    /// Taken up front, so no handshake deadline runs while a session waits.
    func reserveWebSocketRequests(_ count: Int, session: String) async throws {
        var remaining = count
        while remaining > 0 {
            switch webSocketRequests.withLock({ $0.admit(now: .now) }) {
            case .go:
                remaining -= 1
            case .wait(let delay), .blocked(let delay):
                logger.warning(
                    "sFOX WebSocket request budget spent: waiting before subscribing",
                    metadata: ["session": "\(session)", "delay": "\(delay)"])
                try await Task.sleep(for: delay)
            }
        }
    }

    func checkSequence(_ message: SFOXServerMessage, _ check: inout SFOXSequenceCheck, session: String) throws {
        guard let gap = check.check(message.sequence) else { return }
        metrics.sequenceGap()
        throw VenueSessionError(
            "sFOX \(session) sequence break: expected \(gap.expected), received \(gap.received); resubscribing")
    }

    /// Orders we thought open that the fresh open-orders snapshot does not list finished while the
    /// socket was down: ask the venue for their final state.
    func reconcile(missingFrom snapshot: [SFOXOrder]) async {
        let missing = orders.withLock { $0.missing(from: snapshot) }
        for clientOrderId in missing {
            do {
                _ = try await query(clientOrderId: clientOrderId, account: configuration.account)
            } catch {
                logger.warning(
                    "sFOX order not reconciled after reconnect",
                    metadata: ["clientOrderId": "\(clientOrderId)", "error": "\(error)"])
            }
        }
    }

    /// sFOX's `sequence` is signed on the wire; a negative one (never seen) is published as 0.
    func publish(_ events: [NormalizedEvent], venueSeq: Int64?) async throws {
        try await publisher.publish(events, venueSeq: venueSeq.map { UInt64(clamping: $0) })
    }

    /// Applies `change` to the order tracker and publishes the reports it returns, in the same
    /// order relative to every other change (see `reportLane`).
    @discardableResult
    func track(
        tsVenue: Int64? = nil, tsRecv: Int64 = wallClockNanos(), venueSeq: Int64? = nil,
        _ change: (inout SFOXOrderTracker) -> [ExecutionReport]
    ) async throws -> [ExecutionReport] {
        try await reportLane.withLock {
            let reports = orders.withLock { change(&$0) }
            try await publish(reports: reports, tsVenue: tsVenue, tsRecv: tsRecv, venueSeq: venueSeq)
            return reports
        }
    }

    /// Reports of sFOX orders: the tracker knows each order's pair.
    func publish(
        reports: [ExecutionReport], tsVenue: Int64? = nil, tsRecv: Int64 = wallClockNanos(), venueSeq: Int64? = nil
    ) async throws {
        try await publisher.publish(
            reports: reports, tsVenue: tsVenue, tsRecv: tsRecv, venueSeq: venueSeq.map { UInt64(clamping: $0) },
            venueInstrument: { clientOrderId in orders.withLock { $0.pair(clientOrderId: clientOrderId) } },
            symbol: configuration.instruments.symbol(forVenueId:)
        )
    }
}
