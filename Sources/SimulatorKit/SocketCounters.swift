public import Synchronization

/// The socket-level counters every simulator keeps. Lock-free: socket readers and writers bump
/// them per frame, off the venue actor.
public final class SocketCounters: Sendable {
    public let connectionsAccepted = Atomic<Int>(0)
    public let upgradesRefused = Atomic<Int>(0)
    public let framesIn = Atomic<Int>(0)
    public let framesOut = Atomic<Int>(0)
    public let malformedFramesIn = Atomic<Int>(0)
    public let slowClientDisconnects = Atomic<Int>(0)

    public init() {}

    /// Copies the current values into a simulator's statistics.
    public func record(into stats: inout some SocketStatistics) {
        stats.connectionsAccepted = connectionsAccepted.load(ordering: .relaxed)
        stats.upgradesRefused = upgradesRefused.load(ordering: .relaxed)
        stats.framesIn = framesIn.load(ordering: .relaxed)
        stats.framesOut = framesOut.load(ordering: .relaxed)
        stats.malformedFramesIn = malformedFramesIn.load(ordering: .relaxed)
        stats.slowClientDisconnects = slowClientDisconnects.load(ordering: .relaxed)
    }
}

/// The socket-level part of a simulator's statistics (what `SocketCounters` counts).
public protocol SocketStatistics {
    var connectionsAccepted: Int { get set }
    var upgradesRefused: Int { get set }
    var framesIn: Int { get set }
    var framesOut: Int { get set }
    var malformedFramesIn: Int { get set }
    var slowClientDisconnects: Int { get set }
}
