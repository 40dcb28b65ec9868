import FineryWire
import Testing
import VenueBridgeCore

@Suite struct FineryAuthTests {
    // Both vectors from Finery's documentation.
    @Test func websocketSignatureVector() {
        let signature = FineryAuth.signature(
            of: #"{"nonce": 49856723467362345, "timestamp": 1628489110490}"#,
            secret: "cZpZ1vwzOaXuiONfIQVg8h6za97FoHhrwwgoSCNwDAR"
        )
        #expect(signature == "KCn9rlqILiifROYfgpGmRtvgBzSCJa/2KJ31oPKbcyE6D+BaTVfFMXo8kDwQtBC/")
    }

    @Test func restSignatureVector() {
        let message =
            "add"
            + #"{"nonce": 49856723467362345, "timestamp": 1628489110490, "instrument": "BTC-USD", "clientOrderId": 1, "size": 1, "side": "ask", "type": "MarketIOC"}"#
        #expect(
            FineryAuth.signature(of: message, secret: "cZpZ1vwzOaXuiONfIQVg8h6za97FoHhrwwgoSCNwDAR")
                == "xvWE5m9bLUOx6TubJsXbnHPfdmYGvlbma2kuRPma0smOq47yRsG4LCak/hozAiQq")
    }

    @Test func verificationUsesTheExactBytes() {
        let content = #"{"nonce": 49856723467362345, "timestamp": 1628489110490}"#
        let secret = "cZpZ1vwzOaXuiONfIQVg8h6za97FoHhrwwgoSCNwDAR"
        let signature = FineryAuth.signature(of: content, secret: secret)
        #expect(FineryAuth.isValidSignature(signature, of: content, secret: secret))
        // The same JSON without the spaces is a different message.
        #expect(
            !FineryAuth.isValidSignature(
                signature, of: #"{"nonce":49856723467362345,"timestamp":1628489110490}"#, secret: secret))
        #expect(!FineryAuth.isValidSignature("not base64!", of: content, secret: secret))
    }

    @Test func noncesStrictlyIncrease() {
        var nonces = FineryNonceSource()
        let a = nonces.next(nowMicros: 1_000)
        let b = nonces.next(nowMicros: 1_000)
        let c = nonces.next(nowMicros: 500)
        #expect(a < b && b < c)
    }
}

@Suite struct FineryCodecTests {
    @Test func decodesStatusBookAndReplies() throws {
        #expect(try FineryServerMessage.decode(#"["X",0,"Z",0]"#) == .status(code: 0))
        #expect(
            try FineryServerMessage.decode(#"["B","BTC-USD","S",[[[6000000000000,100000000]],[[6000100000000,5]]]]"#)
                == .bookSnapshot(
                    feedId: .name("BTC-USD"), bids: [FineryLevel(price: 6_000_000_000_000, size: 100_000_000)],
                    asks: [FineryLevel(price: 6_000_100_000_000, size: 5)]))
        #expect(
            try FineryServerMessage.decode(#"["B","BTC-USD","M",[[["+",1,2],["~",0,0]],[["-",3,0]]]]"#)
                == .bookUpdate(
                    feedId: .name("BTC-USD"),
                    bids: [FineryBookUpdate(.add, price: 1, size: 2), FineryBookUpdate(.truncate, price: 0, size: 0)],
                    asks: [FineryBookUpdate(.remove, price: 3, size: 0)]))
        #expect(
            try FineryServerMessage.decode(#"["B","XYZ","Z",34]"#)
                == .feedFailure(feed: "B", feedId: .name("XYZ"), code: .instrumentNotFound))
        #expect(
            try FineryServerMessage.decode(#"{"event":"request","reqId":7,"error":74,"param":"clientOrderId"}"#)
                == .replyError(reqId: 7, code: .clientOrderIdInUse, param: "clientOrderId"))
        let reply = try FineryServerMessage.decode(
            #"{"event":"request","reqId":8,"reply":{"id":1245,"remainingSize":8000000,"clientOrderId":123,"cancelReason":2,"deals":[{"counterpartyId":42,"id":23,"price":999900000000,"size":2000000,"volume":19998000000,"delta":0}]}}"#
        )
        guard case .reply(8, let body) = reply else {
            Issue.record("not a reply: \(reply)")
            return
        }
        let order = try FineryOrderReply(body: body)
        #expect(order.id == 1245 && order.remainingSize == 8_000_000 && order.cancelReason == 2)
        #expect(
            order.deals == [
                FineryReplyDeal(
                    id: 23, counterpartyId: 42, price: 999_900_000_000, size: 2_000_000, volume: 19_998_000_000,
                    delta: 0)
            ])
    }

    @Test func decodesDealsByPositionIgnoringTrailingFields() throws {
        let frame =
            #"["O",0,"D",["BTC-USD",2,0,0,1245,123,999900000000,10000000,8000000,1628489110490,1628489110491,23,0,999900000000,2000000,19998000000,0,42,"future-field",7]]"#
        guard case .deal(_, let deal) = try FineryServerMessage.decode(frame) else {
            Issue.record("not a deal")
            return
        }
        #expect(deal.order.clientOrderId == 123 && deal.order.sizeLeft == 8_000_000 && deal.order.type == .limitIOC)
        #expect(deal.dealId == 23 && deal.size == 2_000_000 && deal.counterpartyId == 42 && deal.aggressorSide == .bid)
    }

    @Test func roundTripsEveryServerMessage() throws {
        let order = FineryOrder(
            instrument: "BTC-USD", type: .limit, side: .ask, cancelReason: 4, orderId: 9_223_372_036_854_775_807,
            clientOrderId: 1,
            price: 18_446_744_073_709_551_615, initialSize: 5, sizeLeft: 5, createdAt: 1)
        let messages: [FineryServerMessage] = [
            .status(code: 3),
            .instruments(
                currencies: ["BTC", "USD"],
                instruments: [FineryInstrument(name: "BTC-USD", id: 1, assetCurrency: "BTC", balanceCurrency: "USD")]),
            .orders(action: .snapshot, feedId: .number(0), orders: [order, order]),
            .orders(action: .removed, feedId: .number(0), orders: [order]),
            .deal(
                feedId: .number(0),
                deal: FineryDeal(
                    order: order, moment: 2, dealId: 3, aggressorSide: .bid, price: 4, size: 5, volume: 6, delta: 0,
                    counterpartyId: 42)),
            .positions(
                action: .snapshot, feedId: .number(0),
                positions: [FineryPosition(currency: "BTC", value: -5, counterpartyId: 42)]),
            .positions(
                action: .modified, feedId: .number(0),
                positions: [FineryPosition(currency: "USD", value: 7, counterpartyId: 42)]),
            .unsubscribed(feed: "B", feedId: .name("BTC-USD")),
        ]
        for message in messages {
            #expect(try FineryServerMessage.decode(message.encoded()) == message, "\(message.encoded())")
        }
    }

    @Test func rejectsMalformedFramesWithAReason() {
        for (frame, kind) in [
            (#"["B","BTC-USD","M",[[["+","#, FineryDecodeError.Kind.invalidJSON),
            (#"["B","BTC-USD","M"]"#, .unexpectedShape),
            (#"["Q",0,"S",[]]"#, .unknownMessage),
            (#"["B","BTC-USD","S",[[[-1,5]],[]]]"#, .invalidValue),
            (#"["B","BTC-USD","S",[[[1.5,5]],[]]]"#, .invalidValue),
            (#"{"event":"hello"}"#, .unknownMessage),
        ] {
            #expect(throws: FineryDecodeError.self) { try FineryServerMessage.decode(frame) }
            do { _ = try FineryServerMessage.decode(frame) } catch { #expect(error.kind == kind, "\(frame)") }
        }
    }

    @Test func clientMessagesRoundTrip() throws {
        let add = FineryAddRequest(
            instrument: "BTC-USD", clientOrderId: 123, price: 999_900_000_000, size: 10_000_000, side: .bid,
            type: .limitIOC)
        let encoded = FineryClientMessage.request(reqId: 5, method: "add", content: add.content).encoded()
        #expect(
            encoded
                == #"{"event":"request","reqId":5,"method":"add","content":{"clientOrderId":123,"cod":true,"instrument":"BTC-USD","price":999900000000,"side":"bid","size":10000000,"type":"limitIOC"}}"#
        )
        guard case .request(5, "add", let content) = try FineryClientMessage.decode(encoded) else {
            Issue.record("not a request")
            return
        }
        #expect(try FineryAddRequest(content: content) == add)
        #expect(
            FineryClientMessage.bind(feed: "B", feedId: .name("BTC-USD")).encoded()
                == #"{"event":"bind","feed":"B","feedId":"BTC-USD"}"#)
    }

    @Test func unitsConvertExactly() {
        #expect(FineryUnits.decimal(Int64(100_000_000)) == 1)
        #expect(FineryUnits.decimal(UInt64.max).description == "184467440737.09551615")
        #expect(FineryUnits.scaled(ExactDecimal("0.00000001")!) == 1)
        #expect(FineryUnits.scaled(ExactDecimal("0.000000001")!) == nil, "a ninth decimal cannot be sent")
    }
}
