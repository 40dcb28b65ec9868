import BridgeTestSupport
import Testing
import VenueConnector

@Suite("Finery session lifetime")
struct FinerySessionLifetimeTests {
    @Test("a healthy session outlives three connect timeouts and two pings without a reconnect")
    func staysUpPastEveryTimeout() async throws {
        let connectTimeout = Duration.seconds(1)
        let ping = Duration.milliseconds(1_500)
        let harness = try await FineryBridgeHarness(prefix: "fl1") {
            $0.link.connectTimeout = connectTimeout
            $0.link.pingInterval = ping
            $0.link.deadLinkTimeout = ping * 4
        }
        try await harness.waitUntilReady()
        // The first snapshot read back before the watch starts, so that "still one" at the end
        // means no resubscription, not a reader that had not caught up.
        try await eventually("first snapshot") {
            _ = await harness.producer.flush(timeout: .milliseconds(200))
            return harness.reader.snapshotCount("BTC-USD") == 1
        }
        try await Task.sleep(for: SessionLifetime.window(connectTimeout: connectTimeout, keepAlive: ping))
        _ = await harness.producer.flush(timeout: .seconds(2))
        SessionLifetime.expectNoReconnects(harness.reader.statuses)
        #expect(harness.metrics.counters.allSatisfy { $0.label != "vb_venue_reconnects_total" || $0.totalValue == 0 })
        #expect(harness.reader.snapshotCount("BTC-USD") == 1, "no resnapshot: the book stayed subscribed")
        await harness.stop()
    }
}
