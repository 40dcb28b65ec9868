import BridgeTestSupport
import FinerySimulator
import FineryWire
import MetricsTestKit
import Testing
import VenueBridgeCore
import VenueConnector

@testable import FineryConnector

// Venue frames built to hurt: numbers that overflow when converted, negative sizes. Each must be
// refused (decoder or normalizer), counted and logged; none may trap the process or be published.

private func order(orderId: Int64 = 77, clientOrderId: Int64 = 5, initialSize: Int64, sizeLeft: Int64) -> FineryOrder {
    FineryOrder(
        instrument: "BTC-USD", type: .limit, side: .bid, cancelReason: 0, orderId: orderId,
        clientOrderId: clientOrderId,
        price: 5_000_000_000_000, initialSize: initialSize, sizeLeft: sizeLeft, createdAt: 1_700_000_000_000)
}

/// The kind a frame is refused with by the decoder, or nil when it decodes.
private func decodeRefusal(_ text: String) -> FrameDecodeError.Kind? {
    do {
        _ = try FineryServerMessage.decode(text)
        return nil
    } catch {
        return error.kind
    }
}

/// A deal on feed `O` (order fields 0–9, then moment, dealId, aggressor, price, size, volume, delta, counterparty).
private func dealFrame(moment: String, size: String = "100000000") -> String {
    #"["O",0,"D",["BTC-USD",0,0,0,77,5,5000000000000,100000000,0,1700000000000,"# + moment + #",9,1,5000000000000,"#
        + size + #",500000000000,0,42]]"#
}

@Suite("Finery hostile frames")
struct FineryHostileFrameTests {
    @Test("a deal moment in microseconds (>= 9.2e12 ms) is refused by the decoder instead of overflowing × 1e6")
    func dealMomentOutOfRange() throws {
        #expect(decodeRefusal(dealFrame(moment: "1700000000000000")) == .invalidValue)
        #expect(decodeRefusal(dealFrame(moment: "18446744073709551615")) == .invalidValue)
        // The last representable millisecond still decodes, and converts exactly.
        #expect(decodeRefusal(dealFrame(moment: "9223372036854")) == nil)
        #expect(FineryUnits.nanoseconds(milliseconds: 9_223_372_036_854) == 9_223_372_036_854_000_000)
        #expect(FineryUnits.nanoseconds(milliseconds: 9_223_372_036_855) == nil)
        #expect(FineryUnits.nanoseconds(milliseconds: UInt64.max) == nil)
        #expect(FineryUnits.nanoseconds(milliseconds: 1_700_000_000_000) == 1_700_000_000_000_000_000)
    }

    @Test(
        "an order with initialSize Int64.max and sizeLeft -1 is refused by the tracker on S, +, - and D, and nothing is tracked"
    )
    func orderSizesOverflow() throws {
        let tracker = FineryOrderTracker(account: "acct-1", finishedMemory: 10)
        let hostile = order(initialSize: .max, sizeLeft: -1)
        #expect(throws: VenueNormalizeError.self) { try tracker.snapshot([hostile]) }
        #expect(throws: VenueNormalizeError.self) { try tracker.added(hostile) }
        #expect(throws: VenueNormalizeError.self) { try tracker.removed(hostile) }
        let deal = FineryDeal(
            order: hostile, moment: 1_700_000_000_000, dealId: 9, aggressorSide: .bid, price: 5_000_000_000_000,
            size: 1, volume: 1, delta: 0, counterpartyId: 42)
        #expect(throws: VenueNormalizeError.self) { try tracker.deal(deal) }
        // Both sizes non-negative but more left than ordered: a negative fill, refused too.
        do {
            _ = try tracker.added(order(initialSize: 1, sizeLeft: 2))
            Issue.record("more left than ordered was accepted")
        } catch {
            #expect(error.kind == .invalidOrder)
        }
        // All or nothing: one bad order in a snapshot refuses it before the good one is tracked.
        #expect(throws: VenueNormalizeError.self) {
            try tracker.snapshot([order(orderId: 80, clientOrderId: 8, initialSize: 10, sizeLeft: 10), hostile])
        }
        #expect(tracker.activeCount == 0)
        #expect(tracker.report(clientOrderId: 5) == nil)
        // The tracker is still usable afterwards, and fills are still computed exactly.
        let report = try tracker.added(
            order(orderId: 81, clientOrderId: 9, initialSize: 100_000_000, sizeLeft: 40_000_000))
        #expect(report?.cumQty == ExactDecimal("0.6"))
        #expect(report?.leavesQty == ExactDecimal("0.4"))
    }

    @Test(
        "negative sizes are refused by the decoder in book levels, book updates, orders, deals and add replies; size 0 updates still decode"
    )
    func negativeSizes() throws {
        #expect(decodeRefusal(#"["B","BTC-USD","S",[[[99000000000,-5]],[]]]"#) == .invalidValue)
        #expect(decodeRefusal(#"["B","BTC-USD","M",[[["M",99000000000,-5]],[]]]"#) == .invalidValue)
        #expect(decodeRefusal(#"["B","BTC-USD","M",[[],[["+",99000000000,-1]]]]"#) == .invalidValue)
        #expect(
            decodeRefusal(#"["O",0,"+",["BTC-USD",0,0,0,78,6,5000000000000,9223372036854775807,-1,1700000000000,0]]"#)
                == .invalidValue)
        #expect(
            decodeRefusal(#"["O",0,"S",[["BTC-USD",0,0,0,78,6,5000000000000,-100,0,1700000000000,0]]]"#)
                == .invalidValue)
        #expect(decodeRefusal(dealFrame(moment: "1700000000000", size: "-100000000")) == .invalidValue)
        // Size 0 in an update deletes the level (and `-` / `["~",0,0]` carry 0): not an error.
        #expect(decodeRefusal(#"["B","BTC-USD","M",[[["M",99000000000,0],["-",98000000000,0]],[["~",0,0]]]]"#) == nil)
        #expect(decodeRefusal(#"["B","BTC-USD","S",[[[99000000000,0]],[]]]"#) == nil)

        let reply = try JSONValue.parse(#"{"id":1,"remainingSize":-5,"deals":[]}"#)
        #expect(throws: FineryDecodeError.self) { try FineryOrderReply(body: reply) }
        let replyDeal = try JSONValue.parse(#"{"id":1,"remainingSize":0,"deals":[{"id":2,"price":1,"size":-3}]}"#)
        #expect(throws: FineryDecodeError.self) { try FineryOrderReply(body: replyDeal) }
    }

    @Test(
        "hostile frames through the running connector: counted as invalid, nothing published from them, process and link survive"
    )
    func hostileFramesEndToEnd() async throws {
        let harness = try await FineryBridgeHarness(prefix: "f10")
        try await harness.waitUntilReady()
        try await eventually("first snapshot") { harness.reader.snapshotCount("BTC-USD") == 1 }
        let top = try #require(await harness.simulator.book("BTC-USD").bids.first)

        // Overflow traps on the old code: a deal moment in µs; initialSize Int64.max with sizeLeft -1.
        await harness.simulator.sendFrame(dealFrame(moment: "1700000000000000"))
        await harness.simulator.sendFrame(
            #"["O",0,"+",["BTC-USD",0,0,0,78,6,5000000000000,9223372036854775807,-1,1700000000000,0]]"#)
        await harness.simulator.sendFrame(
            #"["O",0,"S",[["BTC-USD",0,0,0,78,6,5000000000000,9223372036854775807,-1,1700000000000,0]]]"#)
        // Published as a negative size on the old code.
        await harness.simulator.sendFrame(#"["B","BTC-USD","M",[[["M",\#(top.price),-5]],[]]]"#)
        // Decodes, but leaves more than it ordered: the tracker refuses it.
        await harness.simulator.sendFrame(#"["O",0,"+",["BTC-USD",0,0,0,79,7,5000000000000,1,2,1700000000000,0]]"#)
        await harness.simulator.step(50)
        try await harness.waitForBookConvergence("BTC-USD")

        func decodeErrors(_ kind: String) -> Int64 {
            (try? harness.metrics.expectCounter("vb_venue_decode_errors_total", [("venue", "finery"), ("kind", kind)]))?
                .totalValue ?? 0
        }
        try await eventually("every hostile frame counted") {
            decodeErrors("invalid_value") == 4 && decodeErrors("invalid_order") == 1
        }
        #expect(harness.connector.control.state == .ready)
        #expect(
            harness.reader.statuses.filter { $0.state == .disconnected }.isEmpty,
            "a hostile frame does not drop the link")
        for clientOrderId in ["5", "6", "7"] { #expect(harness.reader.reports(clientOrderId: clientOrderId).isEmpty) }
        for event in harness.reader.all {
            switch event.payload {
            case .bookSnapshot(let levels), .bookDelta(let levels):
                #expect(
                    (levels.bids + levels.asks).allSatisfy { !$0.size.isNegative }, "negative size published: \(levels)"
                )
            default: break
            }
        }
        await harness.stop()
    }

    @Test(
        "contradictions found by fuzzing: an order the venue refused reports nothing more; a deal after the order finished keeps its terminal status; a redelivered deal is no second fill"
    )
    func nothingAfterTerminal() throws {
        let tracker = FineryOrderTracker(account: "acct-1", finishedMemory: 10)
        let add = FineryAddRequest(
            instrument: "BTC-USD", clientOrderId: 5, price: 5_000_000_000_000, size: 100_000_000, side: .bid,
            type: .limit)
        let refused = tracker.rejection(add, idempotencyKey: "k5", code: FineryErrorCode(rawValue: 2), param: nil)
        #expect(refused.status == .rejected)
        #expect(try tracker.added(order(initialSize: 100_000_000, sizeLeft: 100_000_000)) == nil)
        #expect(try tracker.snapshot([order(initialSize: 100_000_000, sizeLeft: 100_000_000)]).isEmpty)

        // Order 6 fills, then its deal comes again (redelivered), then a later deal of it.
        let six = order(orderId: 78, clientOrderId: 6, initialSize: 100_000_000, sizeLeft: 0)
        func deal(_ id: Int64, size: Int64) -> FineryDeal {
            FineryDeal(
                order: six, moment: 1_700_000_000_000, dealId: id, aggressorSide: .bid, price: 5_000_000_000_000,
                size: size, volume: 1, delta: 0, counterpartyId: 42)
        }
        #expect(try tracker.deal(deal(21, size: 100_000_000))?.status == .filled)
        #expect(try tracker.deal(deal(21, size: 100_000_000)) == nil, "a redelivered deal")
        let late = try tracker.deal(deal(22, size: 10_000_000))
        #expect(late?.status == .filled && late?.fillId == "22", "a late deal: published, still filled")
        #expect(late?.cumQty == ExactDecimal("1.1"))
    }

    @Test(
        "found by fuzzing in CI: a second venue order claiming a client id that finished gets no report after the terminal one (removal, deal, absence from a snapshot)"
    )
    func oneTerminalReportPerClientId() throws {
        let tracker = FineryOrderTracker(account: "acct-1", finishedMemory: 10)
        // Order 78 (client id 2) rests; then the venue removes "order 79" with the same client id, filled.
        _ = try tracker.snapshot([order(orderId: 78, clientOrderId: 2, initialSize: 100_000_000, sizeLeft: 25_000_000)])
        let filled = try tracker.removed(order(orderId: 79, clientOrderId: 2, initialSize: 100_000_000, sizeLeft: 0))
        #expect(filled?.status == .filled)
        // Order 78 must not be reported canceled afterwards: not when it is removed...
        #expect(try tracker.removed(order(orderId: 78, clientOrderId: 2, initialSize: 100_000_000, sizeLeft: 5)) == nil)
        // ...nor when a snapshot after a reconnect no longer lists it.
        _ = try tracker.snapshot([order(orderId: 90, clientOrderId: 3, initialSize: 100_000_000, sizeLeft: 100_000_000)]
        )
        _ = try tracker.added(order(orderId: 91, clientOrderId: 4, initialSize: 100_000_000, sizeLeft: 100_000_000))
        _ = try tracker.snapshot([order(orderId: 80, clientOrderId: 2, initialSize: 100_000_000, sizeLeft: 100_000_000)]
        )
        #expect(try tracker.snapshot([]).allSatisfy { $0.clientOrderId != "2" })
        // A deal of a second order under the finished client id is a late fill: still filled.
        let deal = FineryDeal(
            order: order(orderId: 81, clientOrderId: 2, initialSize: 100_000_000, sizeLeft: 50_000_000),
            moment: 1_700_000_000_000, dealId: 31, aggressorSide: .bid, price: 5_000_000_000_000, size: 50_000_000,
            volume: 1, delta: 0, counterpartyId: 42)
        #expect(try tracker.deal(deal)?.status == .filled)
        #expect(tracker.report(clientOrderId: 2)?.status == .filled)
    }
}
