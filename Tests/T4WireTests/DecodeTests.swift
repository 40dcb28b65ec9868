import T4Wire
import Testing
import VenueBridgeCore

@Suite struct MalformedFrameTests {
    static let malformed: [(name: String, bytes: [UInt8], kind: FrameDecodeError.Kind)] = [
        // heartbeat(1, LEN) with no length byte
        ("tag without length", [0x0a], .unexpectedShape),
        // heartbeat(1, LEN) announcing 5 bytes, 1 present
        ("length past the end", [0x0a, 0x05, 0x08], .unexpectedShape),
        // field 1 with wire type 7 (does not exist)
        ("invalid wire type", [0x0f, 0x00], .unexpectedShape),
        // a varint of 11 continuation bytes (at most 10 are allowed)
        ("varint too long", [0x08] + Array(repeating: 0xff, count: 11), .unexpectedShape),
        // field number 0 is invalid
        ("field number zero", [0x00, 0x01], .unexpectedShape),
        // login_response(2, LEN){session_id(2, LEN) = 0xff}: not UTF-8
        ("string not UTF-8", [0x12, 0x03, 0x12, 0x01, 0xff], .invalidValue),
    ]

    @Test(arguments: malformed)
    func serverFrame(_ sample: (name: String, bytes: [UInt8], kind: FrameDecodeError.Kind)) {
        #expect {
            _ = try T4Frame.decodeServer(sample.bytes)
        } throws: { error in
            (error as? FrameDecodeError)?.kind == sample.kind
        }
    }

    @Test func clientFrameTruncated() {
        // order_submit(300, LEN) announcing 0x29 bytes, none present
        #expect(throws: FrameDecodeError.self) { _ = try T4Frame.decodeClient([0xe2, 0x12, 0x29]) }
    }

    @Test func detailNamesTheMessage() {
        do {
            _ = try T4Frame.decodeServer([0x0a, 0x05, 0x08])
            Issue.record("decoded a truncated frame")
        } catch {
            #expect(error.detail.contains("t4proto.v1.service.ServerMessage"))
            #expect(error.detail.contains("3 bytes"))
        }
    }

    @Test func emptyFrameIsAnEmptyEnvelope() throws {
        // Zero bytes are a valid protobuf message with nothing set: no payload, no error.
        #expect(try T4Frame.decodeServer([]).payload == nil)
    }
}

@Suite struct ForwardCompatibilityTests {
    @Test func unknownFieldInsideAKnownMessageIsKept() throws {
        // MarketDepthTrade{market_id "M", total_traded_volume 100, field 99 (VARINT) = 1}:
        // 0a 01 4d 18 64 98 06 01 (8 bytes) inside market_depth_trade(104, LEN) = c2 06 08 …
        let bytes: [UInt8] = [0xc2, 0x06, 0x08, 0x0a, 0x01, 0x4d, 0x18, 0x64, 0x98, 0x06, 0x01]
        let message = try T4Frame.decodeServer(bytes)
        #expect(message.marketDepthTrade.marketID == "M")
        #expect(message.marketDepthTrade.totalTradedVolume == 100)
        // Re-encoding writes the unknown field back unchanged (known fields first, then unknown).
        #expect(T4Frame.encode(message) == bytes)
    }

    @Test func unknownEnvelopeCaseDecodesWithoutPayload() throws {
        // account_profit(206, LEN){account_id(1) "A"} — outside this subset: f2 0c 03 0a 01 41
        let bytes: [UInt8] = [0xf2, 0x0c, 0x03, 0x0a, 0x01, 0x41]
        let message = try T4Frame.decodeServer(bytes)
        #expect(message.payload == nil)
        #expect(T4Frame.encode(message) == bytes)
    }

    @Test func unknownEnumValueIsKept() throws {
        // MarketDepthTrade{at_bid_or_offer(6) = 7}: 30 07 inside c2 06 02
        let bytes: [UInt8] = [0xc2, 0x06, 0x02, 0x30, 0x07]
        let message = try T4Frame.decodeServer(bytes)
        #expect(message.marketDepthTrade.atBidOrOffer == .UNRECOGNIZED(7))
        #expect(T4HouseRules.aggressor(atBidOrOffer: message.marketDepthTrade.atBidOrOffer) == .unknown)
        #expect(T4Frame.encode(message) == bytes)
    }

    @Test func unknownFieldsOfEveryWireTypeAreSkipped() throws {
        // heartbeat(1, LEN){timestamp(1) = 5, field 20 I64 (a1 01 + 8 bytes), field 21 LEN (aa 01 02 x y),
        // field 22 I32 (b5 01 + 4 bytes)} then envelope field 500 VARINT (a0 1f 01)
        let heartbeat: [UInt8] =
            [0x08, 0x05]
            + [0xa1, 0x01, 1, 2, 3, 4, 5, 6, 7, 8]
            + [0xaa, 0x01, 0x02, 0x78, 0x79]
            + [0xb5, 0x01, 1, 2, 3, 4]
        let bytes: [UInt8] = [0x0a, UInt8(heartbeat.count)] + heartbeat + [0xa0, 0x1f, 0x01]
        let message = try T4Frame.decodeServer(bytes)
        #expect(message.heartbeat.timestamp == 5)
    }
}
