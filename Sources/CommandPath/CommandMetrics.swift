import Metrics
import Synchronization
import VenueBridgeCore

/// The command path's metrics (names in docs/commands.md).
final class CommandMetrics: Sendable {
    private let factory: any MetricsFactory
    private let counters = Mutex<[String: Counter]>([:])
    private let timers = Mutex<[String: Timer]>([:])

    init(factory: any MetricsFactory) {
        self.factory = factory
    }

    /// One answered command. `outcome`: the answer's status (`new`, `filled`, `rejected`,
    /// `unknown`, …) or `duplicate`.
    func answered(type: CommandType?, venue: VenueID?, outcome: String) {
        counter("vb_commands_total", [("type", type?.rawValue ?? "invalid"), ("venue", venue?.rawValue ?? "none"), ("outcome", outcome)]).increment()
    }

    func duplicate(venue: VenueID?) {
        counter("vb_commands_duplicates_total", [("venue", venue?.rawValue ?? "none")]).increment()
    }

    /// An ambiguous venue call and how it ended: `found` (the venue knew the order), `unknown`
    /// (still unresolved at the deadline).
    func ambiguous(venue: VenueID, resolution: String) {
        counter("vb_commands_ambiguous_total", [("venue", venue.rawValue), ("resolution", resolution)]).increment()
        if resolution == "unknown" { counter("vb_commands_unresolved_total", [("venue", venue.rawValue)]).increment() }
    }

    func deadLettered(code: String) {
        counter("vb_commands_dlq_total", [("code", code)]).increment()
    }

    /// Redis or Kafka failed under a command; it is retried, the partition waits.
    func infrastructureRetry(reason: String) {
        counter("vb_commands_retries_total", [("reason", reason)]).increment()
    }

    func venueLatency(venue: VenueID, type: CommandType, _ duration: Duration) {
        let key = "\(venue.rawValue)|\(type.rawValue)"
        let timer = timers.withLock { timers in
            if let timer = timers[key] { return timer }
            let timer = Timer(
                label: "vb_command_venue_latency_seconds", dimensions: [("venue", venue.rawValue), ("type", type.rawValue)],
                preferredDisplayUnit: .seconds, factory: factory
            )
            timers[key] = timer
            return timer
        }
        timer.record(duration: duration)
    }

    private func counter(_ label: String, _ dimensions: [(String, String)]) -> Counter {
        let key = label + dimensions.map { "|\($0.0)=\($0.1)" }.joined()
        return counters.withLock { counters in
            if let counter = counters[key] { return counter }
            let counter = Counter(label: label, dimensions: dimensions, factory: factory)
            counters[key] = counter
            return counter
        }
    }
}
