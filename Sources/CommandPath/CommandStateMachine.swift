// File length: the whole decision table (19 states × 15 events) in one place, so every transition can be read and
// checked against the tests side by side.
import OrderCommands
import VenueBridgeCore
import VenueConnector

/// The decisions of handling one command message, as a state machine that returns actions
/// (in the manner of swift-nio's `NIOAsyncWriter.StateMachine`): the processor performs each
/// action (a Redis call, a venue call, a Kafka produce, a pause) and feeds its result back as an
/// event. No I/O and no clock here: every event comes with the time it happened.
///
/// The idempotency record drives it (docs/commands.md §4.2): a new key is claimed `received`,
/// marked `sent` before the venue call (or claimed `sent` at once when its venue is ready: the
/// same record, one write fewer), and made final (`acked`, `rejected`, `unknown`) with its
/// answer before the answer is published; a key seen before is answered from its record, taken
/// over (ours from before a restart, or another instance's whose lease ran out) or waited for.
/// A failure of Redis or Kafka is not an event: the processor throws, and the consumer handles
/// the same message again later, when the record says where it stopped.
struct CommandStateMachine: Sendable {
    /// How the handling begins, as intake decided it.
    enum Intake: Sendable, Hashable {
        /// Nobody to answer (not a command, oversized, an unknown venue or account): the DLQ copy
        /// is the only trace, and no record is kept.
        case deadLetterOnly(CommandError, type: CommandType?, venue: VenueID?)
        /// Refused before sending: recorded final at once, with its DLQ copy pending.
        case refuse(CommandPlan, CommandError)
        /// Valid: claimed `received` (or `sent` when its venue is ready), then sent to its venue.
        case send(CommandPlan)

        var plan: CommandPlan? {
            switch self {
            case .deadLetterOnly: nil
            case .refuse(let plan, _), .send(let plan): plan
            }
        }
    }

    /// What the machine waits for.
    enum State: Sendable, Hashable {
        case idle(Intake)
        /// The claim (`SET NX`) is out; a refusal claims its final record, a valid command `received`.
        case claiming(CommandPlan, refusal: CommandError?)
        /// The claim is out as `sent`: the venue was ready (or the command is a cancel, which goes
        /// without waiting for it), so nothing is left to do between the claim and the venue call.
        /// A crash after it is resolved by query like any `sent` record.
        case claimingAsSent(CommandPlan)
        /// Ours from before a restart, or abandoned: the compare-and-set of owner and lease is out.
        case takingOver(CommandPlan, StoredRecord)
        /// The record is read again (after a lost race, or after waiting for its owner).
        case rereading(CommandPlan)
        /// Another live instance owns the record: its answer will come; pausing before a re-read.
        case waitingForOwner(CommandPlan)
        case checkingSession(Sending)
        case pausedForSession(Sending)
        /// `sent` is being written: from here on the command may be at the venue.
        case markingSent(Sending)
        case callingVenue(Sending)
        /// Nothing reached the venue (paced, overloaded, not ready); trying again within the wait.
        case pausedBeforeRetry(Sending)
        /// The outcome is ambiguous: the venue is queried, never sent the command again.
        case querying(Resolution)
        case pausedBeforeQuery(Resolution)
        /// The final state and answer are being written (before anything is published).
        case recordingAnswer(CommandPlan, ExecutionReport)
        case deadLettering(Delivery)
        case askingKafka(Delivery)
        case publishing(Delivery)
        case markingPublished(Delivery)
        case done
    }

    /// A claimed record on its way to the venue. `deadline`: the end of the venue wait.
    struct Sending: Sendable, Hashable {
        var plan: CommandPlan
        var record: StoredRecord
        var deadline: ContinuousClock.Instant
    }

    /// A `sent` record whose outcome is being found out by query.
    struct Resolution: Sendable, Hashable {
        var plan: CommandPlan
        var record: StoredRecord
        var deadline: ContinuousClock.Instant
        /// Why the outcome is ambiguous, for the `unknown` answer's reason.
        var why: String
        var lastSeen: ExecutionReport?
        var lastError: String?
    }

    /// How long to wait between looks at a session that is not ready, and for another instance.
    static let sessionPollInterval = Duration.milliseconds(50)
    static let ownerPollInterval = Duration.milliseconds(200)
    /// The shortest pause before calling a venue again that sent nothing.
    static let retryPause = Duration.milliseconds(100)

    let configuration: CommandPathConfiguration
    private(set) var state: State

    init(_ intake: Intake, configuration: CommandPathConfiguration) {
        self.configuration = configuration
        self.state = .idle(intake)
    }

    /// `venueReady`: the command's venue session is ready now, so a valid command is claimed
    /// `sent` at once instead of `received` and then `sent`.
    mutating func start(at now: CommandInstant, venueReady: Bool = false) -> Step {
        guard case .idle(let intake) = state else { return Step(action: .protocolViolation("started twice")) }
        let owner = configuration.instanceID
        switch intake {
        case .deadLetterOnly(let error, let type, let venue):
            return deliver(
                Delivery(deadLetter: error, outcome: Outcome(type: type, venue: venue, result: .deadLettered)))
        case .refuse(let plan, let error):
            state = .claiming(plan, refusal: error)
            return Step(
                action: .claim(key: plan.address.idempotencyKey, plan.rejectionRecord(error, owner: owner, now: now)))
        case .send(let plan) where venueReady || plan.type == .cancelOrder:
            state = .claimingAsSent(plan)
            var record = plan.receivedRecord(owner: owner, lease: configuration.lease, now: now)
            record.state = .sent
            return Step(action: .claim(key: plan.address.idempotencyKey, record))
        case .send(let plan):
            state = .claiming(plan, refusal: nil)
            return Step(
                action: .claim(
                    key: plan.address.idempotencyKey,
                    plan.receivedRecord(owner: owner, lease: configuration.lease, now: now)))
        }
    }

    mutating func receive(_ event: Event, at now: CommandInstant) -> Step {
        switch (state, event) {
        case (.claiming(let plan, let refusal?), .created(let stored)):
            let answer = plan.rejectedAnswer(refusal)
            var step = deliver(
                Delivery(
                    deadLetter: refusal, answer: .init(answer, plan), mark: .init(plan, stored),
                    outcome: Outcome(type: plan.type, venue: plan.address.venue, result: .answered(answer.status))
                ))
            step.notes.insert(.rejected(refusal), at: 0)
            return step
        case (.claiming(let plan, nil), .created(let stored)):
            return beginSending(plan, stored, now)
        case (.claimingAsSent(let plan), .created(let stored)):
            return callVenue(
                Sending(plan: plan, record: stored, deadline: now.monotonic + configuration.venueWait), now)
        case (.claiming(let plan, _), .found(let stored)), (.claimingAsSent(let plan), .found(let stored)),
            (.rereading(let plan), .found(let stored)):
            return examine(stored, plan, now)
        case (.rereading, .vanished):
            state = .done
            return Step(action: .startOver)
        case (.waitingForOwner(let plan), .resumed):
            state = .rereading(plan)
            return Step(action: .reread(key: plan.address.idempotencyKey))
        case (.takingOver(let plan, _), .written(let stored)):
            var step =
                stored.record.state == .received
                ? beginSending(plan, stored, now)
                : beginResolving(plan, stored, why: "the bridge stopped while the command was at the venue", now)
            step.notes.insert(.tookOver(stored.record.state), at: 0)
            return step
        case (.takingOver(let plan, _), .lostRace):
            state = .rereading(plan)
            return Step(action: .reread(key: plan.address.idempotencyKey))
        case (.checkingSession(let sending), .session(let session)):
            return sessionChecked(sending, session, now)
        case (.pausedForSession(let sending), .resumed):
            state = .checkingSession(sending)
            return Step(action: .checkSession(sending.plan.address.venue))
        case (.markingSent(var sending), .written(let stored)):
            sending.record = stored
            return callVenue(sending, now)
        case (.callingVenue(let sending), .venueAnswered(let report)):
            return recordAnswer(sending.plan, sending.record, sending.plan.answer(from: report))
        case (.callingVenue(let sending), .venueFailed(let error)):
            return venueFailed(sending, error, now)
        case (.pausedBeforeRetry(let sending), .resumed):
            return callVenue(sending, now)
        case (.querying(var resolution), .queryAnswered(let report)):
            if let report {
                resolution.lastSeen = report
                if resolution.plan.isAnswered(by: report) {
                    var step = recordAnswer(resolution.plan, resolution.record, resolution.plan.answer(from: report))
                    step.notes.insert(.resolved(report.status), at: 0)
                    return step
                }
            }
            return queryAgain(resolution, now)
        case (.querying(var resolution), .queryFailed(let error)):
            resolution.lastError = error.description
            // The venue cannot express the query at all: asking again cannot help.
            if case .invalid = error { return giveUp(resolution) }
            return queryAgain(resolution, now)
        case (.pausedBeforeQuery(let resolution), .resumed):
            return query(resolution)
        case (.recordingAnswer(let plan, let answer), .written(let stored)):
            return deliver(
                Delivery(
                    answer: .init(answer, plan), mark: .init(plan, stored),
                    outcome: Outcome(
                        type: plan.type, venue: plan.address.venue, result: .answered(answer.status))
                ))
        case (.deadLettering(var delivery), .deadLettered):
            delivery.deadLetter = nil
            return deliver(delivery)
        case (.askingKafka(var delivery), .answerOnKafka(let found)):
            delivery.askKafka = nil
            if found { delivery.markDuplicate() }
            return deliver(delivery)
        case (.publishing(var delivery), .published):
            delivery.answer = nil
            return deliver(delivery)
        case (.markingPublished(var delivery), .markedPublished):
            delivery.mark = nil
            return deliver(delivery)
        default:
            return Step(action: .protocolViolation("\(event) while \(state)"))
        }
    }

    // MARK: - A key seen before

    /// A record found under the command's key: someone else's command, a final one, one to take
    /// over, or one another live instance is working on.
    private mutating func examine(_ stored: StoredRecord, _ plan: CommandPlan, _ now: CommandInstant) -> Step {
        let c = plan.address
        let record = stored.record
        if record.fingerprint != plan.fingerprint {
            // A plan reaches a claim only once its venue lists its account (validation, or the
            // refusal's addressability check), so the reuse has that account's stream to go to.
            let error = CommandError(
                .idempotencyKeyReused, "idempotency key \(c.idempotencyKey) was used before for a different command")
            var step = deliver(
                Delivery(
                    deadLetter: error, answer: .init(plan.rejectedAnswer(error), plan),
                    outcome: Outcome(type: plan.type, venue: c.venue, result: .answered(.rejected))
                ))
            step.notes.insert(.keyReused, at: 0)
            return step
        }
        if record.state.isFinal {
            return answerFinal(stored, plan)
        }
        if record.owner == configuration.instanceID || record.leaseUntilMs < now.wallMs {
            var next = record
            next.owner = configuration.instanceID
            next.leaseUntilMs = now.wallMs + configuration.lease.inMilliseconds
            state = .takingOver(plan, stored)
            return Step(action: .takeOver(key: c.idempotencyKey, from: stored, to: next))
        }
        state = .waitingForOwner(plan)
        return Step(action: .pause(Self.ownerPollInterval))
    }

    /// A final record: its DLQ copy if still pending, then its answer again, as a duplicate if it
    /// is out already (recorded so, or found on Kafka), then the record marked if it needs it.
    private mutating func answerFinal(_ stored: StoredRecord, _ plan: CommandPlan) -> Step {
        let record = stored.record
        let key = plan.address.idempotencyKey
        guard let answer = record.answer else {
            state = .done
            return Step(
                action: .fail(
                    .unreadableRecord(key: IdempotencyStore.redisKey(key), reason: "final record without an answer")))
        }
        var notes: [Note] = []
        var deadLetter: CommandError?
        if let pending = record.deadLetter, let code = CommandError.Code(rawValue: pending.code) {
            // At least once: if the copy got out just before a crash, this is a second one.
            deadLetter = CommandError(code, pending.message)
            notes.append(.deadLetterLeftPending(code: pending.code))
        }
        var delivery = Delivery(
            deadLetter: deadLetter, answer: .init(answer, plan),
            // Final but not recorded as published: the bridge stopped between deciding and
            // recording the delivery. Kafka itself says whether the answer got out.
            askKafka: record.published ? nil : key,
            mark: record.published && record.deadLetter == nil ? nil : .init(plan, stored),
            outcome: Outcome(type: record.type, venue: plan.address.venue, result: .answered(answer.status))
        )
        if record.published { delivery.markDuplicate() }
        var step = deliver(delivery)
        step.notes.insert(contentsOf: notes, at: 0)
        return step
    }

    // MARK: - Sending

    private mutating func beginSending(_ plan: CommandPlan, _ stored: StoredRecord, _ now: CommandInstant) -> Step {
        let sending = Sending(plan: plan, record: stored, deadline: now.monotonic + configuration.venueWait)
        // A cancel only lowers risk: the connector decides whether it can go out.
        if plan.type == .cancelOrder { return markSent(sending) }
        state = .checkingSession(sending)
        return Step(action: .checkSession(plan.address.venue))
    }

    private mutating func sessionChecked(_ sending: Sending, _ session: VenueConnectionState, _ now: CommandInstant)
        -> Step
    {
        if session == .ready { return markSent(sending) }
        if configuration.venueUnavailable == .reject || now.monotonic >= sending.deadline {
            let error = CommandError(.venueUnavailable, "\(sending.plan.address.venue) session is \(session.rawValue)")
            return recordAnswer(sending.plan, sending.record, sending.plan.rejectedAnswer(error))
        }
        state = .pausedForSession(sending)
        return Step(action: .pause(Self.sessionPollInterval))
    }

    private mutating func markSent(_ sending: Sending) -> Step {
        var next = sending.record.record
        next.state = .sent
        state = .markingSent(sending)
        return Step(action: .markSent(key: sending.plan.address.idempotencyKey, from: sending.record, to: next))
    }

    private mutating func callVenue(_ sending: Sending, _ now: CommandInstant) -> Step {
        let c = sending.plan.address
        if let expiresAt = c.expiresAt, expiresAt <= now.wallNanos {
            let error = CommandError(.expired, "the command expired while waiting for \(c.venue)")
            return recordAnswer(sending.plan, sending.record, sending.plan.rejectedAnswer(error))
        }
        state = .callingVenue(sending)
        return Step(action: .callVenue(sending.plan))
    }

    private mutating func venueFailed(_ sending: Sending, _ error: OrderEntryError, _ now: CommandInstant) -> Step {
        let plan = sending.plan
        guard error.nothingSent else {
            var step = beginResolving(plan, sending.record, why: error.description, now)
            step.notes.insert(.ambiguous(error.description), at: 0)
            return step
        }
        if case .invalid(let detail) = error {
            return recordAnswer(plan, sending.record, plan.rejectedAnswer(CommandError(.invalidForVenue, detail)))
        }
        if case .unknownOrder(let detail) = error {
            return recordAnswer(plan, sending.record, plan.rejectedAnswer(CommandError(.unknownOrder, detail)))
        }
        // Nothing reached the venue (not ready, paced, overloaded): the same call may go again
        // within the wait budget.
        guard configuration.venueUnavailable == .wait, now.monotonic < sending.deadline else {
            return recordAnswer(
                plan, sending.record, plan.rejectedAnswer(CommandError(.venueUnavailable, error.description)))
        }
        var pause = Self.retryPause
        if case .rateLimited(let retryAfter) = error { pause = max(pause, retryAfter) }
        state = .pausedBeforeRetry(sending)
        return Step(action: .pause(min(pause, sending.deadline - now.monotonic)))
    }

    // MARK: - Resolving an ambiguous outcome

    private mutating func beginResolving(
        _ plan: CommandPlan, _ stored: StoredRecord, why: String, _ now: CommandInstant
    ) -> Step {
        let resolution = Resolution(
            plan: plan, record: stored, deadline: now.monotonic + configuration.resolveTimeout, why: why)
        return query(resolution)
    }

    private mutating func query(_ resolution: Resolution) -> Step {
        guard let clientOrderId = resolution.plan.clientOrderId else { return giveUp(resolution) }
        let c = resolution.plan.address
        state = .querying(resolution)
        let kind: RFQCommandFacts.Kind? =
            switch resolution.plan.payload {
            case .createRFQ?: .create
            case .cancelRFQ(let cancel)?: .cancel(rfqId: cancel.rfqId)
            case .acceptQuote(let accept)?: .accept(quoteId: accept.quoteId, rfqId: accept.rfqId)
            case .newOrder?, .cancelOrder?, .replaceOrder?, nil: nil
            }
        let rfq = kind.map {
            RFQCommandFacts(kind: $0, clientOrderId: clientOrderId, account: c.account, instrument: c.instrument)
        }
        return Step(action: .query(venue: c.venue, clientOrderId: clientOrderId, account: c.account, rfq: rfq))
    }

    private mutating func queryAgain(_ resolution: Resolution, _ now: CommandInstant) -> Step {
        guard now.monotonic < resolution.deadline else { return giveUp(resolution) }
        state = .pausedBeforeQuery(resolution)
        return Step(action: .pause(min(configuration.resolvePollInterval, resolution.deadline - now.monotonic)))
    }

    /// Not found in time: the answer is `unknown` (the order may or may not exist at the venue).
    private mutating func giveUp(_ resolution: Resolution) -> Step {
        let plan = resolution.plan
        let c = plan.address
        var answer =
            resolution.lastSeen.map { plan.answer(from: $0) }
            ?? plan.rejectedAnswer(CommandError(.venueUnavailable, ""))
        answer.status = .unknown
        answer.rejectCode = nil
        var reason = "outcome unknown after \(configuration.resolveTimeout) of queries (\(resolution.why))"
        if resolution.lastSeen == nil {
            reason +=
                plan.clientOrderId.map { "; \(c.venue) does not know client order id \($0)" }
                ?? "; no client order id to query"
        }
        if let lastError = resolution.lastError { reason += "; last query error: \(lastError)" }
        answer.reason = reason
        var step = recordAnswer(plan, resolution.record, answer, state: .unknown)
        step.notes.insert(.unresolved(reason: reason), at: 0)
        return step
    }

    // MARK: - Answering

    /// Records the answer as final; it is published once that write went through.
    private mutating func recordAnswer(
        _ plan: CommandPlan, _ stored: StoredRecord, _ answer: ExecutionReport, state final: CommandState? = nil
    ) -> Step {
        var next = stored.record
        next.state = final ?? (answer.status == .rejected || answer.rejectCode != nil ? .rejected : .acked)
        next.answer = answer
        next.venueOrderId = answer.venueOrderId ?? next.venueOrderId
        state = .recordingAnswer(plan, answer)
        return Step(action: .recordAnswer(key: plan.address.idempotencyKey, from: stored, to: next))
    }

    /// The next thing a delivery puts out, in order: DLQ copy, the question whether the answer is
    /// out already, the answer, the record marked published; then done.
    private mutating func deliver(_ delivery: Delivery) -> Step {
        if let error = delivery.deadLetter {
            state = .deadLettering(delivery)
            return Step(action: .deadLetter(error))
        }
        if let key = delivery.askKafka {
            state = .askingKafka(delivery)
            return Step(action: .askKafka(key: key))
        }
        if let answer = delivery.answer {
            state = .publishing(delivery)
            return Step(action: .publish(answer.report, venue: answer.venue, instrument: answer.instrument))
        }
        if let mark = delivery.mark {
            var next = mark.record.record
            next.published = true
            next.deadLetter = nil
            state = .markingPublished(delivery)
            return Step(action: .markPublished(key: mark.key, from: mark.record, to: next))
        }
        state = .done
        return Step(action: .done(delivery.outcome))
    }
}
