public import EventBus
import Synchronization
public import VenueBridgeCore

/// An `EventSink` that keeps what it is given, for session-driver tests that need no Kafka: the
/// decisions under test are the driver's and the supervisor's, not the bus's. Bounded: past
/// `capacity` events the oldest go (a test reading a firehose must not grow without end).
public final class RecordingEventSink: EventSink {
    private let events = Mutex<[NormalizedEvent]>([])
    private let capacity: Int

    public init(capacity: Int = 100_000) { self.capacity = capacity }

    public func publish(_ event: NormalizedEvent) async throws(PublishError) {
        events.withLock { events in
            if events.count == capacity { events.removeFirst() }
            events.append(event)
        }
    }

    public var all: [NormalizedEvent] { events.withLock { $0 } }

    public var statuses: [VenueStatus] {
        all.compactMap { event in
            if case .venueStatus(let status) = event.payload { return status }
            return nil
        }
    }
}
