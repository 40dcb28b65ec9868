/// Why a venue frame (or REST body) could not be decoded. Carries enough to log (callers log the
/// frame itself, truncated) and a stable `kind` for the decode-error metric label. Every venue
/// codec uses it under its own name (`FineryDecodeError`, `SFOXDecodeError`).
public struct FrameDecodeError: Error, Sendable, Equatable, CustomStringConvertible {
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
