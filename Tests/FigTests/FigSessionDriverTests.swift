import BridgeTestSupport
import FigConnector
import FigSimulator
import FigWire
import Logging
import Testing
import VenueBridgeCore
import VenueConnector

/// The Fig session driver under the real supervisor, its socket in memory: the test plays the
/// venue's JSON-RPC side as the notes allow it (replies with or without `"jsonrpc"`, ids echoed as
/// numbers or strings, a venue that stops answering). Tokens still come from the simulator's REST.
@Suite("Fig session driver (in memory)", .serialized)
struct FigSessionDriverTests {
    final class Rig: Sendable {
        let simulator: FigSimulator
        let sink = RecordingEventSink()
        let connector: FigConnector
        let transport: InMemoryVenueTransport
        let running: Task<Void, any Error>

        init(tune: (inout FigConnectorConfiguration) -> Void = { _ in }) async throws {
            var simulatorConfiguration = FigSimulatorConfiguration(clients: ["driver": "driver-secret"])
            simulatorConfiguration.makerTicksPerSecond = 0
            simulator = FigSimulator(configuration: simulatorConfiguration, logger: Logger(label: "test.fig.sim"))
            let port = try await simulator.start()
            var configuration = FigConnectorConfiguration(
                wsURL: "wss://fig.invalid/ws/v1", restURL: "http://127.0.0.1:\(port)", clientId: "driver",
                clientSecret: "driver-secret", account: "fig-1",
                instruments: [
                    .init(symbol: "BTC-26SEP25-116000-C", instrumentId: 6451, baseCurrency: "BTC", quoteCurrency: "USD")
                ])
            configuration.link.connectTimeout = .seconds(1)
            configuration.link.requestTimeout = .milliseconds(500)
            configuration.link.reconnect.initialDelay = .milliseconds(20)
            configuration.link.reconnect.maxDelay = .milliseconds(50)
            tune(&configuration)
            connector = FigConnector(configuration: configuration, sink: sink, logger: Logger(label: "test.fig.driver"))
            transport = InMemoryVenueTransport(settings: configuration.link, metrics: connector.metrics)
            let supervisor = connector.supervisor(transport: transport)
            running = Task { try await supervisor.run() }
        }

        /// The next request the connector wrote: its id (as written) and method.
        func nextRequest(_ connection: InMemoryVenueConnection) async throws -> (id: Int64, method: String) {
            guard case .text(let text)? = await connection.nextWritten(timeout: liveWait) else {
                Issue.record("nothing written")
                throw CancellationError()
            }
            let value = try JSONValue.parse(text)
            return (try #require(value["id"]?.int64), try #require(value["method"]?.string))
        }

        /// Logs a connection in: auth and subscribe answered, the session ready. `stringIds`:
        /// echo the ids as strings and leave out `"jsonrpc"` (the notes allow both).
        func login(_ connection: InMemoryVenueConnection, stringIds: Bool = false) async throws {
            let auth = try await nextRequest(connection)
            #expect(auth.method == "auth")
            connection.send(text: reply(auth.id, "auth", #"{"success":true}"#, stringIds: stringIds))
            let subscribe = try await nextRequest(connection)
            #expect(subscribe.method == "v1/subscribe")
            connection.send(
                text: reply(
                    subscribe.id, "v1/subscribe",
                    #"{"status":"subscribed","channels":["rfq.taker","rfq_quote.taker"]}"#,
                    stringIds: stringIds))
        }

        func reply(_ id: Int64, _ method: String, _ result: String, stringIds: Bool = false) -> String {
            stringIds
                ? #"{"id":"\#(id)","method":"\#(method)","result":\#(result)}"#
                : #"{"jsonrpc":"2.0","id":\#(id),"method":"\#(method)","result":\#(result)}"#
        }

        func stop() async {
            running.cancel()
            _ = await running.result
            await connector.shutdown()
            await simulator.stop()
        }
    }

    @Test(
        "auth never answered: the handshake deadline ends the attempt and it dials again; answered with string ids: ready"
    )
    func handshakeDeadline() async throws {
        let rig = try await Rig()
        let silent = try #require(await rig.transport.nextConnection(timeout: liveWait))
        #expect(try await rig.nextRequest(silent).method == "auth")
        // No answer: past the 1 s connect timeout the attempt is over and a new socket is dialled.
        let second = try #require(await rig.transport.nextConnection(timeout: liveWait))
        #expect(silent.isEnded)
        try await rig.login(second, stringIds: true)
        try await eventually("ready") { rig.connector.control.state == .ready }
        await rig.stop()
    }

    @Test("a venue that stops answering heartbeats: the unanswered one ends the session and it dials again")
    func deadLink() async throws {
        let rig = try await Rig(tune: { $0.heartbeatInterval = .milliseconds(200) })
        let first = try #require(await rig.transport.nextConnection(timeout: liveWait))
        try await rig.login(first)
        try await eventually("ready") { rig.connector.control.state == .ready }
        // Two heartbeats answered (ids as strings this time), then silence.
        for _ in 0..<2 {
            let heartbeat = try await rig.nextRequest(first)
            #expect(heartbeat.method == "heartbeat")
            first.send(text: rig.reply(heartbeat.id, "heartbeat", #"{"time":1640995200000}"#, stringIds: true))
        }
        #expect(try await rig.nextRequest(first).method == "heartbeat")
        let second = try #require(await rig.transport.nextConnection(timeout: liveWait))
        #expect(first.isEnded)
        try await rig.login(second)
        try await eventually("ready again") { rig.connector.control.state == .ready }
        #expect(rig.sink.statuses.contains { $0.state == .disconnected })
        await rig.stop()
    }

    @Test("hostile frames on a live session: counted and skipped, the session and later pushes go on")
    func hostileFrames() async throws {
        let rig = try await Rig()
        let connection = try #require(await rig.transport.nextConnection(timeout: liveWait))
        try await rig.login(connection)
        try await eventually("ready") { rig.connector.control.state == .ready }
        for frame in [
            "not json",
            #"{"jsonrpc":"2.0","method":"v1/subscription","params":{"channel":"rfq.taker","data":{"rfqId":"x"}}}"#,
            #"{"jsonrpc":"2.0","method":"v1/subscription","params":{"channel":"rfq.taker","data":{"rfqId":99999999999999999999,"status":"open"}}}"#,
            #"{"jsonrpc":"2.0","method":"v1/subscription","params":{"channel":"rfq.taker","data":{"rfqId":5,"status":"open","amount":"1e999999999"}}}"#,
            #"{"jsonrpc":"2.0","id":[1],"result":{}}"#,
            #"{"jsonrpc":"2.0","method":"v1/subscription","params":{"channel":"rfq_quote.taker","data":{"rfqQuoteId":7,"direction":"buy","price":"0.02","amount":25}}}"#,
        ] {
            connection.send(text: frame)
        }
        // A good push after them: an RFQ of the firm's, on the stream.
        connection.send(
            text:
                #"{"jsonrpc":"2.0","method":"v1/subscription","params":{"channel":"rfq.taker","data":{"rfqId":12345,"status":"open","label":"vb-x","amount":25,"baseCurrency":"BTC","quoteCurrency":"USD","legs":[{"instrumentId":6451,"instrumentName":"BTC-26SEP25-116000-C","direction":"buy","ratio":1,"amount":25}]}}}"#
        )
        try await eventually("the good push published") {
            rig.sink.all.contains { if case .rfq(let rfq) = $0.payload { rfq.rfqId == "12345" } else { false } }
        }
        #expect(rig.connector.control.state == .ready)
        #expect(
            !rig.sink.all.contains { if case .quote = $0.payload { true } else { false } }, "no quote without its RFQ")
        await rig.stop()
    }
}
