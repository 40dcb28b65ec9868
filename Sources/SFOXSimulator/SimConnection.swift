import SFOXWire
import Synchronization
import VenueBridgeCore

/// What the venue queues for one socket. Sequence numbers and envelope timestamps are assigned by
/// the socket's writer when the frame goes out, so the counter is per connection and covers every
/// message in the order the client receives them.
enum OutboundFrame: Sendable {
    case control(success: Bool, action: String, feeds: [String], message: String?)
    case data(feed: SFOXFeed, payload: SFOXPayload)
    /// The next message skips one sequence number (test control).
    case skipSequence
    /// A text frame sent verbatim, outside the sequence (test control: malformed frames).
    case raw(String)
}

/// A bounded queue of frames for one socket. The venue actor enqueues without waiting; the
/// socket's writer task drains it. A full queue means the client reads slower than the venue
/// produces: like a real venue, the simulator then drops the client instead of buffering forever.
final class Outbox: Sendable {
    let frames: AsyncStream<OutboundFrame>
    private let continuation: AsyncStream<OutboundFrame>.Continuation

    init(limit: Int) {
        (frames, continuation) = AsyncStream.makeStream(of: OutboundFrame.self, bufferingPolicy: .bufferingOldest(max(limit, 1)))
    }

    /// False when the queue is full (the frame is dropped and the caller must disconnect the client).
    func enqueue(_ frame: OutboundFrame) -> Bool {
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

/// Turns queued frames into text, numbering them. Owned by one socket's writer task.
struct FrameEncoder {
    private(set) var sequence: Int64 = 0

    /// The text to send, or nil for a frame that only moves the counter.
    mutating func encode(_ frame: OutboundFrame) -> String? {
        switch frame {
        case .skipSequence:
            sequence += 1
            return nil
        case .raw(let text):
            return text
        case .control(let success, let action, let feeds, let message):
            sequence += 1
            let reply = SFOXControlReply(success: success, action: action, sequence: sequence, timestamp: wallClockNanos(), feeds: feeds, message: message)
            return SFOXServerMessage.control(reply).encoded()
        case .data(let feed, let payload):
            sequence += 1
            return SFOXServerMessage.data(sequence: sequence, feed: feed, timestamp: wallClockNanos(), payload: payload).encoded()
        }
    }
}

/// One WebSocket as the venue sees it.
final class SimConnection: Sendable {
    typealias ID = Int

    let id: ID
    let remoteAddress: String
    let outbox: Outbox
    /// Closes the TCP connection at once (no WebSocket close handshake).
    let abort: @Sendable () -> Void

    init(id: ID, remoteAddress: String, outbox: Outbox, abort: @escaping @Sendable () -> Void) {
        self.id = id
        self.remoteAddress = remoteAddress
        self.outbox = outbox
        self.abort = abort
    }
}

/// Lock-free counters bumped off the venue actor (socket writers, the REST responder), plus the
/// REST status histogram under a lock.
final class SimulatorCounters: Sendable {
    let connectionsAccepted = Atomic<Int>(0)
    let upgradesRefused = Atomic<Int>(0)
    let framesIn = Atomic<Int>(0)
    let framesOut = Atomic<Int>(0)
    let bookSnapshotsSent = Atomic<Int>(0)
    let malformedFramesIn = Atomic<Int>(0)
    let webSocketRequestsRefused = Atomic<Int>(0)
    let slowClientDisconnects = Atomic<Int>(0)
    let droppedCreateResponses = Atomic<Int>(0)
    let ordersCreated = Atomic<Int>(0)
    let fills = Atomic<Int>(0)
    private let restResponses = Mutex<[Int: Int]>([:])

    func countRestResponse(_ status: Int) {
        restResponses.withLock { $0[status, default: 0] += 1 }
    }

    var snapshot: SFOXSimulatorStats {
        var stats = SFOXSimulatorStats()
        stats.connectionsAccepted = connectionsAccepted.load(ordering: .relaxed)
        stats.upgradesRefused = upgradesRefused.load(ordering: .relaxed)
        stats.framesIn = framesIn.load(ordering: .relaxed)
        stats.framesOut = framesOut.load(ordering: .relaxed)
        stats.bookSnapshotsSent = bookSnapshotsSent.load(ordering: .relaxed)
        stats.malformedFramesIn = malformedFramesIn.load(ordering: .relaxed)
        stats.webSocketRequestsRefused = webSocketRequestsRefused.load(ordering: .relaxed)
        stats.slowClientDisconnects = slowClientDisconnects.load(ordering: .relaxed)
        stats.droppedCreateResponses = droppedCreateResponses.load(ordering: .relaxed)
        stats.ordersCreated = ordersCreated.load(ordering: .relaxed)
        stats.fills = fills.load(ordering: .relaxed)
        stats.restResponses = restResponses.withLock { $0 }
        return stats
    }
}

/// Timestamps of recent events in a sliding window (rate limits).
struct SlidingWindow: Sendable {
    private var times: [ContinuousClock.Instant] = []

    /// Records an event at `now` and returns true when fewer than `limit` events happened in the
    /// last `window`; otherwise records nothing and returns false.
    mutating func admit(limit: Int, window: Duration, now: ContinuousClock.Instant) -> Bool {
        if let index = times.firstIndex(where: { now - $0 < window }) {
            if index > 0 { times.removeFirst(index) }
        } else {
            times.removeAll(keepingCapacity: true)
        }
        guard times.count < max(limit, 0) else { return false }
        times.append(now)
        return true
    }

    mutating func reset() {
        times.removeAll()
    }
}
