import VenueBridgeCore

/// Typed reads of one JSON object's members, each failing with the member's name in the error.
/// Decimals accept a JSON number or a numeric string (sFOX quotes some and not others) and are
/// always read from the text, never through `Double`.
struct SFOXFields {
    let members: [String: JSONValue]
    let context: String

    init(_ value: JSONValue, _ context: String) throws(SFOXDecodeError) {
        guard case .object(let members) = value else {
            throw SFOXDecodeError(.unexpectedShape, "\(context) is not an object")
        }
        self.members = members
        self.context = context
    }

    func has(_ key: String) -> Bool {
        if let value = members[key], !value.isNull { return true }
        return false
    }

    func string(_ key: String) throws(SFOXDecodeError) -> String {
        guard let value = members[key]?.string else { throw missing(key, "a string") }
        return value
    }

    func optionalString(_ key: String) -> String? { members[key]?.string }

    func decimal(_ key: String) throws(SFOXDecodeError) -> ExactDecimal {
        guard let value = members[key]?.decimal else { throw missing(key, "a decimal") }
        return value
    }

    func optionalDecimal(_ key: String) throws(SFOXDecodeError) -> ExactDecimal? {
        guard has(key) else { return nil }
        return try decimal(key)
    }

    /// A quantity: sizes, fills and volumes are never negative, and a negative one would be
    /// published as one (docs/events.md: decimal ≥ 0).
    func quantity(_ key: String) throws(SFOXDecodeError) -> ExactDecimal {
        let value = try decimal(key)
        guard !value.isNegative else {
            throw SFOXDecodeError(.invalidValue, "\(context).\(key) is negative (\(value))")
        }
        return value
    }

    func optionalQuantity(_ key: String) throws(SFOXDecodeError) -> ExactDecimal? {
        guard has(key) else { return nil }
        return try quantity(key)
    }

    /// A 64-bit id: a JSON integer or a string of digits.
    func int64(_ key: String) throws(SFOXDecodeError) -> Int64 {
        switch members[key] {
        case .number(let text)?: if let value = Int64(text) { return value }
        case .string(let text)?: if let value = Int64(text) { return value }
        default: break
        }
        throw missing(key, "a 64-bit integer")
    }

    func optionalInt64(_ key: String) throws(SFOXDecodeError) -> Int64? {
        guard has(key) else { return nil }
        return try int64(key)
    }

    /// An id that may come as a number or a string, kept as text.
    func idText(_ key: String) throws(SFOXDecodeError) -> String {
        switch members[key] {
        case .number(let text)?, .string(let text)?: return text
        default: throw missing(key, "an id")
        }
    }

    func action(_ key: String) throws(SFOXDecodeError) -> SFOXAction {
        let text = try string(key)
        guard let action = SFOXAction(wire: text) else {
            throw SFOXDecodeError(.invalidValue, "\(context).\(key): unknown action \(text)")
        }
        return action
    }

    private func missing(_ key: String, _ what: String) -> SFOXDecodeError {
        SFOXDecodeError(
            members[key] == nil ? .unexpectedShape : .invalidValue, "\(context).\(key) is missing or not \(what)")
    }
}
