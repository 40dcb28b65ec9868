import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
import SFOXWire
import SimulatorKit
import Synchronization

/// Test controls the REST responder reads on every request.
final class RestControls: Sendable {
    private let delay = Mutex<Duration>(.zero)

    var responseDelay: Duration {
        get { delay.withLock { $0 } }
        set { delay.withLock { $0 = newValue } }
    }
}

/// The request context of the simulator's HTTP side: Hummingbird's core storage plus the socket,
/// for the client's address and for closing a connection without an answer.
struct SFOXRequestContext: RequestContext {
    typealias Source = ApplicationRequestContextSource

    var coreContext: CoreRequestContextStorage
    let channel: any Channel

    init(source: Source) {
        coreContext = .init(source: source)
        channel = source.channel
    }
}

/// One listener for both sides of the venue: WebSocket upgrades on `/ws`, REST under `/v1`.
struct SFOXServer: Sendable {
    static let webSocketPath = "/ws"
    static let restPrefix = "/v1"
    static let maxFrameSize = 1 << 20
    static let maxBodySize = 1 << 16

    let configuration: SFOXSimulatorConfiguration
    let venue: SFOXVenue
    let controls: RestControls
    let counters: SimulatorCounters
    let logger: Logger

    func makeServer() -> SimulatorServer {
        let rest = SFOXRestResponder(
            configuration: configuration, venue: venue, controls: controls, counters: counters, logger: logger)
        return SimulatorServer(
            host: configuration.host, port: configuration.port, responder: rest, maxFrameSize: Self.maxFrameSize,
            logger: logger
        ) { request, channel in
            await shouldUpgrade(request, channel: channel)
        }
    }

    /// `/ws` only, and at most `webSocketConnectionsPerIP` open sockets per client address (a
    /// refused upgrade gets Hummingbird's plain 400).
    private func shouldUpgrade(_ request: HTTPRequest, channel: any Channel) async -> SimulatorServer.Upgrade {
        let path = request.path.map { $0.split(separator: "?", maxSplits: 1).first.map(String.init) ?? $0 }
        guard path == Self.webSocketPath else { return .dontUpgrade }
        let address = channel.remoteAddress?.ipAddress ?? "unknown"
        guard await venue.connectionCount(from: address) < configuration.webSocketConnectionsPerIP else {
            counters.sockets.upgradesRefused.add(1, ordering: .relaxed)
            logger.info("too many sockets from one address, upgrade refused", metadata: ["address": "\(address)"])
            return .dontUpgrade
        }
        counters.sockets.connectionsAccepted.add(1, ordering: .relaxed)
        return .upgrade([:]) { inbound, outbound, _ in
            await serve(address: address, channel: channel, inbound: inbound, outbound: outbound)
        }
    }

    /// One socket, from the upgrade until it closes for any reason.
    private func serve(
        address: String, channel: any Channel, inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter
    ) async {
        let connection = await venue.openSession(remoteAddress: address) { channel.close(mode: .all, promise: nil) }
        var sessionLogger = logger
        sessionLogger[metadataKey: "connection"] = "\(connection.id)"
        sessionLogger.debug("session open")
        await withTaskGroup(of: Void.self) { group in
            group.addTask { [counters] in
                var encoder = FrameEncoder()
                await connection.writeFrames(to: outbound, counters: counters.sockets) { encoder.encode($0) }
            }
            do {
                for try await message in inbound.messages(maxSize: Self.maxFrameSize) {
                    counters.sockets.framesIn.add(1, ordering: .relaxed)
                    switch message {
                    case .text(let text): await venue.receive(text, from: connection.id)
                    case .binary(let buffer): await venue.receive(String(buffer: buffer), from: connection.id)
                    }
                }
            } catch {
                sessionLogger.debug("inbound ended", metadata: ["error": "\(error)"])
            }
            group.cancelAll()
        }
        await venue.closeSession(connection.id)
        sessionLogger.debug("session closed")
    }
}

/// REST under `/v1`: per-IP rate limit, routing (404/405), Bearer authentication, then the venue.
struct SFOXRestResponder: HTTPResponder {
    typealias Context = SFOXRequestContext

    let configuration: SFOXSimulatorConfiguration
    let venue: SFOXVenue
    let controls: RestControls
    let counters: SimulatorCounters
    let logger: Logger

    private enum Route {
        case create(SFOXAction)
        case get(String)
        case cancel(String)
    }

    func respond(to request: Request, context: SFOXRequestContext) async throws -> Response {
        // The test control outside the venue's API: no key, no rate limit, not counted.
        if request.method == .get, request.uri.path == OrderCountsEndpoint.path {
            return OrderCountsEndpoint.response(await venue.createRequestCounts())
        }
        let address = context.channel.remoteAddress?.ipAddress ?? "unknown"
        var reply = await handle(request, address: address)
        if reply.drop {
            counters.droppedCreateResponses.add(1, ordering: .relaxed)
            // The order stands at the venue; the client never learns it.
            try? await context.channel.close(mode: .all)
            reply = .error(500, "dropped")
        } else {
            counters.countRestResponse(reply.status)
        }
        let delay = controls.responseDelay
        if delay > .zero { try? await Task.sleep(for: delay) }
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(
            status: HTTPResponse.Status(code: reply.status), headers: headers,
            body: ResponseBody(byteBuffer: ByteBuffer(string: reply.body)))
    }

    private func handle(_ request: Request, address: String) async -> RestReply {
        guard await venue.admitRest(from: address) else { return .rateLimited }
        let route: Route
        switch Self.route(method: request.method, path: request.uri.path) {
        case .success(let value): route = value
        case .failure(let failure): return failure.reply
        }
        guard let apiKey = Self.bearer(request.headers[.authorization]), configuration.apiKeys.contains(apiKey) else {
            return .error(401, "invalid or missing api key")
        }
        switch route {
        case .create(let action):
            let body: String
            do {
                var buffer = try await request.body.collect(upTo: SFOXServer.maxBodySize)
                body = buffer.readString(length: buffer.readableBytes) ?? ""
            } catch {
                return .error(400, "request body too large or unreadable")
            }
            return await venue.create(apiKey: apiKey, action: action, body: body)
        case .get(let id):
            return await venue.get(apiKey: apiKey, id: id)
        case .cancel(let id):
            return await venue.cancel(apiKey: apiKey, id: id)
        }
    }

    struct RouteFailure: Error {
        var reply: RestReply
    }

    private static func route(method: HTTPRequest.Method, path: String) -> Result<Route, RouteFailure> {
        let notFound = RouteFailure(reply: .error(404, "not found"))
        let notAllowed = RouteFailure(reply: .error(405, "method not allowed"))
        let prefix = SFOXServer.restPrefix + "/"
        guard path.hasPrefix(prefix) else { return .failure(notFound) }
        let parts = path.dropFirst(prefix.count).split(separator: "/", omittingEmptySubsequences: false).map(
            String.init)
        guard parts.count == 2, parts[0] == "orders", !parts[1].isEmpty else { return .failure(notFound) }
        switch parts[1] {
        case "buy", "sell":
            guard method == .post else { return .failure(notAllowed) }
            return .success(.create(parts[1] == "buy" ? .buy : .sell))
        default:
            let id = percentDecoded(parts[1])
            switch method {
            case .get: return .success(.get(id))
            case .delete: return .success(.cancel(id))
            default: return .failure(notAllowed)
            }
        }
    }

    /// `Bearer <key>` (scheme case-insensitive).
    static func bearer(_ header: String?) -> String? {
        guard let header else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let key = parts[1].trimmingWhitespace()
        return key.isEmpty ? nil : key
    }

    /// `%XX` escapes of a path segment (client order ids may contain reserved characters).
    static func percentDecoded(_ text: String) -> String {
        guard text.contains("%") else { return text }
        var bytes: [UInt8] = []
        var utf8 = Array(text.utf8)[...]
        while let byte = utf8.popFirst() {
            if byte == UInt8(ascii: "%"), utf8.count >= 2,
                let value = UInt8(String(decoding: utf8.prefix(2), as: UTF8.self), radix: 16)
            {
                bytes.append(value)
                utf8 = utf8.dropFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

extension Substring {
    func trimmingWhitespace() -> String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
