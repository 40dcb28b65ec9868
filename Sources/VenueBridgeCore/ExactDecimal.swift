/// An exact base-10 number: `significand × 10^exponent`.
///
/// Prices and quantities travel as text (venue JSON, our events) and as scaled integers
/// (Finery's 1e-8 units). Neither may pass through `Double`. Foundation's `Decimal` would be
/// exact too, but its parsing is locale-aware and its text form differs between platforms; this
/// type parses and prints one strict grammar, byte for byte, on the hot path.
///
/// Values are kept normalized (no trailing zeros in the significand), so equal numbers have equal
/// representations and the synthesized `Equatable`/`Hashable` are numeric equality: `"1.50" == "1.5"`.
public struct ExactDecimal: Sendable, Hashable {
    /// Up to 38 significant digits fit in `Int128`.
    public static let maxSignificantDigits = 38
    /// Exponents beyond this are never seen in market data and would only hide typos.
    public static let maxExponentMagnitude = 64

    public private(set) var significand: Int128
    public private(set) var exponent: Int

    public static let zero = ExactDecimal(normalizing: 0, exponent: 0)

    /// `significand × 10^exponent`, normalized.
    public init(significand: Int128, exponent: Int) {
        self.init(normalizing: significand, exponent: exponent)
    }

    /// A venue's scaled integer, e.g. Finery's `12345678` with `scale: 8` is `0.12345678`.
    public init(scaled value: Int64, scale: Int) {
        self.init(normalizing: Int128(value), exponent: -scale)
    }

    public init(_ value: Int) {
        self.init(normalizing: Int128(value), exponent: 0)
    }

    private init(normalizing significand: Int128, exponent: Int) {
        var s = significand
        var e = exponent
        if s == 0 {
            e = 0
        } else if let small = Int64(exactly: s) {
            // Int128 division is a library call; nearly every venue number fits in 64 bits.
            var t = small
            while t % 10 == 0 {
                t /= 10
                e += 1
            }
            s = Int128(t)
        } else {
            while s % 10 == 0 {
                s /= 10
                e += 1
            }
        }
        self.significand = s
        self.exponent = e
    }

    public var isZero: Bool { significand == 0 }
    public var isNegative: Bool { significand < 0 }
    public var isPositive: Bool { significand > 0 }

    /// The value as an integer count of `10^-scale` units, or nil when that is not exact
    /// (digits would be lost) or does not fit in `Int64`.
    public func scaledInteger(scale: Int) -> Int64? {
        let shift = exponent + scale
        if shift >= 0 {
            guard let factor = Self.powerOfTen(shift) else { return nil }
            let (product, overflow) = significand.multipliedReportingOverflow(by: factor)
            guard !overflow else { return nil }
            return Int64(exactly: product)
        }
        // A normalized significand has no trailing zeros, so a negative shift always loses digits.
        return nil
    }

    /// True when `self` is a whole multiple of `step` (e.g. a price on its tick). False for a zero
    /// step, and when the scaled values do not fit (no number that large is a tick multiple we use).
    public func isMultiple(of step: ExactDecimal) -> Bool {
        guard !step.isZero else { return false }
        if isZero { return true }
        let common = Swift.min(exponent, step.exponent)
        guard let scaleSelf = Self.powerOfTen(exponent - common),
            let scaleStep = Self.powerOfTen(step.exponent - common)
        else { return false }
        let (a, overflowA) = significand.multipliedReportingOverflow(by: scaleSelf)
        let (b, overflowB) = step.significand.multipliedReportingOverflow(by: scaleStep)
        guard !overflowA, !overflowB else { return false }
        return a % b == 0
    }

    /// Number of digits after the decimal point in the canonical text form.
    public var fractionDigits: Int { Swift.max(0, -exponent) }

    static func powerOfTen(_ n: Int) -> Int128? {
        guard n >= 0, n <= 38 else { return nil }
        var result: Int128 = 1
        for _ in 0..<n { result *= 10 }
        return result
    }
}

// MARK: - Arithmetic (exact, or an error — never silently rounded)

public enum ExactDecimalError: Error, Equatable, Sendable, CustomStringConvertible {
    case overflow(operation: String)
    case invalidText(String, reason: String)

    public var description: String {
        switch self {
        case .overflow(let operation): "decimal overflow in \(operation)"
        case .invalidText(let text, let reason): "invalid decimal \"\(text.prefix(64))\": \(reason)"
        }
    }
}

extension ExactDecimal {
    /// Both significands brought to the smaller exponent; nil if that overflows.
    private static func aligned(_ a: ExactDecimal, _ b: ExactDecimal) -> (Int128, Int128, Int)? {
        if a.exponent == b.exponent { return (a.significand, b.significand, a.exponent) }
        if a.exponent > b.exponent {
            guard let f = powerOfTen(a.exponent - b.exponent) else { return nil }
            let (s, o) = a.significand.multipliedReportingOverflow(by: f)
            return o ? nil : (s, b.significand, b.exponent)
        }
        guard let f = powerOfTen(b.exponent - a.exponent) else { return nil }
        let (s, o) = b.significand.multipliedReportingOverflow(by: f)
        return o ? nil : (a.significand, s, a.exponent)
    }

    public func adding(_ other: ExactDecimal) throws(ExactDecimalError) -> ExactDecimal {
        guard let (x, y, e) = Self.aligned(self, other) else { throw .overflow(operation: "add") }
        let (s, o) = x.addingReportingOverflow(y)
        guard !o else { throw .overflow(operation: "add") }
        return ExactDecimal(normalizing: s, exponent: e)
    }

    public func subtracting(_ other: ExactDecimal) throws(ExactDecimalError) -> ExactDecimal {
        try adding(other.negated())
    }

    public func multiplied(by other: ExactDecimal) throws(ExactDecimalError) -> ExactDecimal {
        let (s, o) = significand.multipliedReportingOverflow(by: other.significand)
        guard !o else { throw .overflow(operation: "multiply") }
        return ExactDecimal(normalizing: s, exponent: exponent + other.exponent)
    }

    public func negated() -> ExactDecimal {
        ExactDecimal(normalizing: -significand, exponent: exponent)
    }
}

extension ExactDecimal: Comparable {
    public static func < (lhs: ExactDecimal, rhs: ExactDecimal) -> Bool {
        if let (x, y, _) = aligned(lhs, rhs) { return x < y }
        // Aligning overflowed: the side with the larger exponent has a magnitude beyond Int128,
        // so it is larger in magnitude than the other; its sign decides.
        if lhs.exponent > rhs.exponent { return lhs.significand < 0 }
        return rhs.significand > 0
    }
}

// MARK: - Text

extension ExactDecimal {
    /// Parses the strict grammar `-?digits(.digits)?([eE][+-]?digits)?` — the JSON number grammar,
    /// which also covers every venue's decimal strings. No locale, no whitespace, no `+`, no NaN.
    public init(parsing text: some StringProtocol) throws(ExactDecimalError) {
        var string = String(text)
        let parsed = string.withUTF8 { Self.parse($0) }
        switch parsed {
        case .success(let value): self = value
        case .failure(let reason): throw .invalidText(String(text), reason: reason.rawValue)
        }
    }

    /// Failable convenience for call sites that report their own error.
    public init?(_ text: some StringProtocol) {
        guard let value = try? ExactDecimal(parsing: text) else { return nil }
        self = value
    }

    /// Parses raw UTF-8 bytes (e.g. a slice of a venue frame) without building a String.
    public init(utf8 bytes: UnsafeBufferPointer<UInt8>) throws(ExactDecimalError) {
        switch Self.parse(bytes) {
        case .success(let value): self = value
        case .failure(let reason):
            throw .invalidText(String(decoding: bytes, as: UTF8.self), reason: reason.rawValue)
        }
    }

    enum ParseFailure: String, Error {
        case empty = "empty"
        case badCharacter = "unexpected character"
        case noDigits = "no digits"
        case tooManyDigits = "more than 38 significant digits"
        case exponentOutOfRange = "exponent out of range"
    }

    static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> Result<ExactDecimal, ParseFailure> {
        let zero = UInt8(ascii: "0")
        let nine = UInt8(ascii: "9")
        var i = 0
        let n = bytes.count
        guard n > 0 else { return .failure(.empty) }
        var negative = false
        if bytes[0] == UInt8(ascii: "-") {
            negative = true
            i = 1
        }
        // Digits accumulate in 64 bits while they fit (18 digits), then in 128.
        var small: UInt64 = 0
        var significand: Int128 = 0
        var significantDigits = 0
        var exponent = 0
        var sawDigit = false
        var afterPoint = false
        // Zeros after the last non-zero digit are held back: trailing zeros are not significant
        // ("41" followed by fifty zeros is 41e50, two digits), so they count only if another
        // non-zero digit follows; those left at the end move the exponent instead.
        var heldZeros = 0
        func append(_ digit: UInt8) -> Bool {
            significantDigits += 1
            guard significantDigits <= maxSignificantDigits else { return false }
            if significantDigits <= 18 {
                small = small &* 10 &+ UInt64(digit)
            } else {
                if significantDigits == 19 { significand = Int128(small) }
                significand = significand * 10 + Int128(digit)
            }
            return true
        }
        while i < n {
            let c = bytes[i]
            if c >= zero && c <= nine {
                sawDigit = true
                let digit = c &- zero
                if afterPoint { exponent -= 1 }
                if digit == 0 {
                    // Leading zeros are nothing; later ones wait for a non-zero digit.
                    if small != 0 || significand != 0 { heldZeros += 1 }
                } else {
                    while heldZeros > 0 {
                        guard append(0) else { return .failure(.tooManyDigits) }
                        heldZeros -= 1
                    }
                    guard append(digit) else { return .failure(.tooManyDigits) }
                }
            } else if c == UInt8(ascii: ".") && !afterPoint {
                guard sawDigit else { return .failure(.noDigits) }
                afterPoint = true
            } else if c == UInt8(ascii: "e") || c == UInt8(ascii: "E") {
                break
            } else {
                return .failure(.badCharacter)
            }
            i += 1
        }
        guard sawDigit, bytes[i - 1] != UInt8(ascii: ".") else { return .failure(.noDigits) }
        exponent += heldZeros
        if i < n {
            // Exponent part.
            i += 1
            var expNegative = false
            if i < n && (bytes[i] == UInt8(ascii: "-") || bytes[i] == UInt8(ascii: "+")) {
                expNegative = bytes[i] == UInt8(ascii: "-")
                i += 1
            }
            guard i < n else { return .failure(.noDigits) }
            var e = 0
            while i < n {
                let c = bytes[i]
                guard c >= zero && c <= nine else { return .failure(.badCharacter) }
                e = e * 10 + Int(c &- zero)
                guard e <= 1000 else { return .failure(.exponentOutOfRange) }
                i += 1
            }
            exponent += expNegative ? -e : e
        }
        if significantDigits <= 18 { significand = Int128(small) }
        let value = ExactDecimal(normalizing: negative ? -significand : significand, exponent: exponent)
        guard abs(value.exponent) <= maxExponentMagnitude else { return .failure(.exponentOutOfRange) }
        return .success(value)
    }

    /// Appends the canonical text (plain notation, no exponent, no trailing zeros) to `out`.
    public func write(to out: inout [UInt8]) {
        if significand < 0 { out.append(UInt8(ascii: "-")) }
        // Digits of |significand| into a 40-byte scratch, least significant last. Int128.min cannot
        // occur: parsing caps significands at 38 digits.
        var scratch: (UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0)
        let count = withUnsafeMutableBytes(of: &scratch) { raw in
            // Prices and sizes fit in 64 bits; Int128 division is a slow library call, so only
            // the rare wide value takes that path.
            if let small = UInt64(exactly: significand.magnitude) {
                return Self.writeDigits(small, into: raw)
            }
            var magnitude = significand.magnitude
            var c = 0
            repeat {
                raw[39 - c] = UInt8(ascii: "0") &+ UInt8(magnitude % 10)
                magnitude /= 10
                c += 1
            } while magnitude != 0
            return c
        }
        withUnsafeBytes(of: &scratch) { raw in
            let digitBytes = raw[(40 - count)...]
            if exponent >= 0 {
                out.append(contentsOf: digitBytes)
                for _ in 0..<exponent { out.append(UInt8(ascii: "0")) }
            } else {
                let fraction = -exponent
                if count > fraction {
                    let intEnd = digitBytes.startIndex + (count - fraction)
                    out.append(contentsOf: digitBytes[..<intEnd])
                    out.append(UInt8(ascii: "."))
                    out.append(contentsOf: digitBytes[intEnd...])
                } else {
                    out.append(UInt8(ascii: "0"))
                    out.append(UInt8(ascii: "."))
                    for _ in 0..<(fraction - count) { out.append(UInt8(ascii: "0")) }
                    out.append(contentsOf: digitBytes)
                }
            }
        }
    }

    /// Writes the decimal digits of `value` right-aligned at the end of `raw`; returns how many.
    static func writeDigits(_ value: UInt64, into raw: UnsafeMutableRawBufferPointer) -> Int {
        var v = value
        var c = 0
        repeat {
            raw[raw.count - 1 - c] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: v % 10)
            v /= 10
            c += 1
        } while v != 0
        return c
    }
}

extension ExactDecimal: CustomStringConvertible, LosslessStringConvertible {
    public var description: String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(24)
        write(to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }
}

extension ExactDecimal: ExpressibleByIntegerLiteral {
    public init(integerLiteral value: Int) { self.init(value) }
}

/// Decimals are strings on the wire (JSON numbers would be read as Double by most consumers).
extension ExactDecimal: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do {
            self = try ExactDecimal(parsing: text)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
