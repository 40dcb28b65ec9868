import Logging
import NIOHTTP1
import SFOXWire
import VenueConnector

extension VenueHTTPResponse {
    /// sFOX's `{"error": "..."}`, or the start of whatever else the body is.
    var sfoxErrorMessage: String { SFOXErrorBody.decode(body)?.error ?? String(body.prefix(200)) }
}

extension RequestPacer.RequestClass {
    /// `POST /v1/orders/...`: the venue's own per-account creation limit.
    static let sfoxOrderCreate = RequestPacer.RequestClass("order_create")
}

extension VenueHTTPClient {
    /// sFOX's REST API on the shared HTTP client: bearer auth, JSON bodies, paced under the
    /// documented limits (250 requests / 10 s, 60 creates / s) with the documented 60 s pause
    /// after a 429.
    static func sfox(configuration: SFOXConnectorConfiguration, apiKey: String, logger: Logger) -> VenueHTTPClient {
        var http = VenueHTTPClient.Configuration(baseURL: configuration.restBaseURL)
        http.tlsVerify = configuration.privateLink.tlsVerify
        http.caFile = configuration.privateLink.caFile
        http.connectTimeout = configuration.privateLink.connectTimeout
        http.requestTimeout = configuration.privateLink.requestTimeout
        http.limits = [
            .init(requests: configuration.restRequestsPerWindow, per: configuration.restWindow),
            .init(requests: configuration.orderCreatesPerSecond, per: .seconds(1), only: .sfoxOrderCreate),
        ]
        let pause = configuration.backoffAfter429
        return VenueHTTPClient(configuration: http, logger: logger, pauseAfter429: { _ in pause }) { request in
            request.headers.replaceOrAdd(name: "Authorization", value: "Bearer \(apiKey)")
            request.headers.replaceOrAdd(name: "Accept", value: "application/json")
            if request.body != nil { request.headers.replaceOrAdd(name: "Content-Type", value: "application/json") }
        }
    }
}
