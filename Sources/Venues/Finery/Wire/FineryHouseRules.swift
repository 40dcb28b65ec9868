public import VenueBridgeCore

/// Every rule of ours for Finery Markets, where the venue's documentation is silent
/// (`[house]` in `shared/venues/finery.md`). The connector and the simulator both read them from
/// here, so a rule changes in one place once the real venue is seen.
public enum FineryHouseRules {
    /// Client order ids are the venue's signed int64 in 1…2^63−1 (documented).
    public static let clientOrderIdFormat = ClientOrderIdFormat.positiveInt64
    /// A market order is `marketIOC` unless the command says FOK: the venue has no resting market.
    public static let marketTimeInForce = TimeInForce.ioc

    /// The connector sends a WebSocket ping this often.
    public static let pingInterval: Duration = .seconds(15)
    /// The connector treats this long without an inbound frame as a dead link.
    public static let deadLinkTimeout: Duration = .seconds(40)
    /// The simulator closes a socket after this long without an inbound frame (the venue's
    /// documented 80 s idle timeout; configurable so tests can shorten it).
    public static let serverIdleTimeout: Duration = .seconds(80)
    /// Request replies: success `{"event":"request","reqId":N,"reply":{...}}`, failure
    /// `{"event":"request","reqId":N,"error":<code>,"param":"<field>"}`. Seen in client code only;
    /// decoded by `FineryServerMessage` and nowhere else.
    public static let replyEvent = "request"
    /// An authenticated socket sends no nonce/timestamp inside a request's `content`.
    public static let nonceInRequestContent = false
    /// Levels per side in feed `B` (documented as "top 25").
    public static let bookDepth = 25
    /// `O` feed `+` / `-` carry one order; a list is accepted too (the docs show neither form).
    public static let singleOrderPerOrderUpdate = true
}
