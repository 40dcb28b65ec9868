/// Why a frame or body could not be decoded. `kind` is a short stable label for the decode-error
/// metric; `detail` says what was wrong for the log (the frame itself is logged truncated by the
/// caller).
public struct SFOXDecodeError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        case invalidJSON = "invalid_json"
        case unexpectedShape = "unexpected_shape"
        case unknownMessage = "unknown_message"
        case invalidValue = "invalid_value"
    }

    public var kind: Kind
    public var detail: String

    public init(_ kind: Kind, _ detail: String) {
        self.kind = kind
        self.detail = detail
    }

    public var description: String { "\(kind.rawValue): \(detail)" }
}
