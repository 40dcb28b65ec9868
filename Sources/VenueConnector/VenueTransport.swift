public import Logging

/// How a supervisor reaches its venue: dial once, hand the session the connection's frames and a
/// writer, and watch the link; return when the session returns. The supervisor decides everything
/// else (handshake deadline, reconnects, backoff, stop), the same way over every transport.
public protocol VenueTransport: Sendable {
    /// Runs `session` on a fresh connection opened with `headers`. Throws a `VenueLinkError` for
    /// link failures (refused, timed out, dead, closed by the venue) and rethrows the session's own.
    func connect(headers: [(name: String, value: String)], session: @escaping VenueLink.Session) async throws
}

/// The production transport: a WebSocket per connection (`VenueLink`).
public struct WebSocketTransport: VenueTransport {
    public let settings: VenueLinkSettings
    let metrics: VenueConnectorMetrics
    let logger: Logger

    public init(settings: VenueLinkSettings, metrics: VenueConnectorMetrics, logger: Logger) {
        self.settings = settings
        self.metrics = metrics
        self.logger = logger
    }

    public func connect(headers: [(name: String, value: String)], session: @escaping VenueLink.Session) async throws {
        try await VenueLink.run(
            settings: settings, headers: headers, metrics: metrics, logger: logger, session: session)
    }
}
