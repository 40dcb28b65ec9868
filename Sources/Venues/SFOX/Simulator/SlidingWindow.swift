/// Timestamps of recent events in a sliding window (rate limits).
struct SlidingWindow: Sendable {
    private var times: [ContinuousClock.Instant] = []

    /// Records an event at `now` and returns true when fewer than `limit` events happened in the
    /// last `window`; otherwise records nothing and returns false.
    mutating func admit(limit: Int, window: Duration, now: ContinuousClock.Instant) -> Bool {
        if let index = times.firstIndex(where: { now - $0 < window }) {
            if index > 0 { times.removeFirst(index) }
        } else {
            times.removeAll(keepingCapacity: true)
        }
        guard times.count < max(limit, 0) else { return false }
        times.append(now)
        return true
    }

    mutating func reset() {
        times.removeAll()
    }
}
