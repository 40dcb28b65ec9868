public import Logging
public import VenueBridgeCore

/// Where a connector sends a frame it cannot use: counted in `vb_venue_decode_errors_total` under
/// a short stable `kind`, logged as a warning, and the session goes on. One per connector, so
/// every venue counts and logs a rejection the same way.
public struct RejectedFrames: Sendable {
    /// How much of a rejected frame is logged.
    public static let loggedFramePrefix = 256

    private let metrics: VenueConnectorMetrics
    private let logger: Logger
    private let logMessage: Logger.Message

    /// `logMessage` is the venue's warning line, e.g. "Finery frame rejected".
    public init(metrics: VenueConnectorMetrics, logger: Logger, logMessage: Logger.Message) {
        self.metrics = metrics
        self.logger = logger
        self.logMessage = logMessage
    }

    /// Counts and logs one rejection. `frame`, when given, is logged truncated; a frame that is not
    /// text (or that the caller no longer has) is left out. The log line names the caller's
    /// module, file and line, as the venue's own warning did.
    public func record(
        kind: String, detail: String, frame: String? = nil, file: String = #fileID, function: String = #function,
        line: UInt = #line
    ) {
        metrics.decodeError(kind: kind)
        var metadata: Logger.Metadata = ["kind": "\(kind)", "detail": "\(detail)"]
        if let frame { metadata["frame"] = "\(frame.prefix(Self.loggedFramePrefix))" }
        logger.warning(logMessage, metadata: metadata, file: file, function: function, line: line)
    }

    /// A frame the venue's codec refused, counted under the decode error's kind.
    public func record(
        _ error: FrameDecodeError, frame: String? = nil, file: String = #fileID, function: String = #function,
        line: UInt = #line
    ) {
        record(
            kind: error.kind.rawValue, detail: error.detail, frame: frame, file: file, function: function, line: line)
    }

    /// A message the normalizer refused, counted under the error's kind unless the venue counts its
    /// normalize failures under one label of its own (`countedAs`; sFOX and T4 documented theirs
    /// before errors had kinds, and dashboards count on them).
    public func record(
        _ error: VenueNormalizeError, countedAs label: String? = nil, file: String = #fileID,
        function: String = #function, line: UInt = #line
    ) {
        record(kind: label ?? error.kind.rawValue, detail: error.detail, file: file, function: function, line: line)
    }
}
