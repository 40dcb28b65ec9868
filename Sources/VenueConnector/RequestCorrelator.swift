import Synchronization

/// Why a request got no reply from the venue. Both cases are ambiguous: the venue may have acted
/// on the request, so callers must resolve by query, never by blind retry.
public enum RequestFailure: Error, Sendable, Equatable, CustomStringConvertible {
    case timeout(after: Duration)
    /// The link dropped (or the session ended) before the reply arrived.
    case disconnected(reason: String)
    /// The link was not up: the request was never written.
    case notSent(reason: String)
    /// The venue answered with a server error (HTTP 5xx): it may or may not have acted.
    case serverError(status: Int, message: String)

    public var description: String {
        switch self {
        case .timeout(let after): "no reply within \(after)"
        case .disconnected(let reason): "link lost before the reply: \(reason)"
        case .notSent(let reason): "not sent: \(reason)"
        case .serverError(let status, let message): "venue server error \(status): \(message)"
        }
    }

    /// True when the venue may have received the request.
    public var isAmbiguous: Bool {
        if case .notSent = self { return false }
        return true
    }
}

/// Matches replies to requests by id, with a deadline per request.
///
/// The session registers a request (getting its id) before writing it, so a reply can never
/// overtake its registration; it calls `expire` periodically and `failAll` when the link drops.
/// `Context` is whatever the session needs to act on the reply (e.g. the order it placed).
public final class RequestCorrelator<Reply: Sendable, Context: Sendable>: Sendable {
    private struct Entry {
        var context: Context
        var deadline: ContinuousClock.Instant
        var timeout: Duration
        var continuation: CheckedContinuation<Reply, any Error>?
        var outcome: Result<Reply, RequestFailure>?
    }

    private struct State {
        var nextId: Int64 = 1
        var entries: [Int64: Entry] = [:]
    }

    private let state = Mutex(State())
    /// Bounds the requests in flight: a venue that stops answering must not grow this map forever.
    public let capacity: Int

    public init(capacity: Int = 10_000) {
        self.capacity = capacity
    }

    public var inFlight: Int { state.withLock { $0.entries.count } }

    /// Reserves an id for a request about to be written; nil when `capacity` requests are pending.
    public func register(context: Context, timeout: Duration) -> Int64? {
        state.withLock { state in
            guard state.entries.count < capacity else { return nil }
            let id = state.nextId
            state.nextId += 1
            state.entries[id] = Entry(context: context, deadline: .now + timeout, timeout: timeout)
            return id
        }
    }

    /// Waits for the reply to `id`. Cancelling the waiting task abandons the request (as a
    /// disconnect would): the reply, if it comes, is still handed to `resolve`'s caller.
    public func reply(to id: Int64) async throws(RequestFailure) -> Reply {
        do {
            return try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Reply, any Error>) in
                    let ready: Result<Reply, RequestFailure>? = state.withLock { state in
                        guard var entry = state.entries[id] else {
                            return .failure(.disconnected(reason: "request \(id) unknown"))
                        }
                        if let outcome = entry.outcome {
                            state.entries[id] = nil
                            return outcome
                        }
                        entry.continuation = continuation
                        state.entries[id] = entry
                        return nil
                    }
                    if let ready { continuation.resume(with: ready.mapError { $0 as any Error }) }
                }
            } onCancel: {
                _ = finish(id, .failure(.disconnected(reason: "caller cancelled")))
            }
        } catch let failure as RequestFailure {
            throw failure
        } catch {
            throw .disconnected(reason: "\(error)")
        }
    }

    /// Forgets a request that was registered but could not be written.
    public func abandon(_ id: Int64) {
        state.withLock { _ = $0.entries.removeValue(forKey: id) }
    }

    /// Delivers the venue's reply; returns the request's context, or nil for an unknown or
    /// already-expired id (a late reply, which the caller should log and count).
    @discardableResult
    public func resolve(_ id: Int64, with reply: Reply) -> Context? {
        finish(id, .success(reply))
    }

    /// Fails every request past its deadline; returns their contexts.
    public func expire(now: ContinuousClock.Instant = .now) -> [Context] {
        let expired = state.withLock { state in
            state.entries.filter { $0.value.outcome == nil && $0.value.deadline <= now }
        }
        return expired.compactMap { id, entry in finish(id, .failure(.timeout(after: entry.timeout))) }
    }

    /// Fails every pending request (the link dropped); returns their contexts.
    public func failAll(reason: String) -> [Context] {
        let ids = state.withLock { state in state.entries.filter { $0.value.outcome == nil }.map(\.key) }
        return ids.compactMap { finish($0, .failure(.disconnected(reason: reason))) }
    }

    private func finish(_ id: Int64, _ outcome: Result<Reply, RequestFailure>) -> Context? {
        let (context, continuation): (Context?, CheckedContinuation<Reply, any Error>?) = state.withLock { state in
            guard var entry = state.entries[id], entry.outcome == nil else { return (nil, nil) }
            if let continuation = entry.continuation {
                state.entries[id] = nil
                return (entry.context, continuation)
            }
            // Nobody waits yet: keep the outcome for `reply(to:)`.
            entry.outcome = outcome
            state.entries[id] = entry
            return (entry.context, nil)
        }
        continuation?.resume(with: outcome.mapError { $0 as any Error })
        return context
    }
}

extension RequestCorrelator {
    /// One order-entry request over a socket, with the rules every venue shares: the request is
    /// registered before `write` gets its id (so its reply cannot overtake it; `registered` sees its id first),
    /// a full table is `overloaded`, a failed write is *ambiguous* (it may have reached the
    /// socket) and is forgotten (`abandoned`), no reply in time is ambiguous too, and the outcome
    /// and latency are recorded. `write` nil waits on a request someone else already sent.
    public func roundTrip(
        context: Context, timeout: Duration, metrics: VenueConnectorMetrics,
        registered: (Int64) -> Void = { _ in }, abandoned: (Int64) -> Void = { _ in },
        isRefusal: (Reply) -> Bool, write: ((Int64) async throws -> Void)?
    ) async throws(OrderEntryError) -> Reply {
        guard let id = register(context: context, timeout: timeout) else { throw .overloaded }
        registered(id)
        let started = ContinuousClock.now
        if let write {
            do {
                try await write(id)
            } catch let failure as RequestFailure where !failure.isAmbiguous {
                // The writer knows nothing left (no link): not ambiguous.
                abandon(id)
                abandoned(id)
                throw .ambiguous(failure)
            } catch {
                abandon(id)
                abandoned(id)
                metrics.request(outcome: "disconnected")
                throw .ambiguous(.disconnected(reason: "write failed: \(error)"))
            }
        }
        do {
            let reply = try await reply(to: id)
            metrics.requestLatency.record(duration: ContinuousClock.now - started)
            metrics.request(outcome: isRefusal(reply) ? "error" : "ok")
            return reply
        } catch {
            throw .ambiguous(error)
        }
    }
}
