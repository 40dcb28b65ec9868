import OrderCommands
import Testing
import VenueBridgeCore

@Suite("client order id derivation")
struct ClientOrderIdsTests {
    /// Computed once, independently of the Swift code (Python hashlib: SHA-256 of
    /// "venuebridge.client-order-id.v1\0<venue>\0<key>"; Finery: first 8 bytes big-endian with the
    /// top bit cleared, sFOX/T4: "vb-" + hex of the first 16 bytes). A change here means a
    /// restarted bridge would derive another id for a key it already sent: never change them.
    /// (Which venue uses which format is pinned by `VenueModuleTests`.)
    static let pinned: [(VenueID, String, String)] = [
        (.finery, "order-1", "8306388412365952665"),
        (.finery, "k-1", "5626570791622936725"),
        (.finery, String(repeating: "a", count: 128), "5905977868461162779"),
        (.finery, "cli-3F2504E0-4F89-11D3-9A0C-0305E82C3301", "3308127516300563230"),
        (.sfox, "order-1", "vb-f645e4dbc2ad4bc3bfcc1be6c20d04b1"),
        (.sfox, "k-1", "vb-8bcc5967cd6039fa9c80672b448c3b50"),
        (.sfox, String(repeating: "a", count: 128), "vb-29a52a2b78144233cd0775d75cee2d06"),
        (.sfox, "cli-3F2504E0-4F89-11D3-9A0C-0305E82C3301", "vb-84b50e066db517a5c29e51549f4678b7"),
        (.t4, "order-1", "vb-93a6a71da6c9fed7434ebb1c8aa8cf74"),
        (.t4, "k-1", "vb-d3e9ecc59f4e832c0f0630258af5414a"),
        (.t4, String(repeating: "a", count: 128), "vb-4a1185ca287d7820b416fa95ae554efc"),
        (.t4, "cli-3F2504E0-4F89-11D3-9A0C-0305E82C3301", "vb-fbde30af14c5876c28f43c38aa96a2c9"),
    ]

    /// The formats the pinned venues use: Finery's int64, sFOX's and T4's standard text.
    static func format(_ venue: VenueID) -> ClientOrderIdFormat {
        venue == .finery ? .positiveInt64 : .standard
    }

    static func derive(_ venue: VenueID, _ key: String) -> String {
        ClientOrderIds.derive(format(venue), venue: venue, idempotencyKey: key)
    }

    static let keys: [String] =
        (0..<500).map { "key-\($0)" } + ["!", "~", String(repeating: "z", count: 128), "k-1", "k-1 "]

    static func isHexId(_ id: String) -> Bool {
        let bytes = Array(id.utf8)
        return bytes.count == 35 && id.hasPrefix("vb-")
            && bytes.dropFirst(3).allSatisfy {
                ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9"))
                    || ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "f"))
            }
    }

    @Test("pinned vectors", arguments: 0..<pinned.count)
    func pinnedVectors(index: Int) {
        let (venue, key, expected) = Self.pinned[index]
        #expect(Self.derive(venue, key) == expected)
    }

    @Test("the same (venue, key) always gives the same id")
    func deterministic() {
        for venue in VenueID.allCases {
            for key in Self.keys.prefix(20) {
                #expect(
                    Self.derive(venue, key)
                        == Self.derive(venue, key))
            }
        }
    }

    @Test("Finery ids are integers in 1…2^63−1 without leading zeros")
    func fineryRange() throws {
        for key in Self.keys {
            let id = Self.derive(.finery, key)
            let value = try #require(Int64(id), "\(id)")
            #expect(value >= 1)
            #expect(String(value) == id)
            #expect(throws: Never.self) { try ClientOrderIds.validate(id, format: .positiveInt64, venue: .finery) }
        }
    }

    @Test(
        "the standard text format gives vb- and 32 lower-case hex digits",
        arguments: [VenueID.sfox, .t4, .fi, .fig])
    func hexFormat(venue: VenueID) {
        for key in Self.keys {
            let id = Self.derive(venue, key)
            #expect(Self.isHexId(id), "\(id)")
            #expect(throws: Never.self) { try ClientOrderIds.validate(id, format: .standard, venue: venue) }
        }
    }

    @Test("different keys give different ids; so do different venues for one key")
    func distinct() {
        for venue in VenueID.allCases {
            let ids = Set(Self.keys.map { Self.derive(venue, $0) })
            #expect(ids.count == Self.keys.count, "\(venue)")
        }
        for key in Self.keys.prefix(50) {
            let ids = VenueID.allCases.map { Self.derive($0, key) }
            #expect(Set(ids).count == VenueID.allCases.count, "\(key)")
        }
    }

    @Test(
        "validate: Finery takes an integer in 1…2^63−1",
        arguments: [
            ("1", true), ("9223372036854775807", true), ("4611686018427387904", true),
            ("0", false), ("-1", false), ("9223372036854775808", false), ("", false), ("12a", false), ("1.0", false),
            (" 1", false), ("vb-0123456789abcdef0123456789abcdef", false),
        ])
    func validateFinery(id: String, valid: Bool) {
        let error = Self.validationError(id, .finery)
        #expect((error == nil) == valid, "\(id)")
        if let error { #expect(error.code == .invalidField) }
    }

    @Test("validate: sFOX and T4 take 1…64 printable ASCII characters without spaces", arguments: [VenueID.sfox, .t4])
    func validateText(venue: VenueID) {
        for valid in [
            "a", "my-order-1", "vb-0123456789abcdef0123456789abcdef", "123", String(repeating: "x", count: 64), "!~",
        ] {
            #expect(Self.validationError(valid, venue) == nil, "\(valid)")
        }
        for invalid in ["", " ", "a b", "tab\t", "é", String(repeating: "x", count: 65), "\u{7F}"] {
            #expect(Self.validationError(invalid, venue)?.code == .invalidField, "\(invalid)")
        }
    }

    static func validationError(_ id: String, _ venue: VenueID) -> CommandError? {
        do {
            try ClientOrderIds.validate(id, format: Self.format(venue), venue: venue)
            return nil
        } catch {
            return error
        }
    }

    @Test("a short text format: vb- and as many hex digits as fit, each id valid in its own format")
    func shortText() throws {
        let format = ClientOrderIdFormat.text(maxLength: 32, alphabet: .lettersDigitsDashUnderscore)
        var seen = Set<String>()
        for key in Self.keys {
            let id = ClientOrderIds.derive(format, venue: .fi, idempotencyKey: key)
            #expect(id.utf8.count == 32 && id.hasPrefix("vb-"), "\(id)")
            #expect(throws: Never.self) { try ClientOrderIds.validate(id, format: format, venue: .fi) }
            // The first 29 hex digits of the standard id: the same digest, cut to fit.
            #expect(String(ClientOrderIds.derive(.standard, venue: .fi, idempotencyKey: key).prefix(32)) == id)
            seen.insert(id)
        }
        #expect(seen.count == Self.keys.count)
        for invalid in ["", "a.b", "a b", "x/y", String(repeating: "x", count: 33)] {
            #expect(throws: CommandError.self) { try ClientOrderIds.validate(invalid, format: format, venue: .fi) }
        }
        #expect(throws: Never.self) { try ClientOrderIds.validate("Az09-_", format: format, venue: .fi) }
    }
}
