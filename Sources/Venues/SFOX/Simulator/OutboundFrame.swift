import SFOXWire
import SimulatorKit
import VenueBridgeCore

typealias SimConnection = SimulatorKit.SimConnection<OutboundFrame>

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
            let reply = SFOXControlReply(
                success: success, action: action, sequence: sequence, timestamp: wallClockNanos(), feeds: feeds,
                message: message)
            return SFOXServerMessage.control(reply).encoded()
        case .data(let feed, let payload):
            sequence += 1
            return SFOXServerMessage.data(sequence: sequence, feed: feed, timestamp: wallClockNanos(), payload: payload)
                .encoded()
        }
    }
}
