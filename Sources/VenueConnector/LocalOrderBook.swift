public import VenueBridgeCore

public enum BookSide: Sendable, Hashable {
    case bid
    case ask
}

/// A price-level book kept from a venue's snapshot and updates: bids best (highest) first, asks
/// best (lowest) first. Exact decimals throughout.
///
/// Every mutation returns the levels it changed (size 0 = removed). A connector publishes the
/// `book_delta` of a venue message as `changes(from:to:)` between the book before and after the
/// whole message, not as the concatenation of those returns: a message may touch one level twice,
/// and a delta lists each price at most once per side (its levels are applied in any order).
public struct LocalOrderBook: Sendable, Equatable {
    public private(set) var bids: [PriceLevel] = []
    public private(set) var asks: [PriceLevel] = []

    public init() {}

    public init(bids: [PriceLevel], asks: [PriceLevel]) {
        replace(bids: bids, asks: asks)
    }

    public var isEmpty: Bool { bids.isEmpty && asks.isEmpty }
    public var bestBid: PriceLevel? { bids.first }
    public var bestAsk: PriceLevel? { asks.first }

    /// The best bid and ask, price and size: what a top-of-book `ticker` reports.
    public struct Top: Sendable, Equatable {
        public var bid: PriceLevel?
        public var ask: PriceLevel?
    }

    public var top: Top { Top(bid: bestBid, ask: bestAsk) }

    /// The top of book as a `ticker` payload.
    public var topOfBookTicker: Ticker {
        Ticker(bid: bestBid?.price, bidSize: bestBid?.size, ask: bestAsk?.price, askSize: bestAsk?.size)
    }
    /// True when a side holds one price more than once (a snapshot that gave two sizes for one
    /// level): `set` and `changes(from:to:)` assume unique prices, so such a book is refused.
    public var hasRepeatedPrices: Bool {
        zip(bids, bids.dropFirst()).contains { $0.price == $1.price }
            || zip(asks, asks.dropFirst()).contains { $0.price == $1.price }
    }

    /// A crossed or locked book means the local copy is wrong (or the venue is): resync.
    public var isCrossed: Bool {
        guard let bid = bestBid, let ask = bestAsk else { return false }
        return bid.price >= ask.price
    }

    public func levels(depth: Int? = nil) -> BookLevels {
        guard let depth else { return BookLevels(bids: bids, asks: asks) }
        return BookLevels(bids: Array(bids.prefix(depth)), asks: Array(asks.prefix(depth)), depth: depth)
    }

    /// Replaces the whole book (a snapshot). Levels are sorted; zero-size levels are dropped.
    public mutating func replace(bids: [PriceLevel], asks: [PriceLevel]) {
        self.bids = bids.filter { !$0.size.isZero }.sorted { $0.price > $1.price }
        self.asks = asks.filter { !$0.size.isZero }.sorted { $0.price < $1.price }
    }

    /// Sets a level's size; size 0 removes it. Returns the change, or nil when nothing changed.
    @discardableResult
    public mutating func set(_ side: BookSide, price: ExactDecimal, size: ExactDecimal) -> PriceLevel? {
        switch side {
        case .bid: Self.set(&bids, price: price, size: size, better: >)
        case .ask: Self.set(&asks, price: price, size: size, better: <)
        }
    }

    /// Removes every level better than `price` and sets `price` to `size` as the new top (Finery
    /// `~`). Returns every changed level.
    public mutating func truncate(_ side: BookSide, newTop price: ExactDecimal, size: ExactDecimal) -> [PriceLevel] {
        var changes: [PriceLevel] = []
        switch side {
        case .bid:
            while let top = bids.first, top.price > price {
                changes.append(PriceLevel(price: top.price, size: .zero))
                bids.removeFirst()
            }
        case .ask:
            while let top = asks.first, top.price < price {
                changes.append(PriceLevel(price: top.price, size: .zero))
                asks.removeFirst()
            }
        }
        if let change = set(side, price: price, size: size) { changes.append(change) }
        return changes
    }

    /// Empties one side; returns the removed levels (size 0).
    public mutating func clear(_ side: BookSide) -> [PriceLevel] {
        let removed: [PriceLevel]
        switch side {
        case .bid:
            removed = bids
            bids = []
        case .ask:
            removed = asks
            asks = []
        }
        return removed.map { PriceLevel(price: $0.price, size: .zero) }
    }

    /// What a venue that sends whole books publishes when `new` replaces `old` (nil: the first book
    /// of a subscription): a `book_snapshot` the first time, afterwards the `book_delta` of the
    /// levels that changed, and a top-of-book `ticker` when `ticker` is on and the best bid or ask
    /// moved. Nothing when the book is unchanged.
    public static func replacementPayloads(from old: LocalOrderBook?, to new: LocalOrderBook, ticker: Bool)
        -> [EventPayload]
    {
        var payloads: [EventPayload] = []
        if let old {
            let changes = changes(from: old, to: new)
            guard !changes.bids.isEmpty || !changes.asks.isEmpty else { return [] }
            payloads.append(.bookDelta(changes))
        } else {
            payloads.append(.bookSnapshot(new.levels()))
        }
        if ticker, old?.top != new.top { payloads.append(.ticker(new.topOfBookTicker)) }
        return payloads
    }

    /// The levels that differ between two books, for venues that only send full snapshots: changed
    /// or new levels with their size, vanished ones with size 0, best first per side.
    public static func changes(from old: LocalOrderBook, to new: LocalOrderBook) -> BookLevels {
        BookLevels(bids: diff(old.bids, new.bids, better: >), asks: diff(old.asks, new.asks, better: <))
    }

    /// One merge walk over two sides sorted best first (no hashing: this runs on every snapshot).
    private static func diff(_ old: [PriceLevel], _ new: [PriceLevel], better: (ExactDecimal, ExactDecimal) -> Bool)
        -> [PriceLevel]
    {
        var changes: [PriceLevel] = []
        var i = 0
        var j = 0
        while i < old.count || j < new.count {
            if j == new.count || (i < old.count && better(old[i].price, new[j].price)) {
                changes.append(PriceLevel(price: old[i].price, size: .zero))
                i += 1
            } else if i == old.count || better(new[j].price, old[i].price) {
                changes.append(new[j])
                j += 1
            } else {
                if old[i].size != new[j].size { changes.append(new[j]) }
                i += 1
                j += 1
            }
        }
        return changes
    }

    private static func set(
        _ levels: inout [PriceLevel], price: ExactDecimal, size: ExactDecimal,
        better: (ExactDecimal, ExactDecimal) -> Bool
    ) -> PriceLevel? {
        // Binary search for the first level not better than `price`.
        var low = 0
        var high = levels.count
        while low < high {
            let mid = (low + high) / 2
            if better(levels[mid].price, price) { low = mid + 1 } else { high = mid }
        }
        let exists = low < levels.count && levels[low].price == price
        if size.isZero {
            guard exists else { return nil }
            levels.remove(at: low)
        } else if exists {
            guard levels[low].size != size else { return nil }
            levels[low].size = size
        } else {
            levels.insert(PriceLevel(price: price, size: size), at: low)
        }
        return PriceLevel(price: price, size: size)
    }
}
