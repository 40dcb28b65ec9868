import Metrics
import OrderCommands
import VenueBridgeCore

/// The command path's metrics (names in docs/commands.md).
final class CommandMetrics: Sendable {
    // Metrics are made where they are counted, as VenueConnectorMetrics does: the factories hand
    // back the same metric for the same label and dimensions, and a command is not a hot path.
    private let factory: any MetricsFactory
    private let inFlightGauge: Gauge

    /// `venues`: those that take commands. The counters alerts watch start at 0 for them (an
    /// alert on `increase()` misses a series whose first sample is already 1); DLQ codes, retry
    /// and skip reasons are fixed lists.
    init(factory: any MetricsFactory, venues: [VenueID]) {
        self.factory = factory
        inFlightGauge = Gauge(label: "vb_commands_in_flight", factory: factory)
        inFlightGauge.record(0)
        for venue in venues {
            for name in ["vb_commands_duplicates_total", "vb_commands_unresolved_total"] {
                _ = Counter(label: name, dimensions: [("venue", venue.rawValue)], factory: factory)
            }
            for resolution in ["found", "unknown"] {
                _ = Counter(
                    label: "vb_commands_ambiguous_total",
                    dimensions: [("venue", venue.rawValue), ("resolution", resolution)],
                    factory: factory)
            }
            _ = Counter(
                label: "vb_commands_total",
                dimensions: [
                    ("type", CommandType.newOrder.rawValue), ("venue", venue.rawValue), ("outcome", "rejected"),
                ],
                factory: factory)
        }
        for reason in ["redis", "kafka"] {
            for name in ["vb_commands_retries_total", "vb_commands_skipped_total"] {
                _ = Counter(label: name, dimensions: [("reason", reason)], factory: factory)
            }
        }
        for code in CommandError.Code.allCases {
            _ = Counter(label: "vb_commands_dlq_total", dimensions: [("code", code.rawValue)], factory: factory)
        }
    }

    /// One answered command. `outcome`: the answer's status (`new`, `filled`, `rejected`,
    /// `unknown`, …) or `duplicate`.
    func answered(type: CommandType?, venue: VenueID?, outcome: String) {
        count(
            "vb_commands_total",
            [("type", type?.rawValue ?? "invalid"), ("venue", venue?.rawValue ?? "none"), ("outcome", outcome)])
    }

    func duplicate(venue: VenueID?) {
        count("vb_commands_duplicates_total", [("venue", venue?.rawValue ?? "none")])
    }

    /// An ambiguous venue call and how it ended: `found` (the venue knew the order), `unknown`
    /// (still unresolved at the deadline).
    func ambiguous(venue: VenueID, resolution: String) {
        count("vb_commands_ambiguous_total", [("venue", venue.rawValue), ("resolution", resolution)])
        if resolution == "unknown" { count("vb_commands_unresolved_total", [("venue", venue.rawValue)]) }
    }

    func deadLettered(code: String) {
        count("vb_commands_dlq_total", [("code", code)])
    }

    /// Command messages taken from Kafka and not yet answered (bounded by `maxInFlight`).
    func inFlight(_ count: Int) {
        inFlightGauge.record(count)
    }

    /// Redis or Kafka failed under a command; it is retried, the partition waits.
    func infrastructureRetry(reason: String) {
        count("vb_commands_retries_total", [("reason", reason)])
    }

    /// A message given up on after repeated failures that retrying cannot fix.
    func skipped(reason: String) {
        count("vb_commands_skipped_total", [("reason", reason)])
    }

    func venueLatency(venue: VenueID, type: CommandType, _ duration: Duration) {
        Timer(
            label: "vb_command_venue_latency_seconds",
            dimensions: [("venue", venue.rawValue), ("type", type.rawValue)],
            preferredDisplayUnit: .seconds, factory: factory
        ).record(duration: duration)
    }

    private func count(_ label: String, _ dimensions: [(String, String)]) {
        Counter(label: label, dimensions: dimensions, factory: factory).increment()
    }
}
