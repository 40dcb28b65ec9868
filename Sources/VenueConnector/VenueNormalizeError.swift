/// A venue message that decoded but makes no sense in context: an instrument we did not
/// configure, a crossed book, an order whose numbers cannot be right. The normalizer's
/// counterpart of `FrameDecodeError` (which is for bytes that do not decode at all), shared by
/// every venue's book keeper and order tracker.
///
/// `kind` says what went wrong, so that a connector can pick the remedy (only an inconsistent book
/// is worth a resync) and, where the venue counts by kind, the decode-error metric label.
public struct VenueNormalizeError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// A message for an instrument we did not configure or bind: ignored (asking the venue
        /// again would not stop it).
        case unsubscribedInstrument = "unsubscribed_instrument"
        /// Our copy of the book can no longer be trusted (crossed, a price listed twice, an update
        /// before its snapshot): resync for a fresh snapshot.
        case bookInconsistent = "book_inconsistent"
        /// An order or fill whose numbers cannot be right (negative sizes, more left than ordered).
        case invalidOrder = "invalid_order"
        /// A field that cannot be used as sent (a price that is not a decimal, a time out of range,
        /// a negative volume, a sum that overflows).
        case invalidValue = "invalid_value"
    }

    public var kind: Kind
    /// What the venue sent and why it cannot be used, naming the message and instrument.
    public var detail: String

    public init(_ kind: Kind, _ detail: String) {
        self.kind = kind
        self.detail = detail
    }

    public var description: String { "\(kind.rawValue): \(detail)" }
}
