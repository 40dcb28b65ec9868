public import VenueBridgeCore

/// Every rule of ours for Fig Markets: the `[house]` lines of `shared/venues/fig.md` (where the
/// venue's documentation is silent) and the documented constants both sides must agree on. The
/// connector and the simulator read them from here.
public enum FigHouseRules {
    // MARK: REST

    /// Documented: 1000 requests a minute per user, sliding window, REST only.
    public static let restRequestsPerMinute = 1_000
    /// The signed URI is the path after the `/v1` prefix (`/rfq/12345`), with its query.
    public static let signedPathPrefix = "/v1"
    /// A token is refreshed this long before its `expires_in` runs out.
    public static let tokenRefreshMargin: Duration = .seconds(60)

    // MARK: WebSocket

    /// Documented: the server closes a connection silent for 30 s; we send a heartbeat every 25 s.
    public static let heartbeatInterval: Duration = .seconds(25)
    public static let serverSilenceLimit: Duration = .seconds(30)
    /// The push wrapper is not published: `{"method":"v1/subscription","params":{"channel":…,"data":…}}`.
    public static let pushMethod = "v1/subscription"
    /// Not in the venue's notes, which only say the session ends with the token: the simulator
    /// says why in this notification before it closes the socket. The connector takes it as the
    /// session's end, and a plain close the same way.
    public static let sessionEndedMethod = "v1/session"
    /// The simulator answers a failed `auth` with this code and closes the socket.
    public static let authFailedCode: Int64 = -32001
    /// The taker's channels: its own RFQs, and the quotes on them.
    public static let takerChannels = ["rfq.taker", "rfq_quote.taker"]

    // MARK: Identifiers

    /// Fig has no client order id: the bridge puts its id in the RFQ's free-text `label` (returned
    /// to the taker only) and, after an ambiguous create, finds the RFQ by it before creating
    /// again. We keep labels to what every text field takes.
    public static let clientOrderIdFormat = ClientOrderIdFormat.standard
    /// Open RFQs listed per page when a create is resolved by label.
    public static let listPageSize = 100
}
