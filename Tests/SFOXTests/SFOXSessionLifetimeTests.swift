import BridgeTestSupport
import SFOXConnector
import Testing
import VenueConnector

@Suite("sFOX session lifetime")
struct SFOXSessionLifetimeTests {
    /// Regression (issue 13, item 1): both sFOX sockets ended exactly one connect timeout after
    /// they opened, because the handshake-deadline task returned normally and ended the session.
    @Test("both sockets outlive three connect timeouts and two pings without a reconnect")
    func staysUpPastEveryTimeout() async throws {
        let connectTimeout = Duration.seconds(1)
        let ping = Duration.milliseconds(1_500)
        let harness = try await SFOXBridgeHarness(
            prefix: "sl1",
            tune: { configuration in
                for link in [\SFOXConnectorConfiguration.marketDataLink, \.privateLink] {
                    configuration[keyPath: link].connectTimeout = connectTimeout
                    configuration[keyPath: link].pingInterval = ping
                    configuration[keyPath: link].deadLinkTimeout = ping * 4
                }
            })
        try await harness.waitUntilReady()
        // The first snapshot read back before the watch starts, so that "still one" at the end
        // means no resubscription, not a reader that had not caught up.
        try await eventually("first snapshot") {
            _ = await harness.producer.flush(timeout: .milliseconds(200))
            return harness.reader.snapshotCount("BTC-USD") == 1
        }
        try await Task.sleep(for: SessionLifetime.window(connectTimeout: connectTimeout, keepAlive: ping))
        await harness.flush()
        for session in ["market_data", "private"] {
            SessionLifetime.expectNoReconnects(harness.reader.statuses.filter { $0.session == session })
        }
        #expect(harness.metrics.counters.allSatisfy { $0.label != "vb_venue_reconnects_total" || $0.totalValue == 0 })
        #expect(harness.reader.snapshotCount("BTC-USD") == 1, "no resnapshot: the book stayed subscribed")
        await harness.stop()
    }
}
