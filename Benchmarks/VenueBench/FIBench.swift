import FIConnector
import FIWire
import Foundation
import VenueBridgeCore
import VenueConnector

extension VenueBench {
    struct FIDecodeNormalize {
        var nanoseconds: Double
        var decodeOnly: Double
        var frameBytes: Int
    }

    /// Decode one FI book message (`{"security":…,"books":[{"act":"U",…}]}`, one entry's size
    /// changed, as the venue sends them) and apply it to the entry book, producing the book_delta
    /// (and ticker, when the top moved) the connector publishes. Run on a shallow and a deep book,
    /// so what each entry costs shows (an entry-based book re-aggregates the touched level).
    func fiDecodeNormalizeNanoseconds(entriesPerSide: Int, iterations: Int = 200_000) -> FIDecodeNormalize {
        let instruments = try! InstrumentMap([("BTCUSD", "BTC-USD")])
        var keeper = FIBookKeeper(instruments: instruments, publishTicker: true, capacity: 4 * entriesPerSide)
        let firstId: UInt64 = 6_988_929_507_302_077_441
        // Two entries per price level, ten levels a side at most: deep books stack more entries on each level.
        func price(_ side: FISide, _ index: Int) -> ExactDecimal {
            let level = index % 10
            return ExactDecimal(significand: Int128(side == .buy ? 700_000 - level : 700_001 + level), exponent: -2)
        }
        var snapshot: [FIBookChange] = []
        for side in [FISide.buy, .sell] {
            for index in 0..<entriesPerSide {
                let id = firstId + UInt64(index) + (side == .sell ? UInt64(entriesPerSide) : 0)
                snapshot.append(
                    .put(
                        id: "\(id)", add: true, side: side, price: price(side, index), quantity: 1, ioi: false,
                        source: "GEMI"))
            }
        }
        _ = try! keeper.apply(security: "BTCUSD", changes: snapshot, tsRecv: 0)
        let frames: [String] = (0..<1_000).map { i in
            let side: FISide = i % 2 == 0 ? .buy : .sell
            // Updates land on the first 50 entries of a side, each many times a pass with a new size
            // each time (a repeat of an unchanged size would publish nothing and flatter the figure).
            let index = (i * 7) % min(entriesPerSide, 50)
            let id = firstId + UInt64(index) + (side == .sell ? UInt64(entriesPerSide) : 0)
            let size = ExactDecimal(significand: Int128(100 + i), exponent: -2)
            return
                #"{"security":"BTCUSD","books":[{"side":"\#(side.rawValue)","act":"U","src":"GEMI","price":\#(price(side, index)),"qty":\#(size),"id":\#(id),"key":"NA"}]}"#
        }
        var events = 0
        let decodeStart = ContinuousClock.now
        for i in 0..<iterations {
            guard case .book = try! FIServerMessage.decode(frames[i % frames.count]) else { fatalError("not a book") }
        }
        let decodeElapsed = ContinuousClock.now - decodeStart
        let start = ContinuousClock.now
        for i in 0..<iterations {
            guard case .book(let security, let changes) = try! FIServerMessage.decode(frames[i % frames.count]) else {
                fatalError("not a book")
            }
            events &+= try! keeper.apply(security: security, changes: changes, tsRecv: Int64(i)).events.count
        }
        let elapsed = ContinuousClock.now - start
        precondition(events >= iterations)
        return FIDecodeNormalize(
            nanoseconds: elapsed.seconds * 1e9 / Double(iterations),
            decodeOnly: decodeElapsed.seconds * 1e9 / Double(iterations), frameBytes: frames[0].utf8.count)
    }
}
