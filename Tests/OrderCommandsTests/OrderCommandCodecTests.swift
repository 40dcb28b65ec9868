// File length: one suite per contract rule of docs/commands.md §2, kept together so the contract reads top to bottom
// beside its tests.
import Foundation
import OrderCommands
import Testing
import VenueBridgeCore

/// A command message built field by field from raw JSON fragments, so a test can break exactly one
/// thing about an otherwise valid message.
struct RawCommand {
    var fields: [(name: String, json: String)]

    static let newOrder = RawCommand(fields: [
        ("schema", #""venuebridge.command.v1""#), ("type", #""new_order""#), ("idempotency_key", #""k-1""#),
        ("venue", #""sfox""#), ("account", #""main""#), ("instrument", #""BTC-USD""#), ("side", #""buy""#),
        ("order_type", #""limit""#), ("time_in_force", #""gtc""#), ("quantity", #""0.5""#), ("price", #""65000.25""#),
    ])
    static let cancelOrder = RawCommand(fields: [
        ("schema", #""venuebridge.command.v1""#), ("type", #""cancel_order""#), ("idempotency_key", #""c-1""#),
        ("venue", #""sfox""#), ("account", #""main""#), ("instrument", #""BTC-USD""#),
        ("target_idempotency_key", #""k-1""#),
    ])

    func setting(_ name: String, _ json: String) -> RawCommand {
        var copy = self
        if let index = copy.fields.firstIndex(where: { $0.name == name }) {
            copy.fields[index].json = json
        } else {
            copy.fields.append((name, json))
        }
        return copy
    }

    func removing(_ names: String...) -> RawCommand {
        RawCommand(fields: fields.filter { !names.contains($0.name) })
    }

    var bytes: [UInt8] { Array("{\(fields.map { "\"\($0.name)\":\($0.json)" }.joined(separator: ","))}".utf8) }
}

func quoted(_ text: String) -> String { "\"\(text)\"" }

@Suite("order command codec")
struct OrderCommandCodecTests {
    func decode(_ raw: RawCommand) -> Result<OrderCommand, CommandDecodingFailure> {
        OrderCommandCodec.decode(raw.bytes)
    }

    /// The error a message must be refused with; fails the test when it is accepted.
    func failure(_ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) -> CommandDecodingFailure? {
        switch OrderCommandCodec.decode(bytes) {
        case .success(let command):
            Issue.record("accepted: \(command)", sourceLocation: sourceLocation)
            return nil
        case .failure(let failure):
            return failure
        }
    }

    func expectRefused(
        _ raw: RawCommand, _ code: CommandError.Code, mentioning word: String? = nil,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        guard let failure = failure(raw.bytes, sourceLocation: sourceLocation) else { return }
        #expect(failure.error.code == code, "\(failure.error)", sourceLocation: sourceLocation)
        if let word {
            #expect(
                failure.error.message.contains(word), "\(failure.error.message) does not mention \(word)",
                sourceLocation: sourceLocation)
        }
    }

    // MARK: - Round trips and the wire form

    @Test("every sample survives encode → decode unchanged", arguments: CommandSamples.all.map(\.name))
    func roundTrip(name: String) throws {
        let command = try #require(CommandSamples.all.first { $0.name == name }?.command)
        let decoded = try OrderCommandCodec.decode(OrderCommandCodec.encode(command)).get()
        #expect(decoded == command)
    }

    @Test("the samples cover every command type and every kind of target")
    func samplesCoverTypes() {
        #expect(Set(CommandSamples.all.map(\.command.type)) == Set(CommandType.allCases))
        let targets = CommandSamples.all.compactMap(\.command.target)
        #expect(targets.contains { if case .idempotencyKey = $0 { true } else { false } })
        #expect(targets.contains { if case .clientOrderId = $0 { true } else { false } })
        #expect(targets.contains { if case .venueOrderId = $0 { true } else { false } })
    }

    @Test("the wire form: compact, snake_case, decimals as strings, absent fields omitted")
    func pinnedEncoding() {
        let command = CommandSamples.all[0].command
        let text = String(decoding: OrderCommandCodec.encode(command), as: UTF8.self)
        #expect(
            text
                == #"{"schema":"venuebridge.command.v1","type":"new_order","idempotency_key":"ord-2026-01-01-0001","venue":"sfox","account":"main","instrument":"BTC-USD","side":"buy","order_type":"limit","time_in_force":"gtc","quantity":"0.01","price":"65000.25","client_order_id":"my-order-1","expires_at":1767225600123456789}"#
        )
        let cancel = OrderCommand(
            idempotencyKey: "c", venue: .t4, account: "A", instrument: "ES-M25",
            .cancelOrder(CancelOrder(target: .venueOrderId("V1"))))
        #expect(
            String(decoding: OrderCommandCodec.encode(cancel), as: UTF8.self)
                == #"{"schema":"venuebridge.command.v1","type":"cancel_order","idempotency_key":"c","venue":"t4","account":"A","instrument":"ES-M25","target_venue_order_id":"V1"}"#
        )
    }

    @Test("strings with quotes, backslashes and non-ASCII survive the round trip")
    func escaping() throws {
        let command = OrderCommand(
            idempotencyKey: #"k"\\/"#, venue: .sfox, account: "désk \"A\"", instrument: "BTC-USD",
            .newOrder(NewOrder(side: .sell, orderType: .market, quantity: 1, clientOrderId: "ordre-été")))
        #expect(try OrderCommandCodec.decode(OrderCommandCodec.encode(command)).get() == command)
    }

    @Test(
        "each type's payload holds what it asks for; keys the type has no use for are not part of it, nor of the fingerprint"
    )
    func payloadPerType() throws {
        let order = try decode(RawCommand.newOrder).get()
        guard case .newOrder(let payload) = order.payload else {
            Issue.record("not a new_order payload: \(order.payload)")
            return
        }
        #expect(payload.side == order.side && payload.quantity == order.quantity)
        // A cancel that also says quantity and price: they ask for nothing, the command is the same.
        let plain = try decode(RawCommand.cancelOrder).get()
        let noisy = try decode(
            RawCommand.cancelOrder.setting("quantity", quoted("5")).setting("price", quoted("1")).setting(
                "time_in_force", quoted("ioc"))
        ).get()
        #expect(noisy == plain && noisy.fingerprint == plain.fingerprint)
        #expect(noisy.quantity == nil && noisy.price == nil && noisy.timeInForce == nil)
        // …while side and order_type on a cancel are kept: they fill in the answer for an order
        // the bridge has no record of.
        let hinted = try decode(RawCommand.cancelOrder.setting("side", quoted("sell"))).get()
        #expect(hinted.side == .sell && hinted.fingerprint != plain.fingerprint)
    }

    @Test("a hand-written message: any key order, whitespace, every target field")
    func handWritten() throws {
        let text = """
            { "price" : "100.5", "quantity": "3", "target_client_order_id": "vb-00", "instrument": "ES-M25",
              "account": "SIM-001", "venue": "t4", "idempotency_key": "r-1", "type": "replace_order",
              "schema": "venuebridge.command.v1" }
            """
        let command = try OrderCommandCodec.decode(Array(text.utf8)).get()
        #expect(
            command
                == OrderCommand(
                    idempotencyKey: "r-1", venue: .t4, account: "SIM-001", instrument: "ES-M25",
                    .replaceOrder(
                        ReplaceOrder(
                            target: .clientOrderId("vb-00"), quantity: ExactDecimal("3"), price: ExactDecimal("100.5")))
                ))
        #expect(command.kafkaKey == "t4:SIM-001")
        let byKey = try decode(RawCommand.cancelOrder).get()
        #expect(byKey.target == .idempotencyKey("k-1"))
        let byVenueId = try decode(
            RawCommand.cancelOrder.removing("target_idempotency_key").setting("target_venue_order_id", quoted("987"))
        ).get()
        #expect(byVenueId.target == .venueOrderId("987"))
    }

    @Test("the optional fields of new_order may all be absent")
    func minimalNewOrder() throws {
        let command = try decode(RawCommand.newOrder.removing("time_in_force", "price")).get()
        #expect(
            command.timeInForce == nil && command.price == nil && command.clientOrderId == nil
                && command.expiresAt == nil)
    }

    /// The codec reads any exact decimal spelling; canonical text is what it writes. Pinned because
    /// the schema (docs/schema/order_command.schema.json) states the same grammar.
    @Test(
        "decimal strings are read exactly in any plain or exponent spelling",
        arguments: [
            ("0.010", "0.01"), ("1.50", "1.5"), ("007", "7"), ("1e2", "100"), ("2.5E-3", "0.0025"), ("-0", "0"),
        ])
    func decimalSpellings(text: String, canonical: String) throws {
        let command = try decode(RawCommand.newOrder.setting("quantity", quoted(text))).get()
        #expect(command.quantity == ExactDecimal(canonical))
    }

    /// Sign and size are the command path's checks (INVALID_QUANTITY, INVALID_PRICE), not the
    /// codec's: the codec answers "is this a command", the path "may it be sent".
    @Test("zero and negative quantities are well-formed commands")
    func signIsNotTheCodecsBusiness() throws {
        #expect(try decode(RawCommand.newOrder.setting("quantity", quoted("0"))).get().quantity == .zero)
        #expect(try decode(RawCommand.newOrder.setting("quantity", quoted("-1"))).get().quantity == ExactDecimal("-1"))
    }

    @Test("expires_at accepts the whole positive int64 range")
    func expiresAtRange() throws {
        #expect(try decode(RawCommand.newOrder.setting("expires_at", "1")).get().expiresAt == 1)
        #expect(
            try decode(RawCommand.newOrder.setting("expires_at", "9223372036854775807")).get().expiresAt == Int64.max)
    }

    // MARK: - Refusals

    @Test(
        "bytes that are not a JSON object are MALFORMED, with nothing read",
        arguments: [
            "", "not json", "{", #"{"schema":"venuebridge.command.v1""#, "[]", #"["new_order"]"#, "42", #""new_order""#,
            "null", "true",
        ])
    func malformed(text: String) {
        guard let failure = failure(Array(text.utf8)) else { return }
        #expect(failure.error.code == .malformed)
        #expect(failure.envelope == nil)
    }

    @Test("invalid UTF-8 is MALFORMED")
    func invalidUTF8() {
        #expect(failure([0x7B, 0xFF, 0xFE, 0x7D])?.error.code == .malformed)
    }

    @Test(
        "an unknown field is refused, whatever its value",
        arguments: ["qty", "Quantity", "price_", "stop_price", "extra"])
    func unknownField(name: String) {
        expectRefused(RawCommand.newOrder.setting(name, quoted("1")), .invalidField, mentioning: name)
    }

    @Test("schema: missing, not a string, or another contract")
    func schemaField() {
        expectRefused(RawCommand.newOrder.removing("schema"), .invalidField, mentioning: "schema")
        expectRefused(RawCommand.newOrder.setting("schema", "1"), .invalidField, mentioning: "schema")
        expectRefused(RawCommand.newOrder.setting("schema", quoted("venuebridge.v1")), .unsupportedSchema)
        expectRefused(RawCommand.newOrder.setting("schema", quoted("venuebridge.command.v2")), .unsupportedSchema)
        expectRefused(RawCommand.newOrder.setting("schema", quoted("VENUEBRIDGE.COMMAND.V1")), .unsupportedSchema)
    }

    @Test("venue: unknown ids are UNKNOWN_VENUE, a missing or ill-typed one INVALID_FIELD")
    func venueField() {
        expectRefused(RawCommand.newOrder.setting("venue", quoted("nyse")), .unknownVenue, mentioning: "nyse")
        expectRefused(RawCommand.newOrder.setting("venue", quoted("SFOX")), .unknownVenue)
        expectRefused(RawCommand.newOrder.setting("venue", quoted("")), .unknownVenue)
        expectRefused(RawCommand.newOrder.removing("venue"), .invalidField, mentioning: "venue")
        expectRefused(RawCommand.newOrder.setting("venue", "7"), .invalidField, mentioning: "venue")
    }

    @Test("every field every type needs", arguments: ["type", "idempotency_key", "venue", "account", "instrument"])
    func commonRequired(name: String) {
        expectRefused(RawCommand.newOrder.removing(name), .invalidField, mentioning: name)
        expectRefused(RawCommand.cancelOrder.removing(name), .invalidField, mentioning: name)
    }

    @Test("new_order needs side, order_type and quantity", arguments: ["side", "order_type", "quantity"])
    func newOrderRequired(name: String) {
        expectRefused(RawCommand.newOrder.removing(name), .invalidField, mentioning: name)
    }

    @Test(
        "new_order takes no target",
        arguments: ["target_idempotency_key", "target_client_order_id", "target_venue_order_id"])
    func newOrderWithTarget(name: String) {
        expectRefused(RawCommand.newOrder.setting(name, quoted("x")), .invalidField, mentioning: "target")
    }

    @Test("cancel_order and replace_order need a target; replace_order a new quantity or price")
    func targetRequired() throws {
        expectRefused(RawCommand.cancelOrder.removing("target_idempotency_key"), .invalidField, mentioning: "target")
        let replace = RawCommand.cancelOrder.setting("type", quoted("replace_order"))
        expectRefused(replace, .invalidField, mentioning: "quantity or price")
        expectRefused(
            replace.setting("price", quoted("1")).removing("target_idempotency_key"), .invalidField,
            mentioning: "target")
        #expect(try decode(replace.setting("price", quoted("1"))).get().quantity == nil)
        #expect(try decode(replace.setting("quantity", quoted("2"))).get().price == nil)
    }

    @Test("RFQ commands need their own fields")
    func rfqRequired() throws {
        let base = RawCommand.cancelOrder.removing("target_idempotency_key")
        expectRefused(base.setting("type", quoted("create_rfq")), .invalidField, mentioning: "quantity")
        expectRefused(base.setting("type", quoted("cancel_rfq")), .invalidField, mentioning: "rfq_id")
        expectRefused(base.setting("type", quoted("accept_quote")), .invalidField, mentioning: "quote_id")
        expectRefused(
            base.setting("type", quoted("accept_quote")).setting("rfq_id", quoted("r")), .invalidField,
            mentioning: "quote_id")
        #expect(
            try decode(base.setting("type", quoted("create_rfq")).setting("quantity", quoted("10"))).get().type
                == .createRFQ)
        #expect(
            try decode(base.setting("type", quoted("cancel_rfq")).setting("rfq_id", quoted("r"))).get().rfqId == "r")
        #expect(
            try decode(base.setting("type", quoted("accept_quote")).setting("quote_id", quoted("q"))).get().quoteId
                == "q")
    }

    @Test(
        "enumerations take their exact lower-case values only",
        arguments: [
            ("type", "amend_order"), ("type", "NEW_ORDER"), ("type", ""), ("side", "long"), ("side", "Buy"),
            ("order_type", "stoplimit"), ("time_in_force", "GTC"), ("time_in_force", "gtx"),
        ])
    func enumValues(name: String, value: String) {
        expectRefused(RawCommand.newOrder.setting(name, quoted(value)), .invalidField, mentioning: name)
    }

    @Test(
        "decimals are strings: JSON numbers and non-decimals are refused",
        arguments: [
            ("quantity", "0.5"), ("quantity", "1"), ("price", "65000.25"), ("price", "65000"),
            ("quantity", quoted("abc")),
            ("quantity", quoted("")), ("quantity", quoted("1,5")), ("price", quoted("NaN")), ("price", quoted(" 1")),
            ("quantity", quoted(".5")), ("quantity", quoted("1.")), ("quantity", quoted("+1")),
            ("quantity", quoted("1e999")),
            ("price", quoted(String(repeating: "9", count: 39))), ("quantity", "null"), ("price", "true"),
        ])
    func decimals(name: String, json: String) {
        expectRefused(RawCommand.newOrder.setting(name, json), .invalidField, mentioning: name)
    }

    @Test("idempotency_key: 1…128 printable ASCII characters, no spaces")
    func idempotencyKey() throws {
        let longest = String(repeating: "k", count: 128)
        #expect(
            try decode(RawCommand.newOrder.setting("idempotency_key", quoted(longest))).get().idempotencyKey == longest)
        #expect(
            try decode(RawCommand.newOrder.setting("idempotency_key", quoted("!~{}[]:/#@"))).get().idempotencyKey
                == "!~{}[]:/#@")
        expectRefused(
            RawCommand.newOrder.setting("idempotency_key", quoted(longest + "k")), .invalidField, mentioning: "129")
        expectRefused(
            RawCommand.newOrder.setting("idempotency_key", quoted("")), .invalidField, mentioning: "idempotency_key")
        expectRefused(
            RawCommand.newOrder.setting("idempotency_key", quoted("my key")), .invalidField,
            mentioning: "idempotency_key")
        expectRefused(
            RawCommand.newOrder.setting("idempotency_key", quoted("tab\\there")), .invalidField,
            mentioning: "idempotency_key")
        expectRefused(
            RawCommand.newOrder.setting("idempotency_key", quoted("clé")), .invalidField, mentioning: "idempotency_key")
        expectRefused(
            RawCommand.newOrder.setting("idempotency_key", "42"), .invalidField, mentioning: "idempotency_key")
    }

    @Test(
        "identifiers: 1…128 bytes, no control characters",
        arguments: ["account", "instrument", "client_order_id", "target_idempotency_key"])
    func identifiers(name: String) throws {
        let base = name.hasPrefix("target_") ? RawCommand.cancelOrder : RawCommand.newOrder
        let longest = String(repeating: "a", count: 128)
        #expect(throws: Never.self) { try decode(base.setting(name, quoted(longest))).get() }
        #expect(throws: Never.self) { try decode(base.setting(name, quoted("with space é"))).get() }
        expectRefused(base.setting(name, quoted(longest + "a")), .invalidField, mentioning: name)
        // 64 two-byte characters are 128 bytes; one more is 130.
        #expect(throws: Never.self) { try decode(base.setting(name, quoted(String(repeating: "é", count: 64)))).get() }
        expectRefused(base.setting(name, quoted(String(repeating: "é", count: 65))), .invalidField, mentioning: name)
        expectRefused(base.setting(name, quoted("")), .invalidField, mentioning: name)
        expectRefused(base.setting(name, quoted("a\\u0001b")), .invalidField, mentioning: name)
        expectRefused(base.setting(name, quoted("a\\nb")), .invalidField, mentioning: name)
        expectRefused(base.setting(name, quoted("a\u{7F}b")), .invalidField, mentioning: name)
        expectRefused(base.setting(name, quoted("a\\u0000b")), .invalidField, mentioning: name)
        // C1 controls (U+0080…U+009F) are control characters too.
        expectRefused(base.setting(name, quoted("a\\u0085b")), .invalidField, mentioning: name)
        expectRefused(base.setting(name, "12"), .invalidField, mentioning: name)
        expectRefused(base.setting(name, "null"), .invalidField, mentioning: name)
    }

    @Test(
        "a target is named once",
        arguments: [
            ["target_idempotency_key", "target_client_order_id"], ["target_idempotency_key", "target_venue_order_id"],
            ["target_client_order_id", "target_venue_order_id"],
            ["target_idempotency_key", "target_client_order_id", "target_venue_order_id"],
        ])
    func twoTargets(names: [String]) {
        var raw = RawCommand.cancelOrder.removing("target_idempotency_key")
        for name in names { raw = raw.setting(name, quoted("x")) }
        expectRefused(raw, .invalidField, mentioning: "once")
        expectRefused(
            raw.setting("type", quoted("replace_order")).setting("price", quoted("1")), .invalidField,
            mentioning: "once")
    }

    @Test(
        "expires_at is a positive integer of nanoseconds",
        arguments: [
            quoted("1767225600000000000"), "1.5", "1767225600000000000.0", "1.7e18", "0", "-1", "9223372036854775808",
            "null", "true",
        ])
    func expiresAt(json: String) {
        expectRefused(RawCommand.newOrder.setting("expires_at", json), .invalidField, mentioning: "expires_at")
    }

    @Test("the codec produces exactly four codes; the rest are the command path's")
    func codesTheCodecProduces() {
        let refused: [RawCommand] = [
            RawCommand.newOrder.setting("schema", quoted("x")), RawCommand.newOrder.setting("venue", quoted("x")),
            RawCommand.newOrder.setting("qty", quoted("1")), RawCommand.newOrder.removing("side"),
        ]
        var codes = Set(refused.compactMap { failure($0.bytes)?.error.code })
        codes.formUnion([Array("x".utf8)].compactMap { failure($0)?.error.code })
        #expect(codes == [.malformed, .unsupportedSchema, .unknownVenue, .invalidField])
    }

    /// These strings go into DLQ headers and reject_code; consumers match on them.
    @Test("error codes are stable")
    func stableCodes() {
        #expect(
            CommandError.Code.allCases.map(\.rawValue) == [
                "MALFORMED", "INVALID_FIELD", "UNSUPPORTED_SCHEMA", "UNKNOWN_VENUE", "UNKNOWN_ACCOUNT",
                "UNKNOWN_INSTRUMENT",
                "INVALID_QUANTITY", "INVALID_PRICE", "LIMIT_EXCEEDED", "EXPIRED", "UNSUPPORTED",
                "IDEMPOTENCY_KEY_REUSED",
                "UNKNOWN_ORDER", "VENUE_UNAVAILABLE", "INVALID_FOR_VENUE", "MESSAGE_TOO_LARGE", "DUPLICATE_KEY",
            ])
        #expect(CommandError(.expired, "too late").description == "EXPIRED: too late")
    }

    // MARK: - Duplicate keys (issue 13, item 12)

    /// `fields` may name a key twice: the raw text is exactly what a sender wrote.
    func withDuplicate(_ raw: RawCommand, _ name: String, _ json: String) -> [UInt8] {
        var text = String(decoding: raw.bytes, as: UTF8.self)
        text.removeLast()
        return Array((text + ",\"\(name)\":\(json)}").utf8)
    }

    @Test("a key twice is refused with DUPLICATE_KEY, whatever the values, and nothing of the message is trusted")
    func duplicateKeys() throws {
        // Last-one-wins read this as 1000.
        let quantity = try #require(failure(withDuplicate(.newOrder, "quantity", quoted("1000"))))
        #expect(quantity.error.code == .duplicateKey)
        #expect(quantity.error.message.contains("quantity"))
        #expect(quantity.envelope == nil, "with a key twice even the account may be the wrong one of two")
        // The same value twice is still two keys.
        #expect(failure(withDuplicate(.newOrder, "quantity", quoted("0.5")))?.error.code == .duplicateKey)
        // Addressing keys too, and the second spelt with an escape: names compare as decoded.
        #expect(failure(withDuplicate(.newOrder, "acco\\u0075nt", quoted("other")))?.error.code == .duplicateKey)
        #expect(
            failure(withDuplicate(.cancelOrder, "target_idempotency_key", quoted("k-2")))?.error.code == .duplicateKey)
        // At any depth: inside a value that would otherwise be merely ill-typed.
        let nested = RawCommand.newOrder.setting("price", #"{"a":1,"b":{"c":2,"c":3}}"#)
        #expect(failure(nested.bytes)?.error.code == .duplicateKey)
        let inArray = RawCommand.newOrder.setting("price", #"[{"a":1},{"a":1,"a":2}]"#)
        #expect(failure(inArray.bytes)?.error.code == .duplicateKey)
        // Same member names in sibling objects are not duplicates.
        let siblings = RawCommand.newOrder.setting("price", #"[{"a":1},{"a":2}]"#)
        #expect(failure(siblings.bytes)?.error.code == .invalidField)
    }

    @Test("JSONValue keeps last-one-wins for venue frames unless asked to refuse duplicates")
    func duplicateKeysParserOption() throws {
        let text = Array(#"{"a":"1","a":"2"}"#.utf8)
        #expect(try JSONValue.parse(text)["a"] == .string("2"))
        do {
            _ = try JSONValue.parse(text, rejectingDuplicateKeys: true)
            Issue.record("accepted a duplicate key")
        } catch {
            #expect(error.duplicateKey == "a")
        }
    }

    // MARK: - What a refused message still tells

    @Test("a refused command keeps what can be read, to address the rejected report")
    func envelopeOfRefused() throws {
        let raw = RawCommand.newOrder.setting("client_order_id", quoted("c-9")).setting("qty", quoted("1"))
        let envelope = try #require(failure(raw.bytes)?.envelope)
        #expect(envelope.type == .newOrder)
        #expect(envelope.idempotencyKey == "k-1")
        #expect(envelope.venue == .sfox)
        #expect(envelope.account == "main")
        #expect(envelope.instrument == "BTC-USD")
        #expect(envelope.side == .buy)
        #expect(envelope.orderType == .limit)
        #expect(envelope.clientOrderId == "c-9")
    }

    @Test("the envelope leaves out what is unusable")
    func envelopeDropsUnusable() throws {
        let raw = RawCommand.newOrder.setting("idempotency_key", quoted("has space")).setting("venue", quoted("nyse"))
            .setting("account", quoted("")).setting("side", quoted("long")).setting("type", quoted("amend"))
            .setting("instrument", "5")
        let envelope = try #require(failure(raw.bytes)?.envelope)
        #expect(envelope.idempotencyKey == nil)
        #expect(envelope.venue == nil)
        #expect(envelope.account == nil)
        #expect(envelope.instrument == nil)
        #expect(envelope.side == nil)
        #expect(envelope.type == nil)
        // An account or instrument a valid command could not carry cannot address an answer
        // either (issue 13: NUL and control characters made Redis stream names).
        for bad in ["a\\u0000b", "a\\u001fb", "a\\u0085b", "a\u{7F}b", String(repeating: "x", count: 129)] {
            let unusable = try #require(
                failure(RawCommand.newOrder.setting("account", quoted(bad)).setting("instrument", quoted(bad)).bytes)?
                    .envelope)
            #expect(unusable.account == nil && unusable.instrument == nil, "\(bad)")
        }
        let tooLong = try #require(
            failure(RawCommand.newOrder.setting("idempotency_key", quoted(String(repeating: "k", count: 129))).bytes)?
                .envelope)
        #expect(tooLong.idempotencyKey == nil)
        #expect(tooLong.venue == .sfox)
    }

    // MARK: - Samples for the contract check

    /// Writes the samples for scripts/validate-contract.py (run by scripts/test), next to the
    /// event samples, in `commands/`.
    @Test(
        "command samples are written for the schema check",
        .enabled(if: ProcessInfo.processInfo.environment["VB_CONTRACT_SAMPLES_DIR"] != nil))
    func writeSamples() throws {
        let dir = URL(fileURLWithPath: ProcessInfo.processInfo.environment["VB_CONTRACT_SAMPLES_DIR"]!)
            .appendingPathComponent("commands")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        for (name, command) in CommandSamples.all {
            try Data(OrderCommandCodec.encode(command)).write(to: dir.appendingPathComponent("\(name).json"))
        }
    }
}
