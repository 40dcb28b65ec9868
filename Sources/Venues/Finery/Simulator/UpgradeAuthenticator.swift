import FineryWire
import Foundation
import VenueBridgeCore

/// Why an upgrade was refused: the venue's code, sent as the response body.
struct UpgradeRefusal: Error {
    let code: FineryErrorCode

    init(_ code: FineryErrorCode) {
        self.code = code
    }
}

/// Checks the `EFX-Key` / `EFX-Content` / `EFX-Sign` upgrade headers the way the venue does.
///
/// The signature is verified over the `EFX-Content` header exactly as received, never over a
/// re-serialised copy. Nonces must be strictly greater than the key's last accepted nonce (older
/// docs) and unique within two minutes (newer docs); they are recorded only once every check has
/// passed, in the same actor call, so two racing upgrades cannot both use one nonce.
actor UpgradeAuthenticator {
    static let nonceWindow: Duration = .seconds(120)

    private let credentials: [String: String]
    private let timestampTolerance: Duration
    private var lastNonce: [String: UInt64] = [:]
    /// Nonces accepted in the last two minutes, per key, oldest first (pruned on every check).
    private var recentNonces: [String: [(nonce: UInt64, at: ContinuousClock.Instant)]] = [:]

    init(credentials: [String: String], timestampTolerance: Duration) {
        self.credentials = credentials
        self.timestampTolerance = timestampTolerance
    }

    /// The API key when the headers are valid, else the venue's error code (3, 6, 7 or 14).
    func authenticate(key: String?, content: String?, signature: String?, nowMillis: UInt64) -> Result<
        String, UpgradeRefusal
    > {
        guard let key, let secret = credentials[key] else { return .failure(UpgradeRefusal(.notAuthorised)) }
        guard let content, let signature, FineryAuth.isValidSignature(signature, of: content, secret: secret) else {
            return .failure(UpgradeRefusal(.invalidSignature))
        }
        guard let json = try? JSONValue.parse(content), json.object != nil, let nonce = json["nonce"]?.uint64 else {
            return .failure(UpgradeRefusal(.invalidNonce))
        }
        guard let timestamp = json["timestamp"]?.uint64 else { return .failure(UpgradeRefusal(.invalidTimestamp)) }
        let toleranceMillis =
            UInt64(max(timestampTolerance.components.seconds, 0)) * 1000
            + UInt64(max(timestampTolerance.components.attoseconds, 0) / 1_000_000_000_000_000)
        let skew = timestamp > nowMillis ? timestamp - nowMillis : nowMillis - timestamp
        guard skew <= toleranceMillis else { return .failure(UpgradeRefusal(.invalidTimestamp)) }

        let now = ContinuousClock.now
        var recent = recentNonces[key, default: []]
        recent.removeAll { now - $0.at > Self.nonceWindow }
        guard nonce > lastNonce[key, default: 0], !recent.contains(where: { $0.nonce == nonce }) else {
            recentNonces[key] = recent
            return .failure(UpgradeRefusal(.invalidNonce))
        }
        recent.append((nonce, now))
        recentNonces[key] = recent
        lastNonce[key] = nonce
        return .success(key)
    }
}
