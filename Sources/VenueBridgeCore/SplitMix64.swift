/// A tiny, fast, seedable PRNG (Steele, Lea & Flood's SplitMix64). Simulated books must be
/// reproducible from a seed, which `SystemRandomNumberGenerator` is not. Not for anything secret.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) {
        state = seed
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in `range` (modulo bias is irrelevant for a simulation).
    public mutating func next(in range: ClosedRange<UInt64>) -> UInt64 {
        range.lowerBound + next() % (range.upperBound - range.lowerBound + 1)
    }

    /// Uniform in `0..<bound`; a bound of 0 gives 0 rather than trapping (as the sFOX simulator's
    /// own copy of this did, which it no longer needs).
    public mutating func below(_ bound: UInt64) -> UInt64 {
        bound == 0 ? 0 : next(in: 0...(bound - 1))
    }

    /// Uniform in `range`.
    public mutating func int(in range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(below(UInt64(range.upperBound - range.lowerBound + 1)))
    }

    /// True with probability `percent`/100.
    public mutating func chance(_ percent: UInt64) -> Bool {
        below(100) < percent
    }
}
