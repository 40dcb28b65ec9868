import OrderCommands
import Testing
import VenueBridgeCore
import VenueConnector

@testable import CommandPath

/// The command processor's decisions without Redis, Kafka or a venue (issue 14): every state of
/// `CommandStateMachine` × every event, then every kind of idempotency record a command can find
/// under its key, then the payloads that change a decision (session states, venue errors, query
/// answers, deadlines). Each machine is driven to its state through the events that lead there.
@Suite("command state machine")
struct CommandStateMachineTests {
    typealias Machine = CommandStateMachine

    // MARK: - Every state × every event

    @Test(
        "every state × every event: the events a state waits for move it on, every other one is refused and changes nothing"
    )
    func everyStateTimesEveryEvent() {
        var cases = 0
        for state in StateKind.allCases {
            for event in EventKind.allCases {
                var machine = Fixture.machine(in: state)
                #expect(machine.state.kind == state, "driving to \(state) ended in \(machine.state.kind)")
                let before = machine.state
                let step = machine.receive(event.sample, at: Fixture.t0.advanced(by: .seconds(1)))
                if Self.waitsFor[state, default: []].contains(event) {
                    #expect(!step.action.isProtocolViolation, "\(state) × \(event): refused")
                } else {
                    #expect(step.action.isProtocolViolation, "\(state) × \(event): \(step.action)")
                    #expect(machine.state == before, "\(state) × \(event) moved the machine")
                }
                cases += 1
            }
        }
        #expect(cases == StateKind.allCases.count * EventKind.allCases.count)
    }

    /// The events each state waits for: the result of the action that put it there.
    static let waitsFor: [StateKind: Set<EventKind>] = [
        .claiming: [.created, .found], .claimingAsSent: [.created, .found], .takingOver: [.written, .lostRace],
        .rereading: [.found, .vanished],
        .waitingForOwner: [.resumed],
        .checkingSession: [.session], .pausedForSession: [.resumed], .markingSent: [.written],
        .callingVenue: [.venueAnswered, .venueFailed],
        .pausedBeforeRetry: [.resumed], .querying: [.queryAnswered, .queryFailed], .pausedBeforeQuery: [.resumed],
        .recordingAnswer: [.written],
        .deadLettering: [.deadLettered], .askingKafka: [.answerOnKafka], .publishing: [.published],
        .markingPublished: [.markedPublished],
    ]

    @Test("each accepted state × event pair: the next action and state", arguments: Transition.all)
    func acceptedTransition(_ transition: Transition) {
        var machine = Fixture.machine(in: transition.from)
        let step = machine.receive(transition.event.sample, at: Fixture.t0.advanced(by: .seconds(1)))
        #expect(step.action.kind == transition.action, "\(transition)")
        #expect(machine.state.kind == transition.to, "\(transition)")
    }

    @Test("the accepted pairs are exactly the ones tested one by one")
    func acceptedPairsAllTested() {
        let tested = Set(Transition.all.map { Pair(state: $0.from, event: $0.event) })
        let accepted = Set(Self.waitsFor.flatMap { state, events in events.map { Pair(state: state, event: $0) } })
        #expect(tested == accepted)
    }

    @Test(
        "start: a valid command claims `received` with a lease, a refusal claims its final record with the DLQ copy pending, DLQ-only claims nothing"
    )
    func start() throws {
        var valid = Machine(.send(Fixture.plan), configuration: Fixture.configuration)
        guard case .claim(let key, let record) = valid.start(at: Fixture.t0).action else {
            Issue.record("no claim")
            return
        }
        #expect(key == "k1" && record.state == .received && record.owner == "me")
        #expect(record.leaseUntilMs == Fixture.t0.wallMs + Fixture.configuration.lease.inMilliseconds)
        #expect(valid.start(at: Fixture.t0).action.isProtocolViolation)

        var refusal = Machine(.refuse(Fixture.plan, Fixture.limitError), configuration: Fixture.configuration)
        guard case .claim(_, let rejected) = refusal.start(at: Fixture.t0).action else {
            Issue.record("no claim")
            return
        }
        #expect(
            rejected.state == .rejected && rejected.answer?.rejectCode == "LIMIT_EXCEEDED"
                && rejected.published == false)
        #expect(rejected.deadLetter == PendingDeadLetter(code: "LIMIT_EXCEEDED", message: Fixture.limitError.message))

        var dlqOnly = Machine(
            .deadLetterOnly(Fixture.limitError, type: nil, venue: nil), configuration: Fixture.configuration)
        #expect(dlqOnly.start(at: Fixture.t0).action == .deadLetter(Fixture.limitError))
        #expect(
            dlqOnly.receive(.deadLettered, at: Fixture.t0).action
                == .done(.init(type: nil, venue: nil, result: .deadLettered)))
    }

    @Test(
        "start with the venue ready: the claim is the `sent` record itself, and the venue call follows it with no write between; a refusal still claims its final record"
    )
    func startWithTheVenueReady() throws {
        var ready = Machine(.send(Fixture.plan), configuration: Fixture.configuration)
        guard case .claim(let key, let record) = ready.start(at: Fixture.t0, venueReady: true).action else {
            Issue.record("no claim")
            return
        }
        #expect(key == "k1" && record.state == .sent && record.owner == "me")
        #expect(record.leaseUntilMs == Fixture.t0.wallMs + Fixture.configuration.lease.inMilliseconds)
        var stored = record
        stored.state = .sent
        let next = ready.receive(.created(Fixture.stored(stored)), at: Fixture.t0)
        #expect(next.action == .callVenue(Fixture.plan))

        // A key found already: examined as after any claim (here another owner's `sent`: wait).
        var found = Machine(.send(Fixture.plan), configuration: Fixture.configuration)
        _ = found.start(at: Fixture.t0, venueReady: true)
        #expect(
            found.receive(.found(Fixture.stored(Fixture.record(.sent, owner: "other"))), at: Fixture.t0).action.kind
                == .pause)

        var refusal = Machine(.refuse(Fixture.plan, Fixture.limitError), configuration: Fixture.configuration)
        guard case .claim(_, let rejected) = refusal.start(at: Fixture.t0, venueReady: true).action else {
            Issue.record("no claim")
            return
        }
        #expect(rejected.state == .rejected)
    }

    @Test(
        "a refusal whose claim created the record: DLQ copy, then the answer, then the record marked published with the copy no longer pending"
    )
    func refusalCreated() throws {
        var machine = Machine(.refuse(Fixture.plan, Fixture.limitError), configuration: Fixture.configuration)
        guard case .claim(_, let record) = machine.start(at: Fixture.t0).action else {
            Issue.record("no claim")
            return
        }
        let stored = Fixture.stored(record)
        let first = machine.receive(.created(stored), at: Fixture.t0)
        #expect(first == .init(action: .deadLetter(Fixture.limitError), notes: [.rejected(Fixture.limitError)]))
        guard case .publish(let answer, .sfox, "BTC-USD") = machine.receive(.deadLettered, at: Fixture.t0).action else {
            Issue.record("no publish")
            return
        }
        #expect(answer == record.answer && answer.duplicate == nil)
        guard case .markPublished("k1", stored, let marked) = machine.receive(.published, at: Fixture.t0).action else {
            Issue.record("no mark")
            return
        }
        #expect(marked.published && marked.deadLetter == nil && marked.state == .rejected)
        #expect(
            machine.receive(.markedPublished, at: Fixture.t0).action
                == .done(.init(type: .newOrder, venue: .sfox, result: .answered(.rejected))))
    }

    // MARK: - Every kind of record found under the key

    @Test(
        "a record found under the command's key (claim or re-read): what the command does with it",
        arguments: FoundRecord.allCases)
    func recordFound(_ found: FoundRecord) {
        for via in [StateKind.claiming, .rereading] {
            var machine = Fixture.machine(in: via)
            let step = machine.receive(.found(found.stored), at: Fixture.t0)
            #expect(step.action.kind == found.action, "\(found) via \(via)")
            #expect(machine.state.kind == found.state, "\(found) via \(via)")
            #expect(step.notes == found.notes, "\(found) via \(via)")
        }
    }

    @Test(
        "a final record is answered again: DLQ copy if pending, Kafka asked if unpublished, duplicate if out, marked if needed",
        arguments: FinalRecord.all)
    func finalRecordAnswered(_ final: FinalRecord) {
        var machine = Fixture.machine(in: .claiming)
        var step = machine.receive(.found(final.stored), at: Fixture.t0)
        var actions: [ActionKind] = []
        var published: ExecutionReport?
        while case let action = step.action, action.kind != .done {
            actions.append(action.kind)
            if case .publish(let report, _, _) = action { published = report }
            let event: Machine.Event =
                switch action.kind {
                case .deadLetter: .deadLettered
                case .askKafka: .answerOnKafka(final.onKafka)
                case .publish: .published
                case .markPublished: .markedPublished
                default: .vanished
                }
            step = machine.receive(event, at: Fixture.t0)
            if actions.count > 6 { break }
        }
        #expect(actions == final.expectedActions, "\(final)")
        let duplicate = final.published || final.onKafka
        #expect(published?.duplicate == (duplicate ? true : nil), "\(final)")
        #expect(published.map { Fixture.stripped($0) } == final.stored.record.answer, "\(final)")
        let result: Machine.Outcome.Result =
            duplicate
            ? .duplicate : .answered(final.state == .unknown ? .unknown : final.state == .rejected ? .rejected : .new)
        #expect(step.action == .done(.init(type: .newOrder, venue: .sfox, result: result)), "\(final)")
    }

    @Test("a final record without an answer cannot be acted on: unreadable (the consumer's bounded retry, then skip)")
    func finalWithoutAnswer() {
        var machine = Fixture.machine(in: .claiming)
        var record = Fixture.record(.acked)
        record.answer = nil
        #expect(
            machine.receive(.found(Fixture.stored(record)), at: Fixture.t0).action
                == .fail(.unreadableRecord(key: "vb:idem:k1", reason: "final record without an answer")))
        #expect(machine.state == .done)
    }

    @Test(
        "taken over: a `received` record is sent (session checked first), a `sent` one only queried, never sent again")
    func takeover() {
        for (state, action, next) in [
            (CommandState.received, ActionKind.checkSession, StateKind.checkingSession), (.sent, .query, .querying),
        ] {
            var machine = Fixture.machine(in: .claiming)
            let found = Fixture.stored(Fixture.record(state, owner: "other", leaseUntilMs: Fixture.t0.wallMs - 1))
            guard case .takeOver("k1", found, let next1) = machine.receive(.found(found), at: Fixture.t0).action else {
                Issue.record("no takeover")
                continue
            }
            #expect(
                next1.owner == "me"
                    && next1.leaseUntilMs == Fixture.t0.wallMs + Fixture.configuration.lease.inMilliseconds
                    && next1.state == state)
            let step = machine.receive(.written(Fixture.stored(next1)), at: Fixture.t0)
            #expect(step.action.kind == action && machine.state.kind == next && step.notes == [.tookOver(state)])
        }
    }

    @Test("a takeover that lost the race re-reads; a record that vanished meanwhile starts the message over")
    func lostRaceAndVanished() {
        var machine = Fixture.machine(in: .takingOver)
        #expect(machine.receive(.lostRace, at: Fixture.t0).action == .reread(key: "k1"))
        #expect(machine.receive(.vanished, at: Fixture.t0).action == .startOver)
        #expect(machine.state == .done)
        var waiting = Fixture.machine(in: .waitingForOwner)
        #expect(waiting.receive(.resumed, at: Fixture.t0).action == .reread(key: "k1"))
    }
}

// MARK: - Payloads that change a decision

extension CommandStateMachineTests {
    @Test(
        "session not ready: wait polls every 50 ms until venue_wait_ms, then VENUE_UNAVAILABLE; reject answers at once",
        arguments: VenueConnectionState.allCases)
    func sessionStates(_ session: VenueConnectionState) {
        for policy in CommandPathConfiguration.VenueUnavailablePolicy.allCases {
            for late in [false, true] {
                var configuration = Fixture.configuration
                configuration.venueUnavailable = policy
                var machine = Fixture.machine(in: .checkingSession, configuration: configuration)
                let at = Fixture.t0.advanced(by: late ? .seconds(10) : .seconds(9))
                let step = machine.receive(.session(session), at: at)
                let label = "\(session) \(policy) late=\(late)"
                if session == .ready {
                    #expect(step.action.kind == .markSent, "\(label)")
                } else if policy == .wait && !late {
                    #expect(step.action == .pause(.milliseconds(50)), "\(label)")
                } else {
                    #expect(Fixture.rejectCode(step.action) == "VENUE_UNAVAILABLE", "\(label)")
                    #expect(Fixture.answer(step.action)?.reason == "sfox session is \(session.rawValue)", "\(label)")
                }
            }
        }
    }

    @Test(
        "a cancel does not wait for the session: it is claimed `sent` and goes to the venue, even with the session down"
    )
    func cancelSkipsSession() {
        let cancel = OrderCommand(
            idempotencyKey: "c1", venue: .sfox, account: "main", instrument: "BTC-USD",
            .cancelOrder(CancelOrder(target: .idempotencyKey("k1"))))
        var machine = Machine(
            .send(CommandPlan(cancel, placed: nil, terms: .unknownVenue)), configuration: Fixture.configuration)
        guard case .claim(_, let record) = machine.start(at: Fixture.t0, venueReady: false).action else {
            Issue.record("no claim")
            return
        }
        #expect(record.state == .sent)
        #expect(machine.receive(.created(Fixture.stored(record)), at: Fixture.t0).action.kind == .callVenue)
    }

    @Test("a command that expires while waiting is rejected EXPIRED before the venue call, never sent")
    func expiresBeforeCall() {
        var command = Fixture.command
        command.expiresAt = Fixture.t0.wallNanos + 500_000_000
        var machine = Fixture.machine(in: .markingSent, plan: CommandPlan(command, placed: nil, terms: .unknownVenue))
        let step = machine.receive(
            .written(Fixture.stored(Fixture.record(.sent))), at: Fixture.t0.advanced(by: .seconds(1)))
        #expect(Fixture.rejectCode(step.action) == "EXPIRED")
    }

    @Test(
        "venue errors: ambiguous → query, invalid → INVALID_FOR_VENUE, unknown order → UNKNOWN_ORDER, nothing sent → retry within the wait, then VENUE_UNAVAILABLE",
        arguments: VenueFailure.allCases)
    func venueFailures(_ failure: VenueFailure) {
        for late in [false, true] {
            var machine = Fixture.machine(in: .callingVenue)
            let step = machine.receive(
                .venueFailed(failure.error), at: Fixture.t0.advanced(by: late ? .seconds(10) : .seconds(1)))
            #expect(step.action.kind == failure.expected(late: late), "\(failure) late=\(late)")
            if case .pause(let pause) = step.action { #expect(pause == failure.pause, "\(failure)") }
            if step.action.kind == .recordAnswer {
                #expect(Fixture.rejectCode(step.action) == failure.rejectCode, "\(failure) late=\(late)")
            }
            #expect(step.notes == (failure.error.nothingSent ? [] : [.ambiguous(failure.error.description)]))
        }
    }

    @Test(
        "queries: an answering state resolves, a non-answering one or none polls until resolve_timeout_ms, then `unknown`",
        arguments: QueryResult.allCases)
    func queries(_ result: QueryResult) {
        for late in [false, true] {
            var machine = Fixture.machine(in: .querying)
            let step = machine.receive(result.event, at: Fixture.t0.advanced(by: .seconds(late ? 32 : 3)))
            let label = "\(result) late=\(late)"
            switch result.expected(late: late) {
            case .resolved:
                #expect(Fixture.answer(step.action)?.status == .new && step.notes == [.resolved(.new)], "\(label)")
            case .pollAgain:
                #expect(step.action == .pause(.milliseconds(500)), "\(label)")
            case .unknown:
                guard case .recordAnswer(_, _, let final) = step.action else {
                    Issue.record("\(label): \(step.action)")
                    continue
                }
                #expect(
                    final.state == .unknown && final.answer?.status == .unknown && final.answer?.rejectCode == nil,
                    "\(label)")
                #expect(
                    final.answer?.reason?.contains(result.reasonPart) == true, "\(label): \(final.answer?.reason ?? "")"
                )
                #expect(step.notes.first.map { if case .unresolved = $0 { true } else { false } } == true, "\(label)")
            }
        }
    }

    @Test("a command without a client order id to query is `unknown` at once, without a query")
    func nothingToQuery() {
        let cancel = OrderCommand(
            idempotencyKey: "c2", venue: .sfox, account: "main", instrument: "BTC-USD",
            .cancelOrder(CancelOrder(target: .venueOrderId("V9"))))
        var machine = Fixture.machine(in: .callingVenue, plan: CommandPlan(cancel, placed: nil, terms: .unknownVenue))
        guard
            case .recordAnswer(_, _, let final) = machine.receive(
                .venueFailed(.ambiguous(.timeout(after: .seconds(5)))), at: Fixture.t0
            ).action
        else {
            Issue.record("no answer")
            return
        }
        #expect(final.state == .unknown && final.answer?.reason?.hasSuffix("; no client order id to query") == true)
    }

    @Test(
        "the answer recorded final: acked for a venue state, rejected for a venue or bridge refusal, venue order id kept"
    )
    func finalStates() {
        for (status, expected) in [(OrderStatus.new, CommandState.acked), (.filled, .acked), (.rejected, .rejected)] {
            var machine = Fixture.machine(in: .callingVenue)
            var report = Fixture.report(status)
            report.venueOrderId = "V1"
            report.lastQty = 1
            guard
                case .recordAnswer("k1", _, let final) = machine.receive(.venueAnswered(report), at: Fixture.t0).action
            else {
                Issue.record("no answer")
                continue
            }
            #expect(
                final.state == expected && final.venueOrderId == "V1" && final.answer?.lastQty == nil
                    && final.answer?.command == .newOrder)
            guard
                case .publish(let answer, .sfox, "BTC-USD") = machine.receive(
                    .written(Fixture.stored(final)), at: Fixture.t0
                ).action
            else {
                Issue.record("no publish")
                continue
            }
            #expect(answer == final.answer)
            _ = machine.receive(.published, at: Fixture.t0)
            #expect(
                machine.receive(.markedPublished, at: Fixture.t0).action
                    == .done(.init(type: .newOrder, venue: .sfox, result: .answered(status))))
        }
    }

    @Test("a key reused for another command: DLQ copy, a rejected answer, no record written")
    func keyReused() {
        var machine = Fixture.machine(in: .claiming)
        var other = Fixture.record(.acked)
        other.fingerprint = "other"
        let step = machine.receive(.found(Fixture.stored(other)), at: Fixture.t0)
        guard case .deadLetter(let error) = step.action else {
            Issue.record("\(step.action)")
            return
        }
        #expect(error.code == .idempotencyKeyReused && step.notes == [.keyReused])
        guard case .publish(let answer, _, _) = machine.receive(.deadLettered, at: Fixture.t0).action else {
            Issue.record("no publish")
            return
        }
        #expect(answer.rejectCode == "IDEMPOTENCY_KEY_REUSED" && answer.duplicate == nil)
        #expect(
            machine.receive(.published, at: Fixture.t0).action
                == .done(.init(type: .newOrder, venue: .sfox, result: .answered(.rejected))))
    }
}
