public import BridgeTestSupport
import HTTPTypes
public import HummingbirdWSClient
public import Logging
// ByteBuffer of binary messages; it comes in through HummingbirdWSClient.
import NIOCore

// The WebSocket client the simulator suites drive their venues with. Venue-specific helpers
// (connecting with the venue's credentials, decoding its messages) live in each suite as
// extensions of `WebSocketTestClient`.

public struct TestTimeout: Error, CustomStringConvertible {
    public var description: String

    public init(description: String) {
        self.description = description
    }
}

/// A logger that stays quiet unless something goes wrong.
public func testLogger(_ label: String) -> Logger {
    var logger = Logger(label: label)
    logger.logLevel = .warning
    return logger
}

/// Runs `body` between `start` and `stop`; `stop` runs even when `body` fails, so a failing test
/// leaves no listener behind.
public func withStarted<Simulator>(
    _ simulator: Simulator, start: (Simulator) async throws -> Int, stop: (Simulator) async -> Void,
    _ body: (Simulator) async throws -> Void
) async throws {
    _ = try await start(simulator)
    do {
        try await body(simulator)
    } catch {
        await stop(simulator)
        throw error
    }
    await stop(simulator)
}

/// A WebSocket client on a simulator over loopback: sends text (or binary) frames, keeps every
/// text frame and every binary message received for the test to wait for.
public final class WebSocketTestClient: Sendable {
    private enum Outgoing: Sendable {
        case text(String)
        case binary([UInt8])
    }

    private let inbox = Inbox<String>()
    private let binaryInbox = Inbox<[UInt8]>()
    private let outgoing: AsyncStream<Outgoing>.Continuation
    private let task: Task<Void, any Error>

    public init(url: String, headers: [(name: String, value: String)] = [], autoPing: AutoPingSetup = .disabled) {
        var fields = HTTPFields()
        for header in headers {
            if let name = HTTPField.Name(header.name) { fields.append(HTTPField(name: name, value: header.value)) }
        }
        let configuration = WebSocketClientConfiguration(
            maxFrameSize: 1 << 20, additionalHeaders: fields, autoPing: autoPing)
        let (stream, continuation) = AsyncStream.makeStream(of: Outgoing.self)
        outgoing = continuation
        let inbox = inbox
        let binaryInbox = binaryInbox
        task = Task {
            do {
                try await WebSocketClient.connect(
                    url: url, configuration: configuration, logger: testLogger("test.client")
                ) { inbound, outbound, _ in
                    await withTaskGroup(of: Void.self) { group in
                        group.addTask {
                            for await item in stream {
                                do {
                                    switch item {
                                    case .text(let text): try await outbound.write(.text(text))
                                    case .binary(let bytes): try await outbound.write(.binary(ByteBuffer(bytes: bytes)))
                                    }
                                } catch { return }
                            }
                            try? await outbound.close(.normalClosure, reason: nil)
                        }
                        do {
                            for try await message in inbound.messages(maxSize: 1 << 20) {
                                switch message {
                                case .text(let text): await inbox.push(text)
                                case .binary(let buffer): await binaryInbox.push(Array(buffer.readableBytesView))
                                }
                            }
                        } catch {}
                        group.cancelAll()
                    }
                }
                await binaryInbox.finish()
                await inbox.finish()
            } catch {
                await binaryInbox.finish()
                await inbox.finish()
                throw error
            }
        }
    }

    /// Sends `text` as one text frame, as is.
    public func sendRaw(_ text: String) {
        outgoing.yield(.text(text))
    }

    /// Sends `bytes` as one binary message, as is.
    public func sendBinary(_ bytes: [UInt8]) {
        outgoing.yield(.binary(bytes))
    }

    /// The next binary message, or nil on timeout or when the socket is closed.
    public func nextBinary(timeout: Duration = liveWait) async -> [UInt8]? {
        await binaryInbox.next(timeout: timeout)
    }

    /// Ends the socket with a WebSocket close.
    public func close() {
        outgoing.finish()
    }

    /// How the connection ended: nil while it is still open after `timeout`. (Awaiting the
    /// task's result is not cancellable, so the inbox's end is polled first.)
    public func waitClosed(timeout: Duration) async -> Result<Void, any Error>? {
        let deadline = ContinuousClock.now + timeout
        while await !inbox.isClosed {
            guard ContinuousClock.now < deadline else { return nil }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return await task.result
    }

    /// The next text frame, or nil on timeout or when the socket is closed.
    public func nextText(timeout: Duration = liveWait) async -> String? {
        await inbox.next(timeout: timeout)
    }

    /// The next frame, decoded.
    public func next<Message>(timeout: Duration, decode: (String) throws -> Message) async throws -> Message {
        guard let text = await inbox.next(timeout: timeout) else {
            throw TestTimeout(description: "no frame within \(timeout)")
        }
        return try decode(text)
    }

    /// Skips frames (undecodable ones included) until one matches.
    public func expect<Message, T>(
        _ what: String, timeout: Duration, decode: (String) throws -> Message, _ match: (Message) -> T?
    ) async throws -> T {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            guard let text = await inbox.next(timeout: deadline - ContinuousClock.now) else { break }
            guard let message = try? decode(text) else { continue }
            if let value = match(message) { return value }
        }
        throw TestTimeout(description: "timed out waiting for \(what)")
    }
}

/// Received frames, waited for with a timeout.
actor Inbox<Item: Sendable> {
    private var items: [Item] = []
    private var finished = false
    private var waiter: (id: Int, continuation: CheckedContinuation<Item?, Never>)?
    private var waiterSequence = 0

    func push(_ text: Item) {
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
    func next(timeout: Duration) async -> Item? {
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
