import BridgeTestSupport
import FinerySimulator
import FineryWire
import Foundation
import HummingbirdWSClient
// NIO for a raw TCP client that reads refused-upgrade bodies.
import NIOCore
import NIOPosix
import SimulatorTestSupport
import Synchronization
import Testing
import VenueBridgeCore

let testKey = "test-key"
let testSecret = "test-secret"

func nowMillis() -> UInt64 { UInt64(Date().timeIntervalSince1970 * 1000) }

private let nonces = Mutex(FineryNonceSource())

func nextNonce() -> UInt64 {
    let micros = UInt64(Date().timeIntervalSince1970 * 1_000_000)
    return nonces.withLock { $0.next(nowMicros: micros) }
}

/// A started simulator that is always stopped, even when the body fails.
func withSimulator(
    _ configure: (inout FinerySimulatorConfiguration) -> Void = { _ in },
    _ body: (FinerySimulator) async throws -> Void
) async throws {
    var configuration = FinerySimulatorConfiguration(credentials: [testKey: testSecret, "other-key": "other-secret"])
    configure(&configuration)
    let simulator = FinerySimulator(configuration: configuration, logger: testLogger("test.sim"))
    try await withStarted(simulator, start: { try await $0.start() }, stop: { await $0.stop() }, body)
}

/// Runs `operation`, failing with `TestTimeout` after `timeout`.
func withTimeout<T: Sendable>(
    _ timeout: Duration, _ what: String, _ operation: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Task.sleep(for: timeout)
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else {
            throw TestTimeout(description: "timed out: \(what)")
        }
        return value
    }
}

/// A WebSocket client driving the simulator over loopback.
typealias SimClient = WebSocketTestClient

extension WebSocketTestClient {
    /// Connects with fresh, valid EFX headers.
    static func connect(
        _ simulator: FinerySimulator, key: String = testKey, secret: String = testSecret,
        autoPing: AutoPingSetup = .disabled
    ) async -> SimClient {
        let headers = FineryAuth.upgradeHeaders(key: key, secret: secret, nonce: nextNonce(), timestamp: nowMillis())
        return SimClient(url: await simulator.url, headers: headers, autoPing: autoPing)
    }

    /// Connects and waits for the `["X",0,"Z",0]` status frame.
    static func ready(_ simulator: FinerySimulator, key: String = testKey, secret: String = testSecret) async throws
        -> SimClient
    {
        let client = await connect(simulator, key: key, secret: secret)
        let status = try await client.expect("X status") { message -> Int64? in
            if case .status(let code) = message { return code }
            return nil
        }
        #expect(status == 0)
        return client
    }

    func send(_ message: FineryClientMessage) {
        sendRaw(message.encoded())
    }

    /// The next frame, which must decode.
    func next(timeout: Duration = liveWait) async throws -> FineryServerMessage {
        try await next(timeout: timeout) { try FineryServerMessage.decode($0) }
    }

    /// Skips frames until one matches.
    func expect<T>(_ what: String, timeout: Duration = liveWait, _ match: (FineryServerMessage) -> T?) async throws -> T
    {
        try await expect(what, timeout: timeout, decode: { try FineryServerMessage.decode($0) }, match)
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
    return try await withTimeout(liveWait, "raw upgrade response") {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
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
            if let existing {
                side[existing].size = update.size
            } else {
                problems.append("M on a missing level \(update.price)")
            }
        case .remove:
            if let existing {
                side.remove(at: existing)
            } else {
                problems.append("- on a missing level \(update.price)")
            }
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
    for (a, b) in zip(bids, bids.dropFirst()) where a.price <= b.price {
        problems.append("bids not descending at \(a.price)")
    }
    for (a, b) in zip(asks, asks.dropFirst()) where a.price >= b.price {
        problems.append("asks not ascending at \(a.price)")
    }
    for level in bids + asks {
        if level.size <= 0 { problems.append("size \(level.size) at \(level.price)") }
        if level.price == 0 || level.price % tick != 0 { problems.append("price \(level.price) off the tick") }
    }
    if let bid = bids.first?.price, let ask = asks.first?.price, bid >= ask {
        problems.append("crossed book \(bid) >= \(ask)")
    }
    return problems
}
