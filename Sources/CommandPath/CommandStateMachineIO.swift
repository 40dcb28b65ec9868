import OrderCommands
import VenueBridgeCore
import VenueConnector

// What goes into CommandStateMachine (events: the results of its actions) and what comes out
// (actions, the notes beside them, and the outcome the processor counts).

extension CommandStateMachine {
    /// The result of an action, fed back to the machine.
    enum Event: Sendable {
        /// The claim created the record.
        case created(StoredRecord)
        /// The claim or a re-read found a record.
        case found(StoredRecord)
        /// A re-read found none: it expired meanwhile.
        case vanished
        /// A compare-and-set (takeover, `sent`, final) went through.
        case written(StoredRecord)
        /// The takeover's compare-and-set found a value other than the one read.
        case lostRace
        case session(VenueConnectionState)
        case venueAnswered(ExecutionReport)
        case venueFailed(OrderEntryError)
        /// The venue's answer to a query by client order id (nil: it does not know the order).
        case queryAnswered(ExecutionReport?)
        case queryFailed(OrderEntryError)
        case deadLettered
        /// Whether an original answer of this key is already on the exec topic.
        case answerOnKafka(Bool)
        case published
        /// The record was marked published, or that best-effort write failed and was logged.
        case markedPublished
        /// A pause ended.
        case resumed
    }

    enum Action: Sendable, Equatable {
        case claim(key: String, IdempotencyRecord)
        case reread(key: String)
        case takeOver(key: String, from: StoredRecord, to: IdempotencyRecord)
        case checkSession(VenueID)
        case markSent(key: String, from: StoredRecord, to: IdempotencyRecord)
        case callVenue(CommandPlan)
        /// `rfq`: what an RFQ command names, for the venue's RFQ entry (`RFQEntry.resolve`).
        case query(venue: VenueID, clientOrderId: String, account: String, rfq: RFQCommandFacts?)
        case recordAnswer(key: String, from: StoredRecord, to: IdempotencyRecord)
        case deadLetter(CommandError)
        case askKafka(key: String)
        case publish(ExecutionReport, venue: VenueID, instrument: String)
        /// Best effort: if it fails, a replay reads Kafka back to tell (and produces a pending DLQ
        /// copy again: at least once).
        case markPublished(key: String, from: StoredRecord, to: IdempotencyRecord)
        case pause(Duration)
        /// The record vanished while waited on: handle the message afresh, from its bytes.
        case startOver
        /// The record cannot be acted on (a final record without an answer).
        case fail(IdempotencyStoreError)
        /// Answered (or dead-lettered): the message's offset may be stored.
        case done(Outcome)
        /// An event this state does not wait for: a bug in the processor, not a condition.
        case protocolViolation(String)
    }

    /// What `vb_commands_total` counts for the message.
    struct Outcome: Sendable, Hashable {
        enum Result: Sendable, Hashable {
            case answered(OrderStatus)
            /// A replay answered from its record, marked duplicate.
            case duplicate
            /// DLQ only, no answer.
            case deadLettered
        }

        var type: CommandType?
        var venue: VenueID?
        var result: Result
    }

    /// What is worth a log line or a metric beside the action.
    enum Note: Sendable, Hashable {
        case rejected(CommandError)
        case keyReused
        case tookOver(CommandState)
        case deadLetterLeftPending(code: String)
        case ambiguous(String)
        case resolved(OrderStatus)
        case unresolved(reason: String)
    }

    struct Step: Sendable, Equatable {
        var action: Action
        var notes: [Note] = []
    }

    /// What goes out for a command whose answer is decided, in this order: its DLQ copy (so a
    /// crash after the answer cannot lose it), the question whether the answer is already on
    /// Kafka (for a final record not recorded as published), the answer, and the record marked
    /// published (which also clears a pending DLQ copy). Each part is dropped once done.
    struct Delivery: Sendable, Hashable {
        struct Answer: Sendable, Hashable {
            var report: ExecutionReport
            var venue: VenueID
            var instrument: String

            init(_ report: ExecutionReport, _ plan: CommandPlan) {
                self.report = report
                self.venue = plan.address.venue
                self.instrument = plan.address.instrument
            }
        }

        /// The record to mark published once everything is out.
        struct Mark: Sendable, Hashable {
            var key: String
            var record: StoredRecord

            init(_ plan: CommandPlan, _ record: StoredRecord) {
                self.key = plan.address.idempotencyKey
                self.record = record
            }
        }

        var deadLetter: CommandError?
        var answer: Answer?
        /// The idempotency key whose original answer may be on Kafka already.
        var askKafka: String?
        var mark: Mark?
        var outcome: Outcome

        init(
            deadLetter: CommandError? = nil, answer: Answer? = nil, askKafka: String? = nil, mark: Mark? = nil,
            outcome: Outcome
        ) {
            self.deadLetter = deadLetter
            self.answer = answer
            self.askKafka = askKafka
            self.mark = mark
            self.outcome = outcome
        }

        /// The answer is out already: this one goes as a duplicate and is counted so.
        mutating func markDuplicate() {
            answer?.report.duplicate = true
            outcome.result = .duplicate
        }
    }
}
