/// How a venue spells client order ids: what the command path derives from an idempotency key and
/// what it accepts as a caller's own `client_order_id`. Each venue states its format once, in its
/// house rules; the command path and the CLI only read it, so a new venue's format adds no case to
/// shared code.
public enum ClientOrderIdFormat: Sendable, Hashable {
    /// A decimal integer in 1…2^63−1 (a venue whose client id is an int64, e.g. Finery).
    case positiveInt64
    /// Text of 1…`maxLength` characters, each from `alphabet`.
    case text(maxLength: Int, alphabet: Alphabet)

    public enum Alphabet: Sendable, Hashable {
        /// Printable ASCII except space (0x21…0x7E).
        case printableASCII
        /// ASCII letters, digits, `-` and `_`.
        case lettersDigitsDashUnderscore

        public func contains(_ byte: UInt8) -> Bool {
            switch self {
            case .printableASCII:
                byte > 0x20 && byte < 0x7F
            case .lettersDigitsDashUnderscore:
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                    || byte == 0x2D || byte == 0x5F
            }
        }
    }

    /// Whether `id` is spelled this way (connectors check the ids they are asked to send).
    public func accepts(_ id: String) -> Bool {
        switch self {
        case .positiveInt64: (Int64(id) ?? 0) >= 1
        case .text(let maxLength, let alphabet):
            !id.isEmpty && id.utf8.count <= maxLength && id.utf8.allSatisfy(alphabet.contains)
        }
    }

    /// What a venue that says nothing stricter takes: up to 64 printable ASCII characters.
    public static let standard = ClientOrderIdFormat.text(maxLength: 64, alphabet: .printableASCII)
}
