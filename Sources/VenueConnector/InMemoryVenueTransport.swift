import NIOCore
import Synchronization

/// A transport with no sockets, in the spirit of NIO's `EmbeddedChannel`: a test plays the venue
/// and drives a session driver's handshake, heartbeats, deadlines and reconnects through the real
/// supervisor, without a simulator, Kafka or a network. The dead-link watchdog is the WebSocket
/// link's own, on the same settings.
///
/// Each dial the supervisor makes is refused (while `refusing`) or becomes one `InMemoryVenueConnection`,
/// handed to the test by `nextConnection`. Dials and connections are bounded: a test that lets
/// more than `capacity` connections pile up unread fails its dials instead of growing memory.
public final class InMemoryVenueTransport: VenueTransport {
    let settings: VenueLinkSettings
    let metrics: VenueConnectorMetrics
    private let state = Mutex(State())
    private let connections: AsyncStream<InMemoryVenueConnection>
    private let newConnection: AsyncStream<InMemoryVenueConnection>.Continuation

    struct State {
        var refusing = false
        var dials = 0
        var refusedDials = 0
    }

    public init(
        settings: VenueLinkSettings = VenueLinkSettings(url: "memory://venue"), metrics: VenueConnectorMetrics,
        capacity: Int = 64
    ) {
        self.settings = settings
        self.metrics = metrics
        (connections, newConnection) = AsyncStream.makeStream(bufferingPolicy: .bufferingOldest(capacity))
    }

    /// While true, every dial fails at once as a refused connection (the venue is down).
    public func setRefusing(_ refusing: Bool) { state.withLock { $0.refusing = refusing } }

    /// Dials made so far, and how many of them were refused.
    public var dials: (total: Int, refused: Int) { state.withLock { ($0.dials, $0.refusedDials) } }

    /// The next connection the supervisor opens; nil if none comes within `timeout`.
    public func nextConnection(timeout: Duration) async -> InMemoryVenueConnection? {
        await withTaskGroup(of: InMemoryVenueConnection?.self) { group in
            group.addTask { [connections] in
                var iterator = connections.makeAsyncIterator()
                return await iterator.next()
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }

    public func connect(headers: [(name: String, value: String)], session: @escaping VenueLink.Session) async throws {
        let refused = state.withLock { state in
            state.dials += 1
            if state.refusing { state.refusedDials += 1 }
            return state.refusing
        }
        if refused { throw VenueLinkError.transport("in-memory venue refuses connections") }
        let connection = InMemoryVenueConnection(headers: headers)
        guard case .enqueued = newConnection.yield(connection) else {
            throw VenueLinkError.transport("in-memory transport: too many connections nobody took")
        }
        let activity = InboundFrameActivity()
        let connected = Latch()
        connected.set()
        let inbound = VenueInbound(memory: connection.toSession, activity: activity, metrics: metrics)
        let writer = VenueLinkWriter(metrics: metrics) { frame in try connection.written(frame) }
        defer { connection.sessionEnded() }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await session(inbound, writer) }
            group.addTask { [settings, metrics] in
                try await VenueLink.watchdog(
                    settings: settings, activity: activity, connected: connected, metrics: metrics)
            }
            try await group.next()
            group.cancelAll()
        }
        if let close = connection.closedByVenue {
            throw VenueLinkError.closedByVenue(code: close.code, reason: close.reason)
        }
    }
}

/// One in-memory connection, seen from the venue's side.
public final class InMemoryVenueConnection: Sendable {
    /// The upgrade headers the driver sent (authentication, for venues that sign the upgrade).
    public let headers: [(name: String, value: String)]
    let toSession: AsyncThrowingStream<VenueFrame, any Error>
    private let toSessionInput: AsyncThrowingStream<VenueFrame, any Error>.Continuation
    private let fromSession: AsyncStream<VenueFrame>
    private let fromSessionInput: AsyncStream<VenueFrame>.Continuation
    private let closing = Mutex<(code: String?, reason: String?)?>(nil)
    private let ended = Latch()

    /// Frames the driver writes that the test did not read yet are kept up to this many; past it
    /// the driver's write fails, as a full socket would end the link.
    public static let writtenCapacity = 10_000

    init(headers: [(name: String, value: String)]) {
        self.headers = headers
        (toSession, toSessionInput) = AsyncThrowingStream.makeStream()
        (fromSession, fromSessionInput) = AsyncStream.makeStream(
            bufferingPolicy: .bufferingOldest(Self.writtenCapacity))
    }

    /// The venue sends a text frame.
    public func send(text: String) { toSessionInput.yield(.text(text)) }

    /// The venue sends a binary frame.
    public func send(binary bytes: [UInt8]) { toSessionInput.yield(.binary(ByteBuffer(bytes: bytes))) }

    /// The venue closes the connection: the session's frames end and the supervisor sees
    /// `closedByVenue`.
    public func close(code: String = "normalClosure", reason: String? = nil) {
        closing.withLock { $0 = (code, reason) }
        toSessionInput.finish()
    }

    /// The next frame the driver wrote; nil when none comes within `timeout` or the link ended.
    public func nextWritten(timeout: Duration) async -> VenueFrame? {
        await withTaskGroup(of: VenueFrame?.self) { group in
            group.addTask { [fromSession] in
                var iterator = fromSession.makeAsyncIterator()
                return await iterator.next()
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }

    /// Whether the session on this connection has ended (the supervisor may dial again).
    public var isEnded: Bool { ended.isSet }

    var closedByVenue: (code: String?, reason: String?)? { closing.withLock { $0 } }

    func written(_ frame: VenueFrame) throws {
        guard !ended.isSet else { throw VenueLinkError.transport("in-memory connection closed") }
        guard case .enqueued = fromSessionInput.yield(frame) else {
            throw VenueLinkError.transport("in-memory venue stopped reading (\(Self.writtenCapacity) frames unread)")
        }
    }

    func sessionEnded() {
        ended.set()
        toSessionInput.finish()
        fromSessionInput.finish()
    }
}
