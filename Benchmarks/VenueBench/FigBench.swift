import AsyncHTTPClient
import EventBus
import FigConnector
import FigSimulator
import FigWire
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import VenueBridgeCore
import VenueConnector

/// Takes every event and keeps none: the Fig figure is the RFQ round trip, not the bus.
struct DiscardingSink: EventSink {
    func publish(_ event: NormalizedEvent) async throws(PublishError) {}
}

/// `create_rfq` → answer at Fig: the real connector's `createRFQ` (token, signed and paced REST,
/// the answer read and the RFQ remembered by label) against the simulator over loopback, timed
/// one create at a time; the peer, measured in the same run against the same simulator, is the
/// least any client must do for the same RFQ: the same signed POST through a bare
/// AsyncHTTPClient with a token fetched once, and the `rfqId` read from the answer.
extension VenueBench {
    struct FigCreateLatency {
        var connector: [Duration]
        var bare: [Duration]
        var signNanoseconds: Double
    }

    func figCreateLatency(creates: Int, logger: Logger) async throws -> FigCreateLatency {
        let client = "bench"
        let secret = "bench-secret"
        var simulatorConfiguration = FigSimulatorConfiguration(clients: [client: secret])
        simulatorConfiguration.makerTicksPerSecond = 0
        // Both contenders together stay under the connector's own pacing (1000 a minute); the
        // simulator's limit is lifted so that the bare client is never refused.
        simulatorConfiguration.requestsPerMinute = 1_000_000
        let simulator = FigSimulator(configuration: simulatorConfiguration, logger: logger)
        let port = try await simulator.start()
        let instrument = FigSimulatorConfiguration.Instrument.btcCall
        let connector = FigConnector(
            configuration: FigConnectorConfiguration(
                wsURL: "ws://127.0.0.1:\(port)\(FigSimulator.webSocketPath)", restURL: "http://127.0.0.1:\(port)",
                clientId: client, clientSecret: secret, account: "bench",
                instruments: [
                    .init(
                        symbol: instrument.name, instrumentId: instrument.instrumentId,
                        baseCurrency: instrument.baseCurrency, quoteCurrency: "USD")
                ]),
            sink: DiscardingSink(), logger: logger)
        let running = Task { try await connector.run() }
        defer { running.cancel() }
        while connector.control.state != .ready { try await Task.sleep(for: .milliseconds(20)) }

        // Warm-up, then the measured creates, alternating contenders so that both see the same
        // simulator state (its RFQ count grows with every create).
        let bare = try await BareFigClient(port: port, clientId: client, secret: secret)
        var connectorTimes: [Duration] = []
        var bareTimes: [Duration] = []
        for n in 0..<(creates + 20) {
            let request = RFQRequest(
                account: "bench", instrument: instrument.name, clientRFQId: "vb-bench-\(n)", side: .buy, quantity: 25)
            let started = ContinuousClock.now
            let answer = try await connector.createRFQ(request)
            let connectorTime = ContinuousClock.now - started
            guard answer.status == .new, answer.venueOrderId != nil else {
                throw BenchError("Fig create \(n) answered \(answer.status): \(answer.reason ?? "")")
            }
            let create = FigCreateRFQ(
                baseCurrency: instrument.baseCurrency, quoteCurrency: "USD", amount: 25, label: "vb-bare-\(n)",
                legs: [.init(direction: .buy, instrumentId: instrument.instrumentId)])
            let bareStarted = ContinuousClock.now
            _ = try await bare.create(create)
            let bareTime = ContinuousClock.now - bareStarted
            if n >= 20 {
                connectorTimes.append(connectorTime)
                bareTimes.append(bareTime)
            }
        }
        try await bare.shutdown()
        running.cancel()
        _ = await running.result
        await connector.shutdown()
        await simulator.stop()

        var sink = 0
        let signings = decodeIterations ?? 100_000
        let signStart = ContinuousClock.now
        for i in 0..<signings {
            sink &+=
                FigSignature.sign(
                    secret: secret, timestamp: 1_757_871_888 + Int64(i), method: "POST", uri: "/rfq",
                    body: #"{"baseCurrency":"BTC","quoteCurrency":"USD","amount":25,"label":"vb-bench"}"#
                ).utf8.count
        }
        precondition(sink > 0)
        let signElapsed = ContinuousClock.now - signStart
        return FigCreateLatency(
            connector: connectorTimes, bare: bareTimes, signNanoseconds: signElapsed.seconds * 1e9 / Double(signings))
    }
}

/// The peer: one token, then each create signed and posted, nothing else.
struct BareFigClient {
    let http: HTTPClient
    let base: String
    let secret: String
    let token: String

    init(port: Int, clientId: String, secret: String) async throws {
        http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup)
        base = "http://127.0.0.1:\(port)"
        self.secret = secret
        var auth = HTTPClientRequest(url: base + FigAuth.path)
        auth.method = .POST
        auth.headers.add(name: "Content-Type", value: "application/json")
        auth.body = .bytes(ByteBuffer(string: FigAuth.body(clientId: clientId, clientSecret: secret)))
        let reply = try await http.execute(auth, timeout: .seconds(5))
        let body = String(buffer: try await reply.body.collect(upTo: 1 << 20))
        token = try FigAuth.Token.decode(body).accessToken
    }

    func create(_ create: FigCreateRFQ) async throws -> Int64 {
        let body = create.body()
        let timestamp = Int64(Date().timeIntervalSince1970)
        var request = HTTPClientRequest(url: base + FigCreateRFQ.path)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        request.headers.add(name: "X-FIG-Timestamp", value: "\(timestamp)")
        request.headers.add(
            name: "X-FIG-Signature",
            value: FigSignature.sign(
                secret: secret, timestamp: timestamp, method: "POST",
                uri: FigSignature.signedURI(path: FigCreateRFQ.path), body: body))
        request.body = .bytes(ByteBuffer(string: body))
        let reply = try await http.execute(request, timeout: .seconds(5))
        let answer = String(buffer: try await reply.body.collect(upTo: 1 << 20))
        guard reply.status == .ok || reply.status == .created else {
            throw BenchError("bare Fig create answered \(reply.status): \(answer)")
        }
        return try JSONFields(JSONValue.parse(answer)).integer("rfqId")
    }

    func shutdown() async throws { try await http.shutdown() }
}
