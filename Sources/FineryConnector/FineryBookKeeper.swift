public import FineryWire
public import VenueBridgeCore
public import VenueConnector

/// Keeps the local copy of each bound `B` book and turns venue book messages into normalized
/// `book_snapshot` / `book_delta` / `ticker` events. One per session: a new connection starts
/// from fresh snapshots. Pure (no I/O): the unit the decode+normalize benchmark measures.
public struct FineryBookKeeper: Sendable {
    let instruments: InstrumentMap
    let publishTicker: Bool
    private var books: [String: LocalOrderBook] = [:]

    public init(instruments: InstrumentMap, publishTicker: Bool) {
        self.instruments = instruments
        self.publishTicker = publishTicker
    }

    /// Forgets every book (the venue went down or the link dropped): the next snapshot replaces it.
    public mutating func reset() { books.removeAll() }

    public var bookCount: Int { books.count }

    public func book(_ venueInstrument: String) -> LocalOrderBook? { books[venueInstrument] }

    /// A snapshot: the first per binding is published as `book_snapshot`; later ones (a venue that
    /// sends only snapshots) as the `book_delta` of what changed.
    public mutating func snapshot(venueInstrument: String, bids: [FineryLevel], asks: [FineryLevel], tsRecv: Int64) throws(FineryNormalizeError) -> [NormalizedEvent] {
        let symbol = try symbol(venueInstrument)
        let new = LocalOrderBook(bids: bids.map(Self.level), asks: asks.map(Self.level))
        guard !new.isCrossed else { throw FineryNormalizeError(.bookInconsistent, "B \(venueInstrument): snapshot is crossed") }
        let old = books.updateValue(new, forKey: venueInstrument)
        return LocalOrderBook.replacementPayloads(from: old, to: new, ticker: publishTicker).map { event(symbol, venueInstrument, tsRecv, $0) }
    }

    /// Incremental updates. An update for a book without a snapshot, or one that leaves the book
    /// crossed, is an error: the caller resyncs (rebinds) that book.
    public mutating func update(venueInstrument: String, bids: [FineryBookUpdate], asks: [FineryBookUpdate], tsRecv: Int64) throws(FineryNormalizeError) -> [NormalizedEvent] {
        let symbol = try symbol(venueInstrument)
        guard var book = books[venueInstrument] else { throw FineryNormalizeError(.bookInconsistent, "B \(venueInstrument): update before snapshot") }
        let before = book.top
        let bidChanges = Self.apply(bids, side: .bid, to: &book)
        let askChanges = Self.apply(asks, side: .ask, to: &book)
        guard !book.isCrossed else {
            books[venueInstrument] = nil
            throw FineryNormalizeError(.bookInconsistent, "B \(venueInstrument): book crossed after update")
        }
        books[venueInstrument] = book
        guard !bidChanges.isEmpty || !askChanges.isEmpty else { return [] }
        var events = [event(symbol, venueInstrument, tsRecv, .bookDelta(BookLevels(bids: bidChanges, asks: askChanges)))]
        if publishTicker, before != book.top { events.append(event(symbol, venueInstrument, tsRecv, .ticker(book.topOfBookTicker))) }
        return events
    }

    private static func apply(_ updates: [FineryBookUpdate], side: BookSide, to book: inout LocalOrderBook) -> [PriceLevel] {
        var changes: [PriceLevel] = []
        for update in updates {
            let price = FineryUnits.decimal(update.price)
            switch update.action {
            case .add, .modify:
                if let change = book.set(side, price: price, size: FineryUnits.decimal(update.size)) { changes.append(change) }
            case .remove:
                if let change = book.set(side, price: price, size: .zero) { changes.append(change) }
            case .truncate:
                if update.price == 0 && update.size == 0 {
                    changes += book.clear(side)
                } else {
                    changes += book.truncate(side, newTop: price, size: FineryUnits.decimal(update.size))
                }
            }
        }
        return changes
    }

    private static func level(_ level: FineryLevel) -> PriceLevel {
        PriceLevel(price: FineryUnits.decimal(level.price), size: FineryUnits.decimal(level.size))
    }

    private func symbol(_ venueInstrument: String) throws(FineryNormalizeError) -> String {
        guard let symbol = instruments.symbol(forVenueId: venueInstrument) else {
            throw FineryNormalizeError(.bookInconsistent, "B \(venueInstrument): instrument not configured")
        }
        return symbol
    }

    private func event(_ symbol: String, _ venueInstrument: String, _ tsRecv: Int64, _ payload: EventPayload) -> NormalizedEvent {
        NormalizedEvent(venue: .finery, instrument: symbol, venueInstrument: venueInstrument, tsRecv: tsRecv, payload: payload)
    }
}

/// A venue message that decoded but makes no sense in context (unknown instrument, crossed book,
/// impossible order sizes). `kind` is the decode-error metric label.
public struct FineryNormalizeError: Error, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// Our copy of the book can no longer be trusted: rebind for a fresh snapshot.
        case bookInconsistent = "book_inconsistent"
        /// An `O` order or deal whose numbers cannot be right (negative sizes, more left than ordered).
        case invalidOrder = "invalid_order"
    }

    public var kind: Kind
    public var detail: String
    public var description: String { "\(kind.rawValue): \(detail)" }

    init(_ kind: Kind, _ detail: String) {
        self.kind = kind
        self.detail = detail
    }
}
