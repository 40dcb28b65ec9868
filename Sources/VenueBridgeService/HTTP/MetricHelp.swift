/// One line of `# HELP` per metric family on `/metrics`.
///
/// swift-metrics has no place for a description, so the Prometheus factory prints only `# TYPE`;
/// `annotate` adds the `# HELP` line in front of each one. The longer meaning (labels, values) is
/// in the metrics tables of README.md and docs/commands.md; `MetricHelpTests` keeps this catalog,
/// those tables and the names used in `Sources/` the same set.
public enum MetricHelp {
    public static let text: [String: String] = [
        "vb_build_info": "1; the labels name this binary's version and commit.",
        "vb_events_published_total": "Events accepted into librdkafka's queue.",
        "vb_events_dropped_total": "Market-data events dropped before Kafka under drop_oldest_md, by reason.",
        "vb_publish_errors_total": "Events librdkafka refused with an error other than queue full; the event is lost.",
        "vb_md_backlog_depth": "Market-data events waiting in the drop_oldest_md backlog.",
        "vb_publish_blocked_seconds": "How long publishes waited for room in librdkafka's queue.",
        "vb_publisher_seq_streams": "seq counters the publisher holds (at most 100000).",
        "vb_publisher_seq_evictions_total":
            "seq counters of idle streams forgotten to make room; such a stream restarts at 1.",
        "vb_publisher_terminal_orders_evicted_total":
            "Terminal orders forgotten by the publisher's nothing-after-terminal rule (oldest first).",
        "vb_kafka_enqueued_total": "Messages handed to librdkafka.",
        "vb_kafka_delivered_total": "Messages acknowledged by the broker.",
        "vb_kafka_delivery_failures_total": "Messages librdkafka finally failed to deliver.",
        "vb_kafka_enqueue_failures_total": "Produce calls rejected with an error other than queue full.",
        "vb_kafka_queue_full_total": "Produce attempts refused because librdkafka's local queue was full.",
        "vb_kafka_delivery_latency_seconds": "Time from enqueue to broker acknowledgement.",
        "vb_kafka_out_queue_messages": "Messages in librdkafka not yet acknowledged.",
        "vb_kafka_consumed_total": "Messages consumed by a Kafka consumer (the command consumer, tail).",
        "vb_kafka_consume_errors_total": "Kafka consumer errors.",
        "vb_redis_commands_written_total": "Redis commands written and answered (error replies included).",
        "vb_redis_dropped_total": "Redis commands discarded: buffer overflow (oldest first) or unwritten at shutdown.",
        "vb_redis_errors_total": "Redis connect failures, lost connections and error replies.",
        "vb_redis_reconnects_total": "Redis reconnections after the first connection.",
        "vb_redis_buffer_depth": "Redis commands waiting in the writer's buffer.",
        "vb_redis_connected": "1 while the Redis writer holds a connection, else 0.",
        "vb_venue_frames_in_total": "Data frames received from the venue.",
        "vb_venue_frames_out_total": "Data frames sent to the venue.",
        "vb_venue_decode_errors_total": "Venue frames rejected and skipped, by kind.",
        "vb_venue_reconnects_total": "Reconnect attempts after a lost or failed venue link.",
        "vb_venue_state": "1 for the venue session's current state, 0 for the others.",
        "vb_venue_sequence_gaps_total": "Breaks in a venue's per-connection sequence numbers; each reconnects.",
        "vb_venue_last_message_age_seconds": "Seconds since the last inbound venue frame, sampled every second.",
        "vb_venue_book_resyncs_total": "Book snapshots that replaced an earlier book.",
        "vb_venue_requests_total": "Venue requests by outcome.",
        "vb_venue_request_duration_seconds": "Venue request to reply time.",
        "vb_commands_in_flight":
            "Command messages taken from Kafka and not yet answered (at most commands.max_in_flight).",
        "vb_commands_total": "Answered commands by type, venue and outcome.",
        "vb_commands_duplicates_total": "Command replays answered from the idempotency store instead of sent.",
        "vb_commands_ambiguous_total": "Ambiguous venue calls, found by query or still unknown.",
        "vb_commands_unresolved_total": "Commands answered unknown: check the order at the venue.",
        "vb_commands_dlq_total": "Command messages copied to the dead-letter topic, by error code.",
        "vb_commands_retries_total": "Command attempts that failed on Redis or Kafka and were retried.",
        "vb_commands_skipped_total": "Command messages given up on after repeated infrastructure failures.",
        "vb_command_venue_latency_seconds": "Command handed to the connector to the venue's answer.",
    ]

    /// Puts `# HELP <name> <text>` before every `# TYPE <name> …` line whose name is known and
    /// that has no HELP line yet. Names without an entry pass through unchanged (the test catches
    /// them before they ship).
    public static func annotate(_ exposition: [UInt8]) -> [UInt8] {
        let typePrefix = Array("# TYPE ".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(exposition.count + text.count * 80)
        var lineStart = exposition.startIndex
        while lineStart < exposition.endIndex {
            let lineEnd = exposition[lineStart...].firstIndex(of: UInt8(ascii: "\n")) ?? exposition.endIndex
            let line = exposition[lineStart..<lineEnd]
            if line.starts(with: typePrefix) {
                let rest = line.dropFirst(typePrefix.count)
                let name = String(decoding: rest.prefix { $0 != UInt8(ascii: " ") }, as: UTF8.self)
                if let help = text[name] {
                    out.append(contentsOf: "# HELP \(name) \(help)\n".utf8)
                }
            }
            out.append(contentsOf: line)
            if lineEnd < exposition.endIndex { out.append(UInt8(ascii: "\n")) }
            lineStart = exposition.index(after: lineEnd)
        }
        return out
    }
}
