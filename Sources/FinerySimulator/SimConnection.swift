import Synchronization

/// A bounded queue of encoded frames for one socket. The venue actor enqueues without waiting;
/// the socket's writer task drains it. A full queue means the client reads slower than the venue
/// produces: like a real venue, the simulator then drops the client instead of buffering forever.
final class Outbox: Sendable {
    let frames: AsyncStream<String>
    private let continuation: AsyncStream<String>.Continuation

    init(limit: Int) {
        (frames, continuation) = AsyncStream.makeStream(of: String.self, bufferingPolicy: .bufferingOldest(max(limit, 1)))
    }

    /// False when the queue is full (the frame is dropped and the caller must disconnect the client).
    func enqueue(_ frame: String) -> Bool {
        switch continuation.yield(frame) {
        case .enqueued, .terminated: true
        case .dropped: false
        @unknown default: false
        }
    }

    func finish() {
        continuation.finish()
    }
}

/// When the last inbound frame (any opcode, pings included) arrived on a socket.
final class InboundActivity: Sendable {
    private let last = Mutex(ContinuousClock.now)

    func touch() {
        let now = ContinuousClock.now
        last.withLock { $0 = now }
    }

    var idleFor: Duration {
        let since = last.withLock { $0 }
        return ContinuousClock.now - since
    }
}

/// One authenticated socket as the venue sees it.
final class SimConnection: Sendable {
    typealias ID = Int

    let id: ID
    let apiKey: String
    let outbox: Outbox
    /// Closes the TCP connection at once (no WebSocket close handshake).
    let abort: @Sendable () -> Void

    init(id: ID, apiKey: String, outbox: Outbox, abort: @escaping @Sendable () -> Void) {
        self.id = id
        self.apiKey = apiKey
        self.outbox = outbox
        self.abort = abort
    }
}
