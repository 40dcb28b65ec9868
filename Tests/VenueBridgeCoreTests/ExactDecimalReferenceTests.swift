import Testing
import VenueBridgeCore

/// ExactDecimal judged by an independent implementation: Python's `decimal`, exact at 200 digits,
/// computed the vectors in DecimalReferenceVectors.swift (scripts/generate-decimal-vectors.py).
/// The fuzz target `decimal` checks ExactDecimal's own properties; this checks its answers.
@Suite("ExactDecimal against Python's decimal")
struct ExactDecimalReferenceTests {
    @Test("parse, canonical text, sum, difference, product and order agree on every vector")
    func agreesWithPythonDecimal() throws {
        #expect(decimalReferenceVectors.count == 600)
        for (a, b, canonical, sum, difference, product, order) in decimalReferenceVectors {
            let x = try ExactDecimal(parsing: a)
            let y = try ExactDecimal(parsing: b)
            #expect(x.description == canonical, "\(a)")
            #expect(try x.adding(y).description == sum, "\(a) + \(b)")
            #expect(try x.subtracting(y).description == difference, "\(a) - \(b)")
            #expect(try x.multiplied(by: y).description == product, "\(a) × \(b)")
            #expect((x < y ? -1 : x == y ? 0 : 1) == order, "\(a) <=> \(b)")
        }
    }
}
