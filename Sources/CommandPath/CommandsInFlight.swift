import KafkaBus
import Synchronization

/// The command consumer's messages between "taken from Kafka" and "answered": one task each,
/// chained per Kafka key so that a key's commands run one after another in offset order, at most
/// `limit` at a time, each partition's position stored as `CommandOffsets` allows.
///
/// Bounded by `limit`: the consumer asks `waitForRoom()` before it polls and takes no more than
/// the room it got. The tasks are unstructured so that the consumer's cancellation does not cut
/// one short; `finishAll()` cancels them, which stops a message waiting for its turn or between
/// retries, never an attempt in progress (CommandConsumer.handleUntilDone).
final class CommandsInFlight: Sendable {
    /// What orders messages: their Kafka key; a message without one is ordered with the other
    /// keyless messages of its partition.
    private struct ChainKey: Hashable {
        var key: [UInt8]?
        var keylessPartition: Int32?

        init(_ message: KafkaMessage) {
            key = message.key
            keylessPartition = message.key == nil ? message.partition : nil
        }
    }

    private struct State {
        var running: [UInt64: Task<Void, Never>] = [:]
        /// The newest task of each key: the next message of the key waits for it.
        var tails: [ChainKey: UInt64] = [:]
        var offsets = CommandOffsets()
        var serial: UInt64 = 0
        var roomWaiter: CheckedContinuation<Int, Never>?
        var stopping = false
        var failure: KafkaError?
    }

    private let limit: Int
    private let metrics: CommandMetrics
    private let state = Mutex(State())

    init(limit: Int, metrics: CommandMetrics) {
        self.limit = max(1, limit)
        self.metrics = metrics
    }

    /// The first error storing a position hit (the consumer stops on it).
    var failure: KafkaError? { state.withLock(\.failure) }

    var count: Int { state.withLock(\.running.count) }

    /// Waits until fewer than `limit` messages are in flight; returns how many more may be taken
    /// (0 once the calling task is cancelled).
    func waitForRoom() async -> Int {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Int, Never>) in
                let room = state.withLock { s -> Int? in
                    if s.stopping { return 0 }
                    if s.running.count < limit { return limit - s.running.count }
                    s.roomWaiter = continuation
                    return nil
                }
                if let room { continuation.resume(returning: room) }
            }
        } onCancel: {
            let waiter = state.withLock { s -> CheckedContinuation<Int, Never>? in
                s.stopping = true
                defer { s.roomWaiter = nil }
                return s.roomWaiter
            }
            waiter?.resume(returning: 0)
        }
    }

    /// Starts handling `message` once the previous message of its key is done. `handle` decides
    /// what became of it; `store` stores a partition's new position (called under this object's
    /// lock, so positions are stored in the order they were reached).
    func start(
        _ message: KafkaMessage, handle: @escaping @Sendable (KafkaMessage) async -> CommandConsumer.Disposition,
        store: @escaping @Sendable (CommandOffsets.Partition, Int64) throws(KafkaError) -> Void
    ) {
        let chain = ChainKey(message)
        let partition = CommandOffsets.Partition(topic: message.topic, partition: message.partition)
        state.withLock { s in
            s.serial &+= 1
            let serial = s.serial
            let ticket = s.offsets.taken(partition, offset: message.offset)
            let previous = s.tails[chain].flatMap { s.running[$0] }
            s.tails[chain] = serial
            s.running[serial] = Task {
                await previous?.value
                let disposition = Task.isCancelled ? .cancelled : await handle(message)
                self.finished(serial, chain: chain, ticket: ticket, disposition: disposition, store: store)
            }
            metrics.inFlight(s.running.count)
        }
    }

    private func finished(
        _ serial: UInt64, chain: ChainKey, ticket: CommandOffsets.Ticket, disposition: CommandConsumer.Disposition,
        store: (CommandOffsets.Partition, Int64) throws(KafkaError) -> Void
    ) {
        let waiter = state.withLock { s -> (CheckedContinuation<Int, Never>, Int)? in
            s.running[serial] = nil
            if s.tails[chain] == serial { s.tails[chain] = nil }
            // A message not handled keeps its partition's position where it is.
            if disposition != .cancelled, let next = s.offsets.finished(ticket) {
                do throws(KafkaError) {
                    try store(ticket.partition, next)
                } catch {
                    s.failure = s.failure ?? error
                }
            }
            metrics.inFlight(s.running.count)
            guard let waiter = s.roomWaiter else { return nil }
            s.roomWaiter = nil
            return (waiter, limit - s.running.count)
        }
        if let (waiter, room) = waiter { waiter.resume(returning: room) }
    }

    /// Cancels every message in flight and waits for them: attempts in progress finish, the rest
    /// stop unhandled.
    func finishAll() async {
        let tasks = state.withLock { s in
            s.stopping = true
            return Array(s.running.values)
        }
        for task in tasks { task.cancel() }
        for task in tasks { await task.value }
    }
}
