import Foundation
import Logging

/// What the text and JSON log handlers share: the time stamp, the merged metadata in key order,
/// and the one write(2) per line that keeps lines from concurrent loggers whole.
enum LogLine {
    /// Now, ISO 8601 UTC with milliseconds.
    static func timestamp() -> String {
        Date().formatted(
            .iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted))
    }

    /// The handler's metadata overlaid with the event's, sorted by key.
    static func metadata(_ handler: Logger.Metadata, _ event: Logger.Metadata?) -> [(key: String, value: String)] {
        handler.merging(event ?? [:]) { _, new in new }.sorted { $0.key < $1.key }.map {
            ($0.key, $0.value.description)
        }
    }

    static func writeToStandardError(_ line: [UInt8]) {
        line.withUnsafeBytes { _ = write(STDERR_FILENO, $0.baseAddress, $0.count) }
    }
}
