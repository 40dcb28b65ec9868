import DequeModule

/// Sliding-window request pacing under a venue's documented limits, plus the pause after the venue
/// says "too many" (HTTP 429 or its WebSocket equivalent). Pure, so it is unit-tested with made-up
/// instants; the HTTP client (`VenueHTTPClient`) and a session's own request paths hold one.
///
/// Every limit is "at most `requests` per `window`", over every request or over one class of them
/// (sFOX: 250 requests / 10 s in all, 60 order creates / s). Each limit keeps the instants of its
/// last `requests` admissions, so the memory is bounded by the limits themselves.
public struct RequestPacer: Sendable {
    public enum Verdict: Equatable, Sendable {
        case go
        /// Pacing: a slot opens after this long.
        case wait(Duration)
        /// The venue said "too many"; no request until the pause ends.
        case blocked(Duration)
    }

    /// A class of requests with a limit of its own (e.g. order creation).
    public struct RequestClass: Hashable, Sendable {
        public let name: String
        public init(_ name: String) { self.name = name }
    }

    public struct Limit: Sendable {
        public var requests: Int
        public var window: Duration
        /// nil: every request counts.
        public var only: RequestClass?

        public init(requests: Int, per window: Duration, only: RequestClass? = nil) {
            self.requests = max(1, requests)
            self.window = window
            self.only = only
        }
    }

    public let limits: [Limit]
    private var admitted: [Deque<ContinuousClock.Instant>]
    private var pausedUntil: ContinuousClock.Instant?

    public init(limits: [Limit]) {
        self.limits = limits
        admitted = Array(repeating: [], count: limits.count)
    }

    /// Admits a request of `requestClass` now, or says how long until one may go.
    public mutating func admit(_ requestClass: RequestClass? = nil, now: ContinuousClock.Instant) -> Verdict {
        if let pausedUntil, now < pausedUntil { return .blocked(pausedUntil - now) }
        pausedUntil = nil
        var wait: Duration = .zero
        for (i, limit) in limits.enumerated() where limit.only == nil || limit.only == requestClass {
            while let oldest = admitted[i].first, now - oldest >= limit.window { admitted[i].removeFirst() }
            if admitted[i].count >= limit.requests, let oldest = admitted[i].first {
                wait = max(wait, limit.window - (now - oldest))
            }
        }
        if wait > .zero { return .wait(wait) }
        for (i, limit) in limits.enumerated() where limit.only == nil || limit.only == requestClass {
            admitted[i].append(now)
        }
        return .go
    }

    /// The venue said "too many": no request for `pause` (the venue's documented pause, or the
    /// reset it announced). Returns the pause.
    @discardableResult
    public mutating func pause(for pause: Duration, now: ContinuousClock.Instant) -> Duration {
        let until = now + pause
        if let pausedUntil, pausedUntil > until { return pausedUntil - now }
        pausedUntil = until
        return pause
    }
}
