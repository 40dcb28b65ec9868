import AsyncHTTPClient
import DequeModule
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL
import SFOXWire
import Synchronization
import VenueConnector

/// The answer to one REST request: the status and body, whatever the status.
struct SFOXRestResponse: Sendable {
    var status: Int
    var body: String

    var errorMessage: String { SFOXErrorBody.decode(body)?.error ?? String(body.prefix(200)) }
}

/// Why a REST request has no answer.
enum SFOXRestFailure: Error, Sendable {
    /// Our pacing (or a 429 back-off) allows no request now. Nothing was sent.
    case rateLimited(retryAfter: Duration)
    /// The request may have reached the venue (timeout, connection lost mid-request).
    case transport(String, timedOut: Bool)
}

/// A thin client for sFOX's REST API: bearer auth, JSON bodies, a deadline per request, and pacing
/// under the venue's documented limits (250 requests / 10 s, 60 creates / s, and a 60 s pause after
/// a 429). Redirects are refused: an order request is never replayed somewhere else.
final class SFOXRestClient: Sendable {
    private let client: HTTPClient
    private let baseURL: String
    private let apiKey: String
    private let timeout: Duration
    private let pacer: Mutex<SFOXRequestPacer>
    private let logger: Logger
    /// Pacing waits at most this long before answering `rateLimited` instead.
    static let maxPacingWait: Duration = .seconds(1)

    init(configuration: SFOXConnectorConfiguration, apiKey: String, logger: Logger) throws {
        var tls = TLSConfiguration.makeClientConfiguration()
        if let caFile = configuration.privateLink.caFile { tls.additionalTrustRoots = [.file(caFile)] }
        if !configuration.privateLink.tlsVerify { tls.certificateVerification = .none }
        let timeouts = HTTPClient.Configuration.Timeout(
            connect: .nanoseconds(Int64(configuration.privateLink.connectTimeout.seconds * 1e9)),
            read: .nanoseconds(Int64(configuration.privateLink.requestTimeout.seconds * 1e9))
        )
        client = HTTPClient(
            eventLoopGroup: HTTPClient.defaultEventLoopGroup,
            configuration: HTTPClient.Configuration(
                tlsConfiguration: tls, redirectConfiguration: .disallow, timeout: timeouts)
        )
        baseURL =
            configuration.restBaseURL.hasSuffix("/")
            ? String(configuration.restBaseURL.dropLast()) : configuration.restBaseURL
        self.apiKey = apiKey
        timeout = configuration.privateLink.requestTimeout
        pacer = Mutex(
            SFOXRequestPacer(
                requestsPerWindow: configuration.restRequestsPerWindow, window: configuration.restWindow,
                createsPerSecond: configuration.orderCreatesPerSecond, backoffAfter429: configuration.backoffAfter429
            ))
        self.logger = logger
    }

    func shutdown() async {
        do { try await client.shutdown() } catch {
            logger.debug("sFOX REST client shutdown", metadata: ["error": "\(error)"])
        }
    }

    func send(_ method: HTTPMethod, _ path: String, body: [UInt8]? = nil, isCreate: Bool = false)
        async throws(SFOXRestFailure) -> SFOXRestResponse
    {
        try await admit(isCreate: isCreate)
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(apiKey)")
        request.headers.add(name: "Accept", value: "application/json")
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let response: SFOXRestResponse
        do {
            let reply = try await client.execute(request, timeout: .nanoseconds(Int64(timeout.seconds * 1e9)))
            let bytes = try await reply.body.collect(upTo: 4 << 20)
            response = SFOXRestResponse(status: Int(reply.status.code), body: String(buffer: bytes))
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout {
            throw .transport("no reply within \(timeout)", timedOut: true)
        } catch {
            throw .transport("\(error)", timedOut: false)
        }
        if response.status == 429 {
            let pause = pacer.withLock { $0.rateLimited(now: .now) }
            logger.warning(
                "sFOX REST rate limit hit (429): pausing REST requests",
                metadata: ["pause": "\(pause)", "path": "\(path)"])
        }
        return response
    }

    private func admit(isCreate: Bool) async throws(SFOXRestFailure) {
        while true {
            let verdict = pacer.withLock { $0.admit(isCreate: isCreate, now: .now) }
            switch verdict {
            case .go: return
            case .blocked(let remaining): throw .rateLimited(retryAfter: remaining)
            case .wait(let delay):
                guard delay <= Self.maxPacingWait else { throw .rateLimited(retryAfter: delay) }
                do { try await Task.sleep(for: delay) } catch { throw .rateLimited(retryAfter: delay) }
            }
        }
    }
}

/// Sliding-window request pacing plus the venue's pause after it says "too many". Pure, so it is
/// unit-testable with a fake clock. Used for REST (250/10 s, 60 creates/s) and for WebSocket
/// requests (40/min per IP, shared by both sockets).
struct SFOXRequestPacer: Sendable {
    enum Verdict: Equatable, Sendable {
        case go
        /// Pacing: a slot opens after this long.
        case wait(Duration)
        /// The venue answered 429; no request until the pause ends.
        case blocked(Duration)
    }

    let requestsPerWindow: Int
    let window: Duration
    let createsPerSecond: Int
    let backoffAfter429: Duration
    private var requests = Deque<ContinuousClock.Instant>()
    private var creates = Deque<ContinuousClock.Instant>()
    private var pausedUntil: ContinuousClock.Instant?

    init(requestsPerWindow: Int, window: Duration, createsPerSecond: Int, backoffAfter429: Duration) {
        self.requestsPerWindow = max(1, requestsPerWindow)
        self.window = window
        self.createsPerSecond = max(1, createsPerSecond)
        self.backoffAfter429 = backoffAfter429
    }

    mutating func admit(isCreate: Bool, now: ContinuousClock.Instant) -> Verdict {
        if let pausedUntil, now < pausedUntil { return .blocked(pausedUntil - now) }
        pausedUntil = nil
        while let oldest = requests.first, now - oldest >= window { requests.removeFirst() }
        while let oldest = creates.first, now - oldest >= .seconds(1) { creates.removeFirst() }
        if requests.count >= requestsPerWindow, let oldest = requests.first { return .wait(window - (now - oldest)) }
        if isCreate, creates.count >= createsPerSecond, let oldest = creates.first {
            return .wait(.seconds(1) - (now - oldest))
        }
        requests.append(now)
        if isCreate { creates.append(now) }
        return .go
    }

    /// The venue said 429: pause every REST request for the documented time. Returns the pause.
    mutating func rateLimited(now: ContinuousClock.Instant) -> Duration {
        pausedUntil = now + backoffAfter429
        return backoffAfter429
    }
}
