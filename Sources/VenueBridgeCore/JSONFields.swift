/// Reads the fields of one JSON object the way venues send them: numbers as JSON numbers or as
/// strings (read exactly from their text, never through a Double), 64-bit ids kept as text, and
/// every missing or ill-typed field a `FrameDecodeError` naming it.
public struct JSONFields: Sendable {
    public let value: JSONValue

    public init(_ value: JSONValue) { self.value = value }

    public func string(_ key: String) throws(FrameDecodeError) -> String {
        guard let text = value[key]?.string else {
            throw FrameDecodeError(.unexpectedShape, "\(key) missing or not text")
        }
        return text
    }

    public func optionalString(_ key: String) -> String? { value[key]?.string }

    public func decimal(_ key: String) throws(FrameDecodeError) -> ExactDecimal {
        guard let field = value[key] else { throw FrameDecodeError(.unexpectedShape, "\(key) missing") }
        guard let decimal = field.decimal else {
            throw FrameDecodeError(.invalidValue, "\(key) is not an exact decimal")
        }
        return decimal
    }

    public func optionalDecimal(_ key: String) throws(FrameDecodeError) -> ExactDecimal? {
        guard let field = value[key], !field.isNull else { return nil }
        guard let decimal = field.decimal else {
            throw FrameDecodeError(.invalidValue, "\(key) is not an exact decimal")
        }
        return decimal
    }

    /// An integer (ms timestamps) given as a number or a string.
    public func optionalInteger(_ key: String) throws(FrameDecodeError) -> Int64? {
        switch value[key] {
        case nil, .null?: return nil
        case .number(let text)?, .string(let text)?:
            guard let integer = Int64(text) else {
                throw FrameDecodeError(.invalidValue, "\(key) is not a 64-bit integer")
            }
            return integer
        default: throw FrameDecodeError(.invalidValue, "\(key) is not an integer")
        }
    }

    public func integer(_ key: String) throws(FrameDecodeError) -> Int64 {
        guard let integer = try optionalInteger(key) else { throw FrameDecodeError(.unexpectedShape, "\(key) missing") }
        return integer
    }

    /// A 64-bit id kept as its text: an integer literal (never through a Double) or a string.
    public func identifier(_ key: String) throws(FrameDecodeError) -> String {
        guard let id = try optionalIdentifier(key) else { throw FrameDecodeError(.unexpectedShape, "\(key) missing") }
        return id
    }

    public func optionalIdentifier(_ key: String) throws(FrameDecodeError) -> String? {
        switch value[key] {
        case nil, .null?: return nil
        case .string(let text)?: return text.isEmpty ? nil : text
        case .number(let text)?:
            guard UInt64(text) != nil || Int64(text) != nil else {
                throw FrameDecodeError(.invalidValue, "\(key) \(text) is not a 64-bit integer")
            }
            return text
        default: throw FrameDecodeError(.invalidValue, "\(key) is not an id")
        }
    }
}
