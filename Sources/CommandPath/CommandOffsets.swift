import DequeModule

/// Which position the command consumer may store for each partition while commands of different
/// keys finish out of order.
///
/// Kafka keeps one position per partition, and storing it says "everything before it is done".
/// With several keys in flight, offset 12 can be answered before offset 11; the position then
/// moves only over a run of finished offsets that no unfinished one precedes. A message that was
/// not finished (shutdown came first) holds its partition's position where it is, so it and
/// everything after it is read again by the next run and answered from the idempotency records.
///
/// Bounded: one track per partition taken from, and per track only the offsets in flight (the
/// consumer's `maxInFlight`).
struct CommandOffsets {
    struct Partition: Hashable, Sendable {
        var topic: String
        var partition: Int32
    }

    /// Hands back which reading of a partition a message belongs to (see `taken`).
    struct Ticket: Sendable, Equatable {
        var partition: Partition
        var offset: Int64
        var epoch: Int
    }

    private struct Track {
        var epoch: Int
        /// Offsets taken and not yet passed by the position, in the order taken (ascending).
        var pending: Deque<Int64> = []
        var finished: Set<Int64> = []
        var lastTaken: Int64
    }

    private var tracks: [Partition: Track] = [:]
    private var epochs = 0

    /// A message taken for handling. An offset at or below one taken before means the partition
    /// is being read again from its committed position (it was revoked and assigned back): the
    /// offsets pending from the earlier reading no longer decide the position, and their
    /// `finished` calls are ignored.
    mutating func taken(_ partition: Partition, offset: Int64) -> Ticket {
        if var track = tracks[partition], offset > track.lastTaken {
            track.pending.append(offset)
            track.lastTaken = offset
            tracks[partition] = track
            return Ticket(partition: partition, offset: offset, epoch: track.epoch)
        }
        epochs += 1
        tracks[partition] = Track(epoch: epochs, pending: [offset], lastTaken: offset)
        return Ticket(partition: partition, offset: offset, epoch: epochs)
    }

    /// The message is done (answered, or skipped as poisoned). Returns the position to store
    /// (the next offset to read) when it moved.
    mutating func finished(_ ticket: Ticket) -> Int64? {
        guard var track = tracks[ticket.partition], track.epoch == ticket.epoch else { return nil }
        track.finished.insert(ticket.offset)
        var position: Int64?
        while let first = track.pending.first, track.finished.remove(first) != nil {
            track.pending.removeFirst()
            position = first + 1
        }
        tracks[ticket.partition] = track
        return position
    }

    /// Offsets taken and not yet passed by their partition's position.
    var pendingCount: Int { tracks.values.reduce(0) { $0 + $1.pending.count } }
}
