import Foundation
import FuzzHarnesses
import Testing

/// Every committed corpus file (Fuzz/corpus/<target>/: the seeds, and every input a fuzz run
/// found that crashed, kept as a regression) through its harness: what was fixed stays fixed, and
/// a harness that no longer builds or runs fails here, not first in a fuzz run.
@Suite("fuzz corpora replayed")
struct FuzzCorpusTests {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../Fuzz/corpus").standardizedFileURL

    @Test(
        "every target has a corpus, and every corpus file runs through its harness",
        arguments: FuzzHarness.targets.map(\.name))
    func replay(target: String) throws {
        let run = try #require(FuzzHarness.target(named: target))
        let directory = Self.corpus.appendingPathComponent(target)
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        #expect(!files.isEmpty, "Fuzz/corpus/\(target) is empty")
        for file in files {
            let data = try Data(contentsOf: directory.appendingPathComponent(file))
            run(Array(data))
        }
    }

    @Test("frames: split at 0x1E, and length-prefixed with the inverse that seeds use")
    func frames() {
        #expect(FuzzFrames.text(Array("a\u{1E}b\u{1E}\u{1E}c".utf8)) == ["a", "b", "c"])
        let frames: [[UInt8]] = [[1, 2, 3], [], [0x1E]]
        #expect(FuzzFrames.lengthPrefixed(FuzzFrames.joinLengthPrefixed(frames)) == frames)
        #expect(FuzzFrames.lengthPrefixed([0, 9, 1]) == [[1]], "a short last frame takes what is left")
    }
}
