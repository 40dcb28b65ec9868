import AsyncHTTPClient
import HummingbirdWSClient
import Logging
import NIOCore
import NIOPosix
import SFOXSimulator
import SFOXWire
import Testing
import VenueBridgeCore

let testKey = "test-key"
let otherKey = "other-key"

struct TestTimeout: Error, CustomStringConvertible {
    var description: String
}

func testLogger(_ label: String) -> Logger {
    var logger = Logger(label: label)
    logger.logLevel = .warning
    return logger
}

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
    _ = try await simulator.start()
    do {
        try await body(simulator)
    } catch {
        await simulator.stop()
        throw error
    }
    await simulator.stop()
}

// MARK: - WebSocket

/// Received frames, waited for with a timeout.
actor Inbox {
    private var items: [String] = []
    private var finished = false
    private var waiter: (id: Int, continuation: CheckedContinuation<String?, Never>)?
    private var waiterSequence = 0

    func push(_ text: String) {
        if let waiter {
            self.waiter = nil
            waiter.continuation.resume(returning: text)
        } else {
            items.append(text)
        }
    }

    func finish() {
        finished = true
        if let waiter {
            self.waiter = nil
            waiter.continuation.resume(returning: nil)
        }
    }

    var isClosed: Bool { finished }

    /// The next frame, or nil on timeout or when the socket is closed.
    func next(timeout: Duration) async -> String? {
        if !items.isEmpty { return items.removeFirst() }
        if finished { return nil }
        waiterSequence += 1
        let id = waiterSequence
        return await withCheckedContinuation { continuation in
            waiter = (id, continuation)
            Task {
                try? await Task.sleep(for: timeout)
                self.expire(id)
            }
        }
    }

    private func expire(_ id: Int) {
        guard let waiter, waiter.id == id else { return }
        self.waiter = nil
        waiter.continuation.resume(returning: nil)
    }
}

/// A WebSocket client on the simulator's `/ws`.
final class WSClient: Sendable {
    let inbox = Inbox()
    private let outgoing: AsyncStream<String>.Continuation
    private let task: Task<Void, any Error>

    init(url: String) {
        let configuration = WebSocketClientConfiguration(maxFrameSize: 1 << 20)
        let (stream, continuation) = AsyncStream.makeStream(of: String.self)
        outgoing = continuation
        let inbox = inbox
        task = Task {
            do {
                try await WebSocketClient.connect(url: url, configuration: configuration, logger: testLogger("test.client")) { inbound, outbound, _ in
                    await withTaskGroup(of: Void.self) { group in
                        group.addTask {
                            for await text in stream {
                                do { try await outbound.write(.text(text)) } catch { return }
                            }
                            try? await outbound.close(.normalClosure, reason: nil)
                        }
                        do {
                            for try await message in inbound.messages(maxSize: 1 << 20) {
                                if case .text(let text) = message { await inbox.push(text) }
                            }
                        } catch {}
                        group.cancelAll()
                    }
                }
                await inbox.finish()
            } catch {
                await inbox.finish()
                throw error
            }
        }
    }

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

    func send(_ message: SFOXClientMessage) {
        outgoing.yield(message.encoded())
    }

    func sendRaw(_ text: String) {
        outgoing.yield(text)
    }

    func close() {
        outgoing.finish()
    }

    /// True once the socket has ended, false if it is still open after `timeout`.
    func waitClosed(timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while await !inbox.isClosed {
            guard ContinuousClock.now < deadline else { return false }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return true
    }

    func nextText(timeout: Duration = .seconds(5)) async throws -> String {
        guard let text = await inbox.next(timeout: timeout) else { throw TestTimeout(description: "no frame within \(timeout)") }
        return text
    }

    func next(timeout: Duration = .seconds(5)) async throws -> SFOXServerMessage {
        try SFOXServerMessage.decode(try await nextText(timeout: timeout))
    }

    /// The next message, which must be a control reply.
    func control(timeout: Duration = .seconds(5)) async throws -> SFOXControlReply {
        let message = try await next(timeout: timeout)
        guard case .control(let reply) = message else { throw TestTimeout(description: "expected a control reply, got \(message)") }
        return reply
    }

    /// The next message, which must be data on `feed`.
    func data(_ feed: SFOXFeed, timeout: Duration = .seconds(5)) async throws -> SFOXPayload {
        let message = try await next(timeout: timeout)
        guard case .data(_, let received, _, let payload) = message, received == feed else {
            throw TestTimeout(description: "expected data on \(feed), got \(message)")
        }
        return payload
    }

    /// Skips messages until one matches.
    func expect<T>(_ what: String, timeout: Duration = .seconds(5), _ match: (SFOXServerMessage) -> T?) async throws -> T {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            guard let text = await inbox.next(timeout: deadline - ContinuousClock.now) else { break }
            guard let message = try? SFOXServerMessage.decode(text) else { continue }
            if let value = match(message) { return value }
        }
        throw TestTimeout(description: "timed out waiting for \(what)")
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
    let upgrade = "GET /ws HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    try await channel.writeAndFlush(ByteBuffer(string: upgrade)).get()
    // Let the upgrade complete before the first frame.
    try await Task.sleep(for: .milliseconds(200))
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
func rest(_ simulator: SFOXSimulator, _ method: String, _ path: String, key: String? = testKey, body: String? = nil,
          timeout: TimeAmount = .seconds(5)) async throws -> RestResponse {
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

func limitOrder(_ action: SFOXAction, price: ExactDecimal, quantity: ExactDecimal, clientOrderId: String, pair: String = "btcusd",
                timeInForce: SFOXTimeInForce? = nil, algorithm: SFOXAlgorithm = .limit) -> SFOXCreateOrder {
    SFOXCreateOrder(action: action, currencyPair: pair, algorithm: algorithm.rawValue, price: price, quantity: quantity, clientOrderId: clientOrderId,
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
    for (a, b) in zip(book.bids, book.bids.dropFirst()) where a.price <= b.price { problems.append("bids not descending at \(a.price)") }
    for (a, b) in zip(book.asks, book.asks.dropFirst()) where a.price >= b.price { problems.append("asks not ascending at \(a.price)") }
    for level in book.bids + book.asks {
        if !level.quantity.isPositive { problems.append("quantity \(level.quantity) at \(level.price)") }
        if !level.price.isPositive || !isMultiple(level.price, of: pair.tickSize) { problems.append("price \(level.price) off the tick") }
        if !isMultiple(level.quantity, of: pair.lotSize) { problems.append("quantity \(level.quantity) off the lot") }
        if level.source.isEmpty { problems.append("no source at \(level.price)") }
    }
    if let bid = book.bids.first?.price, let ask = book.asks.first?.price, bid >= ask { problems.append("crossed book \(bid) >= \(ask)") }
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
