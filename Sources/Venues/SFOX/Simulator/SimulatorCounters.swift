// Public: SFOXSimulatorStats conforms to SocketStatistics.
public import SimulatorKit
import Synchronization

/// Lock-free counters bumped off the venue actor (socket writers, the REST responder), plus the
/// REST status histogram under a lock.
final class SimulatorCounters: Sendable {
    let sockets = SocketCounters()
    let bookSnapshotsSent = Atomic<Int>(0)
    let webSocketRequestsRefused = Atomic<Int>(0)
    let droppedCreateResponses = Atomic<Int>(0)
    let ordersCreated = Atomic<Int>(0)
    let fills = Atomic<Int>(0)
    private let restResponses = Mutex<[Int: Int]>([:])

    func countRestResponse(_ status: Int) {
        restResponses.withLock { $0[status, default: 0] += 1 }
    }

    var snapshot: SFOXSimulatorStats {
        var stats = SFOXSimulatorStats()
        sockets.record(into: &stats)
        stats.bookSnapshotsSent = bookSnapshotsSent.load(ordering: .relaxed)
        stats.webSocketRequestsRefused = webSocketRequestsRefused.load(ordering: .relaxed)
        stats.droppedCreateResponses = droppedCreateResponses.load(ordering: .relaxed)
        stats.ordersCreated = ordersCreated.load(ordering: .relaxed)
        stats.fills = fills.load(ordering: .relaxed)
        stats.restResponses = restResponses.withLock { $0 }
        return stats
    }
}

extension SFOXSimulatorStats: SocketStatistics {}
