import Testing
import VenueBridgeService
import VenueCatalog

@Suite("check-config's report")
struct CheckConfigReportTests {
    @Test("it prints every effective setting, defaults included, not only what the file set")
    func effectiveSettings() {
        var config = BridgeConfig(venues: VenueCatalog.all)
        config.kafka.flushTimeoutMs = 7_000
        let report = config.checkConfigReport(source: "test.yaml")
        for line in [
            "kafka.flush_timeout_ms = 7000", "kafka.queue_full_timeout_ms = 500", "kafka.md_backlog_capacity = 50000",
            "redis.buffer_capacity = 100000", "redis.batch_size = 256", "redis.stream_maxlen.exec = 1000000",
            "commands.resolve_timeout_ms = 30000", "commands.venue_wait_ms = 10000",
            "commands.max_message_bytes = 65536", "commands.max_in_flight = 128", "kafka.account_linger_ms = 0",
            "commands.instance_id = (the host name)",
        ] {
            #expect(report.contains("  \(line)\n") || report.hasSuffix("  \(line)"), "\(line)")
        }
    }
}
