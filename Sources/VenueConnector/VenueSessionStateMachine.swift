public import VenueBridgeCore

/// The per-venue session state, with the transitions the runtime allows:
///
/// ```
/// disconnected → connecting → authenticating → ready ⇄ degraded
///       ↑____________|_______________|___________|________|   (any state can drop to disconnected)
/// ```
/// `degraded` means the socket is up but the venue says it cannot serve (Finery `X` non-zero).
public struct VenueSessionStateMachine: Sendable {
    public private(set) var state: VenueConnectionState = .disconnected
    /// Completed reconnects: a connection reaching `authenticating` after an earlier one was lost.
    public private(set) var reconnects: UInt64 = 0
    /// When the current connection first reached `ready` (kept through `degraded`); nil before.
    public private(set) var readySince: ContinuousClock.Instant?
    /// Set for venues reached over several connections; carried by every status.
    public let session: String?
    private var everConnected = false

    public init(session: String? = nil) { self.session = session }

    public struct InvalidTransition: Error, Sendable, CustomStringConvertible {
        public var from: VenueConnectionState
        public var to: VenueConnectionState
        public var description: String { "invalid venue session transition \(from.rawValue) → \(to.rawValue)" }
    }

    public static func isAllowed(from: VenueConnectionState, to: VenueConnectionState) -> Bool {
        switch (from, to) {
        case (_, .disconnected): from != .disconnected
        case (.disconnected, .connecting): true
        case (.connecting, .authenticating): true
        case (.authenticating, .ready), (.degraded, .ready): true
        case (.authenticating, .degraded), (.ready, .degraded): true
        default: false
        }
    }

    /// Moves to `next`, returning the status to publish; nil when already there.
    public mutating func transition(to next: VenueConnectionState, reason: String?) throws(InvalidTransition)
        -> VenueStatus?
    {
        guard next != state else { return nil }
        guard Self.isAllowed(from: state, to: next) else { throw InvalidTransition(from: state, to: next) }
        if next == .authenticating {
            if everConnected { reconnects += 1 }
            everConnected = true
        }
        if next == .connecting { readySince = nil }
        if next == .ready, readySince == nil { readySince = .now }
        state = next
        return VenueStatus(state: next, reason: reason, reconnects: reconnects, session: session)
    }
}
