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

/// A driver that reports ready at once and runs until the venue closes the socket.
private struct InstantlyReadyDriver: VenueSessionDriver {
    let venue: VenueID = .finery
    func upgradeHeaders() throws -> [(name: String, value: String)] { [] }
    func runSession(inbound: VenueInbound, writer: VenueLinkWriter, control: VenueSessionControl) async throws {
        await control.transition(to: .ready)
        for try await _ in inbound {}
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

    /// The backoff counts losses in a row: a session that stayed ready for `resetAfter` starts the
    /// count over. With `maxAttempts` 2, a third loss in a row would end the supervisor; after a
    /// long-enough ready session it is attempt 1 again. The test outlives `resetAfter`.
    @Test("a session ready for resetAfter resets the reconnect count; quick losses in a row do not")
    func backoffReset() async throws {
        let sink = RecordingEventSink()
        let (control, metrics) = makeControl(sink)
        var settings = VenueLinkSettings(url: "ws://venue.invalid/ws")
        settings.reconnect.initialDelay = .milliseconds(50)
        settings.reconnect.maxDelay = .milliseconds(200)
        settings.reconnect.jitter = 0
        settings.reconnect.maxAttempts = 2
        settings.reconnect.resetAfter = .seconds(1)
        let transport = InMemoryVenueTransport(settings: settings, metrics: metrics)
        let supervisor = VenueConnectionSupervisor(
            settings: settings, transport: transport, driver: InstantlyReadyDriver(), control: control,
            metrics: metrics, logger: Logger(label: "test.supervisor"))
        let running = Task { try await supervisor.run() }
        func connected() async throws -> InMemoryVenueConnection {
            let connection = try #require(await transport.nextConnection(timeout: liveWait))
            try await eventually("ready") { control.state == .ready }
            return connection
        }
        // Two quick losses: attempts 1 and 2.
        try await connected().close(reason: "quick 1")
        try await connected().close(reason: "quick 2")
        // Ready past resetAfter, then lost: attempt 1 again, not 3 (which would give up).
        let long = try await connected()
        try await Task.sleep(for: settings.reconnect.resetAfter + .milliseconds(300))
        long.close(reason: "after a long session")
        _ = try await connected()
        let attempts = sink.statuses.filter { $0.state == .connecting }.map { $0.reason ?? "first dial" }
        #expect(attempts == ["first dial", "reconnect attempt 1", "reconnect attempt 2", "reconnect attempt 1"])
        running.cancel()
        _ = await running.result
    }

    @Test("losses in a row past maxAttempts end the supervisor with the last error")
    func givesUpAfterMaxAttempts() async throws {
        let sink = RecordingEventSink()
        let (control, metrics) = makeControl(sink)
        var settings = VenueLinkSettings(url: "ws://venue.invalid/ws")
        settings.reconnect.initialDelay = .milliseconds(20)
        settings.reconnect.maxDelay = .milliseconds(50)
        settings.reconnect.jitter = 0
        settings.reconnect.maxAttempts = 2
        let transport = InMemoryVenueTransport(settings: settings, metrics: metrics)
        let supervisor = VenueConnectionSupervisor(
            settings: settings, transport: transport, driver: InstantlyReadyDriver(), control: control,
            metrics: metrics, logger: Logger(label: "test.supervisor"))
        let running = Task { try await supervisor.run() }
        for i in 1...3 {
            let connection = try #require(await transport.nextConnection(timeout: liveWait))
            try await eventually("ready") { control.state == .ready }
            connection.close(reason: "loss \(i)")
        }
        let result = await running.result
        #expect(throws: VenueSessionError.self) { try result.get() }
        #expect(transport.dials.total == 3)
    }
}
