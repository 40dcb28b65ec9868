import AsyncHTTPClient
public import Logging
import NIOCore
public import NIOHTTP1
import NIOSSL
import Synchronization

/// The answer to one HTTP request: status, headers and body, whatever the status.
public struct VenueHTTPResponse: Sendable {
    public var status: Int
    public var headers: HTTPHeaders
    public var body: String

    public init(status: Int, headers: HTTPHeaders = [:], body: String) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}

/// Why an HTTP request has no answer.
public enum VenueHTTPFailure: Error, Sendable, Equatable {
    /// Our pacing (or the pause after a 429) allows no request now. Nothing was sent.
    case rateLimited(retryAfter: Duration)
    /// The request may have reached the venue (timeout, connection lost mid-request).
    case transport(String, timedOut: Bool)
}

/// One request as the venue's signer sees it, before it is sent: a venue adds its auth headers
/// (a bearer token, an HMAC signature over method, path and body).
public struct VenueHTTPRequest: Sendable {
    public var method: HTTPMethod
    /// The path under the base URL, with its query (`/orders?status=open`).
    public var path: String
    public var body: [UInt8]?
    public var headers: HTTPHeaders

    public init(method: HTTPMethod, path: String, body: [UInt8]? = nil, headers: HTTPHeaders = [:]) {
        self.method = method
        self.path = path
        self.body = body
        self.headers = headers
    }
}

/// The request/response transport of a REST venue: JSON bodies, a deadline per request, the venue's
/// auth added by its `sign` closure, and pacing under its documented limits with the pause it
/// asks for after a 429. Redirects are refused: an order request is never replayed somewhere else.
/// Bodies are read up to `maxBodyBytes`; a longer one is a transport failure, never a partial read.
public final class VenueHTTPClient: Sendable {
    public struct Configuration: Sendable {
        /// `https://api.venue.com/v1`; request paths are appended.
        public var baseURL: String
        public var tlsVerify: Bool = true
        public var caFile: String?
        public var connectTimeout: Duration = .seconds(10)
        public var requestTimeout: Duration = .seconds(10)
        public var limits: [RequestPacer.Limit] = []
        /// Pacing waits at most this long before answering `rateLimited` instead.
        public var maxPacingWait: Duration = .seconds(1)
        public var maxBodyBytes: Int = 4 << 20

        public init(baseURL: String) { self.baseURL = baseURL }
    }

    public typealias Signer = @Sendable (inout VenueHTTPRequest) -> Void
    /// How long to pause every request after a 429 (the venue's documented pause, or its reset header).
    public typealias PauseAfter429 = @Sendable (VenueHTTPResponse) -> Duration

    private let client: HTTPClient
    private let configuration: Configuration
    private let baseURL: String
    private let sign: Signer
    private let pauseAfter429: PauseAfter429
    private let pacer: Mutex<RequestPacer>
    private let logger: Logger

    public init(
        configuration: Configuration, logger: Logger, pauseAfter429: @escaping PauseAfter429,
        sign: @escaping Signer
    ) {
        var tls = TLSConfiguration.makeClientConfiguration()
        if let caFile = configuration.caFile { tls.additionalTrustRoots = [.file(caFile)] }
        if !configuration.tlsVerify { tls.certificateVerification = .none }
        let timeouts = HTTPClient.Configuration.Timeout(
            connect: .nanoseconds(configuration.connectTimeout.nanoseconds),
            read: .nanoseconds(configuration.requestTimeout.nanoseconds)
        )
        client = HTTPClient(
            eventLoopGroup: HTTPClient.defaultEventLoopGroup,
            configuration: HTTPClient.Configuration(
                tlsConfiguration: tls, redirectConfiguration: .disallow, timeout: timeouts)
        )
        self.configuration = configuration
        baseURL =
            configuration.baseURL.hasSuffix("/") ? String(configuration.baseURL.dropLast()) : configuration.baseURL
        self.sign = sign
        self.pauseAfter429 = pauseAfter429
        pacer = Mutex(RequestPacer(limits: configuration.limits))
        self.logger = logger
    }

    public func shutdown() async {
        do { try await client.shutdown() } catch {
            logger.debug("venue HTTP client shutdown", metadata: ["error": "\(error)"])
        }
    }

    /// Sends one request once: paced (a request our pacing would hold longer than `maxPacingWait`
    /// is `rateLimited`, nothing sent), signed, with the per-request deadline. A 429 is returned
    /// like any answer, after pausing every later request for what `pauseAfter429` says.
    public func send(_ request: VenueHTTPRequest, class requestClass: RequestPacer.RequestClass? = nil)
        async throws(VenueHTTPFailure) -> VenueHTTPResponse
    {
        try await admit(requestClass)
        var request = request
        sign(&request)
        var outgoing = HTTPClientRequest(url: baseURL + request.path)
        outgoing.method = request.method
        outgoing.headers = request.headers
        if let body = request.body { outgoing.body = .bytes(ByteBuffer(bytes: body)) }
        let timeout = configuration.requestTimeout
        let response: VenueHTTPResponse
        do {
            let reply = try await client.execute(outgoing, timeout: .nanoseconds(timeout.nanoseconds))
            let bytes = try await reply.body.collect(upTo: configuration.maxBodyBytes)
            response = VenueHTTPResponse(
                status: Int(reply.status.code), headers: reply.headers, body: String(buffer: bytes))
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout {
            throw .transport("no reply within \(timeout)", timedOut: true)
        } catch {
            throw .transport("\(error)", timedOut: false)
        }
        if response.status == 429 {
            let pause = pacer.withLock { $0.pause(for: pauseAfter429(response), now: .now) }
            logger.warning(
                "venue rate limit hit (429): pausing requests",
                metadata: ["pause": "\(pause)", "path": "\(request.path)"])
        }
        return response
    }

    private func admit(_ requestClass: RequestPacer.RequestClass?) async throws(VenueHTTPFailure) {
        while true {
            let verdict = pacer.withLock { $0.admit(requestClass, now: .now) }
            switch verdict {
            case .go: return
            case .blocked(let remaining): throw .rateLimited(retryAfter: remaining)
            case .wait(let delay):
                guard delay <= configuration.maxPacingWait else { throw .rateLimited(retryAfter: delay) }
                do { try await Task.sleep(for: delay) } catch { throw .rateLimited(retryAfter: delay) }
            }
        }
    }
}

extension Duration {
    /// Whole nanoseconds, saturating (timeouts for NIO's `TimeAmount`).
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (product, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        guard !overflow else { return seconds < 0 ? .min : .max }
        let (sum, overflow2) = product.addingReportingOverflow(attoseconds / 1_000_000_000)
        return overflow2 ? (product < 0 ? .min : .max) : sum
    }
}
