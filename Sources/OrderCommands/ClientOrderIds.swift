import Crypto
public import VenueBridgeCore

/// Venue client order ids derived from idempotency keys.
///
/// The derivation is a pure function of (venue, key): a bridge that crashed after sending and
/// before recording what it sent derives the same id on restart, so the venue (sFOX, Finery) or
/// our query (T4) recognises the order instead of a second one being made.
public enum ClientOrderIds {
    /// Finery: a signed int64 in 1 … 2^63−1. sFOX, T4: `vb-` + 32 hex digits (128 bits).
    public static func derive(venue: VenueID, idempotencyKey: String) -> String {
        let input = Array("venuebridge.client-order-id.v1\u{0}\(venue.rawValue)\u{0}\(idempotencyKey)".utf8)
        switch venue {
        case .finery:
            // 63 bits of the digest; 0 (one chance in 2^63) becomes 1.
            let value =
                SHA256.hash(data: input).prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) } & 0x7FFF_FFFF_FFFF_FFFF
            return String(max(value, 1))
        case .sfox, .t4, .fi, .fig:
            return "vb-" + digestHex(input)
        }
    }

    /// Checks a caller-supplied client order id against the venue's format.
    public static func validate(_ id: String, venue: VenueID) throws(CommandError) {
        switch venue {
        case .finery:
            guard let value = Int64(id), value >= 1 else {
                throw CommandError(
                    .invalidField, "a Finery client_order_id is an integer in 1…9223372036854775807, got \"\(id)\"")
            }
        case .sfox, .t4, .fi, .fig:
            guard !id.isEmpty, id.utf8.count <= 64, id.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
                throw CommandError(
                    .invalidField, "client_order_id must be 1…64 printable ASCII characters without spaces")
            }
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
