public import Logging
import Synchronization

#if canImport(Glibc)
    import Glibc
#else
    import Darwin
#endif

/// When the last frame of any kind (data, ping, pong, close) arrived on a link.
///
/// The WebSocket library answers pings and consumes pongs internally and never hands them to us,
/// yet a venue that only answers our pings is alive. The library does log every received frame at
/// trace level ("Received …") through the logger we give it, so `InboundActivityLogHandler`
/// watches that log line. Data frames also touch this clock directly, so liveness still works if
/// a library update rewords the line; only a pong-only venue would then look dead.
public final class InboundFrameActivity: Sendable {
    private let lastFrameNanos: Atomic<UInt64>

    public init() {
        lastFrameNanos = Atomic(Self.now())
    }

    public func touch() { lastFrameNanos.store(Self.now(), ordering: .relaxed) }

    public var sinceLastFrame: Duration {
        let elapsed = Self.now() &- lastFrameNanos.load(ordering: .relaxed)
        return .nanoseconds(Int64(min(elapsed, UInt64(Int64.max))))
    }

    static func now() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
    }
}

/// Forwards to `inner` at its own level, and reports every "Received …" trace line of the
/// WebSocket library to `activity` (see `InboundFrameActivity` for why).
public struct InboundActivityLogHandler: LogHandler {
    private var inner: Logger
    private let activity: InboundFrameActivity
    public var metadata: Logger.Metadata = [:]
    /// Always trace, so the library's per-frame trace line reaches us.
    public var logLevel: Logger.Level {
        get { .trace }
        set {}
    }

    public init(inner: Logger, activity: InboundFrameActivity) {
        self.inner = inner
        self.activity = activity
        metadata = inner.handler.metadata
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        if event.level == .trace {
            let text = event.message.description
            if text.hasPrefix("Received ") { activity.touch() }
            // The library's per-frame trace shows a frame's first bytes; an outbound frame can be
            // a login carrying credentials, so those lines never reach the log.
            if text.hasPrefix("Sending ") { return }
        }
        guard event.level >= inner.logLevel else { return }
        var event = event
        event.metadata = metadata.merging(event.metadata ?? [:]) { $1 }
        inner.handler.log(event: event)
    }

    /// A logger for the WebSocket library that feeds `activity`.
    public static func logger(wrapping inner: Logger, activity: InboundFrameActivity) -> Logger {
        Logger(label: inner.label) { _ in InboundActivityLogHandler(inner: inner, activity: activity) }
    }
}
