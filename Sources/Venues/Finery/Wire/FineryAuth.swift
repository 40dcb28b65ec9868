import Crypto
import Foundation

/// Finery's upgrade-header authentication: `EFX-Sign` = base64(HMAC-SHA384(secret, content)),
/// computed over the exact bytes of `EFX-Content`.
public enum FineryAuth {
    public static let keyHeader = "EFX-Key"
    public static let contentHeader = "EFX-Content"
    public static let signatureHeader = "EFX-Sign"

    /// The signature of `message` (the `EFX-Content` header for the socket, `method + payload` for REST).
    public static func signature(of message: String, secret: String) -> String {
        let mac = HMAC<SHA384>.authenticationCode(for: Data(message.utf8), using: SymmetricKey(data: Data(secret.utf8)))
        return Data(mac).base64EncodedString()
    }

    /// Constant-time check of a received signature against the exact received content.
    public static func isValidSignature(_ signature: String, of message: String, secret: String) -> Bool {
        guard let mac = Data(base64Encoded: signature) else { return false }
        return HMAC<SHA384>.isValidAuthenticationCode(
            mac, authenticating: Data(message.utf8), using: SymmetricKey(data: Data(secret.utf8)))
    }

    /// The `EFX-Content` value. Written by hand, not by an encoder, because the signature covers
    /// these exact bytes.
    public static func content(nonce: UInt64, timestamp: UInt64) -> String {
        "{\"nonce\":\(nonce),\"timestamp\":\(timestamp)}"
    }

    /// The three upgrade headers for one connection attempt.
    public static func upgradeHeaders(key: String, secret: String, nonce: UInt64, timestamp: UInt64) -> [(
        name: String, value: String
    )] {
        let content = content(nonce: nonce, timestamp: timestamp)
        return [
            (keyHeader, key),
            (contentHeader, content),
            (signatureHeader, signature(of: content, secret: secret)),
        ]
    }
}

/// Strictly increasing nonces (microseconds since the epoch, bumped when the clock stands still
/// or steps back), which satisfy both documented nonce rules: "unique within 2 minutes" and the
/// older "strictly increasing".
public struct FineryNonceSource: Sendable {
    private var last: UInt64 = 0

    public init() {}

    public mutating func next(nowMicros: UInt64) -> UInt64 {
        last = max(last + 1, nowMicros)
        return last
    }
}
