public import EventBus
import Synchronization
public import VenueBridgeCore

/// The latest connection state of every venue source, fed by the `venue_status` events they publish.
/// `/readyz` reads it; a venue that never reported counts as not ready. A venue reached over
/// several connections (sessions) is only as ready as its least ready session.
public final class VenueStateBoard: Sendable {
    private let states = Mutex<[VenueID: [String: VenueConnectionState]]>([:])
    public let expected: Set<VenueID>

    public init(expected: Set<VenueID>) { self.expected = expected }

    public func update(_ venue: VenueID, session: String? = nil, _ state: VenueConnectionState) {
        states.withLock { $0[venue, default: [:]][session ?? "main"] = state }
    }

    /// Per venue: its state if every session agrees, else the least ready one.
    public var snapshot: [VenueID: VenueConnectionState] {
        states.withLock { $0 }.compactMapValues { sessions in sessions.values.min(by: { Self.rank($0) < Self.rank($1) })
        }
    }

    /// Per venue and session, for `/readyz` detail.
    public var sessions: [VenueID: [String: VenueConnectionState]] { states.withLock { $0 } }

    public var allReady: Bool {
        let current = snapshot
        return expected.allSatisfy { current[$0] == .ready }
    }

    private static func rank(_ state: VenueConnectionState) -> Int {
        switch state {
        case .disconnected: 0
        case .connecting: 1
        case .authenticating: 2
        case .degraded: 3
        case .ready: 4
        }
    }
}

/// An `EventSink` that records every `venue_status` on the board before passing the event on,
/// so readiness follows exactly what consumers are told.
public struct StatusTrackingSink: EventSink {
    let inner: any EventSink
    let board: VenueStateBoard

    public init(inner: any EventSink, board: VenueStateBoard) {
        self.inner = inner
        self.board = board
    }

    public func publish(_ event: NormalizedEvent) async throws(PublishError) {
        if case .venueStatus(let status) = event.payload {
            board.update(event.venue, session: status.session, status.state)
        }
        try await inner.publish(event)
    }
}
