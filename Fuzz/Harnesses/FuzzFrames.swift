/// How one fuzz input becomes a sequence of venue frames: the crashes found by hand were in what a
/// connector does with the second and later frames (a book keeper, an order tracker), so every
/// venue harness feeds several frames to one keeper.
public enum FuzzFrames {
    /// Text protocols: frames separated by 0x1E (ASCII record separator, never in a JSON text a
    /// venue sends unescaped), at most `limit` of them.
    public static func text(_ data: [UInt8], limit: Int = 64) -> [String] {
        data.split(separator: 0x1E, maxSplits: limit - 1, omittingEmptySubsequences: true).map {
            String(decoding: $0, as: UTF8.self)
        }
    }

    /// Binary protocols: each frame a 2-byte big-endian length and that many bytes (a short last
    /// frame takes what is left), at most `limit` of them.
    public static func lengthPrefixed(_ data: [UInt8], limit: Int = 64) -> [[UInt8]] {
        var frames: [[UInt8]] = []
        var index = 0
        while index + 2 <= data.count, frames.count < limit {
            let length = Int(data[index]) << 8 | Int(data[index + 1])
            let start = index + 2
            let end = min(start + length, data.count)
            frames.append(Array(data[start..<end]))
            index = end
        }
        return frames
    }

    /// The inverse of `lengthPrefixed`, for seed corpora.
    public static func joinLengthPrefixed(_ frames: [[UInt8]]) -> [UInt8] {
        var out: [UInt8] = []
        for frame in frames {
            let length = min(frame.count, 0xFFFF)
            out += [UInt8(length >> 8), UInt8(length & 0xFF)] + frame.prefix(length)
        }
        return out
    }
}

/// A harness found input the code under test must never accept or produce: a crash in the fuzzer
/// (with the input saved), a failed test in the corpus replay.
public func fuzzCheck(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
    if !condition() { fatalError("fuzz invariant: \(message())") }
}
