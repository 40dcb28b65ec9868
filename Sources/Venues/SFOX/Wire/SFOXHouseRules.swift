public import VenueBridgeCore

/// Every rule of ours for sFOX where the venue's documentation is silent (`[house]` in
/// `shared/venues/sfox.md`), plus the documented limits both sides enforce. The connector and the
/// simulator read them from here, so a rule changes in one place once the real venue is seen.
public enum SFOXHouseRules {
    /// The venue documents no format for `client_order_id`: we send ≤ 64 printable ASCII.
    public static let clientOrderIdFormat = ClientOrderIdFormat.standard
    /// A market order (algorithm 100) without a time in force is sent with the venue's default, GTC.
    public static let marketTimeInForce = TimeInForce.gtc

    /// Keep-alive is not documented: the connector pings this often…
    public static let pingInterval: Duration = .seconds(30)
    /// …and treats this long without an inbound frame as a dead link.
    public static let deadLinkTimeout: Duration = .seconds(60)
    /// Public market data needs no `authenticate`; only `private.*` feeds do.
    public static let publicFeedsNeedAuthentication = false
    /// The reply to a create whose `client_order_id` was used in the last 24 h is not documented:
    /// we expect HTTP 409 with this error text.
    public static let duplicateClientOrderIdStatus = 409
    public static let duplicateClientOrderIdError = "duplicate client_order_id"

    // MARK: Documented limits

    /// A `client_order_id` is refused for this long after its first use.
    public static let clientOrderIdWindow: Duration = .seconds(24 * 3600)
    /// REST: this many requests per window per IP; over it, HTTP 429…
    public static let restRequestsPerWindow = 250
    public static let restWindow: Duration = .seconds(10)
    /// …after which the client waits this long before the next request.
    public static let restBackoffAfter429: Duration = .seconds(60)
    /// Order creation: per account, per second.
    public static let orderCreatesPerSecond = 60
    /// WebSocket requests per minute per IP; over it, requests are blocked for two minutes.
    public static let webSocketRequestsPerMinute = 40
    public static let webSocketBlockAfterLimit: Duration = .seconds(120)
    /// WebSocket connections per IP.
    public static let webSocketConnectionsPerIP = 10
}
