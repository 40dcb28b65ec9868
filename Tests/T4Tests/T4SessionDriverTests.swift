import BridgeTestSupport
import Logging
import NIOCore
import T4Connector
import T4Wire
import Testing
import VenueBridgeCore
import VenueConnector

/// The T4 session driver under the real supervisor, over the in-memory transport: the test plays
/// the venue frame by frame, with no simulator, socket or Kafka. Each test names the timeout it is
/// about and runs past it.
@Suite("T4 session driver (in memory)")
struct T4SessionDriverTests {
    static let market = T4Market(symbol: "ES-M25", exchangeID: "CME_Eq", contractID: "ES", marketID: "XCME_Eq ES (M25)")

    /// A connector (market data only: ready right after the login) and its in-memory transport.
    final class Rig: Sendable {
        let sink = RecordingEventSink()
        let connector: T4Connector
        let transport: InMemoryVenueTransport
        let running: Task<Void, any Error>

        init(tune: (inout T4ConnectorConfiguration) -> Void = { _ in }) {
            var configuration = T4ConnectorConfiguration(
                url: "wss://t4.invalid/v1", credentials: .apiKey("key"), markets: [T4SessionDriverTests.market])
            configuration.subscribeAccounts = false
            configuration.link.reconnect.initialDelay = .milliseconds(20)
            configuration.link.reconnect.maxDelay = .milliseconds(50)
            tune(&configuration)
            connector = T4Connector(configuration: configuration, sink: sink, logger: Logger(label: "test.t4.driver"))
            transport = InMemoryVenueTransport(settings: configuration.link, metrics: connector.metrics)
            let supervisor = connector.supervisor(transport: transport)
            running = Task { try await supervisor.run() }
        }

        /// The next connection, with the login read and answered as the venue would.
        func loggedIn() async throws -> InMemoryVenueConnection {
            let connection = try #require(await transport.nextConnection(timeout: liveWait))
            let login = try await nextClientMessage(connection)
            guard case .loginRequest(let request)? = login.payload else {
                Issue.record("the first message is not a login: \(login)")
                throw CancellationError()
            }
            #expect(request.apiKey == "key")
            connection.send(
                binary: T4Frame.encode(
                    T4ServerMessage.with { $0.payload = .loginResponse(.with { $0.result = .success }) }))
            return connection
        }

        func stop() async {
            running.cancel()
            _ = await running.result
        }
    }

    static func nextClientMessage(_ connection: InMemoryVenueConnection, timeout: Duration = liveWait) async throws
        -> T4ClientMessage
    {
        guard case .binary(let buffer)? = await connection.nextWritten(timeout: timeout) else {
            Issue.record("no binary frame from the connector within \(timeout)")
            throw CancellationError()
        }
        return try T4Frame.decodeClient(Array(buffer.readableBytesView))
    }

    @Test("login first, then a depth subscription per market; ready once the venue accepts the login")
    func loginAndSubscribe() async throws {
        let rig = Rig()
        let connection = try await rig.loggedIn()
        let subscribe = try await Self.nextClientMessage(connection)
        guard case .marketDepthSubscribe(let depth)? = subscribe.payload else {
            Issue.record("\(subscribe)")
            return await rig.stop()
        }
        #expect(depth.marketID == Self.market.marketID)
        try await eventually("ready") { rig.connector.control.state == .ready }
        await rig.stop()
    }

    @Test("no login answer within the connect timeout: the supervisor ends the attempt and dials again")
    func handshakeDeadline() async throws {
        let rig = Rig { $0.link.connectTimeout = .milliseconds(300) }
        let first = try #require(await rig.transport.nextConnection(timeout: liveWait))
        _ = try await Self.nextClientMessage(first)  // the login, never answered
        let second = await rig.transport.nextConnection(timeout: liveWait)
        #expect(second != nil, "a second dial after the handshake deadline")
        #expect(first.isEnded)
        #expect(
            rig.sink.statuses.contains { $0.state == .disconnected && $0.reason?.contains("not ready within") == true })
        await rig.stop()
    }

    @Test("heartbeats go out when we sent nothing for an interval, and a venue that heartbeats keeps the session up")
    func heartbeats() async throws {
        let interval = Duration.milliseconds(200)
        let rig = Rig {
            $0.heartbeatInterval = interval
            // Far beyond any scheduling stall: this test is about heartbeats going out, not the
            // dead-link window (tested below).
            $0.deadAfter = .seconds(10)
        }
        let connection = try await rig.loggedIn()
        _ = try await Self.nextClientMessage(connection)  // depth subscribe
        var heartbeats = 0
        let deadline = ContinuousClock.now + liveWait
        while heartbeats < 5, ContinuousClock.now < deadline {
            connection.send(binary: T4Frame.encode(T4ServerMessage.heartbeat(timestampMilliseconds: 0)))
            if case .binary(let buffer)? = await connection.nextWritten(timeout: interval * 2),
                case .heartbeat? = try T4Frame.decodeClient(Array(buffer.readableBytesView)).payload
            {
                heartbeats += 1
            }
        }
        #expect(heartbeats == 5, "our heartbeats while the venue's kept coming")
        #expect(!connection.isEnded)
        #expect(rig.connector.control.state == .ready)
        #expect(rig.transport.dials.total == 1)
        await rig.stop()
    }

    @Test("a silent venue: dead link after deadAfter, then a fresh dial and login")
    func deadLink() async throws {
        let rig = Rig {
            $0.heartbeatInterval = .milliseconds(200)
            $0.deadAfter = .seconds(1)
        }
        // The venue answers the login and then says nothing more. Not waiting for `ready`: the
        // dead link may end it before a poll would see it.
        let first = try await rig.loggedIn()
        let second = try await rig.loggedIn()
        #expect(first.isEnded)
        #expect(rig.sink.statuses.contains { $0.state == .disconnected && $0.reason?.contains("dead link") == true })
        _ = second
        await rig.stop()
    }

    @Test("the venue closes the socket: reported with its reason, then a fresh dial")
    func venueCloses() async throws {
        let rig = Rig()
        let first = try await rig.loggedIn()
        try await eventually("ready") { rig.connector.control.state == .ready }
        first.close(reason: "maintenance")
        _ = try await rig.loggedIn()
        #expect(rig.sink.statuses.contains { $0.state == .disconnected && $0.reason?.contains("maintenance") == true })
        await rig.stop()
    }

    @Test("a stop during the backoff after a refused login ends the supervisor without an error")
    func stopDuringBackoff() async throws {
        let rig = Rig { $0.loginRetryDelay = .seconds(60) }
        let connection = try #require(await rig.transport.nextConnection(timeout: liveWait))
        _ = try await Self.nextClientMessage(connection)
        connection.send(
            binary: T4Frame.encode(
                T4ServerMessage.with {
                    $0.payload = .loginResponse(
                        .with {
                            $0.result = .unauthorized
                            $0.errorMessage = "invalid api key"
                        })
                }))
        try await eventually("the refusal") {
            rig.sink.statuses.contains { $0.reason?.contains("login refused") == true }
        }
        rig.running.cancel()
        let result = await rig.running.result
        #expect(throws: Never.self) { try result.get() }
        #expect(rig.transport.dials.total == 1, "no second login inside the 60 s retry delay")
    }
}
