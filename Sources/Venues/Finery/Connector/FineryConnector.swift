public import EventBus
import FineryWire
public import Logging
public import Metrics
import Synchronization
public import VenueBridgeCore
public import VenueConnector

/// The Finery Markets connector: one WebSocket carrying books (`B`), instrument metadata (`I`),
/// own orders and deals (`O`), positions (`K`) and order entry (`request` add/del).
///
/// Seams: `FineryWire` decodes frames (pure) → this session handles auth, feeds and request
/// correlation → `FineryBookKeeper` / `FineryOrderTracker` normalize → the `EventSink`.
/// Every event is published from the one task that reads the socket, which keeps `seq` order
/// equal to the venue's order.
public final class FineryConnector: VenueSessionDriver, OrderEntry, Sendable {
    public let venue: VenueID = .finery
    public let configuration: FineryConnectorConfiguration
    public let metrics: VenueConnectorMetrics
    public let control: VenueSessionControl
    private let logger: Logger
    private let publisher: ConnectorPublisher
    private let rejected: RejectedFrames
    /// Bound books that had a snapshot before: another one is a book resync.
    private let resyncs: BookResyncMemory
    let correlator = RequestCorrelator<FineryReply, FineryRequestContext>()
    let orders: FineryOrderTracker
    private let nonces = Mutex(FineryNonceSource())
    private let writer = Mutex<VenueLinkWriter?>(nil)

    public init(
        configuration: FineryConnectorConfiguration, sink: any EventSink, logger: Logger,
        metricsFactory: any MetricsFactory = MetricsSystem.factory
    ) {
        self.configuration = configuration
        self.logger = logger
        metrics = VenueConnectorMetrics(venue: .finery, factory: metricsFactory)
        publisher = ConnectorPublisher(venue: .finery, sink: sink, logger: logger)
        rejected = RejectedFrames(metrics: metrics, logger: logger, logMessage: "Finery frame rejected")
        resyncs = BookResyncMemory(metrics: metrics)
        control = VenueSessionControl(venue: .finery, sink: sink, metrics: metrics, logger: logger)
        orders = FineryOrderTracker(account: configuration.account, finishedMemory: configuration.finishedOrderMemory)
    }

    var currentWriter: VenueLinkWriter? { writer.withLock { $0 } }

    /// The service that keeps this connector connected (run it in the bridge's service group).
    /// `transport`: nil is the WebSocket to `configuration.link.url`; tests pass an in-memory one.
    public func supervisor(transport: (any VenueTransport)? = nil) -> VenueConnectionSupervisor {
        VenueConnectionSupervisor(
            settings: configuration.link, transport: transport, driver: self, control: control, metrics: metrics,
            logger: logger)
    }

    // MARK: - Session

    public func upgradeHeaders() throws -> [(name: String, value: String)] {
        let now = UInt64(max(0, wallClockNanos()))
        let nonce = nonces.withLock { $0.next(nowMicros: now / 1_000) }
        return FineryAuth.upgradeHeaders(
            key: configuration.apiKey, secret: configuration.apiSecret, nonce: nonce, timestamp: now / 1_000_000)
    }

    public func runSession(inbound: VenueInbound, writer linkWriter: VenueLinkWriter, control: VenueSessionControl)
        async throws
    {
        writer.withLock { $0 = linkWriter }
        defer { writer.withLock { $0 = nil } }
        // The handshake deadline (the venue's first `X` status makes the session ready or
        // degraded) is the supervisor's, watched there for every venue.
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { [self] in
                // Replies that never come: fail them (ambiguous).
                while true {
                    try await Task.sleep(for: .milliseconds(200))
                    for context in correlator.expire() {
                        metrics.request(outcome: "timeout")
                        logger.warning("Finery request timed out", metadata: ["request": "\(context)"])
                    }
                }
            }
            group.addTask { [self] in
                var books = FineryBookKeeper(
                    instruments: configuration.instruments, publishTicker: configuration.publishTicker)
                for try await frame in inbound {
                    guard case .text(let text) = frame else {
                        rejected.record(kind: "binary_frame", detail: "binary frame on a JSON venue")
                        continue
                    }
                    let tsRecv = wallClockNanos()
                    let message: FineryServerMessage
                    switch Result(catching: { () throws(FineryDecodeError) in try FineryServerMessage.decode(text) }) {
                    case .success(let decoded): message = decoded
                    case .failure(let error):
                        rejected.record(error, frame: text)
                        continue
                    }
                    try await handle(message, books: &books, tsRecv: tsRecv, writer: linkWriter)
                }
            }
            try await group.next()
            group.cancelAll()
        }
    }

    public func sessionEnded(reason: String) async {
        for context in correlator.failAll(reason: reason) {
            metrics.request(outcome: "disconnected")
            logger.warning(
                "Finery request lost with the link", metadata: ["request": "\(context)", "reason": "\(reason)"])
        }
    }

    private func handle(
        _ message: FineryServerMessage, books: inout FineryBookKeeper, tsRecv: Int64, writer: VenueLinkWriter
    ) async throws {
        switch message {
        case .status(let code):
            if code == 0 {
                guard control.state != .ready else { return }
                try await subscribe(writer)
                await control.transition(to: .ready, reason: "backend connected; feeds subscribed")
            } else {
                books.reset()
                await control.transition(
                    to: .degraded,
                    reason: "backend not connected (Finery status code \(code)); books dropped until it is back")
            }

        case .bookSnapshot(.name(let instrument), let bids, let asks):
            // Only a book we bound can be resynced; a snapshot of another is refused below.
            if configuration.instruments.symbol(forVenueId: instrument) != nil { resyncs.snapshot(of: instrument) }
            do {
                try await publisher.publish(
                    books.snapshot(venueInstrument: instrument, bids: bids, asks: asks, tsRecv: tsRecv))
            } catch let error as VenueNormalizeError {
                try await bookRefused(error, instrument, writer)
            }

        case .bookUpdate(.name(let instrument), let bids, let asks):
            do {
                try await publisher.publish(
                    books.update(venueInstrument: instrument, bids: bids, asks: asks, tsRecv: tsRecv))
            } catch let error as VenueNormalizeError {
                try await bookRefused(error, instrument, writer)
            }

        case .bookSnapshot(.number, _, _), .bookUpdate(.number, _, _):
            rejected.record(kind: "unexpected_shape", detail: "B message with a numeric feed id")

        case .instruments(_, let listed):
            let names = Set(listed.map(\.name))
            for missing in configuration.instruments.venueIds where !names.contains(missing) {
                logger.error(
                    "configured Finery instrument is not listed by the venue", metadata: ["instrument": "\(missing)"])
            }

        case .orders(let action, _, let list):
            let reports: [ExecutionReport]
            do throws(VenueNormalizeError) {
                // All or nothing: one unusable order refuses the frame before any order is tracked.
                for order in list { _ = try FineryOrderTracker.filledSize(order) }
                switch action {
                case .snapshot: reports = try orders.snapshot(list)
                case .added:
                    var added: [ExecutionReport] = []
                    for order in list { if let report = try orders.added(order) { added.append(report) } }
                    reports = added
                case .removed:
                    var removed: [ExecutionReport] = []
                    for order in list { if let report = try orders.removed(order) { removed.append(report) } }
                    reports = removed
                default: reports = []
                }
            } catch {
                return rejected.record(error)
            }
            try await publish(reports: reports, tsRecv: tsRecv)

        case .deal(_, let deal):
            // The decoder refuses a moment that does not convert; checked again rather than trusted.
            guard let tsVenue = FineryUnits.nanoseconds(milliseconds: deal.moment) else {
                return rejected.record(
                    FrameDecodeError(.invalidValue, "O deal \(deal.dealId): moment \(deal.moment) ms is out of range"))
            }
            let report: ExecutionReport?
            do throws(VenueNormalizeError) { report = try orders.deal(deal) } catch {
                return rejected.record(error)
            }
            if let report { try await publish(reports: [report], tsRecv: tsRecv, tsVenue: tsVenue) }

        case .positions(_, _, let positions):
            for position in positions {
                try await publisher.publish(
                    NormalizedEvent(
                        venue: .finery, instrument: position.currency, venueInstrument: position.currency,
                        tsRecv: tsRecv,
                        payload: .position(
                            Position(account: configuration.account, quantity: FineryUnits.decimal(position.value)))
                    ))
            }

        case .feedFailure(let feed, let feedId, let code):
            if code == .bindingExists { return }
            logger.error(
                "Finery feed failure", metadata: ["feed": "\(feed)", "feedId": "\(feedId)", "code": "\(code)"])
            metrics.decodeError(kind: "feed_failure")

        case .unsubscribed(let feed, let feedId):
            logger.debug("Finery feed unbound", metadata: ["feed": "\(feed)", "feedId": "\(feedId)"])

        case .reply(let reqId, let body):
            if correlator.resolve(reqId, with: .ok(body)) == nil { lateReply(reqId) }

        case .replyError(let reqId, let code, let param):
            guard let context = correlator.resolve(reqId, with: .error(code, param)) else { return lateReply(reqId) }
            // A refused add never appears on feed O, so its report is published here. 74 is not a
            // refusal: the order exists (see `place`).
            if case .add(let request, let symbol, let key) = context, code != .clientOrderIdInUse {
                let report = orders.rejection(request, idempotencyKey: key, code: code, param: param)
                try await publisher.publish(
                    reports: [report], tsRecv: tsRecv, venueInstrument: { _ in request.instrument },
                    symbol: { _ in symbol })
            }
        }
    }

    private func subscribe(_ writer: VenueLinkWriter) async throws {
        if configuration.bindInstruments {
            try await writer.send(text: FineryClientMessage.bind(feed: "I", feedId: .number(0)).encoded())
        }
        if configuration.bindOrders {
            try await writer.send(text: FineryClientMessage.bind(feed: "O", feedId: .number(0)).encoded())
        }
        if configuration.bindPositions {
            try await writer.send(text: FineryClientMessage.bind(feed: "K", feedId: .number(0)).encoded())
        }
        if configuration.bindBooks {
            for instrument in configuration.instruments.venueIds {
                try await writer.send(text: FineryClientMessage.bind(feed: "B", feedId: .name(instrument)).encoded())
            }
        }
    }

    /// A `B` message the book keeper refused: counted and logged; rebound only when our copy of a
    /// bound book is what went wrong. A book we never bound is not ours to rebind: unbinding it
    /// and binding it again would only fetch another unwanted snapshot, on every one it sends.
    private func bookRefused(_ error: VenueNormalizeError, _ instrument: String, _ writer: VenueLinkWriter) async throws
    {
        rejected.record(error)
        if error.kind == .bookInconsistent { try await resync(instrument, writer) }
    }

    /// Drops a book that can no longer be trusted and asks for a fresh snapshot.
    private func resync(_ instrument: String, _ writer: VenueLinkWriter) async throws {
        logger.warning(
            "Finery book inconsistent, rebinding for a fresh snapshot", metadata: ["instrument": "\(instrument)"])
        try await writer.send(text: FineryClientMessage.unbind(feed: "B", feedId: .name(instrument)).encoded())
        try await writer.send(text: FineryClientMessage.bind(feed: "B", feedId: .name(instrument)).encoded())
    }

    private func lateReply(_ reqId: Int64) {
        metrics.request(outcome: "late_reply")
        logger.warning("Finery reply for an unknown or expired request", metadata: ["reqId": "\(reqId)"])
    }

    /// Reports of orders on feed `O`: the tracker knows each order's instrument.
    private func publish(reports: [ExecutionReport], tsRecv: Int64, tsVenue: Int64? = nil) async throws {
        try await publisher.publish(
            reports: reports, tsVenue: tsVenue, tsRecv: tsRecv, venueInstrument: orders.instrument(clientOrderId:),
            symbol: configuration.instruments.symbol(forVenueId:))
    }
}

/// A reply is a value either way: a venue error is an answer, not a transport failure.
enum FineryReply: Sendable {
    case ok(JSONValue)
    case error(FineryErrorCode, String?)
}

enum FineryRequestContext: Sendable, CustomStringConvertible {
    case add(FineryAddRequest, symbol: String, idempotencyKey: String?)
    case del(FineryDelRequest)

    var description: String {
        switch self {
        case .add(let request, _, _): "add clientOrderId=\(request.clientOrderId)"
        case .del(let request): "del \(request)"
        }
    }
}
