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
    public mutating func snapshot(venueInstrument: String, bids: [FineryLevel], asks: [FineryLevel], tsRecv: Int64)
        throws(VenueNormalizeError) -> [NormalizedEvent]
    {
        let symbol = try symbol(venueInstrument)
        let new = LocalOrderBook(bids: bids.map(Self.level), asks: asks.map(Self.level))
        guard !new.isCrossed else {
            throw VenueNormalizeError(.bookInconsistent, "B \(venueInstrument): snapshot is crossed")
        }
        // Two sizes for one price: no book (and no delta with unique prices) can be made of it.
        guard !new.hasRepeatedPrices else {
            throw VenueNormalizeError(
                .bookInconsistent, "B \(venueInstrument): snapshot lists a price twice on one side")
        }
        let old = books.updateValue(new, forKey: venueInstrument)
        return LocalOrderBook.replacementPayloads(from: old, to: new, ticker: publishTicker).map {
            event(symbol, venueInstrument, tsRecv, $0)
        }
    }

    /// Incremental updates. An update for a book without a snapshot, or one that leaves the book
    /// crossed, is an error: the caller resyncs (rebinds) that book.
    ///
    /// The published delta is the net change between the book before and after the whole frame,
    /// not the venue's list of updates: one frame may touch a level twice (`M` then `-`), and a
    /// delta's levels are independent and unordered (docs/events.md §3.3), so each price appears
    /// at most once per side. A frame that changes nothing publishes nothing.
    public mutating func update(
        venueInstrument: String, bids: [FineryBookUpdate], asks: [FineryBookUpdate], tsRecv: Int64
    ) throws(VenueNormalizeError) -> [NormalizedEvent] {
        let symbol = try symbol(venueInstrument)
        guard let before = books[venueInstrument] else {
            throw VenueNormalizeError(.bookInconsistent, "B \(venueInstrument): update before snapshot")
        }
        var book = before
        for update in bids { Self.apply(update, side: .bid, to: &book) }
        for update in asks { Self.apply(update, side: .ask, to: &book) }
        guard !book.isCrossed else {
            books[venueInstrument] = nil
            throw VenueNormalizeError(.bookInconsistent, "B \(venueInstrument): book crossed after update")
        }
        books[venueInstrument] = book
        return LocalOrderBook.replacementPayloads(from: before, to: book, ticker: publishTicker).map {
            event(symbol, venueInstrument, tsRecv, $0)
        }
    }

    /// One venue update, in the venue's order (the order matters within a frame; only the net
    /// result is published).
    private static func apply(_ update: FineryBookUpdate, side: BookSide, to book: inout LocalOrderBook) {
        let price = FineryUnits.decimal(update.price)
        switch update.action {
        case .add, .modify:
            book.set(side, price: price, size: FineryUnits.decimal(update.size))
        case .remove:
            book.set(side, price: price, size: .zero)
        case .truncate:
            if update.price == 0 && update.size == 0 {
                _ = book.clear(side)
            } else {
                _ = book.truncate(side, newTop: price, size: FineryUnits.decimal(update.size))
            }
        }
    }

    private static func level(_ level: FineryLevel) -> PriceLevel {
        PriceLevel(price: FineryUnits.decimal(level.price), size: FineryUnits.decimal(level.size))
    }

    private func symbol(_ venueInstrument: String) throws(VenueNormalizeError) -> String {
        guard let symbol = instruments.symbol(forVenueId: venueInstrument) else {
            throw VenueNormalizeError(
                .unsubscribedInstrument, "B \(venueInstrument): instrument not configured (never bound)")
        }
        return symbol
    }

    private func event(_ symbol: String, _ venueInstrument: String, _ tsRecv: Int64, _ payload: EventPayload)
        -> NormalizedEvent
    {
        NormalizedEvent(
            venue: .finery, instrument: symbol, venueInstrument: venueInstrument, tsRecv: tsRecv, payload: payload)
    }
}
