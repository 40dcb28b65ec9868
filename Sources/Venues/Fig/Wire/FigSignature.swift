import Crypto
import Foundation

/// Fig's REST request signature: `X-FIG-Signature` = hex(HMAC-SHA256(key: client secret, message:
/// `<timestamp>\n<METHOD>\n<uri>\n<body>`)), `X-FIG-Timestamp` = Unix seconds; the body is empty
/// for GET and DELETE, the URI is the path after `/v1` with its query (`FigHouseRules`).
public enum FigSignature {
    public static func message(timestamp: Int64, method: String, uri: String, body: String) -> String {
        "\(timestamp)\n\(method.uppercased())\n\(uri)\n\(body)"
    }

    public static func sign(secret: String, timestamp: Int64, method: String, uri: String, body: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(
            for: Data(message(timestamp: timestamp, method: method, uri: uri, body: body).utf8),
            using: SymmetricKey(data: Data(secret.utf8)))
        return mac.map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }

    /// The simulator's check: constant time, on the hex text it was sent.
    public static func isValid(
        _ signature: String, secret: String, timestamp: Int64, method: String, uri: String, body: String
    ) -> Bool {
        let expected = Array(sign(secret: secret, timestamp: timestamp, method: method, uri: uri, body: body).utf8)
        let given = Array(signature.lowercased().utf8)
        guard expected.count == given.count else { return false }
        var difference: UInt8 = 0
        for (a, b) in zip(expected, given) { difference |= a ^ b }
        return difference == 0
    }

    /// The URI that is signed for a request to `path` (which may start with `/v1`).
    public static func signedURI(path: String) -> String {
        path.hasPrefix(FigHouseRules.signedPathPrefix + "/")
            ? String(path.dropFirst(FigHouseRules.signedPathPrefix.count)) : path
    }
}
