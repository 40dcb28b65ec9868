import T4Wire
import VenueBridgeCore

/// Prices inside the simulator are whole ticks; `PriceCodec` turns them into the wire text of a
/// session's price format and back, exactly.
struct PriceCodec: Sendable {
    let tick: ExactDecimal
    let decimals: Int

    /// The human price of `ticks` ticks.
    func real(_ ticks: Int64) -> ExactDecimal {
        (try? ExactDecimal(significand: Int128(ticks), exponent: 0).multiplied(by: tick)) ?? .zero
    }

    func price(_ ticks: Int64, _ format: T4proto_V1_Common_PriceFormat) -> T4Price {
        let value = real(ticks)
        guard format == .decimal, let raw = value.scaledInteger(scale: decimals) else { return T4Price(value) }
        return T4Price(ExactDecimal(significand: Int128(raw), exponent: 0))
    }

    /// Ticks of a wire price, nil when malformed or off the tick.
    func ticks(_ price: T4Price, _ format: T4proto_V1_Common_PriceFormat) -> Int64? {
        guard var value = try? price.exactDecimal() else { return nil }
        if format == .decimal {
            guard let raw = value.scaledInteger(scale: 0) else { return nil }
            value = ExactDecimal(significand: Int128(raw), exponent: -decimals)
        }
        return ticks(value)
    }

    /// Ticks of a human price, nil when off the tick.
    func ticks(_ value: ExactDecimal) -> Int64? {
        let scale = max(tick.fractionDigits, value.fractionDigits)
        guard let v = value.scaledInteger(scale: scale), let t = tick.scaledInteger(scale: scale), t > 0, v % t == 0
        else { return nil }
        return v / t
    }
}

struct Level: Hashable {
    var ticks: Int64
    var volume: Int32
    var orders: Int32
}

/// What a book change was, for the feeds.
struct BookTrade {
    var ticks: Int64
    var volume: Int32
    /// The resting side the trade hit: `.bid` (seller aggressor) or `.offer`.
    var atBidOrOffer: T4proto_V1_Common_BidOffer
}

/// A seeded random-walk book: bids contiguous from the best bid down, offers contiguous from the
/// best offer up, always `depth` levels a side and never crossed.
struct SimulatedBook {
    let depth: Int
    var bids: [Level]
    var offers: [Level]
    var totalTradedVolume: Int32 = 0
    var totalTradeCount: Int32 = 0
    var lastTrade: BookTrade?

    init(midTicks: Int64, depth: Int, rng: inout SplitMix64) {
        self.depth = max(depth, 1)
        let bestBid = max(midTicks, Int64(self.depth) + 1)
        bids = (0..<self.depth).map {
            Level(ticks: bestBid - Int64($0), volume: Self.volume(&rng), orders: Self.orders(&rng))
        }
        offers = (0..<self.depth).map {
            Level(ticks: bestBid + 1 + Int64($0), volume: Self.volume(&rng), orders: Self.orders(&rng))
        }
    }

    static func volume(_ rng: inout SplitMix64) -> Int32 { Int32(rng.int(in: 1...60)) }
    static func orders(_ rng: inout SplitMix64) -> Int32 { Int32(rng.int(in: 1...12)) }

    var spread: Int64 { offers[0].ticks - bids[0].ticks }

    /// One random change; returns the trade it made, if any.
    mutating func randomStep(rng: inout SplitMix64) -> BookTrade? {
        let roll = rng.below(100)
        let bidSide = rng.chance(50)
        switch roll {
        case 0..<40:
            let index = rng.int(in: 0...(depth - 1))
            if bidSide {
                bids[index].volume = Self.volume(&rng)
                bids[index].orders = Self.orders(&rng)
            } else {
                offers[index].volume = Self.volume(&rng)
                offers[index].orders = Self.orders(&rng)
            }
            return nil
        case 40..<65:
            let volume = Int32(rng.int(in: 1...5))
            return trade(atBid: bidSide, volume: volume, rng: &rng)
        default:
            if spread > 1 { improve(bid: bidSide, rng: &rng) } else { removeBest(bid: bidSide, rng: &rng) }
            return nil
        }
    }

    /// A venue trade of up to `volume` at the best level of one side.
    mutating func trade(atBid: Bool, volume: Int32, rng: inout SplitMix64) -> BookTrade {
        let best = atBid ? bids[0] : offers[0]
        let traded = min(volume, best.volume)
        let trade = BookTrade(ticks: best.ticks, volume: traded, atBidOrOffer: atBid ? .bid : .offer)
        record(trade)
        consume(bid: atBid, volume: traded, rng: &rng)
        return trade
    }

    mutating func record(_ trade: BookTrade) {
        totalTradedVolume &+= trade.volume
        totalTradeCount &+= 1
        lastTrade = trade
    }

    /// Takes `volume` (at most the best level's) from the best level of one side.
    mutating func consume(bid: Bool, volume: Int32, rng: inout SplitMix64) {
        if bid {
            bids[0].volume -= volume
            if bids[0].volume <= 0 { removeBest(bid: true, rng: &rng) }
        } else {
            offers[0].volume -= volume
            if offers[0].volume <= 0 { removeBest(bid: false, rng: &rng) }
        }
    }

    mutating func removeBest(bid: Bool, rng: inout SplitMix64) {
        if bid {
            guard let last = bids.last, last.ticks > 1 else { return }
            bids.removeFirst()
            bids.append(Level(ticks: last.ticks - 1, volume: Self.volume(&rng), orders: Self.orders(&rng)))
        } else {
            let last = offers[offers.count - 1]
            offers.removeFirst()
            offers.append(Level(ticks: last.ticks + 1, volume: Self.volume(&rng), orders: Self.orders(&rng)))
        }
    }

    mutating func improve(bid: Bool, rng: inout SplitMix64) {
        guard spread > 1 else { return }
        if bid {
            bids.removeLast()
            bids.insert(Level(ticks: bids[0].ticks + 1, volume: Self.volume(&rng), orders: Self.orders(&rng)), at: 0)
        } else {
            offers.removeLast()
            offers.insert(
                Level(ticks: offers[0].ticks - 1, volume: Self.volume(&rng), orders: Self.orders(&rng)), at: 0)
        }
    }
}
