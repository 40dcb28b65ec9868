import BridgeTestSupport
import FIConnector
import FIWire
import Foundation
import Logging
import MetricsTestKit
import RSAPKCS1
import Testing
import VenueBridgeCore
import VenueConnector

/// The FI session driver under the real supervisor, over the in-memory transport: the test plays
/// the venue as the notes describe it (a fresh RSA key per connection, the password decrypted and
/// compared), with no simulator, socket or Kafka.
@Suite("FI session driver (in memory)")
struct FISessionDriverTests {
    static let password = "pässw0rd with spaces"

    final class Rig: Sendable {
        let sink = RecordingEventSink()
        let metrics = TestMetrics()
        let connector: FIConnector
        let transport: InMemoryVenueTransport
        let running: Task<Void, any Error>

        init(tune: (inout FIConnectorConfiguration) -> Void = { _ in }) throws {
            var configuration = FIConnectorConfiguration(
                url: "wss://fi.invalid/ws", userID: "trader1", password: FISessionDriverTests.password,
                instruments: try InstrumentMap([("BTCUSD", "BTC-USD")]))
            configuration.link.connectTimeout = .seconds(2)
            configuration.link.reconnect.initialDelay = .milliseconds(20)
            configuration.link.reconnect.maxDelay = .milliseconds(50)
            configuration.loginRetryDelay = .milliseconds(50)
            tune(&configuration)
            connector = FIConnector(
                configuration: configuration, sink: sink, logger: Logger(label: "test.fi.driver"),
                metricsFactory: metrics)
            transport = InMemoryVenueTransport(settings: configuration.link, metrics: connector.metrics)
            let supervisor = connector.supervisor(transport: transport)
            running = Task { try await supervisor.run() }
        }

        func next(_ connection: InMemoryVenueConnection) async throws -> JSONValue {
            guard case .text(let text)? = await connection.nextWritten(timeout: liveWait) else {
                Issue.record("nothing written")
                throw CancellationError()
            }
            return try JSONValue.parse(text)
        }

        /// The venue's side of a login: challenge answered with a fresh key, the password
        /// decrypted; returns the connection and the decrypted password.
        func challenge() async throws -> (InMemoryVenueConnection, userID: String?, password: String) {
            let connection = try #require(await transport.nextConnection(timeout: liveWait))
            #expect(try await next(connection)["type"]?.string == "challenge")
            let key = try RSAKeyPair(bits: 1024)
            connection.send(
                text: #"{"result":"OK","type":"challenge","key":"\#(Data(key.publicKeyDER).base64EncodedString())"}"#)
            let login = try await next(connection)
            #expect(login["type"]?.string == "login")
            let ciphertext = try #require(Data(base64Encoded: login["pass"]?.string ?? ""))
            #expect(ciphertext.count == 128)
            let password = String(decoding: try key.decrypt(Array(ciphertext)), as: UTF8.self)
            return (connection, login["userid"]?.string, password)
        }

        /// A connection logged in and subscribed, the session ready.
        func ready() async throws -> InMemoryVenueConnection {
            let (connection, _, _) = try await challenge()
            connection.send(text: #"{"result":"OK","type":"login","userid":"trader1","firm":"F"}"#)
            #expect(try await next(connection)["type"]?.string == "subscribesystemstatus")
            #expect(try await next(connection)["type"]?.string == "subscribe")
            try await eventually("ready") { connector.control.state == .ready }
            return connection
        }

        func stop() async {
            running.cancel()
            _ = await running.result
        }
    }

    @Test(
        "challenge, then login with the password RSA-encrypted under the venue's key; ready, and up past the connect timeout"
    )
    func login() async throws {
        let rig = try Rig()
        let (connection, userID, password) = try await rig.challenge()
        #expect(userID == "trader1" && password == Self.password)
        connection.send(text: #"{"result":"OK","type":"login","userid":"trader1"}"#)
        #expect(try await rig.next(connection)["type"]?.string == "subscribesystemstatus")
        let subscribe = try await rig.next(connection)
        #expect(subscribe["request"]?[0]?["msg"]?.string == "ibook")
        #expect(subscribe["request"]?[0]?["security"]?.string == "BTCUSD")
        try await eventually("ready") { rig.connector.control.state == .ready }
        try await Task.sleep(for: .seconds(2) * 2 + .milliseconds(500))
        #expect(!connection.isEnded && rig.transport.dials.total == 1)
        await rig.stop()
    }

    @Test("a refused login: disconnected with the venue's words (never the password), then a fresh dial and login")
    func refusedLogin() async throws {
        let rig = try Rig()
        let (first, _, _) = try await rig.challenge()
        first.send(text: #"{"result":"invalid user or password","type":"login"}"#)
        let (second, _, password) = try await rig.challenge()
        #expect(password == Self.password && first.isEnded && !second.isEnded)
        #expect(rig.sink.statuses.contains { $0.reason?.contains("invalid user or password") == true })
        #expect(!rig.sink.statuses.contains { $0.reason?.contains(Self.password) == true })
        await rig.stop()
    }

    @Test("no answer to the challenge: the handshake deadline ends the attempt, then a fresh dial")
    func handshakeDeadline() async throws {
        let rig = try Rig { $0.link.connectTimeout = .milliseconds(300) }
        let first = try #require(await rig.transport.nextConnection(timeout: liveWait))
        let second = try #require(await rig.transport.nextConnection(timeout: liveWait))
        #expect(first.isEnded && !second.isEnded)
        await rig.stop()
    }

    @Test("entry books: the first message is the snapshot, later ones one delta per price, IOI left out; a trade")
    func books() async throws {
        let rig = try Rig()
        let connection = try await rig.ready()
        connection.send(
            text:
                #"{"security":"BTCUSD","books":[{"side":"B","act":"A","price":100,"qty":"1","id":6988929507302077441},{"side":"B","act":"A","price":"100","qty":2,"id":2},{"side":"S","act":"A","price":101,"qty":1,"id":3},{"side":"B","act":"A","price":100.5,"qty":9,"id":4,"ioi":true}]}"#
        )
        connection.send(
            text:
                #"{"security":"BTCUSD","books":[{"side":"B","act":"U","price":100,"qty":"0.5","id":6988929507302077441},{"act":"R","id":2},{"side":"B","act":"A","price":99,"qty":1,"id":5},{"act":"R","id":77}]}"#
        )
        connection.send(
            text:
                #"{"security":"BTCUSD","trades":[{"price":"101","qty":0.25,"side":"B","time":1557323619303,"id":"t1"}]}"#
        )
        try await eventually("snapshot, delta and trade") {
            rig.sink.all.contains { if case .trade = $0.payload { true } else { false } }
        }
        let payloads = rig.sink.all.filter { $0.instrument == "BTC-USD" }.map(\.payload)
        guard case .bookSnapshot(let snapshot)? = payloads.first else {
            Issue.record("no snapshot first: \(payloads)")
            return
        }
        #expect(snapshot.bids == [PriceLevel(price: 100, size: 3)], "the IOI at 100.5 is left out")
        #expect(snapshot.asks == [PriceLevel(price: 101, size: 1)])
        let deltas = payloads.compactMap { if case .bookDelta(let delta) = $0 { delta } else { nil } }
        #expect(deltas.count == 1)
        #expect(
            deltas.first?.bids == [PriceLevel(price: 100, size: ExactDecimal("0.5")!), PriceLevel(price: 99, size: 1)])
        for delta in deltas {
            #expect(Set(delta.bids.map(\.price)).count == delta.bids.count, "each price once per side")
            #expect(Set(delta.asks.map(\.price)).count == delta.asks.count, "each price once per side")
        }
        let refused = try? rig.metrics.expectCounter(
            "vb_venue_decode_errors_total", [("venue", "fi"), ("kind", "book_entry")])
        #expect(refused?.totalValue == 1, "the remove of an unknown entry is counted and skipped")
        await rig.stop()
    }

    @Test("system status: Halted degrades the session, Open makes it ready again")
    func systemStatus() async throws {
        let rig = try Rig()
        let connection = try await rig.ready()
        connection.send(
            text: #"{"type":"systemstatus","data":[{"exchange":"STAGE","time":1697693198141,"status":"Halted"}]}"#)
        try await eventually("degraded") { rig.connector.control.state == .degraded }
        connection.send(text: #"{"type":"systemstatus","data":[{"exchange":"STAGE","status":"Open"}]}"#)
        try await eventually("ready again") { rig.connector.control.state == .ready }
        #expect(!connection.isEnded)
        await rig.stop()
    }

    @Test("a silent venue: dead link after dead_link_timeout, then a fresh dial and login")
    func deadLink() async throws {
        let rig = try Rig {
            $0.link.deadLinkTimeout = .seconds(1)
            $0.link.pingInterval = .milliseconds(200)
        }
        let (first, _, _) = try await rig.challenge()
        first.send(text: #"{"result":"OK","type":"login","userid":"trader1"}"#)
        let (second, _, _) = try await rig.challenge()
        #expect(first.isEnded && !second.isEnded)
        #expect(rig.sink.statuses.contains { $0.state == .disconnected && $0.reason?.contains("dead link") == true })
        await rig.stop()
    }

    @Test("the venue closes the socket: reported with its reason, then a fresh dial")
    func venueClose() async throws {
        let rig = try Rig()
        let first = try await rig.ready()
        first.close(reason: "maintenance")
        let (second, _, _) = try await rig.challenge()
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
