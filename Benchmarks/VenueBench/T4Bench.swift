import T4Connector
import T4Wire
import VenueBridgeCore

extension VenueBench {
    /// Decode one `ServerMessage{market_depth}` (10 levels a side in REAL prices, with trade_data,
    /// as T4 sends on every change) and normalize it: the whole-book replacement diffed into a
    /// `book_delta` (+ ticker when the top moves, + a trade when the traded volume moved).
    func t4DecodeNormalizeNanoseconds(levelsPerSide: Int = 10, iterations: Int = 200_000) -> (
        nanoseconds: Double, decodeOnly: Double, frameBytes: Int
    ) {
        let market = T4Market(symbol: "ES-M25", exchangeID: "CME_Eq", contractID: "ES", marketID: "XCME_Eq ES (M25)")
        var keeper = T4BookKeeper(markets: [market], publishTicker: true)
        func line(_ ticks: Int, _ volume: Int32) -> T4proto_V1_Market_MarketDepth.DepthLine {
            var line = T4proto_V1_Market_MarketDepth.DepthLine()
            line.price = T4Price(ExactDecimal(significand: Int128(ticks * 25), exponent: -2))
            line.volume = volume
            line.numOrders = volume / 3 + 1
            return line
        }
        // 64 distinct frames: one level's volume changes per frame, a trade every 4th frame.
        let frames: [[UInt8]] = (0..<64).map { i in
            var depth = T4proto_V1_Market_MarketDepth()
            depth.marketID = market.marketID
            depth.time.seconds = 1_750_000_000 + Int64(i)
            depth.mode = .open
            depth.bids = (0..<levelsPerSide).map { line(238_190 - $0, Int32(40 + ($0 == i % levelsPerSide ? i : 0))) }
            depth.offers = (0..<levelsPerSide).map {
                line(238_191 + $0, Int32(35 + ($0 == (i + 3) % levelsPerSide ? i : 0)))
            }
            var trade = T4proto_V1_Market_MarketDepth.TradeData()
            trade.totalTradedVolume = 1_000 + Int32(i / 4)
            trade.lastTradeVolume = 1
            trade.lastTradePrice = T4Price(ExactDecimal(significand: 238_191 * 25, exponent: -2))
            trade.atBidOrOffer = .offer
            depth.tradeData = trade
            return T4Frame.encode(T4ServerMessage.with { $0.payload = .marketDepth(depth) })
        }
        var snapshot = T4proto_V1_Market_MarketSnapshot()
        snapshot.marketID = market.marketID
        if case .marketDepth(let first)? = try! T4Frame.decodeServer(frames[0]).payload {
            snapshot.messages = [.with { $0.payload = .marketDepth(first) }]
        }
        _ = try! keeper.snapshot(snapshot, tsRecv: 0)

        var decoded = 0
        let decodeStart = ContinuousClock.now
        for i in 0..<iterations {
            if case .marketDepth(let depth)? = try! T4Frame.decodeServer(frames[i % frames.count]).payload {
                decoded &+= depth.bids.count
            }
        }
        let decodeElapsed = ContinuousClock.now - decodeStart
        precondition(decoded > 0)
        var events = 0
        let start = ContinuousClock.now
        for i in 0..<iterations {
            guard case .marketDepth(let depth)? = try! T4Frame.decodeServer(frames[i % frames.count]).payload else {
                fatalError("not a depth")
            }
            events &+= try! keeper.depth(depth, tsRecv: Int64(i)).count
        }
        let elapsed = ContinuousClock.now - start
        precondition(events >= iterations - 1)
        return (
            elapsed.seconds * 1e9 / Double(iterations), decodeElapsed.seconds * 1e9 / Double(iterations),
            frames[0].count
        )
    }
}
