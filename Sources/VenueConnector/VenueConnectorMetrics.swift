public import Metrics
public import VenueBridgeCore

/// Per-venue connector metrics (all labelled `venue`). Names are documented in the README.
public struct VenueConnectorMetrics: Sendable {
    public let venue: VenueID
    public let framesIn: Counter
    public let framesOut: Counter
    public let reconnects: Counter
    public let bookResyncs: Counter
    /// Seconds since the last inbound frame, sampled once a second by the link watchdog.
    public let lastMessageAge: Gauge
    public let requestLatency: Timer
    private let factory: any MetricsFactory

    public init(venue: VenueID, factory: any MetricsFactory = MetricsSystem.factory) {
        self.venue = venue
        self.factory = factory
        let dimensions = [("venue", venue.rawValue)]
        framesIn = Counter(label: "vb_venue_frames_in_total", dimensions: dimensions, factory: factory)
        framesOut = Counter(label: "vb_venue_frames_out_total", dimensions: dimensions, factory: factory)
        reconnects = Counter(label: "vb_venue_reconnects_total", dimensions: dimensions, factory: factory)
        bookResyncs = Counter(label: "vb_venue_book_resyncs_total", dimensions: dimensions, factory: factory)
        lastMessageAge = Gauge(label: "vb_venue_last_message_age_seconds", dimensions: dimensions, factory: factory)
        requestLatency = Timer(
            label: "vb_venue_request_duration_seconds", dimensions: dimensions, preferredDisplayUnit: .seconds,
            factory: factory)
        // At 0 from the start, so that alerts on increase() see the first one (and dashboards
        // show 0, not "no data"); other kinds and outcomes appear when they first happen.
        _ = Counter(
            label: "vb_venue_decode_errors_total",
            dimensions: [("venue", venue.rawValue), ("kind", VenueLinkError.frameTooLarge(bytes: 0, limit: 0).kind)],
            factory: factory)
        for outcome in ["ok", "error"] {
            _ = Counter(
                label: "vb_venue_requests_total", dimensions: [("venue", venue.rawValue), ("outcome", outcome)],
                factory: factory)
        }
    }

    /// A frame that could not be decoded or normalized; `kind` is a short stable reason.
    public func decodeError(kind: String) {
        Counter(
            label: "vb_venue_decode_errors_total", dimensions: [("venue", venue.rawValue), ("kind", kind)],
            factory: factory
        ).increment()
    }

    /// A request's final outcome: `ok`, `error` (the venue said no), `timeout`, `disconnected`.
    public func request(outcome: String) {
        Counter(
            label: "vb_venue_requests_total", dimensions: [("venue", venue.rawValue), ("outcome", outcome)],
            factory: factory
        ).increment()
    }

    /// One gauge per state, 1 for the current one: dashboards can sum or alert per state.
    /// `session` is `main` for single-connection venues.
    public func record(state: VenueConnectionState, session: String? = nil) {
        for candidate in VenueConnectionState.allCases {
            Gauge(
                label: "vb_venue_state",
                dimensions: [("venue", venue.rawValue), ("session", session ?? "main"), ("state", candidate.rawValue)],
                factory: factory
            )
            .record(candidate == state ? 1 : 0)
        }
    }

    /// A gap or reordering in a venue's per-connection sequence numbers (each one forces a resync).
    public func sequenceGap() {
        Counter(label: "vb_venue_sequence_gaps_total", dimensions: [("venue", venue.rawValue)], factory: factory)
            .increment()
    }
}
