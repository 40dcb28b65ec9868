import Metrics
import Synchronization

/// The books that have had a snapshot, kept across sessions: another snapshot of one of them is a
/// resync (the venue or we started the book over), counted in `vb_venue_book_resyncs_total`.
///
/// What counts as a book's snapshot is the venue's to decide before calling `snapshot(of:)`: a
/// venue that sends every book as a full snapshot reports only the first of each session.
public final class BookResyncMemory: Sendable {
    private let snapshotted = Mutex<Set<String>>([])
    private let resyncs: Counter

    public init(metrics: VenueConnectorMetrics) {
        resyncs = metrics.bookResyncs
    }

    /// Records a snapshot of `book` (the venue's instrument id); returns true, and counts a resync,
    /// when the book had one before.
    @discardableResult
    public func snapshot(of book: String) -> Bool {
        guard !snapshotted.withLock({ $0.insert(book).inserted }) else { return false }
        resyncs.increment()
        return true
    }
}
