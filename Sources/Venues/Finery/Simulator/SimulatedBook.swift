import FineryWire
import SimulatorKit
import VenueBridgeCore

/// The changes one operation made to a book, per side, in the order a client must apply them.
struct BookChange: Sendable {
    var bids: [FineryBookUpdate] = []
    var asks: [FineryBookUpdate] = []

    var isEmpty: Bool { bids.isEmpty && asks.isEmpty }

    mutating func append(_ update: FineryBookUpdate, bid: Bool) {
        if bid { bids.append(update) } else { asks.append(update) }
    }
}

/// One instrument's public book: the liquidity of the simulated counterparties.
///
/// Invariants (checked by the tests): bids strictly descending, asks strictly ascending, best bid <
/// best ask, every size > 0, every price a positive multiple of the tick, at most `depth` levels per
/// side. Every mutation returns the `+`/`M`/`-`/`~` updates that turn the previous book into the new
/// one, so a client replaying them reproduces the book exactly.
struct SimulatedBook: Sendable {
    let tick: UInt64
    let levelSize: Int64
    let depth: Int
    private(set) var bids: [FineryLevel] = []
    private(set) var asks: [FineryLevel] = []

    init(midPrice: UInt64, tick: UInt64, levelSize: Int64, depth: Int, rng: inout SplitMix64) {
        self.tick = max(tick, 1)
        self.levelSize = max(levelSize, 2)
        self.depth = max(depth, 1)
        // Keep room for a full bid side above zero, whatever mid the configuration gives.
        let midTicks = max(midPrice / self.tick, UInt64(self.depth) * 4 + 8)
        bids = [FineryLevel(price: (midTicks - 1) * self.tick, size: randomSize(&rng))]
        asks = [FineryLevel(price: (midTicks + 1) * self.tick, size: randomSize(&rng))]
        var ignored = BookChange()
        refill(bid: true, rng: &rng, into: &ignored)
        refill(bid: false, rng: &rng, into: &ignored)
    }

    func levels(bid: Bool) -> [FineryLevel] { bid ? bids : asks }

    // MARK: - Random walk

    /// One random change on one side: resize a level, add one, remove one, or move the top.
    mutating func randomStep(rng: inout SplitMix64) -> BookChange {
        var change = BookChange()
        let bid = rng.chance(50)
        switch rng.below(100) {
        case 0..<40: modifyLevel(bid: bid, rng: &rng, into: &change)
        case 40..<65: addLevel(bid: bid, rng: &rng, into: &change)
        case 65..<80: removeLevel(bid: bid, rng: &rng, into: &change)
        default: moveTop(bid: bid, rng: &rng, into: &change)
        }
        return change
    }

    private func randomSize(_ rng: inout SplitMix64) -> Int64 {
        levelSize / 2 + Int64(rng.below(UInt64(levelSize)))
    }

    private mutating func modifyLevel(bid: Bool, rng: inout SplitMix64, into change: inout BookChange) {
        let count = levels(bid: bid).count
        guard count > 0 else { return addLevel(bid: bid, rng: &rng, into: &change) }
        let index = Int(rng.below(UInt64(count)))
        let size = randomSize(&rng)
        update(bid: bid) { $0[index].size = size }
        change.append(FineryBookUpdate(.modify, price: levels(bid: bid)[index].price, size: size), bid: bid)
    }

    /// Free ticks strictly between the best bid and the best ask.
    private var freeTicksInSpread: UInt64 {
        guard let bestBid = bids.first?.price, let bestAsk = asks.first?.price else { return 0 }
        return (bestAsk - bestBid) / tick - 1
    }

    private mutating func addLevel(bid: Bool, rng: inout SplitMix64, into change: inout BookChange) {
        let side = levels(bid: bid)
        var price: UInt64?
        let free = freeTicksInSpread
        if free > 0, let best = side.first?.price, rng.chance(40) {
            let steps = 1 + rng.below(min(free, 3))
            price = bid ? best + steps * tick : best - steps * tick
        } else if side.count < depth {
            price = priceBeyondWorst(bid: bid, rng: &rng)
        } else {
            // A full side: fill a hole between two adjacent levels.
            let holes = side.indices.dropLast().filter { distance(side[$0].price, side[$0 + 1].price) > tick }
            if !holes.isEmpty {
                let level = side[holes[Int(rng.below(UInt64(holes.count)))]].price
                price = bid ? level - tick : level + tick
            }
        }
        guard let price else { return modifyLevel(bid: bid, rng: &rng, into: &change) }
        let level = FineryLevel(price: price, size: randomSize(&rng))
        insert(level, bid: bid)
        change.append(FineryBookUpdate(.add, price: level.price, size: level.size), bid: bid)
        trim(bid: bid, into: &change)
    }

    private mutating func removeLevel(bid: Bool, rng: inout SplitMix64, into change: inout BookChange) {
        let count = levels(bid: bid).count
        // Never empty a side by a random removal: the book stays two-sided.
        guard count > 1 else { return modifyLevel(bid: bid, rng: &rng, into: &change) }
        let index = Int(rng.below(UInt64(count)))
        let price = levels(bid: bid)[index].price
        update(bid: bid) { $0.remove(at: index) }
        change.append(FineryBookUpdate(.remove, price: price, size: 0), bid: bid)
    }

    /// `~`: the top moves (better into the spread, or worse, dropping the levels it passes), then
    /// the side is refilled at the back to `depth` levels.
    private mutating func moveTop(bid: Bool, rng: inout SplitMix64, into change: inout BookChange) {
        guard let best = levels(bid: bid).first?.price else { return addLevel(bid: bid, rng: &rng, into: &change) }
        let free = freeTicksInSpread
        let newTop: UInt64
        if free > 0, rng.chance(50) {
            let steps = 1 + rng.below(min(free, 3))
            newTop = bid ? best + steps * tick : best - steps * tick
        } else {
            let steps = 1 + rng.below(3)
            guard !bid || best > steps * tick else { return modifyLevel(bid: bid, rng: &rng, into: &change) }
            newTop = bid ? best - steps * tick : best + steps * tick
        }
        let size = randomSize(&rng)
        update(bid: bid) { side in
            side.removeAll { bid ? $0.price >= newTop : $0.price <= newTop }
            side.insert(FineryLevel(price: newTop, size: size), at: 0)
        }
        change.append(FineryBookUpdate(.truncate, price: newTop, size: size), bid: bid)
        trim(bid: bid, into: &change)
        refill(bid: bid, rng: &rng, into: &change)
    }

    // MARK: - Liquidity taken by client orders

    /// Levels of the side a taker on `takerSide` trades against, best first, that its limit reaches.
    func crossingLevels(takerSide: FinerySide, limit: UInt64?) -> [FineryLevel] {
        BookWalk.reachable(takerSide == .bid ? asks : bids, takerBuys: takerSide == .bid, limit: limit) { $0.price }
    }

    /// Removes `fills` (price, size), taken best first from the side opposite `takerSide`, then
    /// refills that side at the back.
    mutating func consume(takerSide: FinerySide, fills: [FineryLevel], rng: inout SplitMix64) -> BookChange {
        let bid = takerSide == .ask
        var change = BookChange()
        for fill in fills {
            guard let index = levels(bid: bid).firstIndex(where: { $0.price == fill.price }) else { continue }
            let left = levels(bid: bid)[index].size - fill.size
            if left > 0 {
                update(bid: bid) { $0[index].size = left }
                change.append(FineryBookUpdate(.modify, price: fill.price, size: left), bid: bid)
            } else {
                update(bid: bid) { $0.remove(at: index) }
                change.append(FineryBookUpdate(.remove, price: fill.price, size: 0), bid: bid)
            }
        }
        refill(bid: bid, rng: &rng, into: &change)
        return change
    }

    // MARK: - Test control

    /// Applies one update as given (`+`/`M` set the level's size, `-` or size 0 removes it; `~` is
    /// not supported), so a test can send a frame that touches one level more than once, as the
    /// real venue does. The side stays sorted; the invariants above are the caller's business.
    mutating func apply(_ change: FineryBookUpdate, bid: Bool) {
        update(bid: bid) { side in side.removeAll { $0.price == change.price } }
        guard change.action != .remove, change.action != .truncate, change.size > 0 else { return }
        insert(FineryLevel(price: change.price, size: change.size), bid: bid)
    }

    // MARK: - Helpers

    private func distance(_ a: UInt64, _ b: UInt64) -> UInt64 { a > b ? a - b : b - a }

    private mutating func update(bid: Bool, _ body: (inout [FineryLevel]) -> Void) {
        if bid { body(&bids) } else { body(&asks) }
    }

    /// A price 1–3 ticks worse than the side's worst level (or next to the other side's best
    /// when the side is empty); nil when a bid would reach zero.
    private func priceBeyondWorst(bid: Bool, rng: inout SplitMix64) -> UInt64? {
        let steps = 1 + rng.below(3)
        if bid {
            guard let anchor = bids.last?.price ?? asks.first?.price, anchor > steps * tick else { return nil }
            return anchor - steps * tick
        }
        guard let anchor = asks.last?.price ?? bids.first?.price else { return nil }
        return anchor + steps * tick
    }

    private mutating func insert(_ level: FineryLevel, bid: Bool) {
        update(bid: bid) { side in
            let index = side.firstIndex { bid ? $0.price < level.price : $0.price > level.price } ?? side.count
            side.insert(level, at: index)
        }
    }

    private mutating func trim(bid: Bool, into change: inout BookChange) {
        while levels(bid: bid).count > depth {
            let worst = levels(bid: bid)[levels(bid: bid).count - 1]
            update(bid: bid) { $0.removeLast() }
            change.append(FineryBookUpdate(.remove, price: worst.price, size: 0), bid: bid)
        }
    }

    private mutating func refill(bid: Bool, rng: inout SplitMix64, into change: inout BookChange) {
        while levels(bid: bid).count < depth, let price = priceBeyondWorst(bid: bid, rng: &rng) {
            let level = FineryLevel(price: price, size: randomSize(&rng))
            update(bid: bid) { $0.append(level) }
            change.append(FineryBookUpdate(.add, price: level.price, size: level.size), bid: bid)
        }
    }
}
