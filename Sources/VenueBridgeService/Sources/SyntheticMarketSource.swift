public import EventBus
public import Logging
public import ServiceLifecycle
import VenueBridgeCore

/// A deterministic generated market (seeded random walk) for the demo and benchmarks until real
/// venue connectors exist. It behaves like a connector: `venue_status` on start and stop, a
/// `book_snapshot` first, then `book_delta`s, a `ticker` on every top-of-book change and trades.
public struct SyntheticMarketSource: Service {
    public var configuration: BridgeConfig.Synthetic
    let sink: any EventSink
    let logger: Logger

    public init(configuration: BridgeConfig.Synthetic, sink: any EventSink, logger: Logger) {
        self.configuration = configuration
        self.sink = sink
        self.logger = logger
    }

    public func run() async throws {
        let venue = configuration.venue
        try await publishStatus(.connecting, reason: "synthetic source starting")
        let initial = configuration.instruments.enumerated().map { index, instrument in
            SyntheticBook(
                instrument: instrument, seed: configuration.seed &+ UInt64(index), mid: index == 0 ? 65_000 : 3_000)
        }
        for book in initial {
            try await sink.publish(event(book.instrument, .bookSnapshot(book.levels)))
        }
        try await publishStatus(.ready, reason: nil)
        let interval = Duration.seconds(1) / configuration.updatesPerSecond
        // Stop at graceful shutdown (SIGTERM/SIGINT), then publish the status change.
        await cancelWhenGracefulShutdown {
            var books = initial
            var tick: UInt64 = 0
            do {
                while !Task.isCancelled {
                    tick += 1
                    for i in books.indices {
                        let step = books[i].step()
                        try await sink.publish(event(books[i].instrument, .bookDelta(step.delta)))
                        if step.topChanged {
                            try await sink.publish(event(books[i].instrument, .ticker(books[i].ticker)))
                        }
                        if tick % 5 == 0 {
                            try await sink.publish(event(books[i].instrument, .trade(books[i].trade(id: tick))))
                        }
                    }
                    try await Task.sleep(for: interval)
                }
            } catch is CancellationError {
            } catch {
                logger.error("synthetic source stopped", metadata: ["error": "\(error)", "venue": "\(venue)"])
            }
        }
        try? await publishStatus(.disconnected, reason: "shutting down")
    }

    private func publishStatus(_ state: VenueConnectionState, reason: String?) async throws {
        try await sink.publish(
            NormalizedEvent(
                venue: configuration.venue, instrument: nil, venueInstrument: nil, tsRecv: wallClockNanos(),
                payload: .venueStatus(VenueStatus(state: state, reason: reason))))
    }

    private func event(_ instrument: String, _ payload: EventPayload) -> NormalizedEvent {
        let now = wallClockNanos()
        return NormalizedEvent(
            venue: configuration.venue, instrument: instrument, venueInstrument: instrument, tsVenue: now, tsRecv: now,
            payload: payload)
    }

}

/// A 10-level book on a 0.5 tick with sizes in 1e-4 units, moved by a SplitMix64 random walk.
struct SyntheticBook {
    let instrument: String
    private var rng: SplitMix64
    private var bids: [Int64: Int64] = [:]  // price in ticks → size in 1e-4 units
    private var asks: [Int64: Int64] = [:]
    private static let tick = ExactDecimal(scaled: 5, scale: 1)

    init(instrument: String, seed: UInt64, mid: Int64) {
        self.instrument = instrument
        rng = SplitMix64(seed: seed)
        let midTicks = mid * 2
        for level in 1...10 {
            bids[midTicks - Int64(level)] = Int64(rng.next(in: 1...50_000))
            asks[midTicks + Int64(level)] = Int64(rng.next(in: 1...50_000))
        }
    }

    private static func level(_ ticks: Int64, _ size: Int64) -> PriceLevel {
        PriceLevel(price: ExactDecimal(scaled: ticks * 5, scale: 1), size: ExactDecimal(scaled: size, scale: 4))
    }

    var levels: BookLevels {
        BookLevels(
            bids: bids.sorted { $0.key > $1.key }.map { Self.level($0.key, $0.value) },
            asks: asks.sorted { $0.key < $1.key }.map { Self.level($0.key, $0.value) },
            depth: 10
        )
    }

    var ticker: Ticker {
        let bid = bids.max { $0.key < $1.key }!
        let ask = asks.min { $0.key < $1.key }!
        let b = Self.level(bid.key, bid.value)
        let a = Self.level(ask.key, ask.value)
        return Ticker(bid: b.price, bidSize: b.size, ask: a.price, askSize: a.size)
    }

    func trade(id: UInt64) -> Trade {
        let bid = bids.max { $0.key < $1.key }!
        return Trade(
            price: Self.level(bid.key, 0).price, size: ExactDecimal(scaled: 1 + Int64(id % 97), scale: 4),
            aggressor: id % 2 == 0 ? .sell : .buy, tradeId: "syn-\(id)")
    }

    /// Changes one level's size, or removes the best level and adds one at the back, keeping the book crossed-free.
    mutating func step() -> (delta: BookLevels, topChanged: Bool) {
        let bidSide = rng.next(in: 0...1) == 0
        var side = bidSide ? bids : asks
        let ordered = side.keys.sorted(by: bidSide ? (>) : (<))
        var changed: [PriceLevel] = []
        var topChanged = false
        if rng.next(in: 0...9) == 0 {
            // Remove the best level and add one behind the worst: the book drifts.
            let best = ordered.first!
            let worst = ordered.last!
            side[best] = nil
            changed.append(Self.level(best, 0))
            let added = bidSide ? worst - 1 : worst + 1
            let size = Int64(rng.next(in: 1...50_000))
            side[added] = size
            changed.append(Self.level(added, size))
            topChanged = true
        } else {
            let index = Int(rng.next(in: 0...UInt64(ordered.count - 1)))
            let size = Int64(rng.next(in: 1...50_000))
            side[ordered[index]] = size
            changed.append(Self.level(ordered[index], size))
            topChanged = index == 0
        }
        if bidSide { bids = side } else { asks = side }
        return (bidSide ? BookLevels(bids: changed, asks: []) : BookLevels(bids: [], asks: changed), topChanged)
    }
}
