import FineryWire
import Hummingbird
import HummingbirdWebSocket
import Logging
// NIOCore is not a declared dependency of this target; it comes in through Hummingbird. It is
// needed to reach the socket itself: abrupt closes, the idle clock, refused-upgrade bodies.
import NIOCore
import SimulatorKit
import Synchronization

/// The Hummingbird side: authenticates upgrades on `/ws`, answers refused ones with the venue's
/// error code as the body, and runs one session per socket (reader, bounded writer, idle clock).
struct FineryWebSocketServer: Sendable {
    static let path = "/ws"
    static let maxFrameSize = 1 << 20

    let configuration: FinerySimulatorConfiguration
    let venue: FineryVenue
    let authenticator: UpgradeAuthenticator
    let counters: SimulatorCounters
    let logger: Logger

    func makeServer() -> SimulatorServer {
        let router = Router()
        router.get("/") { _, _ in "finery simulator: open a WebSocket on \(Self.path)\n" }
        router.get(RouterPath(OrderCountsEndpoint.path)) { [venue] _, _ in
            let counts = await venue.addRequestCounts()
            return OrderCountsEndpoint.response(
                Dictionary(uniqueKeysWithValues: counts.map { (String($0.key), $0.value) }))
        }
        return SimulatorServer(
            host: configuration.host, port: configuration.port, responder: router.buildResponder(),
            maxFrameSize: Self.maxFrameSize,
            logger: logger
        ) { request, channel in
            await shouldUpgrade(request, channel: channel)
        }
    }

    private func shouldUpgrade(_ request: HTTPRequest, channel: any Channel) async -> SimulatorServer.Upgrade {
        let path = request.path.map { $0.split(separator: "?", maxSplits: 1).first.map(String.init) ?? $0 }
        guard path == Self.path else {
            await refuse(channel: channel, status: "404 Not Found", body: "not found")
            return .dontUpgrade
        }
        func header(_ name: String) -> String? {
            let canonical = name.lowercased()
            return request.headerFields.first { $0.name.canonicalName == canonical }?.value
        }
        let verdict = await authenticator.authenticate(
            key: header(FineryAuth.keyHeader), content: header(FineryAuth.contentHeader),
            signature: header(FineryAuth.signatureHeader),
            nowMillis: unsignedWallClockMillis()
        )
        let apiKey: String
        switch verdict {
        case .failure(let refusal):
            let code = refusal.code
            logger.info("upgrade refused", metadata: ["code": "\(code)"])
            let status = code == .notAuthorised || code == .invalidSignature ? "401 Unauthorized" : "403 Forbidden"
            await refuse(channel: channel, status: status, body: "\(code.rawValue)")
            return .dontUpgrade
        case .success(let key):
            apiKey = key
        }
        let activity = InboundActivity()
        do {
            try await channel.eventLoop.submit {
                try channel.pipeline.syncOperations.addHandler(
                    InboundActivityHandler(activity: activity), position: .first)
            }.get()
        } catch {
            logger.debug("socket closed during the upgrade", metadata: ["error": "\(error)"])
            return .dontUpgrade
        }
        counters.sockets.connectionsAccepted.add(1, ordering: .relaxed)
        return .upgrade([:]) { inbound, outbound, _ in
            await serve(apiKey: apiKey, channel: channel, activity: activity, inbound: inbound, outbound: outbound)
        }
    }

    /// Hummingbird answers a refused upgrade with an empty 400; the venue puts its error code in
    /// the body. A handler at the socket end of the pipeline swaps Hummingbird's response bytes for
    /// ours, so Hummingbird's own flow (write, then close) is untouched and nothing races it.
    private func refuse(channel: any Channel, status: String, body: String) async {
        counters.sockets.upgradesRefused.add(1, ordering: .relaxed)
        let response =
            "HTTP/1.1 \(status)\r\nContent-Type: text/plain\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)"
        try? await channel.eventLoop.submit {
            try channel.pipeline.syncOperations.addHandler(
                RefusedUpgradeWriter(response: ByteBuffer(string: response)), position: .first)
        }.get()
    }

    /// One authenticated socket, from the upgrade until it closes for any reason.
    private func serve(
        apiKey: String, channel: any Channel, activity: InboundActivity,
        inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter
    ) async {
        let connection = await venue.openSession(apiKey: apiKey) { channel.close(mode: .all, promise: nil) }
        let sessionLogger = logger.with("connection", "\(connection.id)")
        sessionLogger.debug("session open", metadata: ["key": "\(apiKey)"])
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await connection.writeFrames(to: outbound, counters: counters.sockets) { $0 }
            }
            group.addTask {
                await closeWhenIdle(channel: channel, activity: activity, outbound: outbound, logger: sessionLogger)
            }
            do {
                for try await message in inbound.messages(maxSize: Self.maxFrameSize) {
                    counters.sockets.framesIn.add(1, ordering: .relaxed)
                    switch message {
                    case .text(let text):
                        configuration.textFrameArrived?(text)
                        await venue.receive(text, from: connection.id)
                    case .binary: counters.sockets.malformedFramesIn.add(1, ordering: .relaxed)
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

    /// Closes the socket after `idleTimeout` without any inbound frame (data, ping or pong: the
    /// `InboundActivityHandler` sees raw bytes, so pings count although WSCore consumes them).
    private func closeWhenIdle(
        channel: any Channel, activity: InboundActivity, outbound: WebSocketOutboundWriter, logger: Logger
    ) async {
        let timeout = configuration.idleTimeout
        while !Task.isCancelled {
            let idle = activity.idleFor
            if idle >= timeout {
                counters.idleDisconnects.add(1, ordering: .relaxed)
                logger.info("closing idle socket", metadata: ["idle": "\(idle)"])
                try? await outbound.close(.goingAway, reason: "idle timeout")
                // Give the close handshake a moment, then drop the TCP connection regardless.
                guard (try? await Task.sleep(for: .seconds(1))) != nil else { return }
                channel.close(mode: .all, promise: nil)
                return
            }
            guard (try? await Task.sleep(for: timeout - idle)) != nil else { return }
        }
    }
}

/// When the last inbound frame (any opcode, pings included) arrived on a socket.
final class InboundActivity: Sendable {
    private let last = Mutex(ContinuousClock.now)

    func touch() {
        let now = ContinuousClock.now
        last.withLock { $0 = now }
    }

    var idleFor: Duration {
        let since = last.withLock { $0 }
        return ContinuousClock.now - since
    }
}

/// Marks every inbound read on the socket; sits first in the pipeline, so it sees all frames.
private final class InboundActivityHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    let activity: InboundActivity

    init(activity: InboundActivity) {
        self.activity = activity
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        activity.touch()
        context.fireChannelRead(data)
    }
}

/// Replaces the first response written on the socket with `response` and drops the rest of it.
/// Added only to a socket whose upgrade was refused, where the only response is Hummingbird's 400.
private final class RefusedUpgradeWriter: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let response: ByteBuffer
    private var replaced = false

    init(response: ByteBuffer) {
        self.response = response
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard !replaced else {
            promise?.succeed(())
            return
        }
        replaced = true
        context.write(wrapOutboundOut(response), promise: promise)
    }
}

extension Logger {
    func with(_ key: String, _ value: String) -> Logger {
        var logger = self
        logger[metadataKey: key] = .string(value)
        return logger
    }
}
