import FigConnector
import FigWire
import VenueBridgeCore
import VenueConnector

extension FuzzHarness {
    /// Fig: each 0x1E-separated frame through `JSONRPCMessage.decode`, and a `v1/subscription`
    /// push through `FigDecoding.push`, then where `FigConnector.handle` sends it: the taker
    /// channels' RFQs (`rfq`, whose trades are fills) and quotes to one `FigTakerBook`, other
    /// channels' RFQs only remembered. A frame that is no JSON-RPC message is a REST answer, as
    /// `FigRFQEntry` tracks it: a `/rfq/trade` answer (`willAccept`, then `traded`) or an RFQ read
    /// (`rfq`). Before the first frame: RFQ 9001 created with label `c-rfq-1`, and accept `acc-1`
    /// of its quote 501 in flight; a trade answer of another RFQ is accept `acc-2` of quote 502.
    /// Checks docs/events.md on every report.
    public static func fig(_ data: [UInt8]) {
        var book = FigTakerBook(account: "desk-1")
        book.created(label: "c-rfq-1", rfqId: 9001)
        let accepts = [
            AcceptQuoteRequest(
                account: "desk-1", instrument: "BTC-USD", quoteId: "501", rfqId: "9001", clientOrderId: "acc-1",
                idempotencyKey: "key-acc-1"),
            AcceptQuoteRequest(
                account: "desk-1", instrument: "BTC-USD", quoteId: "502", clientOrderId: "acc-2",
                idempotencyKey: "key-acc-2"),
        ]
        book.willAccept(accepts[0])
        // The taker book does not promise a `cum_qty` that only grows; negative fills are caught
        // as negative `last_qty`.
        var contract = VenueContract(cumQtyOnlyGrows: false)
        for text in FuzzFrames.text(data) {
            var reports: [ExecutionReport] = []
            if let message = try? JSONRPCMessage.decode(text) {
                // Replies and errors answer calls (none in flight here); other notifications end
                // the session or are counted.
                guard case .notification(FigHouseRules.pushMethod, let params) = message,
                    let push = try? FigDecoding.push(params)
                else { continue }
                switch push {
                case .rfq(let channel, let rfq) where FigHouseRules.takerChannels.contains(channel):
                    reports = book.rfq(rfq)
                case .rfq(_, let rfq):
                    book.remember(rfq)
                case .quote(let channel, let quote) where FigHouseRules.takerChannels.contains(channel):
                    book.quote(quote)
                case .quote, .other:
                    break
                }
            } else if let result = try? FigTradeRequest.Result.decode(text) {
                let request = book.acceptRFQ(clientOrderId: "acc-1") == result.rfqId ? accepts[0] : accepts[1]
                book.willAccept(request)
                reports = book.traded(clientOrderId: request.clientOrderId, result: result)
            } else if let rfq = try? FigDecoding.rfq(text: text) {
                reports = book.rfq(rfq)
            }
            contract.reports(reports)
        }
    }
}
