internal import SwiftProtobuf
public import VenueBridgeCore

/// T4 framing: one serialized `ClientMessage` per binary WebSocket message from the client, one
/// serialized `ServerMessage` per binary message from the venue. No length prefix, no
/// subprotocol.
///
/// A venue message may arrive split over WebSocket continuation frames. The WebSocket libraries
/// the bridge uses (HummingbirdWSClient in the connector, HummingbirdWebSocket in the simulator)
/// join the fragments and hand over one complete message, so every function here takes a whole
/// message; never call `decode…` on a single continuation frame.
///
/// Decoding is forward compatible: fields this subset does not know (newer venue fields, or
/// messages outside the subset) are kept in `unknownFields`, never an error. An envelope whose
/// payload this subset does not model (e.g. `market_high_low`, `account_profit`) decodes with
/// `payload == nil`; callers ignore it.
public enum T4Frame {
    // MARK: Client side (connector)

    /// The bytes of one binary WebSocket message carrying `message`.
    public static func encode(_ message: T4ClientMessage) -> [UInt8] {
        serialize(message)
    }

    /// Decodes one whole binary WebSocket message from the venue.
    public static func decodeServer(_ bytes: [UInt8]) throws(FrameDecodeError) -> T4ServerMessage {
        try parse(T4ServerMessage.self, bytes)
    }

    // MARK: Server side (simulator)

    /// The bytes of one binary WebSocket message carrying `message` (simulator → client).
    public static func encode(_ message: T4ServerMessage) -> [UInt8] {
        serialize(message)
    }

    /// Decodes one whole binary WebSocket message from a client (in the simulator).
    public static func decodeClient(_ bytes: [UInt8]) throws(FrameDecodeError) -> T4ClientMessage {
        try parse(T4ClientMessage.self, bytes)
    }

    // MARK: -

    private static func serialize(_ message: some SwiftProtobuf.Message) -> [UInt8] {
        do {
            return try message.serializedBytes()
        } catch {
            // proto3 has no required fields and these messages hold no `Any`: binary encoding
            // can only fail on a message over 2 GiB, which no caller can build by accident.
            preconditionFailure("T4 message could not be serialized: \(error)")
        }
    }

    private static func parse<M: SwiftProtobuf.Message>(_ type: M.Type, _ bytes: [UInt8]) throws(FrameDecodeError) -> M
    {
        do {
            return try M(serializedBytes: bytes)
        } catch let error as BinaryDecodingError {
            throw mapDecodingError(error, type: M.protoMessageName, count: bytes.count)
        } catch {
            throw FrameDecodeError(.unexpectedShape, "\(M.protoMessageName) (\(bytes.count) bytes): \(error)")
        }
    }

    static func mapDecodingError(_ error: BinaryDecodingError, type: String, count: Int) -> FrameDecodeError {
        let context = "\(type) (\(count) bytes)"
        switch error {
        case .invalidUTF8:
            return FrameDecodeError(.invalidValue, "\(context): string field is not valid UTF-8")
        case .missingRequiredFields:
            return FrameDecodeError(.invalidValue, "\(context): missing required fields")
        case .truncated:
            return FrameDecodeError(.unexpectedShape, "\(context): truncated protobuf")
        case .malformedProtobuf:
            return FrameDecodeError(.unexpectedShape, "\(context): malformed protobuf")
        case .messageDepthLimit:
            return FrameDecodeError(.unexpectedShape, "\(context): nested too deeply")
        default:
            return FrameDecodeError(.unexpectedShape, "\(context): \(error)")
        }
    }
}
