/// A tiny, fast, seedable PRNG (Steele, Lea & Flood's SplitMix64): the simulator's books must be
/// reproducible from a seed, which `SystemRandomNumberGenerator` is not.
struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in `0..<bound` (bound > 0). The modulo bias is irrelevant for a simulator.
    mutating func below(_ bound: UInt64) -> UInt64 {
        next() % bound
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
