public import FigWire
import HTTPTypes
import Hummingbird
import HummingbirdWebSocket
public import Logging
// Through Hummingbird: the socket itself, to close it abruptly, and response bodies.
import NIOCore
import SimulatorKit

/// A Fig Markets venue on one local port, for tests and the demo (`shared/venues/fig.md`): REST
/// under `http://host:port/v1` (auth, signed calls, rate limit, RFQs, quotes, trades) and the
/// JSON-RPC WebSocket at `ws://host:port/ws/v1`, sharing one state, with makers quoting on a
/// timer and test controls to provoke failures.
public final class FigSimulator: Sendable {
    public static let webSocketPath = "/ws/v1"
    public static let restPrefix = "/v1"
    static let maxFrameSize = 1 << 20
    static let maxBodySize = 1 << 16

    public let configuration: FigSimulatorConfiguration
    private let logger: Logger
    private let counters = SocketCounters()
    private let venue: FigVenue
    private let server: SimulatorServer

    public init(configuration: FigSimulatorConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        let venue = FigVenue(configuration: configuration, counters: counters, logger: logger)
        self.venue = venue
        let counters = counters
        server = SimulatorServer(
            host: configuration.host, port: configuration.port, responder: FigRestResponder(venue: venue),
            maxFrameSize: Self.maxFrameSize, logger: logger
        ) { request, channel in
            SimulatorServer.upgrade(request, onPath: Self.webSocketPath, counters: counters) { inbound, outbound in
                await Self.serve(
                    venue: venue, channel: channel, inbound: inbound, outbound: outbound, counters: counters)
            }
        }
    }

    /// Binds, serves, and returns the bound port once listening; the makers' timer runs until `stop()`.
    public func start() async throws -> Int {
        try await server.start(
            background: { [venue, configuration] in
                // The timer also closes silent sockets and those whose token expired, so it runs
                // even when makers are still (ticks per second 0: ten checks a second).
                let perSecond = max(configuration.makerTicksPerSecond, 10)
                while !Task.isCancelled {
                    try? await Task.sleep(for: .milliseconds(1000 / perSecond))
                    await venue.tick()
                }
            },
            onListening: { [logger, configuration] port in
                logger.info(
                    "Fig simulator listening",
                    metadata: [
                        "rest": "http://\(configuration.host):\(port)\(Self.restPrefix)",
                        "ws": "ws://\(configuration.host):\(port)\(Self.webSocketPath)",
                    ])
            })
    }

    public func stop() async { await server.stop { await venue.dropAll() } }

    // MARK: - Test controls

    /// Cuts every socket (TCP close, no WebSocket close handshake).
    public func dropConnections() async { await venue.dropAll() }

    /// A maker quotes the RFQ now; the quote's id, or nil when the RFQ is not open.
    public func quoteNow(rfqId: Int64) async -> Int64? { await venue.quoteNow(rfqId: rfqId) }

    /// The RFQ expires now.
    public func expire(rfqId: Int64) async { await venue.expire(rfqId: rfqId) }

    /// The next `count` create, cancel or trade replies are lost (the venue acts; the client never hears).
    public func dropReplies(_ count: Int) async { await venue.setRepliesToDrop(count) }

    /// Test control: the venue's clock runs `seconds` ahead of ours, so signed requests carry a
    /// timestamp it refuses once that is more than a minute (0 puts it back).
    public func skewClock(seconds: Int64) async { await venue.setClockSkew(seconds) }

    /// The RFQ created with this label, in its current state.
    public func rfq(label: String) async -> FigRFQ? { await venue.rfq(label: label) }

    /// `POST /rfq` per label, and `POST /rfq/trade` per quote as `trade:<id>` (`GET /sim/orders`).
    public var requestCounts: [String: Int] { get async { await venue.requestCounts() } }

    public var authFailures: Int { get async { await venue.authFailures } }
    public var rateLimitedRequests: Int { get async { await venue.rateLimitedRequests } }
    public var connectionCount: Int { get async { await venue.connectionCount } }

    // MARK: - One socket

    private static func serve(
        venue: FigVenue, channel: any Channel, inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter,
        counters: SocketCounters
    ) async {
        let connection = await venue.openSession { channel.close(mode: .all, promise: nil) }
        await connection.serveText(
            channel: channel, inbound: inbound, outbound: outbound, counters: counters, maxFrameSize: Self.maxFrameSize,
            receive: { await venue.receive($0, from: connection.id) })
        await venue.closeSession(connection.id)
    }
}

extension FigVenue {
    func setRepliesToDrop(_ count: Int) { repliesToDrop = count }
    func setClockSkew(_ seconds: Int64) { clockSkewSeconds = seconds }
}

/// The request context of the REST side: Hummingbird's storage plus the socket (a lost reply
/// closes it unanswered).
struct FigRequestContext: RequestContext {
    typealias Source = ApplicationRequestContextSource

    var coreContext: CoreRequestContextStorage
    let channel: any Channel

    init(source: Source) {
        coreContext = .init(source: source)
        channel = source.channel
    }
}

/// REST: `GET /sim/orders` (test control), everything else to the venue.
struct FigRestResponder: HTTPResponder {
    typealias Context = FigRequestContext

    let venue: FigVenue
    // Both names are valid header tokens: the initializer cannot fail on them.
    static let timestampHeader = HTTPField.Name("X-FIG-Timestamp") ?? .contentType
    static let signatureHeader = HTTPField.Name("X-FIG-Signature") ?? .contentType

    func respond(to request: Request, context: FigRequestContext) async throws -> Response {
        if request.method == .get, request.uri.path == OrderCountsEndpoint.path {
            return OrderCountsEndpoint.response(await venue.requestCounts())
        }
        var buffer = (try? await request.body.collect(upTo: FigSimulator.maxBodySize)) ?? ByteBuffer()
        let body = buffer.readString(length: buffer.readableBytes) ?? ""
        let reply = await venue.rest(
            FigRestRequest(
                method: request.method.rawValue, uri: request.uri.description,
                authorization: request.headers[.authorization],
                timestamp: request.headers[Self.timestampHeader], signature: request.headers[Self.signatureHeader],
                body: body))
        if reply.drop {
            try? await context.channel.close(mode: .all)
        }
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        for (name, value) in reply.headers {
            if let field = HTTPField.Name(name) { headers[field] = value }
        }
        return Response(
            status: HTTPResponse.Status(code: reply.status), headers: headers,
            body: ResponseBody(byteBuffer: ByteBuffer(string: reply.body)))
    }
}
