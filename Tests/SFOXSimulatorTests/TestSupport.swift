import AsyncHTTPClient
import BridgeTestSupport
import NIOCore
import NIOPosix
import SFOXSimulator
import SFOXWire
import SimulatorTestSupport
import Testing
import VenueBridgeCore

let testKey = "test-key"
let otherKey = "other-key"

/// A started simulator (no background walk, no ticker unless configured) that is always stopped.
func withSimulator(
    _ configure: (inout SFOXSimulatorConfiguration) -> Void = { _ in },
    _ body: (SFOXSimulator) async throws -> Void
) async throws {
    var configuration = SFOXSimulatorConfiguration(apiKeys: [testKey, otherKey])
    configuration.updatesPerSecond = 0
    configuration.tickerInterval = .seconds(3600)
    configure(&configuration)
    let simulator = SFOXSimulator(configuration: configuration, logger: testLogger("test.sim"))
    try await withStarted(simulator, start: { try await $0.start() }, stop: { await $0.stop() }, body)
}

// MARK: - WebSocket

/// A WebSocket client on the simulator's `/ws`.
typealias WSClient = WebSocketTestClient

extension WebSocketTestClient {
    static func connect(_ simulator: SFOXSimulator) -> WSClient {
        WSClient(url: simulator.webSocketURL)
    }

    /// Connected and authenticated with `key` (the success reply consumed).
    static func authenticated(_ simulator: SFOXSimulator, key: String = testKey) async throws -> WSClient {
        let client = connect(simulator)
        client.send(.authenticate(apiKey: key, enterprise: false))
        let reply = try await client.control()
        #expect(reply.success && reply.action == "authenticate")
        return client
    }

    /// Connected, subscribed to `feed`, and its first message (the snapshot) consumed.
    static func subscribed(_ simulator: SFOXSimulator, to feed: SFOXFeed) async throws -> WSClient {
        let client = connect(simulator)
        try await client.subscribe([feed])
        _ = try await client.data(feed)
        return client
    }

    func send(_ message: SFOXClientMessage) {
        sendRaw(message.encoded())
    }

    /// The next message, which must decode.
    func next(timeout: Duration = liveWait) async throws -> SFOXServerMessage {
        try await next(timeout: timeout) { try SFOXServerMessage.decode($0) }
    }

    /// The next message, which must be a control reply.
    func control(timeout: Duration = liveWait) async throws -> SFOXControlReply {
        let message = try await next(timeout: timeout)
        guard case .control(let reply) = message else {
            throw TestTimeout(description: "expected a control reply, got \(message)")
        }
        return reply
    }

    /// The next message, which must be data on `feed`.
    func data(_ feed: SFOXFeed, timeout: Duration = liveWait) async throws -> SFOXPayload {
        let message = try await next(timeout: timeout)
        guard case .data(_, let received, _, let payload) = message, received == feed else {
            throw TestTimeout(description: "expected data on \(feed), got \(message)")
        }
        return payload
    }

    /// Skips messages until one matches.
    func expect<T>(_ what: String, timeout: Duration = liveWait, _ match: (SFOXServerMessage) -> T?) async throws -> T {
        try await expect(what, timeout: timeout, decode: { try SFOXServerMessage.decode($0) }, match)
    }

    /// Subscribes and consumes the success reply (which must list `feeds`).
    func subscribe(_ feeds: [SFOXFeed]) async throws {
        send(.subscribe(feeds: feeds.map(\.name)))
        let reply = try await control()
        #expect(reply.success && reply.action == "subscribe" && reply.feeds == feeds.map(\.name))
    }
}

/// A WebSocket that sends one request and then never reads (autoRead off): the server's writes
/// fill the socket buffers and then its queue for this client.
func connectNonReading(port: Int, request: String) async throws -> any Channel {
    let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .channelOption(.autoRead, value: false)
        .connect(host: "127.0.0.1", port: port).get()
    let upgrade =
        "GET /ws HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    try await channel.writeAndFlush(ByteBuffer(string: upgrade)).get()
    // Let the upgrade complete before the first frame (this client does not read, so it cannot
    // wait for the 101; a second is ample even on a loaded machine).
    try await Task.sleep(for: .seconds(1))
    let payload = Array(request.utf8)
    precondition(payload.count < 126, "short frames only")
    let mask: [UInt8] = [0x12, 0x34, 0x56, 0x78]
    var frame: [UInt8] = [0x81, 0x80 | UInt8(payload.count)] + mask
    for (index, byte) in payload.enumerated() { frame.append(byte ^ mask[index % 4]) }
    try await channel.writeAndFlush(ByteBuffer(bytes: frame)).get()
    return channel
}

// MARK: - REST

struct RestResponse: Sendable {
    var status: Int
    var body: String

    var error: String? { SFOXErrorBody.decode(body)?.error }
    func order() throws -> SFOXOrder { try SFOXOrder.decode(body: body) }
}

/// One REST call with `Authorization: Bearer <key>` (none when `key` is nil).
func rest(
    _ simulator: SFOXSimulator, _ method: String, _ path: String, key: String? = testKey, body: String? = nil,
    timeout: TimeAmount = .seconds(Int64(liveWait.components.seconds))
) async throws -> RestResponse {
    var request = HTTPClientRequest(url: simulator.restBaseURL + path)
    request.method = .init(rawValue: method)
    if let key { request.headers.add(name: "Authorization", value: "Bearer \(key)") }
    if let body {
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: body))
    }
    let response = try await HTTPClient.shared.execute(request, timeout: timeout)
    let buffer = try await response.body.collect(upTo: 1 << 20)
    return RestResponse(status: Int(response.status.code), body: String(buffer: buffer))
}

/// `POST /v1/orders/buy|sell` with the codec's body.
func create(_ simulator: SFOXSimulator, _ order: SFOXCreateOrder, key: String? = testKey) async throws -> RestResponse {
    try await rest(simulator, "POST", order.path, key: key, body: String(decoding: order.body(), as: UTF8.self))
}

func limitOrder(
    _ action: SFOXAction, price: ExactDecimal, quantity: ExactDecimal, clientOrderId: String, pair: String = "btcusd",
    timeInForce: SFOXTimeInForce? = nil, algorithm: SFOXAlgorithm = .limit
) -> SFOXCreateOrder {
    SFOXCreateOrder(
        action: action, currencyPair: pair, algorithm: algorithm.rawValue, price: price, quantity: quantity,
        clientOrderId: clientOrderId,
        timeInForce: timeInForce)
}

func decimal(_ text: String) -> ExactDecimal {
    ExactDecimal(text) ?? .zero
}

/// Exact arithmetic on test values (small enough never to overflow).
extension ExactDecimal {
    func plus(_ other: ExactDecimal) -> ExactDecimal { (try? adding(other)) ?? .zero }
    func minus(_ other: ExactDecimal) -> ExactDecimal { (try? subtracting(other)) ?? .zero }
    func times(_ other: ExactDecimal) -> ExactDecimal { (try? multiplied(by: other)) ?? .zero }
}

// MARK: - Books

/// Book invariants: strictly ordered sides, best bid < best ask, positive quantities, prices on the
/// tick and quantities on the lot.
func checkInvariants(_ book: SFOXOrderBook, pair: SFOXSimulatorConfiguration.Pair, depth: Int) -> [String] {
    var problems: [String] = []
    if book.bids.count > depth || book.asks.count > depth { problems.append("more than \(depth) levels") }
    for (a, b) in zip(book.bids, book.bids.dropFirst()) where a.price <= b.price {
        problems.append("bids not descending at \(a.price)")
    }
    for (a, b) in zip(book.asks, book.asks.dropFirst()) where a.price >= b.price {
        problems.append("asks not ascending at \(a.price)")
    }
    for level in book.bids + book.asks {
        if !level.quantity.isPositive { problems.append("quantity \(level.quantity) at \(level.price)") }
        if !level.price.isPositive || !isMultiple(level.price, of: pair.tickSize) {
            problems.append("price \(level.price) off the tick")
        }
        if !isMultiple(level.quantity, of: pair.lotSize) { problems.append("quantity \(level.quantity) off the lot") }
        if level.source.isEmpty { problems.append("no source at \(level.price)") }
    }
    if let bid = book.bids.first?.price, let ask = book.asks.first?.price, bid >= ask {
        problems.append("crossed book \(bid) >= \(ask)")
    }
    return problems
}

/// `value` is a whole multiple of `step` (both positive decimals).
func isMultiple(_ value: ExactDecimal, of step: ExactDecimal) -> Bool {
    let exponent = min(value.exponent, step.exponent)
    var a = value.significand
    var b = step.significand
    for _ in 0..<(value.exponent - exponent) { a *= 10 }
    for _ in 0..<(step.exponent - exponent) { b *= 10 }
    return b != 0 && a % b == 0
}
