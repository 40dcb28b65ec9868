import T4Wire
import Testing
import VenueBridgeCore

// Every vector below is derived by hand from the protobuf encoding spec
// (https://protobuf.dev/programming-guides/encoding/), not produced by the encoder under test:
//   tag byte(s)  = varint((field_number << 3) | wire_type); wire type 0 = VARINT, 2 = LEN
//   LEN field    = tag, varint(byte count), bytes
//   int32/enum   negative values are sign-extended to 64 bits: −1 = ff ff ff ff ff ff ff ff ff 01
//   proto3       fields at their default (0, "", false, empty) are not on the wire;
//                fields are written in field-number order.
// Multi-byte tags used here: 100/LEN = 802 = a2 06, 104/LEN = 834 = c2 06, 200/LEN = 1602 = c2 0c,
// 206/LEN = 1650 = f2 0c, 300/LEN = 2402 = e2 12, 302/LEN = 2418 = f2 12, 99/VARINT = 792 = 98 06.

/// `text` as UTF-8 bytes (ASCII in every vector).
func ascii(_ text: String) -> [UInt8] { Array(text.utf8) }

/// −1 as an int32 / enum varint: ten bytes.
let minusOneVarint: [UInt8] = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]

@Suite struct PinnedEncodingTests {
    @Test func heartbeatWithTimestamp() throws {
        // 1_700_000_000_000 ms = 0x18B_CFE5_6800; 7-bit groups from the low end:
        // 0x00, 0x50, 0x15, 0x7f, 0x3c, 0x31 → 80 d0 95 ff bc 31.
        // Heartbeat{timestamp(1, VARINT)} = 08 80 d0 95 ff bc 31 (7 bytes);
        // ClientMessage{heartbeat(1, LEN)} = 0a 07 …
        let expected: [UInt8] = [0x0a, 0x07, 0x08, 0x80, 0xd0, 0x95, 0xff, 0xbc, 0x31]
        let message = T4ClientMessage.heartbeat(timestampMilliseconds: 1_700_000_000_000)
        #expect(T4Frame.encode(message) == expected)
        let decoded = try T4Frame.decodeClient(expected)
        #expect(decoded.heartbeat.timestamp == 1_700_000_000_000)
        // The server's heartbeat has the same field number in ServerMessage.
        #expect(T4Frame.encode(T4ServerMessage.heartbeat(timestampMilliseconds: 1_700_000_000_000)) == expected)
        #expect(try T4Frame.decodeServer(expected).heartbeat.timestamp == 1_700_000_000_000)
    }

    @Test func loginWithApiKeyOnly() throws {
        // LoginRequest{api_key(1, LEN) = "KEY-123"} = 0a 07 4b 45 59 2d 31 32 33 (9 bytes);
        // ClientMessage{login_request(2, LEN)} = 12 09 …
        let expected: [UInt8] = [0x12, 0x09, 0x0a, 0x07] + ascii("KEY-123")
        var login = T4proto_V1_Auth_LoginRequest()
        login.apiKey = "KEY-123"
        var message = T4ClientMessage()
        message.payload = .loginRequest(login)
        #expect(T4Frame.encode(message) == expected)
        #expect(try T4Frame.decodeClient(expected).loginRequest.apiKey == "KEY-123")
    }

    @Test func loginBuilderAddsRealPriceFormat() {
        // + price_format(10, VARINT) = PRICE_FORMAT_REAL (1): tag 10<<3 = 80 = 0x50 → 50 01;
        // LoginRequest is 11 bytes → 12 0b …
        let expected: [UInt8] = [0x12, 0x0b, 0x0a, 0x07] + ascii("KEY-123") + [0x50, 0x01]
        #expect(T4Frame.encode(.login(apiKey: "KEY-123")) == expected)
    }

    @Test func orderSubmitWithSellOrder() throws {
        // Order:
        //   buy_sell(1, VARINT) = BUY_SELL_SELL (−1) → 08 ff ff ff ff ff ff ff ff ff 01   (11 bytes)
        //   price_type(2, VARINT) = PRICE_TYPE_LIMIT (1) → 10 01                          (2)
        //   time_type(3) = TIME_TYPE_NORMAL (0) → not on the wire
        //   volume(4, VARINT) = 2 → 20 02                                                 (2)
        //   limit_price(7, LEN) = Price{value(1, LEN) = "5954.75"} → 3a 09 0a 07 "5954.75" (11)
        //   tag(10, LEN) = "c1" → 52 02 63 31                                            (4)
        //   = 30 bytes (0x1e)
        let order: [UInt8] =
            [0x08] + minusOneVarint + [0x10, 0x01, 0x20, 0x02]
            + [0x3a, 0x09, 0x0a, 0x07] + ascii("5954.75") + [0x52, 0x02] + ascii("c1")
        #expect(order.count == 30)
        // OrderSubmit:
        //   account_id(2, LEN) = "A1" → 12 02 41 31; market_id(3, LEN) = "M" → 1a 01 4d;
        //   manual_order_indicator(5, VARINT) = true → 28 01; orders(6, LEN) → 32 1e <order>
        //   = 4 + 3 + 2 + 32 = 41 bytes (0x29)
        let submit: [UInt8] =
            [0x12, 0x02] + ascii("A1") + [0x1a, 0x01] + ascii("M") + [0x28, 0x01, 0x32, 0x1e] + order
        #expect(submit.count == 41)
        // ClientMessage{order_submit(300, LEN)} = e2 12 29 <submit>
        let expected: [UInt8] = [0xe2, 0x12, 0x29] + submit

        let message = T4ClientMessage.orderSubmit(
            accountID: "A1",
            marketID: "M",
            order: .init(
                buySell: .sell, priceType: .limit, timeType: .normal, volume: 2, limitPrice: ExactDecimal("5954.75")!,
                tag: "c1")
        )
        let bytes = T4Frame.encode(message)
        #expect(bytes == expected)
        // The −1 enum is the 10-byte varint right after the Order's field-1 tag.
        let orderStart = 3 + 9 + 2  // envelope tag + length, fields 2/3/5, orders tag + length
        #expect(bytes[orderStart] == 0x08)
        #expect(Array(bytes[(orderStart + 1)..<(orderStart + 11)]) == minusOneVarint)

        let decoded = try T4Frame.decodeClient(expected)
        #expect(decoded.orderSubmit.orders.first?.buySell == .sell)
        #expect(decoded.orderSubmit.orders.first?.limitPrice.value == "5954.75")
        #expect(decoded.orderSubmit.orders.first?.hasStopPrice == false)
    }

    @Test func marketDepthSubscribe() {
        // MarketDepthSubscribe: exchange_id(1) "CME_Eq" → 0a 06 …; contract_id(2) "ES" → 12 02 …;
        // market_id(3) "M" → 1a 01 4d; buffer(4) SMART_TRADE (2) → 20 02; depth_levels(5) NORMAL (10) → 28 0a
        // = 8 + 4 + 3 + 2 + 2 = 19 (0x13); ClientMessage{market_depth_subscribe(100, LEN)} = a2 06 13 …
        let ids: [UInt8] = [0x0a, 0x06] + ascii("CME_Eq") + [0x12, 0x02] + ascii("ES") + [0x1a, 0x01] + ascii("M")
        let expected: [UInt8] = [0xa2, 0x06, 0x13] + ids + [0x20, 0x02, 0x28, 0x0a]
        #expect(
            T4Frame.encode(.marketDepthSubscribe(exchangeID: "CME_Eq", contractID: "ES", marketID: "M")) == expected)
        // Unsubscribe: buffer and depth_levels are 0, so only the ids (15 bytes = 0x0f) are sent.
        #expect(
            T4Frame.encode(.marketDepthUnsubscribe(exchangeID: "CME_Eq", contractID: "ES", marketID: "M")) == [
                0xa2, 0x06, 0x0f,
            ] + ids)
    }

    @Test func accountSubscribeAll() {
        // AccountSubscribe: subscribe(1) ALL_UPDATES (2) → 08 02; subscribe_all_accounts(2) true → 10 01
        // ClientMessage{account_subscribe(200, LEN)} = c2 0c 04 …
        #expect(T4Frame.encode(.accountSubscribeAll()) == [0xc2, 0x0c, 0x04, 0x08, 0x02, 0x10, 0x01])
    }

    @Test func orderPull() {
        // Pull{unique_id(1) "u-1"} = 0a 03 75 2d 31 (5)
        // OrderPull: account_id(2) "A1" → 12 02 41 31; market_id(3) "M" → 1a 01 4d;
        // manual_order_indicator(4) true → 20 01; pulls(5, LEN) → 2a 05 <pull>  = 16 (0x10)
        // ClientMessage{order_pull(302, LEN)} = f2 12 10 …
        let expected: [UInt8] =
            [0xf2, 0x12, 0x10, 0x12, 0x02] + ascii("A1") + [0x1a, 0x01] + ascii("M")
            + [0x20, 0x01, 0x2a, 0x05, 0x0a, 0x03] + ascii("u-1")
        #expect(T4Frame.encode(.orderPull(accountID: "A1", marketID: "M", uniqueID: "u-1")) == expected)
    }

    @Test func marketDepthTradeFromVenueBytes() throws {
        // What the venue would send, built by hand:
        // MarketDepthTrade: market_id(1) "M" → 0a 01 4d; total_traded_volume(3) 100 → 18 64;
        // last_trade_volume(4) 3 → 20 03; at_bid_or_offer(6) BID_OFFER_OFFER (−1) → 30 ff×9 01;
        // last_trade_price(10, LEN) Price{"5954.75"} → 52 09 0a 07 … = 3 + 2 + 2 + 11 + 11 = 29 (0x1d)
        // ServerMessage{market_depth_trade(104, LEN)} = c2 06 1d …
        let bytes: [UInt8] =
            [0xc2, 0x06, 0x1d, 0x0a, 0x01] + ascii("M") + [0x18, 0x64, 0x20, 0x03, 0x30] + minusOneVarint
            + [0x52, 0x09, 0x0a, 0x07] + ascii("5954.75")
        let message = try T4Frame.decodeServer(bytes)
        guard case .marketDepthTrade(let trade)? = message.payload else {
            Issue.record("expected market_depth_trade, got \(String(describing: message.payload))")
            return
        }
        #expect(trade.marketID == "M")
        #expect(trade.totalTradedVolume == 100)
        #expect(trade.lastTradeVolume == 3)
        #expect(trade.atBidOrOffer == .offer)
        #expect(T4HouseRules.aggressor(atBidOrOffer: trade.atBidOrOffer) == .buy)
        #expect(try trade.lastTradePrice.exactDecimal() == ExactDecimal(significand: 595_475, exponent: -2))
        #expect(T4Frame.encode(message) == bytes)
    }
}
