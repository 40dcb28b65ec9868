import Foundation
public import Logging
import VenueBridgeCore

/// One JSON object per line on stderr, for log shippers:
/// `{"ts":"…","level":"info","logger":"…","message":"…","source":"…", <metadata>}`.
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    private let label: String

    public init(label: String, level: Logger.Level) {
        self.label = label
        self.logLevel = level
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var w = JSONWriter(capacity: 256)
        w.beginObject()
        w.key("ts")
        w.string(LogLine.timestamp())
        w.key("level")
        w.string(event.level.rawValue)
        w.key("logger")
        w.string(label)
        w.key("message")
        w.string(event.message.description)
        w.key("source")
        w.string(event.source)
        for (key, value) in LogLine.metadata(metadata, event.metadata) {
            w.key(key)
            w.string(value)
        }
        if let error = event.error {
            w.key("error")
            w.string(String(describing: error))
        }
        w.endObject()
        var line = w.bytes
        line.append(UInt8(ascii: "\n"))
        LogLine.writeToStandardError(line)
    }
}
