public import Hummingbird
public import Logging
import NIOCore
public import Prometheus
import Synchronization
import VenueBridgeCore

/// `/healthz`, `/readyz`, `/metrics`.
public enum HTTPEndpoints {
    public static func application(
        host: String, port: Int, registry: PrometheusCollectorRegistry, readiness: Readiness, logger: Logger,
        onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let router = Router()
        router.get("healthz") { _, _ in "ok\n" }
        router.get("readyz") { _, _ -> Response in
            let report = readiness.report()
            return Response(
                status: report.ready ? .ok : .serviceUnavailable,
                headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(bytes: report.json))
            )
        }
        router.get("metrics") { _, _ -> Response in
            var buffer: [UInt8] = []
            buffer.reserveCapacity(16_384)
            registry.emit(into: &buffer)
            return Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: MetricHelp.annotate(buffer)))
            )
        }
        return Application(
            router: router,
            configuration: .init(address: .hostname(host, port: port), serverName: "venue-bridge"),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? port) },
            logger: logger
        )
    }
}

/// Ready = Kafka answers metadata requests and every enabled venue is `ready`.
public final class Readiness: Sendable {
    private let kafkaReachable = Atomic<Bool>(false)
    public let venues: VenueStateBoard

    public init(venues: VenueStateBoard) { self.venues = venues }

    public func setKafkaReachable(_ value: Bool) { kafkaReachable.store(value, ordering: .relaxed) }

    public struct Report {
        public var ready: Bool
        public var json: [UInt8]
    }

    public func report() -> Report {
        let kafka = kafkaReachable.load(ordering: .relaxed)
        let states = venues.snapshot
        let ready = kafka && venues.allReady
        var w = JSONWriter()
        w.beginObject()
        w.key("ready")
        w.bool(ready)
        w.key("kafka")
        w.string(kafka ? "reachable" : "unreachable")
        w.key("venues")
        w.beginObject()
        for venue in venues.expected.sorted(by: { $0.rawValue < $1.rawValue }) {
            w.key(venue.rawValue)
            w.string(states[venue]?.rawValue ?? "unknown")
        }
        w.endObject()
        // Venues reached over several connections also show each one.
        let multi = venues.sessions.filter { $0.value.keys.contains { $0 != "main" } }
        if !multi.isEmpty {
            w.key("sessions")
            w.beginObject()
            for venue in multi.keys.sorted(by: { $0.rawValue < $1.rawValue }) {
                w.key(venue.rawValue)
                w.beginObject()
                for (session, state) in multi[venue]!.sorted(by: { $0.key < $1.key }) {
                    w.key(session)
                    w.string(state.rawValue)
                }
                w.endObject()
            }
            w.endObject()
        }
        w.endObject()
        return Report(ready: ready, json: w.bytes + [UInt8(ascii: "\n")])
    }
}
