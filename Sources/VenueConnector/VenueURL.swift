import Foundation

/// A venue endpoint, parsed once with an RFC 3986 parser (`URLComponents`) so that the host we
/// check is the host we dial.
///
/// Prefix and substring tests on the raw text are not enough: the WebSocket client's own URI
/// splitter ends the host at the first `:`, so `ws://user:password@127.0.0.1:9000/ws` is dialled
/// as host `user`, port 80, and `ws://127.0.0.1.example.com/ws` contains `://127.0.0.1`. Venue
/// credentials never travel in a URL (they come from `VB_<VENUE>_API_KEY…`), so a URL carrying
/// any is refused rather than stripped: whoever wrote it meant something else.
public struct VenueURL: Sendable, Equatable {
    /// One of the accepted schemes, as written (lower case): `ws`, `wss`, `http`, `https`.
    public let scheme: String
    /// Without the brackets of an IPv6 literal.
    public let host: String
    /// The explicit port, or the scheme's default.
    public let port: Int

    /// Why a text is not a usable venue URL. No case carries the text itself: a malformed URL is
    /// often malformed because of a password in it.
    public enum Problem: Error, Sendable, Equatable, CustomStringConvertible {
        case notAURL
        case scheme(allowed: [String])
        case credentials
        case missingHost
        case portOutOfRange

        public var description: String {
            switch self {
            case .notAURL: "is not a valid URL"
            case .scheme(let allowed): "must be a \(allowed.map { "\($0)://" }.joined(separator: " or ")) URL"
            case .credentials: "must not carry credentials (user:password@)"
            case .missingHost: "has no host"
            case .portOutOfRange: "has a port outside 1…65535"
            }
        }
    }

    public static let webSocketSchemes = ["wss", "ws"]
    public static let httpSchemes = ["https", "http"]

    /// Parses `text`, accepting only `schemes` (lower case, first = preferred, as named in errors).
    public init(_ text: String, schemes: [String]) throws(Problem) {
        guard let components = URLComponents(string: text) else { throw .notAURL }
        // Checked before anything else, so a refusal for another reason never hides that the text
        // holds a secret which must be removed from wherever it was configured.
        if components.user != nil || components.password != nil {
            throw .credentials
        }
        // Exact case: the WebSocket client compares the scheme case-sensitively, so it would dial
        // `WSS://` in clear text while a case-blind check here counted it as TLS.
        guard let scheme = components.scheme, schemes.contains(scheme) else { throw .scheme(allowed: schemes) }
        var host = components.host ?? ""
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { throw .missingHost }
        let defaultPort = (scheme == "wss" || scheme == "https") ? 443 : 80
        let port = components.port ?? defaultPort
        guard (1...65535).contains(port) else { throw .portOutOfRange }
        self.scheme = scheme
        self.host = host
        self.port = port
    }

    /// `wss` and `https` are dialled with TLS.
    public var isTLS: Bool { scheme == "wss" || scheme == "https" }

    /// 127.0.0.0/8, `::1` or `localhost`: a plain-text link that never leaves the machine.
    public var isLoopback: Bool {
        let name = host.lowercased()
        if name == "localhost" || name == "::1" || name == "0:0:0:0:0:0:0:1" { return true }
        let octets = name.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets[0] == "127" && octets.allSatisfy { UInt8($0) != nil }
    }

    /// `text` with the userinfo of every `scheme://userinfo@host` in it replaced by `***`, for
    /// printing values that may hold URLs (a broker list, a librdkafka property, an error text).
    /// Works on the raw text rather than a parse, since the text may be a list or not a URL at all.
    public static func redactingCredentials(in text: String) -> String {
        guard text.contains("@"), text.contains("://") else { return text }
        var result = ""
        var rest = Substring(text)
        while let separator = rest.range(of: "://") {
            result += rest[..<separator.upperBound]
            rest = rest[separator.upperBound...]
            // The authority ends at the path, query or fragment, or where a list or sentence goes on.
            let authorityEnd = rest.firstIndex { "/?#, \t\n\"'<>".contains($0) } ?? rest.endIndex
            let authority = rest[..<authorityEnd]
            if let at = authority.lastIndex(of: "@") {
                result += "***"
                rest = rest[at...]
            }
        }
        return result + rest
    }
}
