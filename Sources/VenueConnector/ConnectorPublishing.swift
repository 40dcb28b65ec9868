public import EventBus
public import Logging
public import VenueBridgeCore

extension EventSink {
    /// How a connector publishes: a publisher that is shutting down ends the session (as
    /// cancellation, so the supervisor stops instead of reconnecting); any other failure is logged
    /// and the stream goes on, since the publisher has already counted it.
    public func publishFromConnector(_ event: NormalizedEvent, logger: Logger) async throws {
        do {
            try await publish(event)
        } catch .shuttingDown {
            throw CancellationError()
        } catch {
            logger.error(
                "event not published",
                metadata: ["venue": "\(event.venue)", "type": "\(event.type.rawValue)", "error": "\(error)"])
        }
    }
}

/// A connector's way onto the bus: its normalized events and its execution reports, each through
/// `publishFromConnector`, in the order given.
public struct ConnectorPublisher: Sendable {
    public let venue: VenueID
    private let sink: any EventSink
    private let logger: Logger

    public init(venue: VenueID, sink: any EventSink, logger: Logger) {
        self.venue = venue
        self.sink = sink
        self.logger = logger
    }

    public func publish(_ event: NormalizedEvent) async throws {
        try await sink.publishFromConnector(event, logger: logger)
    }

    /// `venueSeq`, when given, is stamped on every event (the venue's number of the message that
    /// carried them); without it each event keeps its own.
    public func publish(_ events: [NormalizedEvent], venueSeq: UInt64? = nil) async throws {
        for var event in events {
            if let venueSeq { event.venueSeq = venueSeq }
            try await publish(event)
        }
    }

    /// Execution reports as `execution_report` events. A report names its order, not where the
    /// order trades: `venueInstrument` finds the venue's instrument by client order id (the
    /// venue's order tracker knows it), `symbol` our name for it; an instrument without a symbol is
    /// published under the venue's id.
    public func publish(
        reports: [ExecutionReport], tsVenue: Int64? = nil, tsRecv: Int64, venueSeq: UInt64? = nil,
        venueInstrument: (_ clientOrderId: String) -> String?, symbol: (_ venueInstrument: String) -> String?
    ) async throws {
        for report in reports {
            let venueInstrument = venueInstrument(report.clientOrderId)
            let symbol = venueInstrument.flatMap(symbol) ?? venueInstrument
            try await publish(
                NormalizedEvent(
                    venue: venue, instrument: symbol, venueInstrument: venueInstrument, venueSeq: venueSeq,
                    tsVenue: tsVenue, tsRecv: tsRecv, payload: .executionReport(report)
                ))
        }
    }
}
