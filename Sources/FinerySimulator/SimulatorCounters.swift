import Synchronization

/// Lock-free counters: the socket writers bump them per frame, off the venue actor.
final class SimulatorCounters: Sendable {
    let connectionsAccepted = Atomic<Int>(0)
    let upgradesRefused = Atomic<Int>(0)
    let framesIn = Atomic<Int>(0)
    let framesOut = Atomic<Int>(0)
    let bookUpdatesSent = Atomic<Int>(0)
    let slowClientDisconnects = Atomic<Int>(0)
    let idleDisconnects = Atomic<Int>(0)
    let malformedFramesIn = Atomic<Int>(0)

    var snapshot: FinerySimulatorStats {
        var stats = FinerySimulatorStats()
        stats.connectionsAccepted = connectionsAccepted.load(ordering: .relaxed)
        stats.upgradesRefused = upgradesRefused.load(ordering: .relaxed)
        stats.framesIn = framesIn.load(ordering: .relaxed)
        stats.framesOut = framesOut.load(ordering: .relaxed)
        stats.bookUpdatesSent = bookUpdatesSent.load(ordering: .relaxed)
        stats.slowClientDisconnects = slowClientDisconnects.load(ordering: .relaxed)
        stats.idleDisconnects = idleDisconnects.load(ordering: .relaxed)
        stats.malformedFramesIn = malformedFramesIn.load(ordering: .relaxed)
        return stats
    }
}
