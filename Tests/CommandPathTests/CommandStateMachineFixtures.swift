import OrderCommands
import VenueBridgeCore
import VenueConnector

@testable import CommandPath

// The tables of CommandStateMachineTests: states, events and actions by kind, the accepted
// transitions, the records a command can find under its key, and the payloads that matter.

enum StateKind: CaseIterable, Hashable, Sendable {
    case idle, claiming, claimingAsSent, takingOver, rereading, waitingForOwner, checkingSession, pausedForSession,
        markingSent,
        callingVenue
    case pausedBeforeRetry, querying, pausedBeforeQuery, recordingAnswer, deadLettering, askingKafka, publishing,
        markingPublished, done
}

enum EventKind: CaseIterable, Hashable, Sendable {
    case created, found, vanished, written, lostRace, session, venueAnswered, venueFailed, queryAnswered, queryFailed
    case deadLettered, answerOnKafka, published, markedPublished, resumed

    /// One event of the kind: the one that moves the machine along its usual path.
    var sample: CommandStateMachine.Event {
        switch self {
        case .created: .created(Fixture.stored(Fixture.record(.received)))
        case .found: .found(Fixture.stored(Fixture.record(.received, owner: "other")))
        case .vanished: .vanished
        case .written: .written(Fixture.stored(Fixture.record(.sent)))
        case .lostRace: .lostRace
        case .session: .session(.ready)
        case .venueAnswered: .venueAnswered(Fixture.report(.new))
        case .venueFailed: .venueFailed(.overloaded)
        case .queryAnswered: .queryAnswered(nil)
        case .queryFailed: .queryFailed(.overloaded)
        case .deadLettered: .deadLettered
        case .answerOnKafka: .answerOnKafka(false)
        case .published: .published
        case .markedPublished: .markedPublished
        case .resumed: .resumed
        }
    }
}

enum ActionKind: Hashable, Sendable {
    case claim, reread, takeOver, checkSession, markSent, callVenue, query, recordAnswer, deadLetter, askKafka, publish,
        markPublished
    case pause, startOver, fail, done, protocolViolation
}

extension CommandStateMachine.State {
    var kind: StateKind {
        switch self {
        case .idle: .idle
        case .claiming: .claiming
        case .claimingAsSent: .claimingAsSent
        case .takingOver: .takingOver
        case .rereading: .rereading
        case .waitingForOwner: .waitingForOwner
        case .checkingSession: .checkingSession
        case .pausedForSession: .pausedForSession
        case .markingSent: .markingSent
        case .callingVenue: .callingVenue
        case .pausedBeforeRetry: .pausedBeforeRetry
        case .querying: .querying
        case .pausedBeforeQuery: .pausedBeforeQuery
        case .recordingAnswer: .recordingAnswer
        case .deadLettering: .deadLettering
        case .askingKafka: .askingKafka
        case .publishing: .publishing
        case .markingPublished: .markingPublished
        case .done: .done
        }
    }
}

extension CommandStateMachine.Action {
    var kind: ActionKind {
        switch self {
        case .claim: .claim
        case .reread: .reread
        case .takeOver: .takeOver
        case .checkSession: .checkSession
        case .markSent: .markSent
        case .callVenue: .callVenue
        case .query: .query
        case .recordAnswer: .recordAnswer
        case .deadLetter: .deadLetter
        case .askKafka: .askKafka
        case .publish: .publish
        case .markPublished: .markPublished
        case .pause: .pause
        case .startOver: .startOver
        case .fail: .fail
        case .done: .done
        case .protocolViolation: .protocolViolation
        }
    }

    var isProtocolViolation: Bool { kind == .protocolViolation }
}

struct Pair: Hashable {
    var state: StateKind
    var event: EventKind
}

/// An accepted (state, event) pair with the sample event: the action and the state it leads to.
struct Transition: Sendable, CustomStringConvertible {
    var from: StateKind
    var event: EventKind
    var action: ActionKind
    var to: StateKind

    var description: String { "\(from) × \(event) → \(action), \(to)" }

    static let all: [Transition] = [
        .init(from: .claiming, event: .created, action: .checkSession, to: .checkingSession),
        .init(from: .claiming, event: .found, action: .pause, to: .waitingForOwner),
        .init(from: .claimingAsSent, event: .created, action: .callVenue, to: .callingVenue),
        .init(from: .claimingAsSent, event: .found, action: .pause, to: .waitingForOwner),
        .init(from: .takingOver, event: .written, action: .query, to: .querying),
        .init(from: .takingOver, event: .lostRace, action: .reread, to: .rereading),
        .init(from: .rereading, event: .found, action: .pause, to: .waitingForOwner),
        .init(from: .rereading, event: .vanished, action: .startOver, to: .done),
        .init(from: .waitingForOwner, event: .resumed, action: .reread, to: .rereading),
        .init(from: .checkingSession, event: .session, action: .markSent, to: .markingSent),
        .init(from: .pausedForSession, event: .resumed, action: .checkSession, to: .checkingSession),
        .init(from: .markingSent, event: .written, action: .callVenue, to: .callingVenue),
        .init(from: .callingVenue, event: .venueAnswered, action: .recordAnswer, to: .recordingAnswer),
        .init(from: .callingVenue, event: .venueFailed, action: .pause, to: .pausedBeforeRetry),
        .init(from: .pausedBeforeRetry, event: .resumed, action: .callVenue, to: .callingVenue),
        .init(from: .querying, event: .queryAnswered, action: .pause, to: .pausedBeforeQuery),
        .init(from: .querying, event: .queryFailed, action: .pause, to: .pausedBeforeQuery),
        .init(from: .pausedBeforeQuery, event: .resumed, action: .query, to: .querying),
        .init(from: .recordingAnswer, event: .written, action: .publish, to: .publishing),
        .init(from: .deadLettering, event: .deadLettered, action: .publish, to: .publishing),
        .init(from: .askingKafka, event: .answerOnKafka, action: .publish, to: .publishing),
        .init(from: .publishing, event: .published, action: .markPublished, to: .markingPublished),
        .init(from: .markingPublished, event: .markedPublished, action: .done, to: .done),
    ]
}

/// Every kind of record a command can find under its key (the same command unless said).
enum FoundRecord: CaseIterable, Sendable {
    case receivedOurs, receivedOursLeaseOver, receivedOtherLive, receivedOtherLeaseEndsNow, receivedOtherLeaseOver
    case sentOurs, sentOtherLive, sentOtherLeaseOver
    case ackedPublished, rejectedPublished, unknownPublished, rejectedPublishedCopyPending
    case ackedUnpublished, rejectedUnpublishedCopyPending, rejectedUnpublishedCopyOfUnknownCode
    case finalWithoutAnswer, otherCommand, otherCommandFinal

    var stored: StoredRecord {
        let now = Fixture.t0.wallMs
        var record: IdempotencyRecord
        switch self {
        case .receivedOurs: record = Fixture.record(.received)
        case .receivedOursLeaseOver: record = Fixture.record(.received, leaseUntilMs: now - 1)
        case .receivedOtherLive: record = Fixture.record(.received, owner: "other")
        case .receivedOtherLeaseEndsNow: record = Fixture.record(.received, owner: "other", leaseUntilMs: now)
        case .receivedOtherLeaseOver: record = Fixture.record(.received, owner: "other", leaseUntilMs: now - 1)
        case .sentOurs: record = Fixture.record(.sent)
        case .sentOtherLive: record = Fixture.record(.sent, owner: "other")
        case .sentOtherLeaseOver: record = Fixture.record(.sent, owner: "other", leaseUntilMs: now - 1)
        case .ackedPublished: record = Fixture.record(.acked, published: true)
        case .rejectedPublished: record = Fixture.record(.rejected, published: true)
        case .unknownPublished: record = Fixture.record(.unknown, published: true)
        case .rejectedPublishedCopyPending:
            record = Fixture.record(.rejected, published: true, pending: "LIMIT_EXCEEDED")
        case .ackedUnpublished: record = Fixture.record(.acked)
        case .rejectedUnpublishedCopyPending: record = Fixture.record(.rejected, pending: "LIMIT_EXCEEDED")
        case .rejectedUnpublishedCopyOfUnknownCode: record = Fixture.record(.rejected, pending: "NOT_A_CODE")
        case .finalWithoutAnswer:
            record = Fixture.record(.acked, published: true)
            record.answer = nil
        case .otherCommand:
            record = Fixture.record(.received, owner: "other")
            record.fingerprint = "another command"
        case .otherCommandFinal:
            record = Fixture.record(.acked, published: true)
            record.fingerprint = "another command"
        }
        return Fixture.stored(record)
    }

    var action: ActionKind {
        switch self {
        case .receivedOurs, .receivedOursLeaseOver, .receivedOtherLeaseOver, .sentOurs, .sentOtherLeaseOver: .takeOver
        case .receivedOtherLive, .receivedOtherLeaseEndsNow, .sentOtherLive: .pause
        case .ackedPublished, .rejectedPublished, .unknownPublished: .publish
        case .rejectedPublishedCopyPending, .rejectedUnpublishedCopyPending, .otherCommand, .otherCommandFinal:
            .deadLetter
        case .ackedUnpublished, .rejectedUnpublishedCopyOfUnknownCode: .askKafka
        case .finalWithoutAnswer: .fail
        }
    }

    var state: StateKind {
        switch action {
        case .takeOver: .takingOver
        case .pause: .waitingForOwner
        case .publish: .publishing
        case .deadLetter: .deadLettering
        case .askKafka: .askingKafka
        default: .done
        }
    }

    var notes: [CommandStateMachine.Note] {
        switch self {
        case .rejectedPublishedCopyPending, .rejectedUnpublishedCopyPending:
            [.deadLetterLeftPending(code: "LIMIT_EXCEEDED")]
        case .otherCommand, .otherCommandFinal: [.keyReused]
        default: []
        }
    }
}

/// A final record found again: its state, whether its answer was recorded published, whether a
/// DLQ copy is pending, and whether Kafka has the answer already (asked only when unpublished).
struct FinalRecord: Sendable, CustomStringConvertible {
    var state: CommandState
    var published: Bool
    var copyPending: Bool
    var onKafka: Bool

    var description: String { "\(state) published=\(published) copyPending=\(copyPending) onKafka=\(onKafka)" }

    static let all: [FinalRecord] = [CommandState.acked, .rejected, .unknown].flatMap { state in
        [false, true].flatMap { published in
            [false, true].flatMap { pending in
                [false, true].map { FinalRecord(state: state, published: published, copyPending: pending, onKafka: $0) }
            }
        }
    }

    var stored: StoredRecord {
        Fixture.stored(Fixture.record(state, published: published, pending: copyPending ? "LIMIT_EXCEEDED" : nil))
    }

    var expectedActions: [ActionKind] {
        var actions: [ActionKind] = []
        if copyPending { actions.append(.deadLetter) }
        if !published { actions.append(.askKafka) }
        actions.append(.publish)
        if !published || copyPending { actions.append(.markPublished) }
        return actions
    }
}

enum VenueFailure: CaseIterable, Sendable {
    case invalid, unknownOrder, unavailable, overloaded, rateLimited, notSent, timeout, disconnected, serverError

    var error: OrderEntryError {
        switch self {
        case .invalid: .invalid("tick 0.5")
        case .unknownOrder: .unknownOrder("order 7 is not known")
        case .unavailable: .unavailable(.connecting)
        case .overloaded: .overloaded
        case .rateLimited: .rateLimited(retryAfter: .seconds(2))
        case .notSent: .ambiguous(.notSent(reason: "no link"))
        case .timeout: .ambiguous(.timeout(after: .seconds(5)))
        case .disconnected: .ambiguous(.disconnected(reason: "closed"))
        case .serverError: .ambiguous(.serverError(status: 502, message: "bad gateway"))
        }
    }

    func expected(late: Bool) -> ActionKind {
        switch self {
        case .timeout, .disconnected, .serverError: .query
        case .invalid, .unknownOrder: .recordAnswer
        case .unavailable, .overloaded, .rateLimited, .notSent: late ? .recordAnswer : .pause
        }
    }

    var rejectCode: String {
        switch self {
        case .invalid: "INVALID_FOR_VENUE"
        case .unknownOrder: "UNKNOWN_ORDER"
        default: "VENUE_UNAVAILABLE"
        }
    }
    var pause: Duration { self == .rateLimited ? .seconds(2) : .milliseconds(100) }
}

enum QueryResult: CaseIterable, Sendable {
    case found, notFound, failed, invalid

    enum Expected { case resolved, pollAgain, unknown }

    var event: CommandStateMachine.Event {
        switch self {
        case .found: .queryAnswered(Fixture.report(.new))
        case .notFound: .queryAnswered(nil)
        case .failed: .queryFailed(.overloaded)
        case .invalid: .queryFailed(.invalid("no such account"))
        }
    }

    func expected(late: Bool) -> Expected {
        switch self {
        case .found: .resolved
        case .invalid: .unknown
        case .notFound, .failed: late ? .unknown : .pollAgain
        }
    }

    var reasonPart: String {
        switch self {
        case .found: ""
        case .notFound: "sfox does not know client order id"
        case .failed: "last query error: too many requests in flight"
        case .invalid: "last query error: invalid order: no such account"
        }
    }
}

enum Fixture {
    /// venue_wait 10 s, resolve_timeout 30 s, queries every 500 ms.
    static let configuration = CommandPathConfiguration(instanceID: "me")
    static let t0 = CommandInstant(wallNanos: 1_780_000_000_000_000_000, monotonic: ContinuousClock.now)
    static let command = OrderCommand(
        idempotencyKey: "k1", venue: .sfox, account: "main", instrument: "BTC-USD",
        .newOrder(NewOrder(side: .buy, orderType: .limit, quantity: 1, price: 100)))
    static let plan = CommandPlan(command, placed: nil, terms: OrderTerms(marketTimeInForce: .gtc))
    static let limitError = CommandError(.limitExceeded, "quantity 1 exceeds max_quantity 0.5 for sfox BTC-USD")

    static func report(_ status: OrderStatus) -> ExecutionReport {
        ExecutionReport(
            account: "main", clientOrderId: plan.clientOrderId ?? "", side: .buy, orderType: .limit, status: status,
            price: 100, quantity: 1, cumQty: .zero
        )
    }

    /// The command's record in `state` (owner "me", lease running unless said); a final one has
    /// its answer (`new`, `rejected` or `unknown`).
    static func record(
        _ state: CommandState, owner: String = "me", leaseUntilMs: Int64? = nil, published: Bool = false,
        pending: String? = nil
    ) -> IdempotencyRecord {
        var record = plan.receivedRecord(owner: owner, lease: configuration.lease, now: t0)
        record.state = state
        if let leaseUntilMs { record.leaseUntilMs = leaseUntilMs }
        record.published = published
        record.deadLetter = pending.map { PendingDeadLetter(code: $0, message: limitError.message) }
        switch state {
        case .received, .sent: break
        case .acked: record.answer = plan.answer(from: report(.new))
        case .rejected: record.answer = plan.rejectedAnswer(limitError)
        case .unknown: record.answer = plan.answer(from: report(.unknown))
        }
        return record
    }

    static func stored(_ record: IdempotencyRecord) -> StoredRecord {
        StoredRecord(
            record: record, raw: "\(record.state.rawValue)/\(record.owner)/\(record.leaseUntilMs)/\(record.published)")
    }

    /// A machine driven from its start to `kind` along the usual path, every event at `t0`.
    static func machine(
        in kind: StateKind, configuration: CommandPathConfiguration = configuration, plan: CommandPlan = plan
    ) -> CommandStateMachine {
        var machine = CommandStateMachine(
            kind == .deadLettering ? .refuse(plan, limitError) : .send(plan), configuration: configuration)
        guard kind != .idle else { return machine }
        _ = machine.start(at: t0, venueReady: kind == .claimingAsSent)
        for event in path(to: kind) { _ = machine.receive(event, at: t0) }
        return machine
    }

    /// The events from the claim to `kind`.
    private static func path(to kind: StateKind) -> [CommandStateMachine.Event] {
        switch kind {
        case .idle, .claiming, .claimingAsSent: []
        case .takingOver: [.found(stored(record(.sent)))]
        case .rereading: path(to: .takingOver) + [.lostRace]
        case .waitingForOwner: [.found(stored(record(.received, owner: "other")))]
        case .checkingSession: [.created(stored(record(.received)))]
        case .pausedForSession: path(to: .checkingSession) + [.session(.connecting)]
        case .markingSent: path(to: .checkingSession) + [.session(.ready)]
        case .callingVenue: path(to: .markingSent) + [.written(stored(record(.sent)))]
        case .pausedBeforeRetry: path(to: .callingVenue) + [.venueFailed(.overloaded)]
        case .querying: path(to: .callingVenue) + [.venueFailed(.ambiguous(.timeout(after: .seconds(5))))]
        case .pausedBeforeQuery: path(to: .querying) + [.queryAnswered(nil)]
        case .recordingAnswer: path(to: .callingVenue) + [.venueAnswered(report(.new))]
        case .deadLettering: [.created(stored(record(.rejected, pending: "LIMIT_EXCEEDED")))]
        case .askingKafka: [.found(stored(record(.acked)))]
        case .publishing: path(to: .recordingAnswer) + [.written(stored(record(.acked)))]
        case .markingPublished: path(to: .publishing) + [.published]
        case .done: path(to: .markingPublished) + [.markedPublished]
        }
    }

    /// The answer of a `recordAnswer` action.
    static func answer(_ action: CommandStateMachine.Action) -> ExecutionReport? {
        guard case .recordAnswer(_, _, let final) = action else { return nil }
        return final.answer
    }

    static func rejectCode(_ action: CommandStateMachine.Action) -> String? { answer(action)?.rejectCode }

    static func stripped(_ report: ExecutionReport) -> ExecutionReport {
        var report = report
        report.duplicate = nil
        return report
    }
}
