import DequeModule
import Synchronization

/// One holder per key at a time, within this process.
///
/// The idempotency record tells instances apart, not tasks of one instance: a record owned by
/// this instance is taken over at once, as one left by a crash before a restart. The consumer
/// runs one key's messages one after another, but the same idempotency key can still arrive twice
/// at once (produced under two Kafka keys, or re-read after a rebalance while the first reading
/// is in hand); the second handler waits here for the first instead of taking its record over.
///
/// Bounded by the callers: one entry per key held, one waiter per handler in flight.
final class KeyedExclusion: Sendable {
    private let held = Mutex<[String: Deque<CheckedContinuation<Void, Never>>]>([:])

    /// Returns once the caller holds `key`; pair with `leave(key)`. Not cancellable: a handler
    /// waits for the one before it as it would for a slow venue.
    func enter(_ key: String) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let acquired = held.withLock { held -> Bool in
                guard held[key] != nil else {
                    held[key] = []
                    return true
                }
                held[key]!.append(continuation)
                return false
            }
            if acquired { continuation.resume() }
        }
    }

    /// Hands `key` to the next waiter, or frees it.
    func leave(_ key: String) {
        let next = held.withLock { held -> CheckedContinuation<Void, Never>? in
            guard var waiters = held[key] else { return nil }
            guard let next = waiters.popFirst() else {
                held[key] = nil
                return nil
            }
            held[key] = waiters
            return next
        }
        next?.resume()
    }

    var heldCount: Int { held.withLock(\.count) }
}
