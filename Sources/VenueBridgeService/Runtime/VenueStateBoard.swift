public import EventBus
import Synchronization
public import VenueBridgeCore

/// The latest connection state of every venue source, fed by the `venue_status` events they publish.
/// `/readyz` reads it; a venue that never reported counts as not ready.
public final class VenueStateBoard: Sendable {
    private let states = Mutex<[VenueID: VenueConnectionState]>([:])
    public let expected: Set<VenueID>

    public init(expected: Set<VenueID>) { self.expected = expected }

    public func update(_ venue: VenueID, _ state: VenueConnectionState) {
        states.withLock { $0[venue] = state }
    }

    public var snapshot: [VenueID: VenueConnectionState] { states.withLock { $0 } }

    public var allReady: Bool {
        let current = snapshot
        return expected.allSatisfy { current[$0] == .ready }
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
        if case .venueStatus(let status) = event.payload { board.update(event.venue, status.state) }
        try await inner.publish(event)
    }
}
