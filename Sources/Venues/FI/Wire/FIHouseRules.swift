public import VenueBridgeCore

/// Every rule of ours for Fundamental Interactions: the `[house]` lines of
/// `shared/venues/fundamental.md` (where the venue's documentation is silent) and the documented
/// constants both sides must agree on. The connector and the simulator read them from here, so a
/// rule changes in one place once the real venue is seen.
public enum FIHouseRules {
    // MARK: Session

    /// Documented: the server closes a socket that has not sent `challenge` within this long.
    public static let challengeWindow: Duration = .seconds(30)
    /// Keep-alive is not documented: the connector pings this often…
    public static let pingInterval: Duration = .seconds(30)
    /// …and treats this long without an inbound frame as a dead link.
    public static let deadLinkTimeout: Duration = .seconds(60)
    /// The simulator hands out a fresh RSA key of this size per connection (the venue's sample key
    /// is RSA-1024, e = 65537: a 128-byte ciphertext).
    public static let simulatorKeyBits = 1024

    // MARK: Market data

    /// The first book message after a subscription lists every live entry with `A`: the connector
    /// starts the instrument's book from nothing when it subscribes.
    public static let firstBookMessageIsSnapshot = true

    // MARK: Orders

    /// `clientorderid` is a free string whose rules are unpublished: we send at most 32 characters
    /// of `[A-Za-z0-9_-]`.
    public static let clientOrderIdFormat = ClientOrderIdFormat.text(
        maxLength: 32, alphabet: .lettersDigitsDashUnderscore)
    /// A market order without a time in force goes as IOC: nothing of it should rest.
    public static let marketTimeInForce = TimeInForce.ioc
    /// The simulator refuses a `clientorderid` of a live order with this reason.
    public static let duplicateClientOrderIdReason = "duplicate clientorderid"
    /// Orders survive a disconnect (no cancel-on-disconnect): the connector reconciles with
    /// `openorderquery` after every reconnect.
    public static let ordersSurviveDisconnect = true
}
