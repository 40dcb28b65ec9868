import Foundation
import Testing

@testable import VenueBridgeService

/// The `# HELP` catalog, the documented metrics tables and the metric names the code registers
/// are one set: a metric added in code without help or docs, or documented but gone, fails here.
@Suite struct MetricHelpTests {
    static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Every `"vb_…"` string literal under Sources/ (metric labels are the only such literals).
    static func namesInSources() throws -> Set<String> {
        let sources = repository.appendingPathComponent("Sources")
        let pattern = try Regex(#""(vb_[a-z_]+)""#)
        var names: Set<String> = []
        let files = FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil)
        while let file = files?.nextObject() as? URL {
            guard file.pathExtension == "swift", file.lastPathComponent != "MetricHelp.swift" else { continue }
            let text = try String(contentsOf: file, encoding: .utf8)
            for match in text.matches(of: pattern) {
                if let name = match.output[1].substring { names.insert(String(name)) }
            }
        }
        return names
    }

    /// Metric names in the first column of the metrics tables of README.md and docs/commands.md.
    static func namesInDocs() throws -> Set<String> {
        let pattern = try Regex(#"`(vb_[a-z_]+)(\{[a-z_,]*\})?`"#)
        var names: Set<String> = []
        for doc in ["README.md", "docs/commands.md"] {
            let text = try String(contentsOf: repository.appendingPathComponent(doc), encoding: .utf8)
            for line in text.split(separator: "\n") where line.hasPrefix("| `vb_") {
                let firstColumn = line.dropFirst(2).prefix { $0 != "|" }
                for match in firstColumn.matches(of: pattern) {
                    if let name = match.output[1].substring { names.insert(String(name)) }
                }
            }
        }
        return names
    }

    @Test func everyRegisteredMetricHasHelp() throws {
        let missing = try Self.namesInSources().subtracting(MetricHelp.text.keys)
        #expect(missing.isEmpty, "no # HELP text in MetricHelp.text for \(missing.sorted())")
        let stale = Set(MetricHelp.text.keys).subtracting(try Self.namesInSources())
        #expect(stale.isEmpty, "MetricHelp.text names metrics no code registers: \(stale.sorted())")
    }

    @Test func everyMetricIsInTheDocsTables() throws {
        let documented = try Self.namesInDocs()
        let undocumented = Set(MetricHelp.text.keys).subtracting(documented)
        #expect(
            undocumented.isEmpty, "not in the metrics tables of README.md / docs/commands.md: \(undocumented.sorted())")
        let gone = documented.subtracting(MetricHelp.text.keys)
        #expect(gone.isEmpty, "documented but not registered: \(gone.sorted())")
    }

    @Test func annotateAddsHelpBeforeEachKnownType() {
        let exposition = Array(
            """
            # TYPE vb_redis_connected gauge
            vb_redis_connected 1
            # TYPE some_other counter
            some_other 2

            """.utf8)
        let text = String(decoding: MetricHelp.annotate(exposition), as: UTF8.self)
        #expect(
            text == """
                # HELP vb_redis_connected \(MetricHelp.text["vb_redis_connected"]!)
                # TYPE vb_redis_connected gauge
                vb_redis_connected 1
                # TYPE some_other counter
                some_other 2

                """)
    }
}
