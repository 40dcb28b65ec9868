import SFOXWire
import SimulatorKit
import VenueBridgeCore

/// One level as the simulator keeps it: whole ticks and lots, and the liquidity source.
struct SimLevel: Sendable, Hashable {
    var ticks: Int64
    var lots: Int64
    var source: String
}

/// A simulated market trade on one of sFOX's liquidity sources (`trades.sfox.*`).
struct SimMarketTrade: Sendable {
    var ticks: Int64
    var lots: Int64
    /// The aggressor.
    var side: SFOXAction
    var source: String
}

/// One pair's aggregated book: a seeded random walk of the mid, around which both sides are
/// rebuilt on every step (sFOX sends full snapshots only, so a whole new book per step is what a
/// client sees anyway). Liquidity taken by client orders is removed until the next step.
///
/// Invariants (checked by the tests): bids strictly descending, asks strictly ascending, best bid <
/// best ask, every price a positive multiple of the tick, every quantity a positive multiple of
/// the lot, at most `depth` levels per side.
struct SimulatedBook: Sendable {
    static let sources = ["ox", "coinbase", "gemini", "kraken", "bitstamp", "bitfinex"]

    let pair: SFOXSimulatorConfiguration.Pair
    let tick: DecimalStep
    let lot: DecimalStep
    let depth: Int
    let initialMidTicks: Int64
    /// The walk's price granularity, about 0.1 bp of the mid, in ticks.
    let unit: Int64
    /// `levelQuantity` in lots.
    let levelLots: Int64
    private(set) var midTicks: Int64
    private(set) var bids: [SimLevel] = []
    private(set) var asks: [SimLevel] = []

    init(pair: SFOXSimulatorConfiguration.Pair, depth: Int, rng: inout SplitMix64) {
        self.pair = pair
        tick = DecimalStep(pair.tickSize)
        lot = DecimalStep(pair.lotSize)
        self.depth = max(depth, 1)
        let unit = max(1, tick.floorCount(pair.midPrice) / 100_000)
        self.unit = unit
        // Room for a whole bid side above zero, whatever mid the configuration gives.
        let mid = max(tick.floorCount(pair.midPrice), Int64(self.depth) * (2 * unit + 1) * 4 + 16)
        initialMidTicks = mid
        midTicks = mid
        levelLots = max(1, lot.floorCount(pair.levelQuantity))
        rebuild(rng: &rng)
    }

    // MARK: - Random walk

    /// Moves the mid (mean-reverting within ±5 % of the start), rebuilds both sides, and now and
    /// then reports a trade on a liquidity source at the new best bid or ask.
    mutating func step(rng: inout SplitMix64) -> SimMarketTrade? {
        var delta = Int64(rng.below(UInt64(6 * unit + 1))) - 3 * unit
        let band = initialMidTicks / 20
        if midTicks > initialMidTicks + band { delta = -abs(delta) }
        if midTicks < initialMidTicks - band { delta = abs(delta) }
        midTicks = max(midTicks + delta, initialMidTicks / 2)
        rebuild(rng: &rng)
        guard rng.chance(30) else { return nil }
        let buy = rng.chance(50)
        guard let level = buy ? asks.first : bids.first else { return nil }
        let lots = max(1, level.lots * Int64(1 + rng.below(100)) / 100)
        return SimMarketTrade(ticks: level.ticks, lots: lots, side: buy ? .buy : .sell, source: level.source)
    }

    private mutating func rebuild(rng: inout SplitMix64) {
        let bestBid = midTicks - 1 - unit / 2 - Int64(rng.below(UInt64(unit)))
        let bestAsk = midTicks + 1 + unit / 2 + Int64(rng.below(UInt64(unit)))
        bids = side(from: bestBid, down: true, rng: &rng)
        asks = side(from: bestAsk, down: false, rng: &rng)
    }

    private func side(from best: Int64, down: Bool, rng: inout SplitMix64) -> [SimLevel] {
        var levels: [SimLevel] = []
        levels.reserveCapacity(depth)
        var price = best
        while levels.count < depth, price > 0 {
            levels.append(
                SimLevel(
                    ticks: price, lots: randomLots(&rng),
                    source: Self.sources[Int(rng.below(UInt64(Self.sources.count)))]))
            let gap = 1 + Int64(rng.below(UInt64(2 * unit)))
            price = down ? price - gap : price + gap
        }
        return levels
    }

    /// 0.05–2 × the level quantity, with a ragged tail so quantities use every decimal of the lot.
    private func randomLots(_ rng: inout SplitMix64) -> Int64 {
        let (scaled, overflow) = levelLots.multipliedReportingOverflow(by: Int64(50 + rng.below(1951)))
        let base = overflow ? levelLots : scaled / 1000
        return max(1, base + Int64(rng.below(UInt64(max(1, levelLots / 1000)))))
    }

    // MARK: - Liquidity taken by client orders

    /// The levels a taker on `side` reaches with `limit` (nil: any price), best first.
    func crossing(takerSide side: SFOXAction, limit: Int64?) -> [SimLevel] {
        BookWalk.reachable(side == .buy ? asks : bids, takerBuys: side == .buy, limit: limit) { $0.ticks }
    }

    /// Removes `lots` at `ticks` from the side a taker on `side` trades against.
    mutating func take(takerSide side: SFOXAction, ticks: Int64, lots: Int64) {
        if side == .buy {
            Self.take(&asks, ticks: ticks, lots: lots)
        } else {
            Self.take(&bids, ticks: ticks, lots: lots)
        }
    }

    private static func take(_ levels: inout [SimLevel], ticks: Int64, lots: Int64) {
        guard let index = levels.firstIndex(where: { $0.ticks == ticks }) else { return }
        levels[index].lots -= lots
        if levels[index].lots <= 0 { levels.remove(at: index) }
    }

    // MARK: - Snapshots

    /// The raw book (`orderbook.sfox.*`) as sent.
    func snapshot(lastUpdated: Int64, lastPublished: Int64) -> SFOXOrderBook {
        SFOXOrderBook(
            pair: pair.name, bids: bids.map(level), asks: asks.map(level), lastUpdated: lastUpdated,
            lastPublished: lastPublished)
    }

    /// The fee-adjusted book (`orderbook.net.*`): bids lowered and asks raised by `feeRate` of
    /// their price (whole ticks); levels that land on the same price are merged.
    func netSnapshot(feeRate: ExactDecimal, lastUpdated: Int64, lastPublished: Int64) -> SFOXOrderBook {
        func adjusted(_ levels: [SimLevel], down: Bool) -> [SFOXLevel] {
            var merged: [SimLevel] = []
            for var level in levels {
                let fee = tick.floorCount(tick.value(level.ticks).times(feeRate))
                level.ticks = down ? level.ticks - fee : level.ticks + fee
                guard level.ticks > 0 else { continue }
                if let last = merged.last, last.ticks == level.ticks {
                    merged[merged.count - 1].lots += level.lots
                } else {
                    merged.append(level)
                }
            }
            return merged.map(level)
        }
        return SFOXOrderBook(
            pair: pair.name, bids: adjusted(bids, down: true), asks: adjusted(asks, down: false),
            lastUpdated: lastUpdated, lastPublished: lastPublished)
    }

    private func level(_ level: SimLevel) -> SFOXLevel {
        SFOXLevel(price: tick.value(level.ticks), quantity: lot.value(level.lots), source: level.source)
    }
}
