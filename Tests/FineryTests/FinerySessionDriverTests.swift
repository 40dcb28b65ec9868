import BridgeTestSupport
import FineryConnector
import FineryWire
import Logging
import Testing
import VenueBridgeCore
import VenueConnector

/// The Finery session driver under the real supervisor, over the in-memory transport: the test
/// plays the venue, with no simulator, socket or Kafka.
@Suite("Finery session driver (in memory)")
struct FinerySessionDriverTests {
    final class Rig: Sendable {
        let sink = RecordingEventSink()
        let connector: FineryConnector
        let transport: InMemoryVenueTransport
        let running: Task<Void, any Error>

        init(tune: (inout FineryConnectorConfiguration) -> Void = { _ in }) throws {
            var configuration = FineryConnectorConfiguration(
                url: "wss://finery.invalid/ws", apiKey: "key", apiSecret: "secret", account: "a",
                instruments: try InstrumentMap([("BTC-USD", "BTC-USD")])
            )
            configuration.link.reconnect.initialDelay = .milliseconds(20)
            configuration.link.reconnect.maxDelay = .milliseconds(50)
            tune(&configuration)
            connector = FineryConnector(
                configuration: configuration, sink: sink, logger: Logger(label: "test.finery.driver"))
            transport = InMemoryVenueTransport(settings: configuration.link, metrics: connector.metrics)
            let supervisor = connector.supervisor(transport: transport)
            running = Task { try await supervisor.run() }
        }

        func connection() async throws -> InMemoryVenueConnection {
            try #require(await transport.nextConnection(timeout: liveWait))
        }

        /// The next connection, told the backend is up (`X 0`), as the venue does first.
        func ready() async throws -> InMemoryVenueConnection {
            let connection = try await connection()
            connection.send(text: FineryServerMessage.status(code: 0).encoded())
            try await eventually("ready") { connector.control.state == .ready }
            return connection
        }

        func stop() async {
            running.cancel()
            _ = await running.result
        }
    }

    @Test("the upgrade is signed with the key (never the secret), and X 0 makes the session ready and binds the feeds")
    func handshake() async throws {
        let rig = try Rig()
        let connection = try await rig.ready()
        let key = connection.headers.first { $0.name == FineryAuth.keyHeader }?.value
        #expect(key == "key")
        #expect(!connection.headers.contains { $0.value.contains("secret") })
        guard case .text(let text)? = await connection.nextWritten(timeout: liveWait) else {
            Issue.record("no bind")
            return await rig.stop()
        }
        guard case .bind = try FineryClientMessage.decode(text) else {
            Issue.record("not a bind: \(text)")
            return await rig.stop()
        }
        await rig.stop()
    }

    @Test("no X status within the connect timeout: the attempt ends and the supervisor dials again")
    func handshakeDeadline() async throws {
        let rig = try Rig { $0.link.connectTimeout = .milliseconds(200) }
        let first = try await rig.connection()
        let second = try await rig.connection()
        #expect(first.isEnded && !second.isEnded)
        #expect(
            rig.sink.statuses.contains { $0.state == .disconnected && $0.reason?.contains("not ready within") == true })
        await rig.stop()
    }

    /// Windows here are seconds wide wherever the test does not assert that a timeout fires: a
    /// suite run beside a build can stall a task for hundreds of milliseconds, and a deadline that
    /// fires before the venue's answer is read would turn the test into a different one.
    @Test("ready, then many connect timeouts pass: the one connection stays up")
    func staysUp() async throws {
        let connectTimeout = Duration.seconds(2)
        let rig = try Rig { $0.link.connectTimeout = connectTimeout }
        let connection = try await rig.ready()
        try await Task.sleep(for: connectTimeout * 3 + .milliseconds(500))
        #expect(!connection.isEnded && rig.transport.dials.total == 1)
        await rig.stop()
    }

    @Test("a silent venue: dead link after dead_link_timeout, then a fresh dial")
    func deadLink() async throws {
        let rig = try Rig {
            $0.link.deadLinkTimeout = .seconds(1)
            $0.link.pingInterval = .milliseconds(200)
        }
        // Not waiting for `ready` here: the dead link may end it before a poll would see it.
        let first = try await rig.connection()
        first.send(text: FineryServerMessage.status(code: 0).encoded())
        let second = try await rig.connection()
        #expect(first.isEnded && !second.isEnded)
        #expect(rig.sink.statuses.contains { $0.state == .disconnected && $0.reason?.contains("dead link") == true })
        await rig.stop()
    }

    @Test("X 1 (backend down) degrades without ending the session; the venue's close ends it with the reason")
    func degradedThenClosed() async throws {
        let rig = try Rig()
        let first = try await rig.ready()
        first.send(text: FineryServerMessage.status(code: 1).encoded())
        try await eventually("degraded") { rig.connector.control.state == .degraded }
        #expect(!first.isEnded)
        first.close(reason: "maintenance")
        let second = try await rig.connection()
        #expect(!second.isEnded)
        #expect(rig.sink.statuses.contains { $0.state == .disconnected && $0.reason?.contains("maintenance") == true })
        await rig.stop()
    }

    @Test("a stop during the reconnect backoff ends the supervisor without an error")
    func stopDuringBackoff() async throws {
        let rig = try Rig {
            $0.link.reconnect.initialDelay = .seconds(60)
            $0.link.reconnect.maxDelay = .seconds(60)
        }
        let first = try await rig.ready()
        first.close(reason: "bye")
        try await eventually("the backoff began") { rig.sink.statuses.contains { $0.state == .disconnected } }
        rig.running.cancel()
        let result = await rig.running.result
        #expect(throws: Never.self) { try result.get() }
        #expect(rig.transport.dials.total == 1)
    }
}
