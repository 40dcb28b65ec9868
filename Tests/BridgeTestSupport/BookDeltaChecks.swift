import VenueBridgeCore
public import VenueConnector

// Checks of the book contract (docs/events.md §3.3) that every venue's end-to-end suite runs on
// what a consumer reads back: a delta's levels are independent and unordered, so a price may
// appear at most once per side, and applying them in any order must give the same book.

extension EventReader {
    /// Every `book_delta` of `symbol` that lists a price more than once on one side, described
    /// (empty when the contract holds). Call it as `#expect(reader.repeatedDeltaPrices(s).isEmpty, …)`.
    public func repeatedDeltaPrices(_ symbol: String) -> [String] {
        var violations: [String] = []
        for event in all where event.instrument == symbol {
            guard case .bookDelta(let levels) = event.payload else { continue }
            for (side, list) in [("bids", levels.bids), ("asks", levels.asks)] {
                var seen = Set<ExactDecimal>()
                for level in list where !seen.insert(level.price).inserted {
                    violations.append(
                        "seq \(event.seq) \(side) lists \(level.price) more than once: \(list.map { "[\($0.price), \($0.size)]" })"
                    )
                }
            }
        }
        return violations
    }

    /// The book a consumer rebuilds when it applies each delta's levels in reverse order (bids then
    /// asks, each side last level first). Equal to `rebuiltBook` exactly when deltas do not depend
    /// on their order.
    public func rebuiltBookApplyingLevelsInReverse(_ symbol: String) -> LocalOrderBook? {
        var book: LocalOrderBook?
        for event in all where event.instrument == symbol {
            switch event.payload {
            case .bookSnapshot(let levels): book = LocalOrderBook(bids: levels.bids, asks: levels.asks)
            case .bookDelta(let levels):
                for level in levels.asks.reversed() { book?.set(.ask, price: level.price, size: level.size) }
                for level in levels.bids.reversed() { book?.set(.bid, price: level.price, size: level.size) }
            default: break
            }
        }
        return book
    }
}
