import BridgeTestSupport
import Logging
import SFOXWire
import Testing
import VenueBridgeCore
import VenueConnector

@testable import SFOXConnector

/// The sFOX market-data session driver under the real supervisor, over the in-memory transport.
@Suite("sFOX session driver (in memory)")
struct SFOXSessionDriverTests {
    final class Rig: Sendable {
        let sink = RecordingEventSink()
        let connector: SFOXConnector
        let transport: InMemoryVenueTransport
        let running: Task<Void, any Error>

        init(connectTimeout: Duration, configure: (inout VenueLinkSettings) -> Void = { _ in }) throws {
            // No API key: market data only, so only the market-data session dials.
            var configuration = SFOXConnectorConfiguration(
                url: "wss://sfox.invalid/ws", restBaseURL: "https://sfox.invalid/v1", apiKey: nil, account: "a",
                instruments: try InstrumentMap([("btcusd", "BTC-USD")])
            )
            configuration.marketDataLink.connectTimeout = connectTimeout
            configuration.marketDataLink.reconnect.initialDelay = .milliseconds(20)
            configuration.marketDataLink.reconnect.maxDelay = .milliseconds(50)
            configure(&configuration.marketDataLink)
            connector = try SFOXConnector(
                configuration: configuration, sink: sink, logger: Logger(label: "test.sfox.driver"))
            transport = InMemoryVenueTransport(settings: configuration.marketDataLink, metrics: connector.metrics)
            let connector = self.connector
            let transport = self.transport
            running = Task { try await connector.run(marketDataTransport: transport, privateTransport: nil) }
        }

        /// A connection whose subscriptions the venue answered, and the session ready.
        func ready() async throws -> InMemoryVenueConnection {
            let (connection, feeds) = try await subscription()
            connection.send(
                text: SFOXServerMessage.control(
                    SFOXControlReply(success: true, action: "subscribe", sequence: 1, timestamp: nil, feeds: feeds)
                ).encoded())
            try await eventually("ready") { connector.marketDataControl.state == .ready }
            return connection
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

    @Test("a silent venue: dead link after dead_link_timeout, then a fresh dial")
    func deadLink() async throws {
        let rig = try Rig(connectTimeout: .seconds(2)) {
            $0.deadLinkTimeout = .seconds(1)
            $0.pingInterval = .milliseconds(200)
        }
        // Not waiting for `ready`: the dead link may end it before a poll would see it.
        let (first, feeds) = try await rig.subscription()
        first.send(
            text: SFOXServerMessage.control(
                SFOXControlReply(success: true, action: "subscribe", sequence: 1, timestamp: nil, feeds: feeds)
            ).encoded())
        let (second, _) = try await rig.subscription()
        #expect(first.isEnded && !second.isEnded)
        #expect(rig.sink.statuses.contains { $0.state == .disconnected && $0.reason?.contains("dead link") == true })
        await rig.stop()
    }

    @Test("the venue closes the socket: reported with its reason, then a fresh dial and subscription")
    func venueClose() async throws {
        let rig = try Rig(connectTimeout: .seconds(2))
        let first = try await rig.ready()
        first.close(reason: "maintenance")
        let (second, feeds) = try await rig.subscription()
        #expect(feeds.contains("orderbook.sfox.btcusd") && !second.isEnded)
        #expect(rig.sink.statuses.contains { $0.state == .disconnected && $0.reason?.contains("maintenance") == true })
        await rig.stop()
    }

    @Test("a sequence number that skips ends the session (a message may be lost), then a fresh dial")
    func sequenceGap() async throws {
        let rig = try Rig(connectTimeout: .seconds(2))
        let first = try await rig.ready()
        first.send(
            text: SFOXServerMessage.control(
                SFOXControlReply(success: true, action: "subscribe", sequence: 5, timestamp: nil, feeds: [])
            ).encoded())
        let (second, _) = try await rig.subscription()
        #expect(first.isEnded && !second.isEnded)
        await rig.stop()
    }

    @Test("a stop during the reconnect backoff ends the connector without an error")
    func stopDuringBackoff() async throws {
        let rig = try Rig(connectTimeout: .seconds(2)) {
            $0.reconnect.initialDelay = .seconds(60)
            $0.reconnect.maxDelay = .seconds(60)
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

/// The sFOX private (account) session driver under the real supervisor, over the in-memory
/// transport: `authenticate`, then the private feeds.
@Suite("sFOX private session driver (in memory)")
struct SFOXPrivateSessionDriverTests {
    final class Rig: Sendable {
        let sink = RecordingEventSink()
        let connector: SFOXConnector
        let marketData: InMemoryVenueTransport
        let account: InMemoryVenueTransport
        let running: Task<Void, any Error>

        init(connectTimeout: Duration) throws {
            var configuration = SFOXConnectorConfiguration(
                url: "wss://sfox.invalid/ws", restBaseURL: "https://sfox.invalid/v1", apiKey: "k3y", account: "a",
                instruments: try InstrumentMap([("btcusd", "BTC-USD")])
            )
            for link in [\SFOXConnectorConfiguration.marketDataLink, \.privateLink] {
                configuration[keyPath: link].connectTimeout = connectTimeout
                configuration[keyPath: link].reconnect.initialDelay = .milliseconds(20)
                configuration[keyPath: link].reconnect.maxDelay = .milliseconds(50)
            }
            connector = try SFOXConnector(
                configuration: configuration, sink: sink, logger: Logger(label: "test.sfox.private"))
            marketData = InMemoryVenueTransport(settings: configuration.marketDataLink, metrics: connector.metrics)
            account = InMemoryVenueTransport(settings: configuration.privateLink, metrics: connector.metrics)
            let connector = self.connector
            let marketData = self.marketData
            let account = self.account
            running = Task { try await connector.run(marketDataTransport: marketData, privateTransport: account) }
        }

        func next(_ connection: InMemoryVenueConnection) async throws -> SFOXClientMessage {
            guard case .text(let text)? = await connection.nextWritten(timeout: liveWait) else {
                Issue.record("nothing written")
                throw CancellationError()
            }
            return try SFOXClientMessage.decode(text)
        }

        func reply(_ connection: InMemoryVenueConnection, _ action: String, success: Bool, sequence: Int64) {
            connection.send(
                text: SFOXServerMessage.control(
                    SFOXControlReply(
                        success: success, action: action, sequence: sequence, timestamp: nil, feeds: [],
                        message: success ? nil : "invalid api key")
                ).encoded())
        }

        func stop() async {
            running.cancel()
            _ = await running.result
        }
    }

    @Test(
        "authenticate first, the private feeds once authenticated, ready once subscribed; stays up past the connect timeout"
    )
    func authenticateThenSubscribe() async throws {
        let connectTimeout = Duration.seconds(2)
        let rig = try Rig(connectTimeout: connectTimeout)
        let connection = try #require(await rig.account.nextConnection(timeout: liveWait))
        guard case .authenticate(let key, _) = try await rig.next(connection) else {
            Issue.record("the first request is not authenticate")
            return
        }
        #expect(key == "k3y")
        rig.reply(connection, "authenticate", success: true, sequence: 1)
        guard case .subscribe(let feeds) = try await rig.next(connection) else {
            Issue.record("no subscribe after authenticate")
            return
        }
        #expect(Set(feeds) == Set(SFOXConnectorConfiguration.privateFeeds))
        rig.reply(connection, "subscribe", success: true, sequence: 2)
        let control = try #require(rig.connector.privateControl)
        try await eventually("ready") { control.state == .ready }
        try await Task.sleep(for: connectTimeout * 2 + .milliseconds(500))
        #expect(!connection.isEnded && rig.account.dials.total == 1)
        await rig.stop()
    }

    @Test("a refused authenticate ends the attempt with the venue's words (never the key), then a fresh dial")
    func refusedAuthentication() async throws {
        let rig = try Rig(connectTimeout: .seconds(2))
        let first = try #require(await rig.account.nextConnection(timeout: liveWait))
        _ = try await rig.next(first)
        rig.reply(first, "authenticate", success: false, sequence: 1)
        let second = try #require(await rig.account.nextConnection(timeout: liveWait))
        guard case .authenticate = try await rig.next(second) else {
            Issue.record("the fresh dial does not authenticate first")
            return
        }
        let refusal = rig.sink.statuses.first { $0.reason?.contains("refused authentication") == true }
        #expect(refusal?.reason?.contains("invalid api key") == true)
        #expect(!rig.sink.statuses.contains { $0.reason?.contains("k3y") == true })
        await rig.stop()
    }

    @Test("no answer to authenticate: the handshake deadline ends the attempt, then a fresh dial")
    func handshakeDeadline() async throws {
        let rig = try Rig(connectTimeout: .milliseconds(300))
        let first = try #require(await rig.account.nextConnection(timeout: liveWait))
        let second = try #require(await rig.account.nextConnection(timeout: liveWait))
        #expect(first.isEnded && !second.isEnded)
        await rig.stop()
    }
}
