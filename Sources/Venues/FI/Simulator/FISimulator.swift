public import FIWire
import Hummingbird
import HummingbirdWebSocket
public import Logging
// Through Hummingbird: the socket itself, to close it abruptly.
import NIOCore
import SimulatorKit
public import VenueBridgeCore

/// A Fundamental Interactions venue on a local WebSocket (`/ws`), for tests and the demo, built
/// from `shared/venues/fundamental.md`: the RSA challenge login with a fresh 1024-bit key per
/// connection (a socket that has not asked for a challenge within 30 s is closed), entry-based
/// books (`A` snapshot on subscribe, then `A`/`U`/`R`) moved by a seeded random walk, trades,
/// system status, and test controls. Order entry is not simulated yet.
public final class FISimulator: Sendable {
    public static let path = "/ws"
    static let maxFrameSize = 1 << 20

    public let configuration: FISimulatorConfiguration
    private let logger: Logger
    private let counters = SocketCounters()
    private let firehose: Firehose
    private let venue: FIVenue
    private let server: SimulatorServer

    public init(configuration: FISimulatorConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        firehose = Firehose(updatesPerSecond: configuration.updatesPerSecond)
        let venue = FIVenue(configuration: configuration, counters: counters, logger: logger)
        self.venue = venue
        let router = Router()
        router.get("/") { _, _ in "FI simulator: open a WebSocket on \(Self.path)\n" }
        router.get(RouterPath(OrderCountsEndpoint.path)) { [venue] _, _ in
            OrderCountsEndpoint.response(await venue.addOrderRequests)
        }
        let counters = counters
        server = SimulatorServer(
            host: configuration.host, port: configuration.port, responder: router.buildResponder(),
            maxFrameSize: Self.maxFrameSize, logger: logger
        ) { request, channel in
            SimulatorServer.upgrade(request, onPath: Self.path, counters: counters) { inbound, outbound in
                await Self.serve(
                    venue: venue, channel: channel, inbound: inbound, outbound: outbound, counters: counters)
            }
        }
    }

    /// Binds, serves, and returns the bound port once listening.
    public func start() async throws -> Int {
        try await server.start(
            background: { [venue, firehose] in
                await firehose.run { steps in await venue.randomWalk(steps: steps) }
            },
            onListening: { [logger, configuration] port in
                logger.info(
                    "FI simulator listening", metadata: ["url": "ws://\(configuration.host):\(port)\(Self.path)"])
            })
    }

    /// Closes every socket and the listener; returns when the server is down.
    public func stop() async {
        await server.stop { await venue.dropAll() }
    }

    // MARK: - Test controls

    /// Cuts every client socket (TCP close, no WebSocket close handshake).
    public func dropConnections() async { await venue.dropAll() }

    /// Sets the exchange's state and pushes it to every `subscribesystemstatus` socket.
    public func setStatus(_ state: FIExchangeStatus.State) async { await venue.setStatus(state) }

    /// Moves the books `count` random-walk steps now (tests run with `updatesPerSecond` 0).
    public func step(_ count: Int) async { await venue.randomWalk(steps: count) }

    /// The next `count` `addorder` replies are lost: the orders are placed, their acks never sent.
    public func dropAddOrderReplies(_ count: Int) async { await venue.dropAddOrderReplies(count) }

    /// `addorder` requests received per clientorderid (refused ones too).
    public var addOrderRequests: [String: Int] { get async { await venue.addOrderRequests } }

    /// A user's working orders: (clientorderid, refno, liveqty, execqty).
    public func liveOrders(of userID: String) async -> [(
        clientOrderId: String, refno: String, live: ExactDecimal, executed: ExactDecimal
    )] {
        await venue.liveOrders(of: userID).map { ($0.clientOrderId, $0.refno, $0.live, $0.executed) }
    }

    /// The simulator's book of `security` as aggregated price levels (IOI entries left out):
    /// what a connector's normalized book must equal.
    public func book(_ security: String) async -> (
        bids: [(ExactDecimal, ExactDecimal)], asks: [(ExactDecimal, ExactDecimal)]
    )? {
        await venue.aggregatedBook(security)
    }

    public var loginsRefused: Int { get async { await venue.loginsRefused } }
    /// Logins accepted since start (a test sees a reconnect however fast it was).
    public var loginsAccepted: Int { get async { await venue.loginsAccepted } }
    public var connectionCount: Int { get async { await venue.connectionCount } }

    // MARK: - One socket

    private static func serve(
        venue: FIVenue, channel: any Channel, inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter,
        counters: SocketCounters
    ) async {
        let connection = await venue.openSession { channel.close(mode: .all, promise: nil) }
        await connection.serveText(
            channel: channel, inbound: inbound, outbound: outbound, counters: counters, maxFrameSize: Self.maxFrameSize,
            receive: { await venue.receive($0, from: connection.id) },
            watch: {
                // The venue closes a socket that has not asked for a challenge in time.
                guard (try? await Task.sleep(for: FIHouseRules.challengeWindow)) != nil else { return }
                if await !venue.challenged(connection.id) {
                    try? await outbound.close(.policyViolation, reason: "no challenge within 30 s")
                    channel.close(mode: .all, promise: nil)
                }
            })
        await venue.closeSession(connection.id)
    }
}
