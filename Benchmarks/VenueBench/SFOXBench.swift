import SFOXConnector
import SFOXWire
import VenueBridgeCore
import VenueConnector

extension VenueBench {
    /// Decode one `orderbook.sfox.btcusd` message (a full snapshot, 20 levels a side with 8-decimal
    /// prices, as the venue sends) and diff it against the local book, producing the events the
    /// connector publishes. Consecutive frames differ in two levels, the common case.
    func sfoxDecodeNormalizeNanoseconds(levelsPerSide: Int = 20, iterations: Int = 100_000) -> (
        nanoseconds: Double, decodeOnly: Double, frameBytes: Int
    ) {
        let instruments = try! InstrumentMap([("btcusd", "BTC-USD")])
        var keeper = SFOXBookKeeper(instruments: instruments, publishTicker: true)
        let sources = ["ox", "gemini", "coinbase", "kraken"]
        func price(_ base: Int64, _ offset: Int64) -> ExactDecimal {
            ExactDecimal(significand: Int128(base + offset), exponent: -8)
        }
        let frames: [String] = (0..<1_000).map { i in
            let bids = (0..<levelsPerSide).map { level in
                SFOXLevel(
                    price: price(4_322_205_828_009, -Int64(level) * 1_234_567),
                    quantity: ExactDecimal(
                        significand: Int128(675 + (level == i % levelsPerSide ? i : 0)), exponent: -4),
                    source: sources[level % 4])
            }
            let asks = (0..<levelsPerSide).map { level in
                SFOXLevel(
                    price: price(4_323_416_026_124, Int64(level) * 1_234_567),
                    quantity: ExactDecimal(
                        significand: Int128(675 + (level == (i + 7) % levelsPerSide ? i : 0)), exponent: -4),
                    source: sources[level % 4])
            }
            let book = SFOXOrderBook(
                pair: "btcusd", bids: bids, asks: asks, lastUpdated: 1_703_708_043_963 + Int64(i),
                lastPublished: 1_703_708_043_968 + Int64(i))
            return SFOXServerMessage.data(
                sequence: Int64(i + 1), feed: .orderBook(pair: "btcusd", net: false),
                timestamp: 1_703_708_043_968_000_000, payload: .orderBook(book)
            ).encoded()
        }
        var decoded = 0
        let decodeStart = ContinuousClock.now
        for i in 0..<iterations {
            if case .data(let seq, _, _, _) = try! SFOXServerMessage.decode(frames[i % frames.count]) {
                decoded &+= Int(seq)
            }
        }
        let decodeElapsed = ContinuousClock.now - decodeStart
        precondition(decoded > 0)
        var events = 0
        let start = ContinuousClock.now
        for i in 0..<iterations {
            guard
                case .data(_, _, let timestamp, .orderBook(let book)) = try! SFOXServerMessage.decode(
                    frames[i % frames.count])
            else { fatalError("not a book") }
            events &+= try! keeper.apply(book, tsVenue: timestamp, tsRecv: Int64(i)).count
        }
        let elapsed = ContinuousClock.now - start
        precondition(events >= iterations - 1)
        return (
            elapsed.seconds * 1e9 / Double(iterations), decodeElapsed.seconds * 1e9 / Double(iterations),
            frames[0].utf8.count
        )
    }
}
