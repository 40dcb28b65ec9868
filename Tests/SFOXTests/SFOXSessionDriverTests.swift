import BridgeTestSupport
import Logging
import SFOXConnector
import SFOXWire
import Testing
import VenueBridgeCore
import VenueConnector

/// The sFOX market-data session driver under the real supervisor, over the in-memory transport.
@Suite("sFOX session driver (in memory)")
struct SFOXSessionDriverTests {
    final class Rig: Sendable {
        let sink = RecordingEventSink()
        let connector: SFOXConnector
        let transport: InMemoryVenueTransport
        let running: Task<Void, any Error>

        init(connectTimeout: Duration) throws {
            // No API key: market data only, so only the market-data session dials.
            var configuration = SFOXConnectorConfiguration(
                url: "wss://sfox.invalid/ws", restBaseURL: "https://sfox.invalid/v1", apiKey: nil, account: "a",
                instruments: try InstrumentMap([("btcusd", "BTC-USD")])
            )
            configuration.marketDataLink.connectTimeout = connectTimeout
            configuration.marketDataLink.reconnect.initialDelay = .milliseconds(20)
            configuration.marketDataLink.reconnect.maxDelay = .milliseconds(50)
            connector = try SFOXConnector(
                configuration: configuration, sink: sink, logger: Logger(label: "test.sfox.driver"))
            transport = InMemoryVenueTransport(settings: configuration.marketDataLink, metrics: connector.metrics)
            let connector = self.connector
            let transport = self.transport
            running = Task { try await connector.run(marketDataTransport: transport, privateTransport: nil) }
        }

        /// The next connection's subscribe request, as the venue reads it.
        func subscription() async throws -> (InMemoryVenueConnection, [String]) {
            let connection = try #require(await transport.nextConnection(timeout: liveWait))
            guard case .text(let text)? = await connection.nextWritten(timeout: liveWait) else {
                Issue.record("no subscribe request")
                throw CancellationError()
            }
            guard case .subscribe(let feeds) = try SFOXClientMessage.decode(text) else {
                Issue.record("not a subscribe: \(text)")
                throw CancellationError()
            }
            return (connection, feeds)
        }

        func stop() async {
            running.cancel()
            _ = await running.result
        }
    }

    /// Regression (issue 13, item 1), without a simulator: once the venue answered the
    /// subscriptions, nothing ends the session, however many connect timeouts pass.
    @Test("subscriptions answered: ready, and still the one connection after many connect timeouts")
    func staysUpPastTheConnectTimeout() async throws {
        // Seconds wide: a deadline that fired before the answer was read would test something else.
        let connectTimeout = Duration.seconds(2)
        let rig = try Rig(connectTimeout: connectTimeout)
        let (connection, feeds) = try await rig.subscription()
        #expect(feeds.contains("orderbook.sfox.btcusd"))
        connection.send(
            text: SFOXServerMessage.control(
                SFOXControlReply(success: true, action: "subscribe", sequence: 1, timestamp: nil, feeds: feeds)
            ).encoded())
        try await eventually("ready") { rig.connector.marketDataControl.state == .ready }
        try await Task.sleep(for: connectTimeout * 3 + .milliseconds(500))
        #expect(!connection.isEnded)
        #expect(rig.transport.dials.total == 1)
        #expect(!rig.sink.statuses.contains { $0.state == .disconnected })
        await rig.stop()
    }

    @Test("subscriptions never answered: the handshake deadline ends the attempt, then a fresh dial")
    func handshakeDeadline() async throws {
        let rig = try Rig(connectTimeout: .milliseconds(200))
        let (first, _) = try await rig.subscription()
        let (second, _) = try await rig.subscription()
        #expect(first.isEnded && !second.isEnded)
        #expect(
            rig.sink.statuses.contains { $0.state == .disconnected && $0.reason?.contains("not ready within") == true })
        await rig.stop()
    }

    @Test("a subscription answered with a refusal: degraded, naming the pair, and the session stays up")
    func refusedSubscription() async throws {
        let connectTimeout = Duration.seconds(2)
        let rig = try Rig(connectTimeout: connectTimeout)
        let (connection, feeds) = try await rig.subscription()
        connection.send(
            text: SFOXServerMessage.control(
                SFOXControlReply(
                    success: false, action: "subscribe", sequence: 1, timestamp: nil, feeds: feeds,
                    message: "unknown pair")
            ).encoded())
        try await eventually("degraded") { rig.connector.marketDataControl.state == .degraded }
        try await Task.sleep(for: connectTimeout + .milliseconds(500))
        #expect(rig.transport.dials.total == 1, "a refusal is an answer: the handshake deadline does not fire")
        await rig.stop()
    }
}
