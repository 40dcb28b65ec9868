import Crypto
public import VenueBridgeCore

/// Venue client order ids derived from idempotency keys, in the venue's own format.
///
/// The derivation is a pure function of (format, venue, key): a bridge that crashed after sending
/// and before recording what it sent derives the same id on restart, so the venue (sFOX, Finery)
/// or our query (T4) recognises the order instead of a second one being made. The ids are part of
/// what a running bridge has sent: changing the derivation of an existing format would make a
/// restarted bridge miss its own orders (`ClientOrderIdsTests` pins them).
public enum ClientOrderIds {
    /// `positiveInt64`: 63 bits of the digest as a decimal integer. `text`: `vb-` and the digest's
    /// hex digits, 32 of them (128 bits) where the format has room, else as many as fit.
    public static func derive(_ format: ClientOrderIdFormat, venue: VenueID, idempotencyKey: String) -> String {
        let input = Array("venuebridge.client-order-id.v1\u{0}\(venue.rawValue)\u{0}\(idempotencyKey)".utf8)
        switch format {
        case .positiveInt64:
            // 63 bits of the digest; 0 (one chance in 2^63) becomes 1.
            let value =
                SHA256.hash(data: input).prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) } & 0x7FFF_FFFF_FFFF_FFFF
            return String(max(value, 1))
        case .text(let maxLength, _):
            let prefix = "vb-"
            return prefix + digestHex(input).prefix(max(0, min(32, maxLength - prefix.count)))
        }
    }

    /// Checks a caller-supplied client order id against the venue's format.
    public static func validate(_ id: String, format: ClientOrderIdFormat, venue: VenueID) throws(CommandError) {
        guard !format.accepts(id) else { return }
        switch format {
        case .positiveInt64:
            throw CommandError(
                .invalidField, "a \(venue) client_order_id is an integer in 1…9223372036854775807, got \"\(id)\"")
        case .text(let maxLength, let alphabet):
            let characters =
                switch alphabet {
                case .printableASCII: "printable ASCII characters without spaces"
                case .lettersDigitsDashUnderscore: "characters of A-Z, a-z, 0-9, - and _"
                }
            throw CommandError(.invalidField, "client_order_id must be 1…\(maxLength) \(characters)")
        }
    }
}

extension OrderCommand {
    /// A digest of what the command asks for, to tell a replay (same digest) from a reused key
    /// (different digest). `expires_at` is left out: a client retrying the same intent with a
    /// fresh deadline is still the same command.
    public var fingerprint: String {
        var copy = self
        copy.expiresAt = nil
        return digestHex(OrderCommandCodec.encode(copy))
    }
}

/// The first 128 bits of the SHA-256 of `bytes`, as 32 lowercase hex digits: client ids,
/// command fingerprints and the stand-in fingerprint of an undecodable message.
public func digestHex(_ bytes: [UInt8]) -> String {
    let hex = Array("0123456789abcdef".utf8)
    var out: [UInt8] = []
    out.reserveCapacity(32)
    for byte in SHA256.hash(data: bytes).prefix(16) {
        out.append(hex[Int(byte >> 4)])
        out.append(hex[Int(byte & 0xF)])
    }
    return String(decoding: out, as: UTF8.self)
}
