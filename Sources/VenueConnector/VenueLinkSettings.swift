/// How one venue's WebSocket is dialled and kept alive. Defaults suit a production venue; each
/// connector overrides the keep-alive figures with its venue's house rules.
public struct VenueLinkSettings: Sendable, Equatable {
    /// `wss://…` in production; `ws://` only for simulators on loopback.
    public var url: String
    /// Verify the venue's certificate chain and host name. Off only for a test venue with a
    /// self-signed certificate, and then loudly logged.
    public var tlsVerify: Bool = true
    /// A PEM bundle of extra trust roots (e.g. a corporate TLS proxy), added to the system roots.
    public var caFile: String?
    /// The SNI / certificate host name when it differs from the URL's host.
    public var tlsServerName: String?
    /// The largest frame accepted from the venue. Book snapshots are larger than the client
    /// library's 16 KiB default.
    public var maxFrameSize: Int = 4 << 20
    /// WebSocket ping period; the link closes when a ping is not answered within one period.
    public var pingInterval: Duration = .seconds(15)
    /// No inbound frame (data, ping or pong) for this long means the link is dead.
    public var deadLinkTimeout: Duration = .seconds(40)
    /// Socket open plus upgrade must finish within this; then the session's handshake (login,
    /// subscriptions) has as long again to reach `ready` or `degraded` (watched by the supervisor).
    public var connectTimeout: Duration = .seconds(10)
    /// A request without a reply after this long fails as ambiguous (the venue may have acted on it).
    public var requestTimeout: Duration = .seconds(10)
    public var reconnect: ReconnectPolicy = .init()

    public init(url: String) {
        self.url = url
    }
}

/// Exponential backoff with full-range jitter and a cap. Unlimited attempts by default: a trading
/// bridge should keep trying until an operator stops it, while the state is visible as
/// `venue_status` and in metrics.
public struct ReconnectPolicy: Sendable, Equatable {
    public var initialDelay: Duration = .milliseconds(250)
    public var maxDelay: Duration = .seconds(30)
    public var multiplier: Double = 2
    /// Each delay is drawn uniformly from `[d·(1−jitter), d]`, so a fleet of bridges does not
    /// reconnect in lockstep after a venue outage.
    public var jitter: Double = 0.5
    /// nil: never give up.
    public var maxAttempts: Int?
    /// A session that stayed ready this long resets the backoff to `initialDelay`.
    public var resetAfter: Duration = .seconds(60)

    public init() {}

    /// The delay before reconnect attempt `attempt` (1-based), given a uniform random `unit` in [0, 1).
    public func delay(attempt: Int, unit: Double) -> Duration {
        let base = min(initialDelay.seconds * power(multiplier, max(0, attempt - 1)), maxDelay.seconds)
        let jittered = base * (1 - jitter * min(max(unit, 0), 1))
        return .nanoseconds(Int64(jittered * 1e9))
    }

    /// `base` to the `exponent`, stopping once it is far beyond any cap (attempt counts are unbounded).
    private func power(_ base: Double, _ exponent: Int) -> Double {
        var result = 1.0
        var remaining = exponent
        while remaining > 0, result < 1e12 {
            result *= base
            remaining -= 1
        }
        return result
    }
}

extension Duration {
    /// Seconds as a Double: for timer arithmetic, never for money.
    public var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
