import BridgeTestSupport
import EventBus
import Logging
import Synchronization
import Testing
import VenueBridgeCore
import VenueConnector

/// A driver whose sessions never run: every dial in these tests is refused.
private struct UnreachableVenueDriver: VenueSessionDriver {
    let venue: VenueID = .finery
    func upgradeHeaders() throws -> [(name: String, value: String)] { [] }
    func runSession(inbound: VenueInbound, writer: VenueLinkWriter, control: VenueSessionControl) async throws {
        Issue.record("no session can start: the venue port refuses connections")
    }
    func sessionEnded(reason: String) async {}
}

private func makeControl(_ sink: RecordingEventSink) -> (VenueSessionControl, VenueConnectorMetrics) {
    let metrics = VenueConnectorMetrics(venue: .finery)
    return (
        VenueSessionControl(venue: .finery, sink: sink, metrics: metrics, logger: Logger(label: "test.supervisor")),
        metrics
    )
}

@Suite struct VenueConnectionSupervisorTests {
    /// Regression (issue 13, item 2): `Task.sleep` in the backoff threw `CancellationError` out of
    /// `run()`, so a SIGTERM while a venue waited to reconnect ended the bridge with exit 1.
    @Test("a stop during the reconnect backoff ends the supervisor normally, not with an error")
    func stopDuringBackoffIsClean() async throws {
        let sink = RecordingEventSink()
        let (control, metrics) = makeControl(sink)
        // Port 1 on loopback: nothing listens, the dial is refused at once.
        var settings = VenueLinkSettings(url: "ws://127.0.0.1:1/ws")
        settings.reconnect.initialDelay = .seconds(60)
        settings.reconnect.maxDelay = .seconds(60)
        settings.reconnect.jitter = 0
        let supervisor = VenueConnectionSupervisor(
            settings: settings, driver: UnreachableVenueDriver(), control: control, metrics: metrics,
            logger: Logger(label: "test.supervisor"))
        let running = Task { try await supervisor.run() }
        // The refused dial publishes `disconnected`; the supervisor then sleeps 60 s.
        try await eventually("the first dial failed and the backoff began") {
            sink.statuses.contains { $0.state == .disconnected }
        }
        running.cancel()
        let result = await running.result
        #expect(throws: Never.self) { try result.get() }
        #expect(control.state == .disconnected)
        #expect(
            sink.statuses.filter { $0.state == .connecting }.count == 1, "stopped in the first backoff, no second dial")
    }

    @Test("the handshake deadline: returns once the session is ready or degraded, throws when it never is")
    func handshakeDeadline() async throws {
        let sink = RecordingEventSink()
        let (control, _) = makeControl(sink)
        await control.transition(to: .connecting)
        await control.transition(to: .authenticating)
        await #expect(throws: VenueSessionError.self) { try await control.awaitHandshake(within: .milliseconds(100)) }

        let waiter = Task { try await control.awaitHandshake(within: .seconds(30)) }
        await control.transition(to: .degraded, reason: "venue says not serving")
        try await waiter.value
        // Once done, it stays done: a later wait returns at once, however short its deadline.
        try await control.awaitHandshake(within: .zero)
    }
}
