public import Logging

/// A venue actor that keeps one session per open socket and queues frames for them. The
/// slow-reader rule, broadcasts and the drop-all test control come with the protocol, so every
/// simulator treats its clients the same way; the venue says how a socket is forgotten.
public protocol SimulatedVenue: Actor {
    associatedtype Session: VenueSession

    var socketCounters: SocketCounters { get }
    var logger: Logger { get }
    /// The open sockets, by connection id.
    var sessions: [SimConnection<Session.Frame>.ID: Session] { get }
    /// The socket is gone (any reason): forget its session, finish its outbox, and apply the
    /// venue's disconnect rules.
    func closeSession(_ id: SimConnection<Session.Frame>.ID)
}

/// What a venue keeps per socket; at least the socket itself.
public protocol VenueSession {
    associatedtype Frame: Sendable

    var connection: SimConnection<Frame> { get }
}

extension SimulatedVenue {
    /// Queues `frame` for one socket; a full queue disconnects that (slow) client.
    public func deliver(_ frame: Session.Frame, to id: SimConnection<Session.Frame>.ID) {
        guard let connection = sessions[id]?.connection else { return }
        guard connection.outbox.enqueue(frame) else {
            socketCounters.slowClientDisconnects.add(1, ordering: .relaxed)
            logger.warning(
                "client too slow, disconnecting",
                metadata: ["connection": "\(id)", "queue": "\(connection.outbox.limit)"])
            closeSession(id)
            connection.abort()
            return
        }
    }

    /// Queues `frame` for every socket, in connection order.
    public func sendToAll(_ frame: Session.Frame) {
        for id in sessions.keys.sorted() { deliver(frame, to: id) }
    }

    /// Test control: every session is closed (the venue's disconnect rules applied before this
    /// returns, so a reconnecting client deterministically sees the result), then its socket is
    /// cut (TCP close, no WebSocket close handshake).
    public func dropAll() {
        for id in sessions.keys.sorted() {
            guard let connection = sessions[id]?.connection else { continue }
            closeSession(id)
            connection.abort()
        }
    }

    public var connectionCount: Int { sessions.count }
}
