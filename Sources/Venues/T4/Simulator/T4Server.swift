import Hummingbird
import HummingbirdWebSocket
import Logging
// NIOCore comes in through Hummingbird: the socket itself (abrupt close) and ByteBuffer.
import NIOCore
import SimulatorKit

/// The Hummingbird side: WebSocket upgrades on `/v1`, one session per socket (binary reader,
/// bounded binary writer).
struct T4Server: Sendable {
    static let path = "/v1"
    static let maxFrameSize = 1 << 20

    let configuration: T4SimulatorConfiguration
    let venue: T4Venue
    let counters: T4Counters
    let logger: Logger

    func makeServer() -> SimulatorServer {
        let router = Router()
        router.get("/") { _, _ in "t4 simulator: open a WebSocket on \(Self.path)\n" }
        router.get(RouterPath(OrderCountsEndpoint.path)) { [venue] _, _ in
            OrderCountsEndpoint.response(await venue.submittedOrderCounts())
        }
        return SimulatorServer(
            host: configuration.host, port: configuration.port, responder: router.buildResponder(),
            maxFrameSize: Self.maxFrameSize, logger: logger
        ) { request, channel in
            shouldUpgrade(request, channel: channel)
        }
    }

    private func shouldUpgrade(_ request: HTTPRequest, channel: any Channel) -> SimulatorServer.Upgrade {
        let path = request.path.map { $0.split(separator: "?", maxSplits: 1).first.map(String.init) ?? $0 }
        guard path == Self.path else {
            counters.sockets.upgradesRefused.add(1, ordering: .relaxed)
            return .dontUpgrade
        }
        counters.sockets.connectionsAccepted.add(1, ordering: .relaxed)
        return .upgrade([:]) { inbound, outbound, _ in
            await serve(channel: channel, inbound: inbound, outbound: outbound)
        }
    }

    private func serve(channel: any Channel, inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter) async {
        let connection = await venue.openSession { channel.close(mode: .all, promise: nil) }
        var sessionLogger = logger
        sessionLogger[metadataKey: "connection"] = "\(connection.id)"
        sessionLogger.debug("session open")
        await withTaskGroup(of: Void.self) { group in
            group.addTask { [counters] in
                for await frame in connection.outbox.frames {
                    switch frame {
                    case .message(let bytes):
                        do { try await outbound.write(.binary(ByteBuffer(bytes: bytes))) } catch { return }
                        counters.sockets.framesOut.add(1, ordering: .relaxed)
                    case .close(let reason):
                        try? await outbound.close(.normalClosure, reason: reason)
                        // A peer that does not answer the close loses the TCP connection.
                        guard (try? await Task.sleep(for: .seconds(2))) != nil else { return }
                        channel.close(mode: .all, promise: nil)
                        return
                    }
                }
            }
            do {
                for try await message in inbound.messages(maxSize: Self.maxFrameSize) {
                    counters.sockets.framesIn.add(1, ordering: .relaxed)
                    switch message {
                    case .binary(let buffer): await venue.receive(Array(buffer.readableBytesView), from: connection.id)
                    case .text(let text): await venue.receive(Array(text.utf8), from: connection.id)
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
