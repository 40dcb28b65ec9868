public import VenueBridgeCore

// T4 carries prices as `Price{value: string}` and other decimals as `Decimal{value: string}` —
// decimal text in the format chosen at login (REAL: `5954.75`). They are read and written exactly,
// never through `Double`. Volumes are integer contracts (`int32` in every message the bridge uses).

extension T4proto_V1_Common_Price {
    /// A price carrying `value` in canonical text (plain notation, no trailing zeros: `5954.75`).
    public init(_ value: ExactDecimal) {
        self.init()
        self.value = value.description
    }

    /// The exact value of the price text; `.invalidValue` on empty or malformed text.
    public func exactDecimal() throws(FrameDecodeError) -> ExactDecimal {
        try T4DecimalText.parse(value, what: "Price")
    }
}

extension T4proto_V1_Common_Decimal {
    /// A decimal carrying `value` in canonical text.
    public init(_ value: ExactDecimal) {
        self.init()
        self.value = value.description
    }

    /// The exact value of the decimal text; `.invalidValue` on empty or malformed text.
    public func exactDecimal() throws(FrameDecodeError) -> ExactDecimal {
        try T4DecimalText.parse(value, what: "Decimal")
    }
}

/// Integer contract volumes ↔ the normalized quantities of our events.
public enum T4Volume {
    /// A venue volume (`int32` fields: order, fill, depth and position volumes) as a quantity.
    public static func quantity(_ contracts: Int32) -> ExactDecimal {
        ExactDecimal(Int(contracts))
    }

    /// A venue `int64` count as a quantity.
    public static func quantity(_ contracts: Int64) -> ExactDecimal {
        ExactDecimal(significand: Int128(contracts), exponent: 0)
    }

    /// A quantity as a whole number of contracts for an `int32` volume field, or nil when it has
    /// a fractional part or does not fit (the caller refuses the order; nothing is rounded).
    public static func contracts(_ quantity: ExactDecimal) -> Int32? {
        guard let whole = quantity.scaledInteger(scale: 0) else { return nil }
        return Int32(exactly: whole)
    }
}

enum T4DecimalText {
    static func parse(_ text: String, what: String) throws(FrameDecodeError) -> ExactDecimal {
        do {
            return try ExactDecimal(parsing: text)
        } catch {
            throw FrameDecodeError(.invalidValue, "\(what) \(error.description)")
        }
    }
}
