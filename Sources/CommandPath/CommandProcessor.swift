// File length: the I/O shell of the pure CommandStateMachine: one function per action kind (store, venue, Kafka,
// DLQ), each short; splitting would separate actions from the loop that runs them.
public import EventBus
public import KafkaBus
public import Logging
public import Metrics
import OrderCommands
public import VenueBridgeCore
import VenueConnector

/// What the command consumer hands each message to.
public protocol CommandHandling: Sendable {
    /// Returns once the message's answer is durable on Kafka: then its offset may be stored.
    func handle(_ message: KafkaMessage) async throws(CommandPathError)
}

/// Turns one consumed command message into exactly one answer, sending the command to its venue
/// at most once per idempotency key. See docs/commands.md for the states and the guarantees.
///
/// The decisions are made elsewhere, without I/O: intake (size, decoding, the plan, the checks of
/// `CommandValidation`) decides how the handling begins, and `CommandStateMachine` decides every
/// step after that. This class performs the steps (Redis, the venue, Kafka, pauses), feeds their
/// results back, and logs and counts what the machine notes.
public final class CommandProcessor: CommandHandling {
    private let configuration: CommandPathConfiguration
    private let venues: [VenueID: CommandVenue]
    private let store: IdempotencyStore
    private let publisher: EventPublisher
    private let producer: KafkaProducer
    private let logger: Logger
    private let keysInHand = KeyedExclusion()
    let metrics: CommandMetrics

    public init(
        configuration: CommandPathConfiguration, venues: [VenueID: CommandVenue], store: IdempotencyStore,
        publisher: EventPublisher,
        producer: KafkaProducer, logger: Logger, metricsFactory: any MetricsFactory = MetricsSystem.factory
    ) {
        self.configuration = configuration
        self.venues = venues
        self.store = store
        self.publisher = publisher
        self.producer = producer
        self.logger = logger
        self.metrics = CommandMetrics(factory: metricsFactory, venues: Array(venues.keys))
    }

    /// Returns once the message's answer is durable on Kafka (and its DLQ copy, if it has one):
    /// then, and only then, may its offset be committed.
    public func handle(_ message: KafkaMessage) async throws(CommandPathError) {
        let intake = try await intake(message)
        // One handler per idempotency key in this process (KeyedExclusion says why).
        guard let key = intake.plan?.address.idempotencyKey else {
            try await handle(message, intake)
            return
        }
        await keysInHand.enter(key)
        defer { keysInHand.leave(key) }
        try await handle(message, intake)
    }

    private func handle(_ message: KafkaMessage, _ intake: CommandStateMachine.Intake) async throws(CommandPathError) {
        try await run(intake, message: message)
        if case .deadLetterOnly(let error, _, _) = intake {
            if error.code == .messageTooLarge {
                logger.warning(
                    "oversized command message dead-lettered",
                    metadata: metadata(message, ["bytes": "\(message.sizeInBytes)"]))
            } else {
                logger.warning(
                    "command message dead-lettered without an answer",
                    metadata: metadata(message, ["error": "\(error)"]))
            }
        }
    }

    // MARK: - Intake

    /// How the handling begins: DLQ only, refused (recorded and answered), or to be sent.
    private func intake(_ message: KafkaMessage) async throws(CommandPathError) -> CommandStateMachine.Intake {
        let size = message.sizeInBytes
        guard size <= configuration.maxMessageBytes else {
            // Not parsed at all: a hostile size must cost neither parse time nor an answer stream.
            let error = CommandError(
                .messageTooLarge,
                "message is \(size) bytes (value, key and headers); commands.max_message_bytes is \(configuration.maxMessageBytes)"
            )
            return .deadLetterOnly(error, type: nil, venue: nil)
        }
        switch OrderCommandCodec.decode(message.value) {
        case .success(let command):
            var placed: IdempotencyRecord?
            if let key = CommandPlan.placingKey(of: command) {
                placed = try await storeCall { () async throws(IdempotencyStoreError) in try await self.store.get(key)
                }?.record
            }
            let plan = CommandPlan(command, placed: placed, terms: venues[command.venue]?.terms ?? .unknownVenue)
            try await waitForAccountList(command)
            let venue = venues[command.venue]?.facts
            guard
                let error = CommandValidation.firstError(
                    of: plan, venue: venue, configuration: configuration, nowNanos: wallClockNanos())
            else {
                return .send(plan)
            }
            return addressable(command.venue, command.account)
                ? .refuse(plan, error) : .deadLetterOnly(error, type: command.type, venue: command.venue)
        case .failure(let failure):
            guard let envelope = failure.envelope, let key = envelope.idempotencyKey, let venue = envelope.venue,
                let account = envelope.account, let instrument = envelope.instrument, addressable(venue, account)
            else {
                // Nothing (known) to address an answer to.
                return .deadLetterOnly(failure.error, type: failure.envelope?.type, venue: failure.envelope?.venue)
            }
            let plan = CommandPlan(
                undecodable: envelope, key: key, venue: venue, account: account, instrument: instrument,
                value: message.value, terms: venues[venue]?.terms ?? .unknownVenue)
            return .refuse(plan, failure.error)
        }
    }

    /// Whether an answer for (venue, account) has somewhere to go: a venue with order entry here
    /// and an account it lists. Anything else is answered on the DLQ only, so senders cannot make
    /// the bridge create exec streams (Redis keys, `seq` counters) for names they invent.
    func addressable(_ venue: VenueID, _ account: String) -> Bool {
        venues[venue]?.accounts()?.contains(account) == true
    }

    /// A venue that lists its accounts only once logged in (T4) has none before: the command
    /// waits for the list like it would for the session (`venue_unavailable`), bounded.
    private func waitForAccountList(_ command: OrderCommand) async throws(CommandPathError) {
        guard let venue = venues[command.venue], venue.accounts() == nil, configuration.venueUnavailable == .wait else {
            return
        }
        let deadline = ContinuousClock.now + configuration.venueWait
        while venue.accounts() == nil, ContinuousClock.now < deadline {
            try await pause(.milliseconds(50))
        }
    }

    // MARK: - Performing the machine's actions

    private func run(_ intake: CommandStateMachine.Intake, message: KafkaMessage) async throws(CommandPathError) {
        var machine = CommandStateMachine(intake, configuration: configuration)
        let subject = intake.plan?.command
        // A ready venue lets a valid command be claimed `sent` at once (one Redis write fewer).
        var venueReady = false
        if case .send(let plan) = intake { venueReady = venues[plan.address.venue]?.sessionState() == .ready }
        var step = machine.start(at: .now(), venueReady: venueReady)
        while true {
            for note in step.notes { record(note, subject: subject, message: message) }
            let event: CommandStateMachine.Event
            switch step.action {
            case .claim(let key, let record):
                switch try await storeCall({ () async throws(IdempotencyStoreError) in
                    try await self.store.claim(key, record)
                }) {
                case .created(let stored): event = .created(stored)
                case .existing(let stored): event = .found(stored)
                }
            case .reread(let key):
                event =
                    try await storeCall { () async throws(IdempotencyStoreError) in try await self.store.get(key) }.map
                { .found($0) } ?? .vanished
            case .takeOver(let key, let from, let to):
                do {
                    event = .written(try await store.update(key, from: from, to: to))
                } catch .lostRace {
                    event = .lostRace
                } catch {
                    throw .store(error)
                }
            case .markSent(let key, let from, let to), .recordAnswer(let key, let from, let to):
                event = .written(
                    try await storeCall { () async throws(IdempotencyStoreError) in
                        try await self.store.update(key, from: from, to: to)
                    })
            case .checkSession(let venue):
                event = .session(self.venue(venue).sessionState())
            case .callVenue(let plan):
                event = await callVenue(plan)
            case .query(let venue, let clientOrderId, let account, let rfq):
                let commandVenue = self.venue(venue)
                switch await attempt({ () async throws(OrderEntryError) in
                    if let rfq, let rfqEntry = commandVenue.rfqEntry { return try await rfqEntry.resolve(rfq) }
                    return try await commandVenue.entry.query(clientOrderId: clientOrderId, account: account)
                }) {
                case .success(let report): event = .queryAnswered(report)
                case .failure(let error): event = .queryFailed(error)
                }
            case .deadLetter(let error):
                try await deadLetter(message, error)
                event = .deadLettered
            case .askKafka(let key):
                event = .answerOnKafka(try await answerOnKafka(key: key))
            case .publish(let answer, let venue, let instrument):
                try await publish(answer, venue: venue, instrument: instrument)
                event = .published
            case .markPublished(let key, let from, let to):
                await markPublished(key, from: from, to: to)
                event = .markedPublished
            case .pause(let duration):
                try await pause(duration)
                event = .resumed
            case .startOver:
                // The record expired while waited on: the message is handled afresh, from its bytes
                // (under the same key, which this handler already holds).
                try await handle(message, try await self.intake(message))
                return
            case .fail(let error):
                throw .store(error)
            case .done(let outcome):
                count(outcome)
                return
            case .protocolViolation(let what):
                preconditionFailure("command state machine: \(what)")
            }
            step = machine.receive(event, at: .now())
        }
    }

    private func venue(_ id: VenueID) -> CommandVenue {
        guard let venue = venues[id] else { preconditionFailure("validated: \(id) has order entry") }
        return venue
    }

    private func callVenue(_ plan: CommandPlan) async -> CommandStateMachine.Event {
        let c = plan.address
        let type = plan.type ?? .newOrder
        let started = ContinuousClock.now
        switch await attempt({ () async throws(OrderEntryError) in try await call(venue(c.venue), plan) }) {
        case .success(let report):
            metrics.venueLatency(venue: c.venue, type: type, ContinuousClock.now - started)
            return .venueAnswered(report)
        case .failure(let error):
            // The latency of a call that may have reached the venue; one that sent nothing has none.
            if !error.nothingSent { metrics.venueLatency(venue: c.venue, type: type, ContinuousClock.now - started) }
            return .venueFailed(error)
        }
    }

    /// The venue call a validated command makes, through the capability validation found. Each
    /// payload carries what its call needs; the plan adds the client id it worked out.
    private func call(_ venue: CommandVenue, _ plan: CommandPlan) async throws(OrderEntryError) -> ExecutionReport {
        let c = plan.address
        guard let payload = plan.payload else { throw .invalid("a message that did not decode is never sent") }
        func missing(_ capability: CommandCapability) -> OrderEntryError {
            .invalid("\(c.venue) has no \(capability) for \(payload.type.rawValue)")
        }
        // The plan derives a client id for every command that creates something, and for a
        // cancel or replace finds the one its target names.
        let derived =
            plan.clientOrderId
            ?? ClientOrderIds.derive(
                plan.clientOrderIds, venue: c.venue, idempotencyKey: c.idempotencyKey)
        switch payload {
        case .newOrder(let order):
            guard let entry = venue.orderEntry else { throw missing(.orderEntry) }
            return try await entry.place(
                OrderRequest(
                    account: c.account, instrument: c.instrument, clientOrderId: derived,
                    idempotencyKey: c.idempotencyKey, side: order.side, orderType: order.orderType,
                    timeInForce: plan.timeInForce ?? .gtc, quantity: order.quantity, price: order.price))
        case .cancelOrder:
            guard let entry = venue.orderEntry else { throw missing(.orderEntry) }
            return try await entry.cancel(
                CancelRequest(
                    account: c.account, instrument: c.instrument, clientOrderId: plan.clientOrderId,
                    venueOrderId: plan.clientOrderId == nil ? plan.venueOrderId : nil,
                    idempotencyKey: c.idempotencyKey, side: plan.side, orderType: plan.orderType))
        case .replaceOrder(let replace):
            guard let entry = venue.replacing else { throw missing(.replace) }
            // Validation refuses a replace without the order's client id before it gets here.
            guard let clientOrderId = plan.clientOrderId else {
                throw .invalid("replace needs the order's client id")
            }
            return try await entry.replace(
                ReplaceRequest(
                    account: c.account, clientOrderId: clientOrderId, quantity: replace.quantity,
                    price: replace.price, idempotencyKey: c.idempotencyKey))
        case .createRFQ(let rfq):
            guard let entry = venue.rfqEntry else { throw missing(.rfqEntry) }
            return try await entry.createRFQ(
                RFQRequest(
                    account: c.account, instrument: c.instrument, clientRFQId: derived, side: rfq.side,
                    quantity: rfq.quantity, idempotencyKey: c.idempotencyKey))
        case .cancelRFQ(let cancel):
            guard let entry = venue.rfqEntry else { throw missing(.rfqEntry) }
            return try await entry.cancelRFQ(rfqId: cancel.rfqId, account: c.account, instrument: c.instrument)
        case .acceptQuote(let accept):
            guard let entry = venue.rfqEntry else { throw missing(.rfqEntry) }
            return try await entry.acceptQuote(
                AcceptQuoteRequest(
                    account: c.account, instrument: c.instrument, quoteId: accept.quoteId, rfqId: accept.rfqId,
                    clientOrderId: derived, idempotencyKey: c.idempotencyKey))
        }
    }

    /// The log line or metric a machine's note stands for.
    private func record(_ note: CommandStateMachine.Note, subject: OrderCommand?, message: KafkaMessage) {
        let key = subject?.idempotencyKey ?? "-"
        switch note {
        case .rejected(let error):
            logger.warning("command rejected", metadata: metadata(message, ["key": "\(key)", "error": "\(error)"]))
        case .keyReused:
            logger.warning("idempotency key reused", metadata: metadata(message, ["key": "\(key)"]))
        case .tookOver(let state):
            logger.notice(
                "taking over an unfinished command", metadata: ["key": "\(key)", "state": "\(state.rawValue)"])
        case .deadLetterLeftPending(let code):
            logger.notice(
                "producing a DLQ copy left pending", metadata: metadata(message, ["key": "\(key)", "code": "\(code)"]))
        case .ambiguous(let why):
            logger.warning(
                "venue outcome ambiguous; resolving by query", metadata: ["key": "\(key)", "error": "\(why)"])
        case .resolved(let status):
            if let venue = subject?.venue { metrics.ambiguous(venue: venue, resolution: "found") }
            logger.notice(
                "ambiguous command resolved by query", metadata: ["key": "\(key)", "status": "\(status.rawValue)"])
        case .unresolved(let reason):
            if let venue = subject?.venue { metrics.ambiguous(venue: venue, resolution: "unknown") }
            logger.error(
                "command outcome unknown",
                metadata: ["key": "\(key)", "venue": "\(subject?.venue.rawValue ?? "-")", "reason": "\(reason)"])
        }
    }

    private func count(_ outcome: CommandStateMachine.Outcome) {
        switch outcome.result {
        case .answered(let status):
            metrics.answered(type: outcome.type, venue: outcome.venue, outcome: status.rawValue)
        case .duplicate:
            metrics.duplicate(venue: outcome.venue)
            metrics.answered(type: outcome.type, venue: outcome.venue, outcome: "duplicate")
        case .deadLettered:
            metrics.answered(type: outcome.type, venue: outcome.venue, outcome: "dead_lettered")
        }
    }

    // MARK: - Output

    private func publish(_ answer: ExecutionReport, venue: VenueID, instrument: String) async throws(CommandPathError) {
        let event = NormalizedEvent(
            venue: venue, instrument: instrument, venueInstrument: nil, tsRecv: wallClockNanos(),
            payload: .executionReport(answer))
        do {
            try await publisher.publishConfirmed(event)
        } catch {
            throw .publish(error)
        }
    }

    private func answerOnKafka(key: String) async throws(CommandPathError) -> Bool {
        guard !configuration.kafkaProperties.isEmpty else { return false }
        let outcome = await KafkaTailScan.find(
            properties: configuration.kafkaProperties, topic: configuration.topics.execReport,
            window: configuration.answerScanWindow,
            timeout: .seconds(15)
        ) { message in
            // Cheap filter first: the key's bytes must be in the message.
            guard message.value.count >= key.utf8.count, String(decoding: message.value, as: UTF8.self).contains(key),
                let event = try? EventCodec.decode(message.value), case .executionReport(let report) = event.payload
            else { return false }
            return report.idempotencyKey == key && report.command != nil && report.duplicate != true
        }
        switch outcome {
        case .found: return true
        case .notFound: return false
        case .inconclusive(let reason): throw .answerUnverified(reason)
        }
    }

    /// Best effort: if it fails, a replay reads Kafka back to tell (and produces the DLQ copy
    /// again: at least once). Asked for only once the DLQ copy, if any, is confirmed too.
    private func markPublished(_ key: String, from stored: StoredRecord, to next: IdempotencyRecord) async {
        do {
            _ = try await store.update(key, from: stored, to: next)
        } catch {
            logger.warning("answer published but not marked so", metadata: ["key": "\(key)", "error": "\(error)"])
        }
    }

    /// The original message, byte for byte, with the Kafka Connect-style error headers. A message
    /// over `maxMessageBytes` is cut down so that the copy always fits the broker: its value to
    /// the first `maxMessageBytes` bytes, its key to `maxTruncatedKeyBytes`, its own headers
    /// dropped; `original.truncated` and `original.size` say so.
    private func deadLetter(_ message: KafkaMessage, _ error: CommandError) async throws(CommandPathError) {
        let size = message.sizeInBytes
        let truncated = size > configuration.maxMessageBytes
        var key = message.key
        var value = message.value
        var headers: [KafkaHeader] = []
        if truncated {
            value = Array(value.prefix(configuration.maxMessageBytes))
            key = key.map { Array($0.prefix(Self.maxTruncatedKeyBytes)) }
            headers.append(KafkaHeader("original.truncated", "true"))
            headers.append(KafkaHeader("original.size", String(size)))
        } else {
            headers = message.headers
        }
        headers.append(KafkaHeader("error.code", error.code.rawValue))
        headers.append(KafkaHeader("error.message", error.message))
        headers.append(KafkaHeader("original.topic", message.topic))
        headers.append(KafkaHeader("original.partition", String(message.partition)))
        headers.append(KafkaHeader("original.offset", String(message.offset)))
        if let key { headers.append(KafkaHeader("original.key", bytes: key)) }
        do {
            try await producer.produceAndConfirm(
                KafkaRecord(topic: configuration.topics.ordersDLQ, key: key, value: value, headers: headers))
        } catch {
            throw .deadLetter(error)
        }
        metrics.deadLettered(code: error.code.rawValue)
    }

    /// Key bytes kept in the DLQ copy of an oversized message (keys are `<venue>:<account>`).
    static let maxTruncatedKeyBytes = 256

    // MARK: - Helpers

    private func storeCall<T: Sendable>(_ body: () async throws(IdempotencyStoreError) -> T)
        async throws(CommandPathError) -> T
    {
        do {
            return try await body()
        } catch {
            throw .store(error)
        }
    }

    private func metadata(_ message: KafkaMessage, _ extra: Logger.Metadata) -> Logger.Metadata {
        extra.merging(["topic": "\(message.topic)", "partition": "\(message.partition)", "offset": "\(message.offset)"])
        { a, _ in a }
    }

    private func attempt<T: Sendable>(_ body: () async throws(OrderEntryError) -> T) async -> Result<T, OrderEntryError>
    {
        do {
            return .success(try await body())
        } catch {
            return .failure(error)
        }
    }

    /// Every wait of the command path ends on cancellation: a `try?` sleep returns at once when
    /// cancelled, and the loop around it would spin until its deadline (or for ever).
    private func pause(_ duration: Duration) async throws(CommandPathError) {
        do {
            try await Task.sleep(for: duration)
        } catch {
            throw .cancelled
        }
    }
}

extension KafkaMessage {
    /// What the message weighs at intake: value, key and headers (names and values). Saturating:
    /// sizes come from outside.
    var sizeInBytes: Int {
        var total = value.count
        func add(_ n: Int) {
            let (sum, overflow) = total.addingReportingOverflow(n)
            total = overflow ? .max : sum
        }
        add(key?.count ?? 0)
        for header in headers {
            add(header.name.utf8.count)
            add(header.value.count)
        }
        return total
    }
}
