import FigWire
import Testing
import VenueBridgeCore

/// The wire format against the examples in shared/venues/fig.md; signatures against vectors
/// computed independently (Python's `hmac` with SHA-256 over the documented message).
@Suite("Fig wire")
struct FigWireTests {
    @Test(
        "the request signature: hex HMAC-SHA256 of timestamp, method, URI after /v1 and body (vectors from Python's hmac)"
    )
    func signature() {
        let create = FigCreateRFQ(
            baseCurrency: "BTC", quoteCurrency: "USD", amount: ExactDecimal("1.5")!, label: "vb-1",
            legs: [.init(direction: .buy, instrumentId: 12345)])
        let body = create.body()
        #expect(
            body
                == #"{"baseCurrency":"BTC","quoteCurrency":"USD","amount":1.5,"anonymous":false,"label":"vb-1","legs":[{"direction":"buy","instrumentId":12345,"ratio":1}]}"#
        )
        #expect(FigSignature.signedURI(path: "/v1/rfq") == "/rfq")
        #expect(
            FigSignature.sign(secret: "fig-secret", timestamp: 1_700_000_000, method: "POST", uri: "/rfq", body: body)
                == "40af0d51ede6467073b4412ee31f415c0c9a43426ba8040d57bcf6b38b255838")
        #expect(
            FigSignature.sign(
                secret: "fig-secret", timestamp: 1_700_000_001, method: "get", uri: "/rfq/12345", body: "")
                == "6d2682283e9afaa6800793f25ebb614310b8d9ae6b986c89909e56a6886db862")
        #expect(
            FigSignature.isValid(
                "6D2682283E9AFAA6800793F25EBB614310B8D9AE6B986C89909E56A6886DB862", secret: "fig-secret",
                timestamp: 1_700_000_001, method: "GET", uri: "/rfq/12345", body: ""))
        #expect(
            !FigSignature.isValid(
                "6d2682283e9afaa6800793f25ebb614310b8d9ae6b986c89909e56a6886db863", secret: "fig-secret",
                timestamp: 1_700_000_001, method: "GET", uri: "/rfq/12345", body: ""))
    }

    @Test("the notes' RFQ object: ids as 64-bit integers, amounts and prices exact, legs, quotes and trades")
    func rfqObject() throws {
        let value = try JSONValue.parse(
            #"{"rfqId":12345,"productId":67890,"kind":"option","strategy":"RR","description":"...","status":"open","baseCurrency":"BTC","quoteCurrency":"USD","amount":1.5,"role":"taker","label":"vb-abc","legs":[{"instrumentId":6451,"instrumentName":"BTC-26SEP25-116000-C","direction":"sell","ratio":1,"amount":25}],"quotes":[{"rfqQuoteId":1,"direction":"buy","price":0.026,"amount":1.5,"createdAt":1756802862567}],"trades":[{"direction":"sell","price":0.02,"amount":25,"instrumentName":"BTC-26SEP25-116000-C","exchangeTradeId":"BLOCK-792841","createdAt":1756802862567}],"createdAt":1757871888038,"expiresAt":1757871987930}"#
        )
        let rfq = try FigDecoding.rfq(value)
        #expect(rfq.rfqId == 12345 && rfq.status == .open && rfq.label == "vb-abc" && rfq.amount == ExactDecimal("1.5"))
        #expect(
            rfq.legs == [
                FigLeg(
                    instrumentId: 6451, instrumentName: "BTC-26SEP25-116000-C", direction: .sell, ratio: 1, amount: 25)
            ])
        #expect(rfq.quotes.first?.price == ExactDecimal("0.026") && rfq.quotes.first?.rfqId == nil)
        #expect(rfq.trades.first?.exchangeTradeId == "BLOCK-792841" && rfq.expiresAtMs == 1_757_871_987_930)
    }

    @Test("pushes: a quote on rfq_quote.taker with its event; an RFQ on rfq.taker; other channels named, not decoded")
    func pushes() throws {
        let quotePush = try JSONValue.parse(
            #"{"channel":"rfq_quote.taker","data":{"rfqQuoteId":572,"rfqId":825,"direction":"buy","price":"0.118","amount":25,"settlementOption":"DBT","quoteCurrency":"BTC","makers":["m"],"createdAt":1,"event":"created"}}"#
        )
        #expect(
            try FigDecoding.push(quotePush)
                == .quote(
                    channel: "rfq_quote.taker",
                    FigQuote(
                        rfqQuoteId: 572, rfqId: 825, direction: .buy, price: ExactDecimal("0.118")!, amount: 25,
                        event: .created, createdAtMs: 1)))
        let rfqPush = try JSONValue.parse(#"{"channel":"rfq.taker","data":{"rfqId":9,"status":"filledPartial"}}"#)
        guard case .rfq(_, let rfq) = try FigDecoding.push(rfqPush) else {
            Issue.record("not an RFQ push")
            return
        }
        #expect(rfq.status == .filledPartial && rfq.status.isFinal && rfq.legs.isEmpty)
        #expect(
            try FigDecoding.push(JSONValue.parse(#"{"channel":"trades.x","data":{}}"#)) == .other(channel: "trades.x"))
    }

    @Test("hostile objects are decode errors: unknown status, a Double-sized id, a price that is not a number")
    func hostile() throws {
        for text in [
            #"{"rfqId":1,"status":"weird"}"#, #"{"rfqId":1e30,"status":"open"}"#, #"{"rfqId":"x","status":"open"}"#,
            #"{"rfqId":1,"status":"open","quotes":[{"rfqQuoteId":1,"direction":"buy","price":"abc","amount":1}]}"#,
            #"{"rfqId":1,"status":"open","legs":{}}"#, #"[1]"#,
        ] {
            #expect(throws: FrameDecodeError.self, "\(text)") { try FigDecoding.rfq(JSONValue.parse(text)) }
        }
    }

    @Test("REST answers: token, trade result, list page, and errors with reasons and the exchange's error")
    func rest() throws {
        let token = try FigAuth.Token.decode(#"{"access_token":"tok","token_type":"Bearer","expires_in":3600}"#)
        #expect(token.accessToken == "tok" && token.expiresIn == .seconds(3600))
        #expect(throws: FrameDecodeError.self) { try FigAuth.Token.decode(#"{"access_token":"t","expires_in":-5}"#) }
        let trade = try FigTradeRequest.Result.decode(
            #"{"rfqTradeId":7,"rfqId":825,"trades":[{"direction":"sell","price":0.02,"amount":25,"exchangeTradeId":"BLOCK-1","createdAt":5}]}"#
        )
        #expect(trade.rfqId == 825 && trade.trades.map(\.exchangeTradeId) == ["BLOCK-1"])
        let page = try FigRFQPage.decode(
            #"{"totalResults":1,"cursor":"c2","results":[{"rfqId":3,"status":"open","label":"vb-x"}]}"#)
        #expect(page.results.first?.label == "vb-x" && page.cursor == "c2")
        #expect(FigRFQPage.path(status: .open, cursor: nil) == "/v1/rfq?status=open&role=taker&limit=100")
        let error = FigAPIError.decode(
            status: 420,
            body:
                #"{"code":420,"message":"Exchange Error","reason":["leg rejected"],"exchangeError":"insufficient margin"}"#
        )
        #expect(error.reasons == ["leg rejected"] && error.exchangeError == "insufficient margin")
        #expect(FigAPIError.decode(status: 502, body: "<html>bad gateway</html>").message.contains("bad gateway"))
    }
}
