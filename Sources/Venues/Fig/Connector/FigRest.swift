import FigWire
import Foundation
import Logging
import NIOHTTP1
import Synchronization
import VenueBridgeCore
import VenueConnector

/// Fig's REST API: bearer tokens from `POST /v1/auth` (refreshed `FigHouseRules.tokenRefreshMargin`
/// before they expire), every call signed (`FigSignature`), paced under the documented 1000
/// requests a minute, and a 429 pausing every request until `X-RateLimit-Reset`.
final class FigRest: Sendable {
    /// Why a call has no 2xx answer.
    enum Failure: Error, Sendable {
        /// Nothing reached the venue (no token).
        case notSent(String)
        /// Nothing was done: the venue's 429, or our pacing under its limit. Every request waits
        /// until the window has room (`X-RateLimit-Reset`); this one may go again after that.
        case rateLimited(retryAfter: Duration)
        /// The venue may have acted (timeout, connection lost, 5xx).
        case ambiguous(String)
        /// The venue refused (4xx): its words.
        case refused(FigAPIError)
    }

    private struct Token {
        var value: String
        var expires: ContinuousClock.Instant
    }

    let http: VenueHTTPClient
    private let clientId: String
    private let clientSecret: String
    private let refreshMargin: Duration
    /// The current token, shared with the signer (which runs for every request).
    private final class TokenStore: Sendable {
        let current = Mutex<Token?>(nil)
    }
    private let store = TokenStore()

    init(configuration: FigConnectorConfiguration, logger: Logger) {
        var http = VenueHTTPClient.Configuration(baseURL: configuration.restURL)
        http.tlsVerify = configuration.link.tlsVerify
        http.caFile = configuration.link.caFile
        http.connectTimeout = configuration.link.connectTimeout
        http.requestTimeout = configuration.link.requestTimeout
        http.limits = [.init(requests: FigHouseRules.restRequestsPerMinute, per: .seconds(60))]
        clientId = configuration.clientId
        clientSecret = configuration.clientSecret
        refreshMargin = configuration.tokenRefreshMargin
        let secret = configuration.clientSecret
        let store = store
        self.http = VenueHTTPClient(
            configuration: http, logger: logger,
            pauseAfter429: { response in
                FigRest.resetDelay(response.headers)
            }
        ) { request in
            request.headers.replaceOrAdd(name: "Accept", value: "application/json")
            if request.body != nil { request.headers.replaceOrAdd(name: "Content-Type", value: "application/json") }
            guard request.path != FigAuth.path, let bearer = store.current.withLock({ $0?.value }) else { return }
            let timestamp = Int64(Date().timeIntervalSince1970)
            let body = request.body.map { String(decoding: $0, as: UTF8.self) } ?? ""
            request.headers.replaceOrAdd(name: "Authorization", value: "Bearer \(bearer)")
            request.headers.replaceOrAdd(name: "X-FIG-Timestamp", value: "\(timestamp)")
            request.headers.replaceOrAdd(
                name: "X-FIG-Signature",
                value: FigSignature.sign(
                    secret: secret, timestamp: timestamp, method: request.method.rawValue,
                    uri: FigSignature.signedURI(path: request.path), body: body))
        }
    }

    func shutdown() async { await http.shutdown() }

    /// `X-RateLimit-Reset`: seconds until the window has room again (a minute when absent or
    /// not a number; never more, the window being a minute).
    static func resetDelay(_ headers: HTTPHeaders) -> Duration {
        let seconds = headers.first(name: "X-RateLimit-Reset").flatMap(Int64.init) ?? 60
        return .seconds(min(max(seconds, 1), 60))
    }

    /// A token good for at least the refresh margin: the current one, or a new one from `/v1/auth`.
    func accessToken() async throws(Failure) -> (value: String, expires: ContinuousClock.Instant) {
        if let current = store.current.withLock({ $0 }), current.expires - refreshMargin > .now {
            return (current.value, current.expires)
        }
        let response: VenueHTTPResponse
        do {
            response = try await http.send(
                VenueHTTPRequest(
                    method: .POST, path: FigAuth.path,
                    body: Array(FigAuth.body(clientId: clientId, clientSecret: clientSecret).utf8)))
        } catch {
            throw .notSent("token request failed: \(error)")
        }
        guard response.status == 200 else {
            throw .refused(FigAPIError.decode(status: response.status, body: response.body))
        }
        let issued: FigAuth.Token
        do { issued = try FigAuth.Token.decode(response.body) } catch {
            throw .notSent("token reply unreadable: \(error)")
        }
        let fresh = Token(value: issued.accessToken, expires: .now + issued.expiresIn)
        store.current.withLock { $0 = fresh }
        return (fresh.value, fresh.expires)
    }

    /// Forgets the token (the venue said it is not valid any more).
    func dropToken() { store.current.withLock { $0 = nil } }

    /// One signed call; the body of a 2xx answer. A 401 is answered before anything is done: the
    /// token is dropped and the call goes once more with a fresh one (a token the venue dropped
    /// early, say); a second 401 is the venue's refusal (a bad signature, a clock off by minutes).
    func call(_ method: HTTPMethod, _ path: String, body: String? = nil) async throws(Failure) -> String {
        do {
            return try await callOnce(method, path, body: body)
        } catch .refused(let error) where error.status == 401 {
            return try await callOnce(method, path, body: body)
        }
    }

    private func callOnce(_ method: HTTPMethod, _ path: String, body: String?) async throws(Failure) -> String {
        _ = try await accessToken()
        let response: VenueHTTPResponse
        do {
            response = try await http.send(
                VenueHTTPRequest(method: method, path: path, body: body.map { Array($0.utf8) }))
        } catch {
            switch error {
            case .rateLimited(let retryAfter): throw .rateLimited(retryAfter: retryAfter)
            case .transport(let reason, _): throw .ambiguous(reason)
            }
        }
        switch response.status {
        case 200..<300: return response.body
        case 401:
            dropToken()
            throw .refused(FigAPIError.decode(status: 401, body: response.body))
        case 429: throw .rateLimited(retryAfter: Self.resetDelay(response.headers))
        case 500...: throw .ambiguous("Fig \(response.status): \(String(response.body.prefix(200)))")
        default: throw .refused(FigAPIError.decode(status: response.status, body: response.body))
        }
    }
}
