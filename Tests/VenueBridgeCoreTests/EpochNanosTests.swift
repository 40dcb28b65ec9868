import Testing
import VenueBridgeCore

@Suite("venue epoch milliseconds")
struct EpochNanosTests {
    @Test("milliseconds become nanoseconds; negative or overflowing values are refused, never wrapped")
    func conversion() {
        #expect(epochNanos(milliseconds: 1_557_323_619_303) == 1_557_323_619_303_000_000)
        #expect(epochNanos(milliseconds: 0) == 0)
        #expect(epochNanos(milliseconds: 9_223_372_036_854) == 9_223_372_036_854_000_000)
        #expect(epochNanos(milliseconds: 9_223_372_036_855) == nil)
        #expect(epochNanos(milliseconds: .max) == nil)
        #expect(epochNanos(milliseconds: -1) == nil)
        #expect(epochNanos(milliseconds: .min) == nil)
    }
}
