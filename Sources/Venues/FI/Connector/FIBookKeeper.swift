public import FIWire
public import VenueBridgeCore
public import VenueConnector

/// FI's entry-based books, one `EntryBook` per security, read as normalized L2: the first message
/// after a subscription is the snapshot (`FIHouseRules.firstBookMessageIsSnapshot`), each later
/// message one `book_delta` of its net change (each price once per side) and a `ticker` when the
/// top moved. Public for the benchmark (`venue-bench --only fi`).
public struct FIBookKeeper {
    /// What one book message makes: the events, and the entries refused along the way (the
    /// rest of the message still applies).
    public struct Outcome {
        public var events: [NormalizedEvent] = []
        public var refused: [EntryBook.Failure] = []
    }

    let instruments: InstrumentMap
    let publishTicker: Bool
    let capacity: Int
    private var books: [String: EntryBook] = [:]
    /// Securities whose snapshot (first message of the subscription) was published.
    private var snapshotted: Set<String> = []

    public init(instruments: InstrumentMap, publishTicker: Bool, capacity: Int) {
        self.instruments = instruments
        self.publishTicker = publishTicker
        self.capacity = capacity
    }

    /// Whether `security`'s next message is its snapshot (a resync when it had one before).
    func awaitsSnapshot(_ security: String) -> Bool { !snapshotted.contains(security) }

    /// Applies one message's entries. A full book or an overflowing level throws: the book can no
    /// longer be trusted, and the session ends so a new subscription rebuilds it.
    public mutating func apply(security: String, changes: [FIBookChange], tsRecv: Int64) throws(EntryBook.Failure)
        -> Outcome
    {
        guard let symbol = instruments.symbol(forVenueId: security) else {
            return Outcome(refused: [.unknownEntry("security \(security)")])
        }
        // Taken out of the map while it changes, so the map does not share it: an in-place change
        // of a shared book would copy every entry on each message (measured: 198 µs a message on a
        // book of 5,000 entries a side, docs/performance.md).
        var book = books.removeValue(forKey: security) ?? EntryBook(capacity: capacity)
        defer { books[security] = book }
        let first = !snapshotted.contains(security)
        if first { book.clear() }
        let before = book.levels
        var outcome = Outcome()
        for change in changes {
            do {
                switch change {
                case .put(let id, _, let side, let price, let quantity, let ioi, _):
                    try book.put(
                        id: id,
                        EntryBook.Entry(
                            side: side == .buy ? .bid : .ask, price: price, quantity: quantity, executable: !ioi))
                case .remove(let id):
                    try book.remove(id: id)
                }
            } catch {
                switch error {
                case .capacityReached, .overflow: throw error
                case .unknownEntry, .invalidEntry: outcome.refused.append(error)
                }
            }
        }
        snapshotted.insert(security)
        outcome.events = LocalOrderBook.replacementPayloads(
            from: first ? nil : before, to: book.levels, ticker: publishTicker
        ).map {
            NormalizedEvent(venue: .fi, instrument: symbol, venueInstrument: security, tsRecv: tsRecv, payload: $0)
        }
        return outcome
    }

    /// A new subscription starts every book over: its first message is a snapshot again.
    mutating func subscriptionStarted() {
        snapshotted = []
        books = [:]
    }

    func trade(_ trade: FITrade, security: String, tsRecv: Int64) -> NormalizedEvent? {
        guard let symbol = instruments.symbol(forVenueId: security) else { return nil }
        let aggressor: AggressorSide =
            switch trade.side {
            case .buy?: .buy
            case .sell?: .sell
            case nil: .unknown
            }
        return NormalizedEvent(
            venue: .fi, instrument: symbol, venueInstrument: security,
            tsVenue: trade.timeMs.flatMap(epochNanos(milliseconds:)),
            tsRecv: tsRecv,
            payload: .trade(Trade(price: trade.price, size: trade.quantity, aggressor: aggressor, tradeId: trade.id)))
    }
}
