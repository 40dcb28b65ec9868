import BridgeTestSupport
import Testing
import VenueConnector

@testable import T4Connector

@Suite("T4 session lifetime")
struct T4SessionLifetimeTests {
    @Test("a healthy session outlives three connect timeouts and two heartbeats without a reconnect")
    func staysUpPastEveryTimeout() async throws {
        let connectTimeout = Duration.seconds(1)
        let heartbeat = Duration.seconds(1)
        let harness = try await T4BridgeHarness(
            prefix: "tl1", simulate: { $0.setHeartbeat(heartbeat * 2) },
            tune: {
                $0.link.connectTimeout = connectTimeout
                $0.link.pingInterval = heartbeat
                $0.link.deadLinkTimeout = heartbeat * 6
                $0.heartbeatInterval = heartbeat
                $0.deadAfter = heartbeat * 6
            })
        try await harness.waitUntil(.ready)
        try await Task.sleep(for: SessionLifetime.window(connectTimeout: connectTimeout, keepAlive: heartbeat * 2))
        await harness.flush()
        SessionLifetime.expectNoReconnects(harness.reader.statuses)
        #expect(await harness.simulator.stats().heartbeatDisconnects == 0)
        await harness.stop()
    }

    /// Regression (issue 13, item 3): the heartbeat period was fixed at 20 s, so a venue running a
    /// shorter interval dropped the session after three of its own intervals. Configured at the
    /// notes' 20 s here, the connector must notice the venue's faster heartbeats and keep up.
    @Test(
        "a venue that heartbeats faster than configured: the connector heartbeats at the venue's interval and is never dropped"
    )
    func followsTheVenuesShorterHeartbeat() async throws {
        // Three seconds: the venue drops us after 9 s of our silence, which leaves a loaded machine
        // seconds of slack once the connector knows the interval (from the venue's first heartbeat).
        let venueInterval = Duration.seconds(3)
        let harness = try await T4BridgeHarness(
            prefix: "tl2", simulate: { $0.setHeartbeat(venueInterval) },
            tune: {
                $0.heartbeatInterval = .seconds(20)
                $0.link.pingInterval = .seconds(20)
                $0.link.deadLinkTimeout = .seconds(60)
            })
        try await harness.waitUntil(.ready)
        // The venue drops a client silent for 3 of its intervals: watch for well beyond that.
        try await Task.sleep(for: venueInterval * 5)
        await harness.flush()
        #expect(await harness.simulator.stats().heartbeatDisconnects == 0, "the venue dropped us for silence")
        SessionLifetime.expectNoReconnects(harness.reader.statuses)
        await harness.stop()
    }
}

@Suite("T4 venue heartbeat interval")
struct T4VenueHeartbeatsTests {
    @Test("the shortest quiet gap before a venue heartbeat is its interval; sub-second gaps are not an interval")
    func estimate() {
        var heartbeats = T4VenueHeartbeats()
        var announced = heartbeats.announce()
        #expect(!announced, "nothing to announce before an interval is known")
        var estimate = heartbeats.record(gap: .milliseconds(200))
        #expect(estimate == nil, "two messages back to back say nothing")
        estimate = heartbeats.record(gap: .seconds(7))
        #expect(estimate == .seconds(7))
        announced = heartbeats.announce()
        #expect(announced)
        estimate = heartbeats.record(gap: .seconds(12))
        #expect(estimate == .seconds(7), "a gap after other traffic is longer, never the estimate")
        estimate = heartbeats.record(gap: .milliseconds(5_100))
        #expect(estimate == .milliseconds(5_100))
        announced = heartbeats.announce()
        #expect(!announced, "announced once per connection")
    }
}
