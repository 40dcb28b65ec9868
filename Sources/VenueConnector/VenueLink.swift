import HTTPTypes
import HummingbirdWSClient
public import Logging
public import NIOCore
import NIOSSL
import Synchronization

/// One frame from a venue.
public enum VenueFrame: Sendable {
    case text(String)
    case binary(ByteBuffer)
}

/// Why a link ended. Each case carries what an operator needs to act on it.
public enum VenueLinkError: Error, Sendable, CustomStringConvertible {
    /// The HTTP upgrade was refused: wrong URL, bad credentials, or the venue said no.
    case upgradeRefused(url: String)
    case connectTimeout(url: String, after: Duration)
    /// No inbound frame for longer than the dead-link timeout.
    case deadLink(silentFor: Duration)
    case invalidConfiguration(String)
    /// The venue closed the socket (close frame or end of stream).
    case closedByVenue(code: String?, reason: String?)
    /// A venue message larger than `max_frame_bytes`: it cannot be skipped (the rest of the stream
    /// would be read from its middle), so the link is closed and dialled again.
    case frameTooLarge(bytes: Int, limit: Int)
    case transport(String)

    public var description: String {
        switch self {
        case .upgradeRefused(let url): "WebSocket upgrade refused by \(url) (check URL and credentials)"
        case .connectTimeout(let url, let after): "connecting to \(url) timed out after \(after)"
        case .deadLink(let silent): "dead link: no frame from the venue for \(silent)"
        case .invalidConfiguration(let detail): "invalid link configuration: \(detail)"
        case .closedByVenue(let code, let reason):
            "closed by venue (code \(code ?? "none"), reason \(reason ?? "none"))"
        case .frameTooLarge(let bytes, let limit):
            "a venue message of \(bytes) bytes is over max_frame_bytes (\(limit)); link closed, to be dialled again"
        case .transport(let detail): "transport error: \(detail)"
        }
    }

    /// A short stable label for metrics and `venue_status.reason` prefixes.
    public var kind: String {
        switch self {
        case .upgradeRefused: "upgrade_refused"
        case .connectTimeout: "connect_timeout"
        case .deadLink: "dead_link"
        case .invalidConfiguration: "invalid_configuration"
        case .closedByVenue: "closed_by_venue"
        case .frameTooLarge: "frame_too_large"
        case .transport: "transport"
        }
    }
}

/// A venue WebSocket: dial (TLS verified unless told otherwise), upgrade with the venue's headers,
/// hand the session an inbound frame sequence and a writer, and watch the link for silence.
///
/// Structured: the connection lives exactly as long as `run`; cancelling the calling task closes it.
public enum VenueLink {
    public typealias Session = @Sendable (_ inbound: VenueInbound, _ writer: VenueLinkWriter) async throws -> Void

    /// Runs `session` on a fresh connection. Returns when the session returns; throws a
    /// `VenueLinkError` for link failures and rethrows the session's own errors.
    public static func run(
        settings: VenueLinkSettings, headers: [(name: String, value: String)], metrics: VenueConnectorMetrics,
        logger: Logger, session: @escaping Session
    ) async throws {
        // The client's own URI splitter would dial `ws://user:pw@host:port/` as host `user` port 80;
        // refusing here keeps a connector built in code (not from the config) off the wrong host.
        let endpoint: VenueURL
        do {
            endpoint = try VenueURL(settings.url, schemes: VenueURL.webSocketSchemes)
        } catch .notAURL {
            // Not parsed, so not safely redacted either: a password may be what broke it.
            throw VenueLinkError.invalidConfiguration("the venue URL \(VenueURL.Problem.notAURL)")
        } catch {
            throw VenueLinkError.invalidConfiguration(
                "venue URL \(VenueURL.redactingCredentials(in: settings.url)) \(error)")
        }
        // The WebSocket layer closes the link without a word on a frame over its own limit, so
        // that limit is twice ours: VenueInbound meets a message over `maxFrameSize` first and
        // ends the link with a reason that names the setting. A frame over twice the limit still
        // ends the link, silently; memory per link stays bounded either way.
        var configuration = WebSocketClientConfiguration(
            maxFrameSize: VenueInbound.transportLimit(settings.maxFrameSize),
            autoPing: .enabled(timePeriod: settings.pingInterval)
        )
        configuration.sniHostname = settings.tlsServerName
        for header in headers {
            guard let name = HTTPField.Name(header.name) else {
                throw VenueLinkError.invalidConfiguration("header name \(header.name)")
            }
            configuration.additionalHeaders[name] = header.value
        }
        let tls = tlsConfiguration(settings, endpoint: endpoint, logger: logger)
        let clientConfiguration = configuration
        let activity = InboundFrameActivity()
        let wsLogger = InboundActivityLogHandler.logger(wrapping: logger, activity: activity)
        let connected = Latch()

        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    let closeFrame = try await WebSocketClient.connect(
                        url: settings.url, configuration: clientConfiguration, tlsConfiguration: tls, logger: wsLogger
                    ) { inbound, outbound, _ in
                        connected.set()
                        activity.touch()
                        try await session(
                            VenueInbound(
                                webSocket: inbound, maxSize: settings.maxFrameSize, activity: activity, metrics: metrics
                            ),
                            VenueLinkWriter(metrics: metrics) { frame in
                                switch frame {
                                case .text(let text): try await outbound.write(.text(text))
                                case .binary(let buffer): try await outbound.write(.binary(buffer))
                                }
                            }
                        )
                    }
                    if !connected.isSet { throw VenueLinkError.upgradeRefused(url: settings.url) }
                    if let closeFrame {
                        throw VenueLinkError.closedByVenue(code: "\(closeFrame.closeCode)", reason: closeFrame.reason)
                    }
                }
                group.addTask {
                    try await watchdog(settings: settings, activity: activity, connected: connected, metrics: metrics)
                }
                // The first task to finish decides: the session ending (or failing) or the watchdog firing.
                try await group.next()
                group.cancelAll()
            }
        } catch let error as VenueLinkError {
            throw error
        } catch let error as WebSocketClientError {
            throw error == .webSocketUpgradeFailed
                ? VenueLinkError.upgradeRefused(url: settings.url) : VenueLinkError.transport("\(error)")
        } catch is CancellationError {
            throw CancellationError()
        } catch let error as VenueSessionError {
            throw error
        } catch let error as NIOSSLError {
            throw VenueLinkError.transport("TLS: \(error)")
        } catch {
            // Connection refused, DNS failures and the like arrive as NIO's own error types.
            throw VenueLinkError.transport("\(error)")
        }
    }

    /// Fails the link when the connect takes too long or the venue goes silent. Every transport
    /// runs it, so a dead link means the same thing over a socket and in memory.
    static func watchdog(
        settings: VenueLinkSettings, activity: InboundFrameActivity, connected: Latch, metrics: VenueConnectorMetrics
    ) async throws {
        let started = ContinuousClock.now
        let tick = min(.seconds(1), settings.deadLinkTimeout / 4)
        while true {
            try await Task.sleep(for: tick)
            if !connected.isSet {
                if ContinuousClock.now - started > settings.connectTimeout {
                    throw VenueLinkError.connectTimeout(url: settings.url, after: settings.connectTimeout)
                }
                continue
            }
            let silence = activity.sinceLastFrame
            metrics.lastMessageAge.record(silence.seconds)
            if silence > settings.deadLinkTimeout { throw VenueLinkError.deadLink(silentFor: silence) }
        }
    }

    static func tlsConfiguration(_ settings: VenueLinkSettings, endpoint: VenueURL, logger: Logger) -> TLSConfiguration?
    {
        guard endpoint.isTLS else {
            if !endpoint.isLoopback {
                logger.warning(
                    "venue URL is not TLS: traffic and credentials are sent in clear",
                    metadata: ["url": "\(settings.url)"])
            }
            return nil
        }
        var tls = TLSConfiguration.makeClientConfiguration()
        if !settings.tlsVerify {
            logger.warning("TLS certificate verification is OFF for this venue", metadata: ["url": "\(settings.url)"])
            tls.certificateVerification = .none
        }
        if let caFile = settings.caFile {
            tls.additionalTrustRoots = [.file(caFile)]
        }
        return tls
    }
}

/// A flag that is set once and read from other tasks (e.g. "the upgrade succeeded").
public final class Latch: Sendable {
    private let flag = Mutex(false)
    public init() {}
    public func set() { flag.withLock { $0 = true } }
    public var isSet: Bool { flag.withLock { $0 } }
}
