public import SFOXWire
public import VenueBridgeCore
public import VenueConnector

/// Turns sFOX's full-snapshot books into normalized events: the first snapshot of a subscription is
/// a `book_snapshot`, every later one the `book_delta` of the levels that changed (found by
/// diffing), plus a `ticker` when the top of book moved. Pure (no I/O): one per session, so a new
/// connection starts from a fresh snapshot; the unit the decode+normalize benchmark measures.
///
/// sFOX aggregates several liquidity sources into one book, so one price can appear on several
/// rows (`[price, qty, "ox"]`, `[price, qty, "gemini"]`): their quantities are summed.
public struct SFOXBookKeeper: Sendable {
    let instruments: InstrumentMap
    let publishTicker: Bool
    private var books: [String: LocalOrderBook] = [:]

    public init(instruments: InstrumentMap, publishTicker: Bool) {
        self.instruments = instruments
        self.publishTicker = publishTicker
    }

    public mutating func reset() { books.removeAll() }
    public func book(pair: String) -> LocalOrderBook? { books[pair] }

    public mutating func apply(_ snapshot: SFOXOrderBook, tsVenue: Int64?, tsRecv: Int64) throws(VenueNormalizeError)
        -> [NormalizedEvent]
    {
        let pair = snapshot.pair
        guard let symbol = instruments.symbol(forVenueId: pair) else {
            throw VenueNormalizeError(.unsubscribedInstrument, "orderbook \(pair): pair not configured")
        }
        let new = LocalOrderBook(
            bids: try Self.aggregate(snapshot.bids, pair), asks: try Self.aggregate(snapshot.asks, pair))
        guard !new.isCrossed else {
            throw VenueNormalizeError(.bookInconsistent, "orderbook \(pair): snapshot is crossed")
        }
        let old = books.updateValue(new, forKey: pair)
        return LocalOrderBook.replacementPayloads(from: old, to: new, ticker: publishTicker).map {
            event(symbol, pair, tsVenue, tsRecv, $0)
        }
    }

    /// The venue's ~3 s ticker (last, OHLC, volume, VWAP), completed with our current top of book.
    public func ticker(_ ticker: SFOXTicker, tsVenue: Int64?, tsRecv: Int64) throws(VenueNormalizeError)
        -> NormalizedEvent
    {
        guard let symbol = instruments.symbol(forVenueId: ticker.pair) else {
            throw VenueNormalizeError(.unsubscribedInstrument, "ticker \(ticker.pair): pair not configured")
        }
        let book = books[ticker.pair]
        return event(
            symbol, ticker.pair, tsVenue, tsRecv,
            .ticker(
                Ticker(
                    bid: book?.bestBid?.price, bidSize: book?.bestBid?.size, ask: book?.bestAsk?.price,
                    askSize: book?.bestAsk?.size,
                    last: ticker.last, open: ticker.open, high: ticker.high, low: ticker.low, volume: ticker.volume,
                    vwap: ticker.vwap
                )))
    }

    /// A market trade on any of sFOX's sources; `side` is the aggressor's when given.
    public func trade(_ trade: SFOXTrade, tsVenue: Int64?, tsRecv: Int64) throws(VenueNormalizeError) -> NormalizedEvent
    {
        guard let symbol = instruments.symbol(forVenueId: trade.pair) else {
            throw VenueNormalizeError(.unsubscribedInstrument, "trade \(trade.pair): pair not configured")
        }
        let aggressor: AggressorSide =
            switch trade.side {
            case .buy?: .buy
            case .sell?: .sell
            case nil: .unknown
            }
        return event(
            symbol, trade.pair, tsVenue, tsRecv,
            .trade(Trade(price: trade.price, size: trade.quantity, aggressor: aggressor, tradeId: trade.id)))
    }

    /// Rows of one price (one per source) summed. The venue sends each side best first, so equal
    /// prices are adjacent and one pass suffices; a side that is not strictly ordered after it is
    /// sorted and merged again.
    private static func aggregate(_ levels: [SFOXLevel], _ pair: String) throws(VenueNormalizeError) -> [PriceLevel] {
        var result: [PriceLevel] = []
        result.reserveCapacity(levels.count)
        for level in levels {
            guard !level.quantity.isNegative, level.price.isPositive else {
                throw VenueNormalizeError(
                    .invalidValue,
                    "orderbook \(pair): level \(level.price) × \(level.quantity) is not a positive price with a non-negative size"
                )
            }
            try merge(PriceLevel(price: level.price, size: level.quantity), into: &result, pair)
        }
        guard !isStrictlyOrdered(result) else { return result }
        var sorted: [PriceLevel] = []
        for level in result.sorted(by: { $0.price < $1.price }) { try merge(level, into: &sorted, pair) }
        return sorted
    }

    private static func merge(_ level: PriceLevel, into result: inout [PriceLevel], _ pair: String)
        throws(VenueNormalizeError)
    {
        guard let last = result.last, last.price == level.price else { return result.append(level) }
        do { result[result.count - 1].size = try last.size.adding(level.size) } catch {
            throw VenueNormalizeError(.invalidValue, "orderbook \(pair): \(error)")
        }
    }

    private static func isStrictlyOrdered(_ levels: [PriceLevel]) -> Bool {
        guard levels.count > 2 else { return levels.count < 2 || levels[0].price != levels[1].price }
        let descending = levels[0].price > levels[1].price
        for k in 1..<levels.count
        where descending ? !(levels[k - 1].price > levels[k].price) : !(levels[k - 1].price < levels[k].price) {
            return false
        }
        return true
    }

    private func event(_ symbol: String, _ pair: String, _ tsVenue: Int64?, _ tsRecv: Int64, _ payload: EventPayload)
        -> NormalizedEvent
    {
        NormalizedEvent(
            venue: .sfox, instrument: symbol, venueInstrument: pair, tsVenue: tsVenue, tsRecv: tsRecv, payload: payload)
    }
}
