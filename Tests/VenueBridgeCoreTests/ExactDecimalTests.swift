import Testing
import VenueBridgeCore

@Suite("ExactDecimal")
struct ExactDecimalTests {
    @Test(
        "text round-trips exactly, canonicalized",
        arguments: [
            ("0", "0"), ("-0", "0"), ("0.000", "0"), ("1.50", "1.5"), ("100", "100"), ("-42.125", "-42.125"),
            ("0.00000001", "0.00000001"), ("65432.12345678", "65432.12345678"), ("1e3", "1000"), ("1.5E-3", "0.0015"),
            ("12345678901234567890.123456789012345678", "12345678901234567890.123456789012345678"),
            // Values that Double cannot hold exactly.
            ("0.1", "0.1"), ("9007199254740993", "9007199254740993"), ("0.30000000000000004", "0.30000000000000004"),
        ])
    func roundTrip(input: String, canonical: String) throws {
        let value = try ExactDecimal(parsing: input)
        #expect(value.description == canonical)
        #expect(try ExactDecimal(parsing: value.description) == value)
    }

    @Test(
        "malformed text is rejected with a reason",
        arguments: [
            "", "-", ".5", "5.", "1..2", "+1", "1,5", " 1", "1 ", "NaN", "inf", "0x10", "1e", "1e+", "12a",
            "123456789012345678901234567890123456789", "1e999",
        ])
    func rejects(input: String) {
        #expect(throws: ExactDecimalError.self) { try ExactDecimal(parsing: input) }
    }

    @Test("equality and ordering are numeric")
    func ordering() throws {
        #expect(try ExactDecimal(parsing: "1.50") == ExactDecimal(parsing: "1.5"))
        #expect(try ExactDecimal(parsing: "0.1") < ExactDecimal(parsing: "0.10000000000000001"))
        #expect(try ExactDecimal(parsing: "-2") < ExactDecimal(parsing: "-1.99999999"))
        #expect(try ExactDecimal(parsing: "1e30") > ExactDecimal(parsing: "0.00000000000000000000000000001"))
        let sorted = try ["3", "-1", "0.5", "2.25", "0"].map { try ExactDecimal(parsing: $0) }.sorted()
        #expect(sorted.map(\.description) == ["-1", "0", "0.5", "2.25", "3"])
    }

    @Test("scaled integers convert exactly both ways (Finery's 1e-8 units)")
    func scaled() throws {
        let value = ExactDecimal(scaled: 12_345_678_901, scale: 8)
        #expect(value.description == "123.45678901")
        #expect(value.scaledInteger(scale: 8) == 12_345_678_901)
        #expect(try ExactDecimal(parsing: "0.000000001").scaledInteger(scale: 8) == nil, "would lose a digit")
        #expect(try ExactDecimal(parsing: "100000000000000").scaledInteger(scale: 8) == nil, "overflows Int64")
        #expect(ExactDecimal(scaled: .max, scale: 8).scaledInteger(scale: 8) == .max)
    }

    @Test("arithmetic is exact and reports overflow")
    func arithmetic() throws {
        let a = try ExactDecimal(parsing: "0.1")
        let b = try ExactDecimal(parsing: "0.2")
        #expect(try a.adding(b).description == "0.3")
        #expect(try a.subtracting(b).description == "-0.1")
        #expect(
            try ExactDecimal(parsing: "65000.12345678").multiplied(by: ExactDecimal(parsing: "1000.5")).description
                == "65032623.51850839")
        let huge = ExactDecimal(significand: .max / 2, exponent: 0)
        #expect(throws: ExactDecimalError.overflow(operation: "multiply")) {
            try huge.multiplied(by: ExactDecimal(significand: 3, exponent: 0))
        }
    }

    @Test("trailing zeros are not significant digits (found by fuzzing): 41e50 survives its own text")
    func trailingZeros() {
        let value = ExactDecimal("41e50")
        #expect(value != nil)
        #expect(value.map { ExactDecimal($0.description) } == value)
        #expect(ExactDecimal("4100000000000000000000000000000000000000000000000000") == value)
        #expect(ExactDecimal("1." + String(repeating: "0", count: 60)) == ExactDecimal(1))
        #expect(ExactDecimal("10.5000") == ExactDecimal("10.5"))
        #expect(ExactDecimal("1" + String(repeating: "0", count: 37) + "1") == nil, "39 significant digits")
        #expect(ExactDecimal("0.000") == .zero && ExactDecimal("-0") == .zero)
    }
}
