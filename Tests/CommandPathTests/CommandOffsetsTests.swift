import Testing

@testable import CommandPath

/// The consumer stores a partition's position only over answered messages with no unanswered one
/// before it: a crash then re-reads exactly what was not answered (and perhaps some that were,
/// which the idempotency records answer as duplicates), never skips one.
@Suite struct CommandOffsetsTests {
    let p0 = CommandOffsets.Partition(topic: "t", partition: 0)
    let p1 = CommandOffsets.Partition(topic: "t", partition: 1)

    @Test func aLaterOffsetAnsweredFirstDoesNotMoveThePosition() {
        var offsets = CommandOffsets()
        let a = offsets.taken(p0, offset: 10)
        let b = offsets.taken(p0, offset: 11)
        let c = offsets.taken(p0, offset: 12)
        #expect(offsets.finished(c) == nil)
        #expect(offsets.finished(b) == nil)
        #expect(offsets.finished(a) == 13)
        #expect(offsets.pendingCount == 0)
    }

    @Test func inOrderAnswersMoveThePositionEachTime() {
        var offsets = CommandOffsets()
        let a = offsets.taken(p0, offset: 0)
        let b = offsets.taken(p0, offset: 1)
        #expect(offsets.finished(a) == 1)
        #expect(offsets.finished(b) == 2)
    }

    @Test func partitionsAreIndependent() {
        var offsets = CommandOffsets()
        let a = offsets.taken(p0, offset: 5)
        let b = offsets.taken(p1, offset: 7)
        #expect(offsets.finished(b) == 8)
        #expect(offsets.pendingCount == 1)
        #expect(offsets.finished(a) == 6)
    }

    @Test func anUnansweredMessageHoldsThePositionBehindIt() {
        var offsets = CommandOffsets()
        _ = offsets.taken(p0, offset: 3)  // never finished: shutdown came first
        let later = offsets.taken(p0, offset: 4)
        #expect(offsets.finished(later) == nil)
        #expect(offsets.pendingCount == 2)
    }

    @Test func gapsInOffsetsAreFine() {
        // Compacted topics and transaction markers leave offsets that are never delivered.
        var offsets = CommandOffsets()
        let a = offsets.taken(p0, offset: 3)
        let b = offsets.taken(p0, offset: 9)
        #expect(offsets.finished(b) == nil)
        #expect(offsets.finished(a) == 10)
    }

    @Test func aPartitionReadAgainStartsOverAndForgetsTheEarlierReading() {
        // Revoked and assigned back: read again from the committed 20 while 20 and 21 of the
        // earlier reading are still in hand.
        var offsets = CommandOffsets()
        let old20 = offsets.taken(p0, offset: 20)
        let old21 = offsets.taken(p0, offset: 21)
        let new20 = offsets.taken(p0, offset: 20)
        #expect(offsets.finished(old21) == nil)
        #expect(offsets.finished(old20) == nil)
        #expect(offsets.finished(new20) == 21)
        #expect(offsets.pendingCount == 0)
    }
}
