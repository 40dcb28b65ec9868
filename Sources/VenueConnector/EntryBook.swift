public import VenueBridgeCore

/// A book a venue sends entry by entry (Fundamental Interactions' `book`/`ibook`: add, update,
/// remove by a 64-bit entry id), kept as entries and read as price levels: the normalized L2 book
/// is the sum of the executable entries at each price.
///
/// A connector applies one venue message's entries, then publishes `LocalOrderBook.changes(from:
/// to:)` between `levels` before and after it, so a `book_delta` lists each price once per side
/// however many entries at that price the message touched.
///
/// Bounded: at most `capacity` entries; an add beyond it is refused (`capacityReached`) and the
/// connector resyncs the instrument (resubscribes) rather than keep a book with entries missing.
/// Entry ids are kept as the venue's text: a 64-bit id is never read through a Double.
public struct EntryBook: Sendable {
    public struct Entry: Sendable, Equatable {
        public var side: BookSide
        public var price: ExactDecimal
        public var quantity: ExactDecimal
        /// False for an indication of interest: shown by the venue, not executable, so not in the
        /// normalized book (FI's `ioi`).
        public var executable: Bool

        public init(side: BookSide, price: ExactDecimal, quantity: ExactDecimal, executable: Bool = true) {
            self.side = side
            self.price = price
            self.quantity = quantity
            self.executable = executable
        }
    }

    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        case unknownEntry(String)
        case invalidEntry(String, reason: String)
        case capacityReached(Int)
        /// A level's total does not fit an exact decimal.
        case overflow(price: ExactDecimal)

        public var description: String {
            switch self {
            case .unknownEntry(let id): "no book entry \(id)"
            case .invalidEntry(let id, let reason): "book entry \(id): \(reason)"
            case .capacityReached(let capacity): "the book holds its maximum of \(capacity) entries"
            case .overflow(let price): "the level at \(price) overflows"
            }
        }
    }

    public let capacity: Int
    private var entries: [String: Entry] = [:]
    /// The aggregated executable entries.
    public private(set) var levels = LocalOrderBook()

    public init(capacity: Int = 100_000) {
        self.capacity = max(1, capacity)
    }

    public var count: Int { entries.count }
    public subscript(id: String) -> Entry? { entries[id] }

    /// Adds `entry`, or replaces the entry with that id (a venue's add of an id it sent before,
    /// or an update: both leave exactly this entry under the id).
    public mutating func put(id: String, _ entry: Entry) throws(Failure) {
        guard entry.price.isPositive else { throw .invalidEntry(id, reason: "price \(entry.price) is not positive") }
        guard entry.quantity.isPositive else {
            throw .invalidEntry(id, reason: "quantity \(entry.quantity) is not positive")
        }
        let previous = entries[id]
        if previous == nil, entries.count >= capacity { throw .capacityReached(capacity) }
        // Both level changes are computed before either is applied: an overflow leaves the book
        // as it was.
        var changes: [(BookSide, ExactDecimal, ExactDecimal)] = []
        if let previous, previous.executable {
            changes.append(
                (previous.side, previous.price, try total(previous.side, previous.price, minus: previous.quantity)))
        }
        if entry.executable {
            // An update at the same price builds on the total without the entry's old quantity.
            var current = size(entry.side, entry.price)
            if let removed = changes.last, removed.0 == entry.side, removed.1 == entry.price { current = removed.2 }
            guard let sum = try? current.adding(entry.quantity) else { throw .overflow(price: entry.price) }
            changes.append((entry.side, entry.price, sum))
        }
        for (side, price, size) in changes { _ = levels.set(side, price: price, size: size) }
        entries[id] = entry
    }

    /// Removes the entry `id`; an id the book does not hold is `unknownEntry` (and nothing changes).
    public mutating func remove(id: String) throws(Failure) {
        guard let entry = entries[id] else { throw .unknownEntry(id) }
        if entry.executable {
            _ = levels.set(
                entry.side, price: entry.price, size: try total(entry.side, entry.price, minus: entry.quantity))
        }
        entries[id] = nil
    }

    /// Forgets every entry (a new subscription's snapshot starts from nothing).
    public mutating func clear() {
        entries = [:]
        levels = LocalOrderBook()
    }

    private func size(_ side: BookSide, _ price: ExactDecimal) -> ExactDecimal {
        let book = side == .bid ? levels.bids : levels.asks
        return book.first { $0.price == price }?.size ?? .zero
    }

    /// The level's total without `quantity` (never below zero: the entries summed to it).
    private func total(_ side: BookSide, _ price: ExactDecimal, minus quantity: ExactDecimal) throws(Failure)
        -> ExactDecimal
    {
        guard let rest = try? size(side, price).subtracting(quantity) else { throw .overflow(price: price) }
        return rest.isNegative ? .zero : rest
    }
}
