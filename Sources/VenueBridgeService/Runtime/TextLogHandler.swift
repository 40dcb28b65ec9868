import Foundation
public import Logging

/// Log lines for people (`log.format: text`): time, level, the message first, then its metadata as
/// `key=value` (values with spaces quoted), then where it was logged:
///
///     2026-12-03T17:29:22.417Z info venue state ready venue=finery reconnects=0 reason="backend connected" [VenueConnector]
///
/// swift-log's stream handler prints the metadata before the message, which buries what happened
/// behind what it happened to.
public struct TextLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    private let emit: @Sendable ([UInt8]) -> Void

    /// `emit` gets each whole line; by default one write(2) to stderr, so that lines from
    /// concurrent loggers never interleave. No logger label: the module in brackets says where.
    public init(level: Logger.Level, emit: (@Sendable ([UInt8]) -> Void)? = nil) {
        self.logLevel = level
        self.emit = emit ?? LogLine.writeToStandardError
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var line = LogLine.timestamp() + " \(event.level.rawValue) \(event.message.description)"
        for (key, value) in LogLine.metadata(metadata, event.metadata) {
            line += " \(key)=\(Self.quoted(value))"
        }
        if let error = event.error { line += " error=\(Self.quoted(String(describing: error)))" }
        line += " [\(event.source)]\n"
        emit(Array(line.utf8))
    }

    /// A value as it can be read back: bare when it has no space, quote or `=`, else in quotes.
    static func quoted(_ value: String) -> String {
        guard value.isEmpty || value.contains(where: { $0 == " " || $0 == "\"" || $0 == "=" }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            + "\""
    }
}
