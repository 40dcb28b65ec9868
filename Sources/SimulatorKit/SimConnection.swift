public import HummingbirdWebSocket

/// A bounded queue of frames for one socket. The venue actor enqueues without waiting; the
/// socket's writer task drains it. A full queue means the client reads slower than the venue
/// produces: like a real venue, the simulator then drops the client instead of buffering forever.
public final class Outbox<Frame: Sendable>: Sendable {
    public let frames: AsyncStream<Frame>
    /// How many frames may wait.
    public let limit: Int
    private let continuation: AsyncStream<Frame>.Continuation

    public init(limit: Int) {
        self.limit = max(limit, 1)
        (frames, continuation) = AsyncStream.makeStream(of: Frame.self, bufferingPolicy: .bufferingOldest(self.limit))
    }

    /// False when the queue is full (the frame is dropped and the caller must disconnect the client).
    public func enqueue(_ frame: Frame) -> Bool {
        switch continuation.yield(frame) {
        case .enqueued, .terminated: true
        case .dropped: false
        @unknown default: false
        }
    }

    public func finish() {
        continuation.finish()
    }
}

/// One open socket as the venue sees it: its id, its outbound queue, and how to cut it.
public final class SimConnection<Frame: Sendable>: Sendable {
    public typealias ID = Int

    public let id: ID
    public let outbox: Outbox<Frame>
    /// Closes the TCP connection at once (no WebSocket close handshake).
    public let abort: @Sendable () -> Void

    public init(id: ID, queueLimit: Int, abort: @escaping @Sendable () -> Void) {
        self.id = id
        outbox = Outbox(limit: queueLimit)
        self.abort = abort
    }

    /// The socket's writer: sends the queued frames in order until the queue is finished, the
    /// task is cancelled, or a write fails (the socket is gone). `encode` turns a frame into the
    /// text sent, or nil for a frame that is not sent.
    public func writeFrames(to outbound: WebSocketOutboundWriter, counters: SocketCounters, encode: (Frame) -> String?)
        async
    {
        for await frame in outbox.frames {
            guard let text = encode(frame) else { continue }
            do { try await outbound.write(.text(text)) } catch { break }
            counters.framesOut.add(1, ordering: .relaxed)
        }
    }
}
