import T4Wire
import Testing
import VenueBridgeCore

@Suite struct ExactPriceTests {
    @Test func realPricesDecodeExactly() throws {
        #expect(try price("5954.75").exactDecimal() == ExactDecimal(significand: 595_475, exponent: -2))
        #expect(try price("0.25").exactDecimal() == ExactDecimal(significand: 25, exponent: -2))
        #expect(try price("-12.5").exactDecimal() == ExactDecimal(significand: -125, exponent: -1))
        #expect(try price("6000").exactDecimal() == ExactDecimal(6000))
        #expect(try price("1.50").exactDecimal() == ExactDecimal(significand: 15, exponent: -1))
    }

    @Test func valuesDoubleWouldMangle() throws {
        // 0.1 + 0.2 is 0.30000000000000004 in Double; exactly 0.3 here.
        let sum = try price("0.1").exactDecimal().adding(try price("0.2").exactDecimal())
        #expect(sum == ExactDecimal(significand: 3, exponent: -1))
        #expect(T4Price(sum).value == "0.3")
        // 19 significant digits: Double keeps about 15-17.
        let big = try price("1234567890123456789").exactDecimal()
        #expect(big == ExactDecimal(significand: 1_234_567_890_123_456_789, exponent: 0))
        #expect(T4Price(big).value == "1234567890123456789")
        let precise = try price("9223372036854775807.25").exactDecimal()  // past Int64 and Double
        #expect(T4Price(precise).value == "9223372036854775807.25")
        let tiny = try T4DecimalValue.with { $0.value = "0.000000000000000001" }.exactDecimal()
        #expect(tiny == ExactDecimal(significand: 1, exponent: -18))
    }

    @Test func writingUsesCanonicalText() {
        #expect(T4Price(ExactDecimal("5954.75")!).value == "5954.75")
        #expect(T4Price(ExactDecimal("5955.00")!).value == "5955")
        #expect(T4Price(ExactDecimal("-0.5")!).value == "-0.5")
        #expect(T4DecimalValue(ExactDecimal("12.50")!).value == "12.5")
    }

    @Test(arguments: ["", "abc", "1,5", "NaN", "1.2.3", " 1", "+1", "1e999"])
    func malformedTextIsATypedError(_ text: String) {
        #expect {
            _ = try price(text).exactDecimal()
        } throws: { error in
            (error as? FrameDecodeError)?.kind == .invalidValue
        }
        #expect {
            _ = try T4DecimalValue.with { $0.value = text }.exactDecimal()
        } throws: { error in
            (error as? FrameDecodeError)?.kind == .invalidValue
        }
    }

    @Test func volumes() {
        #expect(T4Volume.quantity(Int32(7)) == ExactDecimal(7))
        #expect(T4Volume.quantity(Int32.max) == ExactDecimal(Int(Int32.max)))
        #expect(
            T4Volume.quantity(Int64(9_007_199_254_740_993))
                == ExactDecimal(significand: 9_007_199_254_740_993, exponent: 0))
        #expect(T4Volume.contracts(ExactDecimal("2")!) == 2)
        #expect(T4Volume.contracts(ExactDecimal("2.0")!) == 2)
        #expect(T4Volume.contracts(ExactDecimal("1e2")!) == 100)
        #expect(T4Volume.contracts(ExactDecimal("2.5")!) == nil)
        #expect(T4Volume.contracts(ExactDecimal("3000000000")!) == nil)
        #expect(T4Volume.contracts(.zero) == 0)
    }
}

@Suite struct HouseRulesTests {
    @Test func session() {
        #expect(T4HouseRules.heartbeatInterval == .seconds(20))
        #expect(T4HouseRules.deadAfter == .seconds(60))
        #expect(T4HouseRules.deadAfter == T4HouseRules.heartbeatInterval * 3)
        #expect(T4HouseRules.priceFormat == .real)
        #expect(T4HouseRules.priceFormat.rawValue == 1)
    }

    @Test func depthSubscription() {
        #expect(T4HouseRules.depthBuffer.rawValue == 2)  // DEPTH_BUFFER_SMART_TRADE
        #expect(T4HouseRules.depthLevels.rawValue == 10)  // DEPTH_LEVELS_NORMAL
    }

    @Test func aggressor() {
        #expect(T4HouseRules.aggressor(atBidOrOffer: .bid) == .sell)
        #expect(T4HouseRules.aggressor(atBidOrOffer: .offer) == .buy)
        #expect(T4HouseRules.aggressor(atBidOrOffer: .undefined) == .unknown)
    }

    @Test func simulatorReplies() {
        typealias Reply = T4HouseRules.SimulatorReply
        #expect(Reply.submitted.status == .working && Reply.submitted.change == .submissionSuccess)
        #expect(Reply.fill(complete: false).status == .working && Reply.fill(complete: false).change == .trade)
        #expect(Reply.fill(complete: true).status == .finished && Reply.fill(complete: true).change == .tradeCompleted)
        #expect(Reply.pulled.status == .finished && Reply.pulled.change == .pullSuccess)
        #expect(Reply.submitRejected.status == .rejected && Reply.submitRejected.change == .submissionRejected)
        #expect(Reply.pullRejected.change == .pullRejected)
        #expect(Reply.revised.change == .revisionSuccess)
        #expect(Reply.reviseRejected.change == .revisionRejected)
        // The venue's numbers (t4-wire/enums.tsv).
        #expect(T4OrderStatus.working.rawValue == 1 && T4OrderStatus.finished.rawValue == 2)
        #expect(T4OrderStatus.rejected.rawValue == 3 && T4OrderStatus.held.rawValue == 4)
        #expect(T4OrderChange.submissionSuccess.rawValue == 6 && T4OrderChange.submissionRejected.rawValue == 7)
        #expect(T4OrderChange.pullSuccess.rawValue == 18 && T4OrderChange.trade.rawValue == 20)
    }
}
