public import Testing
public import VenueBridgeCore

/// Issue 13 item 1's lesson: a session test that ends before the connect timeout, the keep-alive
/// interval or the backoff reset cannot see what happens after them. A lifetime test runs for
/// longer than three connect timeouts and two keep-alive intervals, then checks that nothing
/// reconnected.
public enum SessionLifetime {
    /// How long to keep a healthy session under watch, given the timeouts it involves.
    public static func window(connectTimeout: Duration, keepAlive: Duration) -> Duration {
        max(connectTimeout * 3, keepAlive * 2) + .milliseconds(500)
    }

    /// Every `venue_status` a consumer read: no connection was lost, and the last one is `ready`.
    public static func expectNoReconnects(_ statuses: [VenueStatus], sourceLocation: SourceLocation = #_sourceLocation)
    {
        let lost = statuses.filter { $0.state == .disconnected }
        #expect(
            lost.isEmpty,
            "connections lost on a healthy venue: \(lost.map { "\($0.session ?? "main"): \($0.reason ?? "")" })",
            sourceLocation: sourceLocation)
        #expect(
            statuses.allSatisfy { ($0.reconnects ?? 0) == 0 }, "venue_status reports reconnects",
            sourceLocation: sourceLocation)
        #expect(
            statuses.last?.state == .ready, "last status: \(String(describing: statuses.last))",
            sourceLocation: sourceLocation)
    }
}
