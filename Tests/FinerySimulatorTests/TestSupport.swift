import FinerySimulator
import FineryWire
import Foundation
// HTTPTypes and NIO come in through HummingbirdWSClient (not declared dependencies of this
// target): HTTPField.Name for the EFX headers, a raw TCP client to read refused-upgrade bodies.
import HTTPTypes
import HummingbirdWSClient
import Logging
import NIOCore
import NIOPosix
import Synchronization
import Testing
import VenueBridgeCore

let testKey = "test-key"
let testSecret = "test-secret"

struct TestTimeout: Error, CustomStringConvertible {
    var description: String
}

func nowMillis() -> UInt64 { UInt64(Date().timeIntervalSince1970 * 1000) }

private let nonces = Mutex(FineryNonceSource())

func nextNonce() -> UInt64 {
    let micros = UInt64(Date().timeIntervalSince1970 * 1_000_000)
    return nonces.withLock { $0.next(nowMicros: micros) }
}

func testLogger(_ label: String) -> Logger {
    var logger = Logger(label: label)
    logger.logLevel = .warning
    return logger
}

/// A started simulator that is always stopped, even when the body fails.
func withSimulator(
    _ configure: (inout FinerySimulatorConfiguration) -> Void = { _ in },
    _ body: (FinerySimulator) async throws -> Void
) async throws {
    var configuration = FinerySimulatorConfiguration(credentials: [testKey: testSecret, "other-key": "other-secret"])
    configure(&configuration)
    let simulator = FinerySimulator(configuration: configuration, logger: testLogger("test.sim"))
    _ = try await simulator.start()
    do {
        try await body(simulator)
    } catch {
        await simulator.stop()
        throw error
    }
    await simulator.stop()
}

/// Runs `operation`, failing with `TestTimeout` after `timeout`.
func withTimeout<T: Sendable>(_ timeout: Duration, _ what: String, _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Task.sleep(for: timeout)
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else { throw TestTimeout(description: "timed out: \(what)") }
        return value
    }
}

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

    /// The socket has ended (frames may still be waiting to be read).
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

/// A WebSocket client driving the simulator over loopback.
final class SimClient: Sendable {
    let inbox = Inbox()
    private let outgoing: AsyncStream<String>.Continuation
    private let task: Task<Void, any Error>

    init(url: String, headers: [(name: String, value: String)], autoPing: AutoPingSetup = .disabled) {
        var fields = HTTPFields()
        for header in headers {
            if let name = HTTPField.Name(header.name) { fields.append(HTTPField(name: name, value: header.value)) }
        }
        let configuration = WebSocketClientConfiguration(maxFrameSize: 1 << 20, additionalHeaders: fields, autoPing: autoPing)
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

    /// Connects with fresh, valid EFX headers.
    static func connect(_ simulator: FinerySimulator, key: String = testKey, secret: String = testSecret, autoPing: AutoPingSetup = .disabled) async -> SimClient {
        let headers = FineryAuth.upgradeHeaders(key: key, secret: secret, nonce: nextNonce(), timestamp: nowMillis())
        return SimClient(url: await simulator.url, headers: headers, autoPing: autoPing)
    }

    /// Connects and waits for the `["X",0,"Z",0]` status frame.
    static func ready(_ simulator: FinerySimulator, key: String = testKey, secret: String = testSecret) async throws -> SimClient {
        let client = await connect(simulator, key: key, secret: secret)
        let status = try await client.expect("X status") { message -> Int64? in
            if case .status(let code) = message { return code }
            return nil
        }
        #expect(status == 0)
        return client
    }

    func send(_ message: FineryClientMessage) {
        outgoing.yield(message.encoded())
    }

    func sendRaw(_ text: String) {
        outgoing.yield(text)
    }

    /// Ends the socket with a WebSocket close.
    func close() {
        outgoing.finish()
    }

    /// How the connection ended: nil while it is still open after `timeout`. (Awaiting the
    /// task's result is not cancellable, so the inbox's end is polled first.)
    func waitClosed(timeout: Duration) async -> Result<Void, any Error>? {
        let deadline = ContinuousClock.now + timeout
        while await !inbox.isClosed {
            guard ContinuousClock.now < deadline else { return nil }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return await task.result
    }

    func nextText(timeout: Duration = .seconds(5)) async -> String? {
        await inbox.next(timeout: timeout)
    }

    /// The next decodable frame.
    func next(timeout: Duration = .seconds(5)) async throws -> FineryServerMessage {
        guard let text = await inbox.next(timeout: timeout) else { throw TestTimeout(description: "no frame within \(timeout)") }
        return try FineryServerMessage.decode(text)
    }

    /// Skips frames until one matches.
    func expect<T>(_ what: String, timeout: Duration = .seconds(5), _ match: (FineryServerMessage) -> T?) async throws -> T {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            guard let text = await inbox.next(timeout: deadline - ContinuousClock.now) else { break }
            guard let message = try? FineryServerMessage.decode(text) else { continue }
            if let value = match(message) { return value }
        }
        throw TestTimeout(description: "timed out waiting for \(what)")
    }

    /// Sends a request and waits for its reply (body or error code).
    func request(_ reqId: Int64, _ method: String, _ content: JSONValue) async throws -> Reply {
        send(.request(reqId: reqId, method: method, content: content))
        return try await expect("reply \(reqId)") { message -> Reply? in
            switch message {
            case .reply(reqId, let body): .body(body)
            case .replyError(reqId, let code, _): .error(code)
            default: nil
            }
        }
    }
}

/// A request's outcome.
enum Reply: Equatable {
    case body(JSONValue)
    case error(FineryErrorCode)

    var body: JSONValue? {
        if case .body(let body) = self { return body }
        return nil
    }
}

/// Sends a raw HTTP upgrade request and returns the whole response (status line, headers, body).
func rawUpgradeResponse(port: Int, headers: [(name: String, value: String)]) async throws -> String {
    var request = "GET /ws HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    request += "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
    for header in headers { request += "\(header.name): \(header.value)\r\n" }
    request += "\r\n"
    let message = request
    return try await withTimeout(.seconds(5), "raw upgrade response") {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture { try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel) }
            }
        return try await channel.executeThenClose { inbound, outbound in
            try await outbound.write(ByteBuffer(string: message))
            var response = ""
            for try await chunk in inbound { response += String(buffer: chunk) }
            return response
        }
    }
}

/// A client-side book fed only with the frames the simulator sent: replaying them must give
/// exactly `FinerySimulator.book(_:)`.
struct LocalBook {
    var bids: [FineryLevel] = []
    var asks: [FineryLevel] = []
    var problems: [String] = []

    mutating func apply(_ message: FineryServerMessage) {
        switch message {
        case .bookSnapshot(_, let bids, let asks):
            self.bids = bids
            self.asks = asks
        case .bookUpdate(_, let bidUpdates, let askUpdates):
            for update in bidUpdates { apply(update, bid: true) }
            for update in askUpdates { apply(update, bid: false) }
        default:
            break
        }
    }

    private mutating func apply(_ update: FineryBookUpdate, bid: Bool) {
        var side = bid ? bids : asks
        let better: (UInt64, UInt64) -> Bool = bid ? { $0 > $1 } : { $0 < $1 }
        let existing = side.firstIndex { $0.price == update.price }
        switch update.action {
        case .add:
            if existing != nil { problems.append("+ on an existing level \(update.price)") }
            side.removeAll { $0.price == update.price }
            let index = side.firstIndex { better(update.price, $0.price) } ?? side.count
            side.insert(FineryLevel(price: update.price, size: update.size), at: index)
        case .modify:
            if let existing { side[existing].size = update.size } else { problems.append("M on a missing level \(update.price)") }
        case .remove:
            if let existing { side.remove(at: existing) } else { problems.append("- on a missing level \(update.price)") }
        case .truncate:
            if update.price == 0, update.size == 0 {
                side.removeAll()
            } else {
                side.removeAll { better($0.price, update.price) || $0.price == update.price }
                side.insert(FineryLevel(price: update.price, size: update.size), at: 0)
            }
        }
        if bid { bids = side } else { asks = side }
    }
}

/// Book invariants: strictly ordered sides, positive sizes, prices on the tick, no crossed book.
func checkInvariants(bids: [FineryLevel], asks: [FineryLevel], tick: UInt64, depth: Int) -> [String] {
    var problems: [String] = []
    if bids.count > depth || asks.count > depth { problems.append("more than \(depth) levels") }
    for (a, b) in zip(bids, bids.dropFirst()) where a.price <= b.price { problems.append("bids not descending at \(a.price)") }
    for (a, b) in zip(asks, asks.dropFirst()) where a.price >= b.price { problems.append("asks not ascending at \(a.price)") }
    for level in bids + asks {
        if level.size <= 0 { problems.append("size \(level.size) at \(level.price)") }
        if level.price == 0 || level.price % tick != 0 { problems.append("price \(level.price) off the tick") }
    }
    if let bid = bids.first?.price, let ask = asks.first?.price, bid >= ask { problems.append("crossed book \(bid) >= \(ask)") }
    return problems
}
