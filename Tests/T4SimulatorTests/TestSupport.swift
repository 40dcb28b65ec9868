import SimulatorTestSupport
import T4Simulator
import T4Wire
import Testing
import VenueBridgeCore

let marketES = T4SimulatorConfiguration.Market.es
let accountID = "SIM-001"

/// Runs `body` against a started simulator with no background walk and slow heartbeats.
func withSimulator(
    _ adjust: (inout T4SimulatorConfiguration) -> Void = { _ in }, _ body: (T4Simulator) async throws -> Void
) async throws {
    var configuration = T4SimulatorConfiguration(apiKeys: ["test-key"])
    configuration.updatesPerSecond = 0
    configuration.setHeartbeat(.seconds(60))
    adjust(&configuration)
    let simulator = T4Simulator(configuration: configuration, logger: testLogger("t4.sim"))
    try await withStarted(simulator, start: { try await $0.start() }, stop: { await $0.stop() }, body)
}

/// A protobuf client of the simulator.
struct T4Client {
    let socket: WebSocketTestClient

    init(_ simulator: T4Simulator) {
        socket = WebSocketTestClient(url: simulator.url)
    }

    func send(_ message: T4ClientMessage) {
        socket.sendBinary(T4Frame.encode(message))
    }

    /// The next server message (heartbeats included).
    func next(timeout: Duration = .seconds(10)) async throws -> T4ServerMessage {
        guard let bytes = await socket.nextBinary(timeout: timeout) else {
            throw TestTimeout(description: "no message within \(timeout)")
        }
        return try T4Frame.decodeServer(bytes)
    }

    /// The next message that is not a heartbeat.
    func nextPayload(timeout: Duration = .seconds(10)) async throws -> T4ServerMessage.OneOf_Payload {
        while true {
            let message = try await next(timeout: timeout)
            if case .heartbeat? = message.payload { continue }
            guard let payload = message.payload else { continue }
            return payload
        }
    }

    /// Skips messages until one matches.
    func expect<T>(_ what: String, timeout: Duration = .seconds(10), _ match: (T4ServerMessage.OneOf_Payload) -> T?)
        async throws -> T
    {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            guard let bytes = await socket.nextBinary(timeout: deadline - ContinuousClock.now) else { break }
            guard let payload = try T4Frame.decodeServer(bytes).payload else { continue }
            if let value = match(payload) { return value }
        }
        throw TestTimeout(description: "timed out waiting for \(what)")
    }

    /// Connected and logged in with the API key.
    static func loggedIn(_ simulator: T4Simulator, priceFormat: T4proto_V1_Common_PriceFormat = .real) async throws
        -> T4Client
    {
        let client = T4Client(simulator)
        client.send(.login(apiKey: "test-key", priceFormat: priceFormat))
        guard case .loginResponse(let response) = try await client.nextPayload() else {
            throw TestTimeout(description: "no login response")
        }
        #expect(response.result == .success)
        return client
    }

    /// Logged in and subscribed to every account (response and snapshot read).
    static func trading(_ simulator: T4Simulator) async throws -> T4Client {
        let client = try await loggedIn(simulator)
        client.send(.accountSubscribeAll())
        _ = try await client.expect("account subscribe response") {
            if case .accountSubscribeResponse(let r) = $0 { r } else { nil }
        }
        _ = try await client.expect("account snapshot") { if case .accountSnapshot(let s) = $0 { s } else { nil } }
        return client
    }

    /// Every message up to the reject of a depth subscription to an unknown market: the venue
    /// answers in order, so everything caused before is in front of it.
    func drain() async throws -> [T4ServerMessage.OneOf_Payload] {
        send(.marketDepthSubscribe(exchangeID: "X", contractID: "Y", marketID: "sentinel"))
        var messages: [T4ServerMessage.OneOf_Payload] = []
        while true {
            let payload = try await nextPayload()
            if case .marketDepthSubscribeReject(let reject) = payload, reject.marketID == "sentinel" { return messages }
            messages.append(payload)
        }
    }
}

func decimal(_ text: String) -> ExactDecimal {
    ExactDecimal(text) ?? .zero
}

func levels(_ lines: [T4proto_V1_Market_MarketDepth.DepthLine]) throws -> [T4BookLevel] {
    try lines.map { T4BookLevel(price: try $0.price.exactDecimal(), volume: $0.volume) }
}

/// The single entry of an `OrderUpdateMulti`.
func entry(_ payload: T4ServerMessage.OneOf_Payload) -> T4proto_V1_Orderrouting_OrderUpdateMultiMessage.OneOf_Payload? {
    guard case .orderUpdateMulti(let multi) = payload, multi.updates.count == 1 else { return nil }
    return multi.updates[0].payload
}
