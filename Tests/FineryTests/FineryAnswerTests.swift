import Testing
import VenueBridgeCore

@testable import FineryConnector

/// Issue 13 item 5 on Finery: the add reply may say more than feed O has published; the answer
/// must not (`FineryConnector.isAhead` decides when the answer has to wait for the feed).
@Suite("Finery answer never ahead of feed O")
struct FineryAnswerTests {
    func report(_ status: OrderStatus, cum: String) -> ExecutionReport {
        ExecutionReport(
            account: "a", clientOrderId: "1", side: .buy, orderType: .market, status: status,
            quantity: ExactDecimal("1")!,
            cumQty: ExactDecimal(cum)!)
    }

    @Test("a reply with fills or a final state is ahead of a feed that has not caught up, and not of one that has")
    func ahead() {
        #expect(FineryConnector.isAhead(report(.filled, cum: "1"), of: nil))
        #expect(
            FineryConnector.isAhead(report(.canceled, cum: "0"), of: nil), "a final state the feed has not published")
        #expect(FineryConnector.isAhead(report(.partiallyFilled, cum: "0.4"), of: report(.new, cum: "0")))
        #expect(
            FineryConnector.isAhead(report(.filled, cum: "1"), of: report(.partiallyFilled, cum: "1")),
            "same fills, not yet final")
        #expect(!FineryConnector.isAhead(report(.new, cum: "0"), of: nil), "an acknowledgement is never ahead")
        #expect(!FineryConnector.isAhead(report(.filled, cum: "1"), of: report(.filled, cum: "1")))
        #expect(!FineryConnector.isAhead(report(.partiallyFilled, cum: "0.4"), of: report(.canceled, cum: "0.4")))
    }
}
