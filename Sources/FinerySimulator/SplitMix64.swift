import VenueBridgeCore

/// Draws the simulator needs on top of the shared generator.
extension SplitMix64 {
    /// Uniform in `0..<bound` (bound > 0).
    mutating func below(_ bound: UInt64) -> UInt64 {
        next(in: 0...(bound - 1))
    }

    /// Uniform in `range`.
    mutating func int(in range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(below(UInt64(range.upperBound - range.lowerBound + 1)))
    }

    /// True with probability `percent`/100.
    mutating func chance(_ percent: UInt64) -> Bool {
        below(100) < percent
    }
}
