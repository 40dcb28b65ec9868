// Public: FinerySimulatorStats conforms to SocketStatistics.
public import SimulatorKit
import Synchronization

/// Lock-free counters: the socket readers and writers bump them per frame, off the venue actor.
final class SimulatorCounters: Sendable {
    let sockets = SocketCounters()
    let bookUpdatesSent = Atomic<Int>(0)
    let idleDisconnects = Atomic<Int>(0)

    var snapshot: FinerySimulatorStats {
        var stats = FinerySimulatorStats()
        sockets.record(into: &stats)
        stats.bookUpdatesSent = bookUpdatesSent.load(ordering: .relaxed)
        stats.idleDisconnects = idleDisconnects.load(ordering: .relaxed)
        return stats
    }
}

extension FinerySimulatorStats: SocketStatistics {}
