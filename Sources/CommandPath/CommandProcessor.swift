public import EventBus
public import KafkaBus
public import Logging
public import Metrics
import OrderCommands
public import VenueBridgeCore
import VenueConnector

/// Turns one consumed command message into exactly one answer, sending the command to its venue
/// at most once per idempotency key. See docs/commands.md for the states and the guarantees.
public final class CommandProcessor: Sendable {
    private let configuration: CommandPathConfiguration
    private let venues: [VenueID: CommandVenue]
    private let store: IdempotencyStore
    private let publisher: EventPublisher
    private let producer: KafkaProducer
    private let logger: Logger
    let metrics: CommandMetrics

    public init(
        configuration: CommandPathConfiguration, venues: [VenueID: CommandVenue], store: IdempotencyStore, publisher: EventPublisher,
        producer: KafkaProducer, logger: Logger, metricsFactory: any MetricsFactory = MetricsSystem.factory
    ) {
        self.configuration = configuration
        self.venues = venues
        self.store = store
        self.publisher = publisher
        self.producer = producer
        self.logger = logger
        self.metrics = CommandMetrics(factory: metricsFactory)
    }

    /// Returns once the message's answer is durable on Kafka (and its DLQ copy, if it has one):
    /// then, and only then, may its offset be committed.
    public func handle(_ message: KafkaMessage) async throws(CommandPathError) {
        let size = message.sizeInBytes
        guard size <= configuration.maxMessageBytes else {
            // Not parsed at all: a hostile size must cost neither parse time nor an answer stream.
            let error = CommandError(.messageTooLarge, "message is \(size) bytes (value, key and headers); commands.max_message_bytes is \(configuration.maxMessageBytes)")
            try await deadLetter(message, error)
            metrics.answered(type: nil, venue: nil, outcome: "dead_lettered")
            logger.warning("oversized command message dead-lettered", metadata: metadata(message, ["bytes": "\(size)"]))
            return
        }
        switch OrderCommandCodec.decode(message.value) {
        case .success(let command):
            try await handle(command, message: message)
        case .failure(let failure):
            try await handleUndecodable(failure, message: message)
        }
    }

    // MARK: - Intake

    /// What the command acts on, worked out before the claim (read-only).
    struct Plan: Sendable {
        var command: OrderCommand
        /// The command's type as read: nil for a message too broken to say.
        var type: CommandType?
        /// The venue client order id of the order the command creates or acts on (nil for a
        /// cancel that names only a venue order id).
        var clientOrderId: String?
        var venueOrderId: String?
        var side: Side?
        var orderType: OrderType?
        var timeInForce: TimeInForce?
        var fingerprint: String
    }

    private func handle(_ command: OrderCommand, message: KafkaMessage) async throws(CommandPathError) {
        let plan = try await makePlan(command)
        try await waitForAccountList(command)
        if let error = validate(plan) {
            if addressable(command.venue, command.account) {
                try await finishInvalid(plan: plan, error: error, message: message)
            } else {
                try await deadLetterOnly(message, error, type: command.type, venue: command.venue)
            }
            return
        }
        let now = nowMs()
        let record = IdempotencyRecord(
            state: .received, fingerprint: plan.fingerprint, type: command.type, venue: command.venue, account: command.account,
            instrument: command.instrument, clientOrderId: plan.clientOrderId, side: plan.side, orderType: plan.orderType,
            owner: configuration.instanceID, leaseUntilMs: now + configuration.lease.inMilliseconds, nowMs: now
        )
        switch try await claim(command.idempotencyKey, record) {
        case .created(let stored):
            try await execute(plan, stored)
        case .existing(let stored):
            try await continueExisting(stored, plan: plan, message: message)
        }
    }

    private func makePlan(_ command: OrderCommand) async throws(CommandPathError) -> Plan {
        var plan = Plan(command: command, type: command.type, side: command.side, orderType: command.orderType, timeInForce: command.timeInForce, fingerprint: command.fingerprint)
        switch command.type {
        case .newOrder, .createRFQ, .cancelRFQ, .acceptQuote:
            plan.clientOrderId = command.clientOrderId ?? ClientOrderIds.derive(venue: command.venue, idempotencyKey: command.idempotencyKey)
            if plan.timeInForce == nil, let type = command.orderType {
                plan.timeInForce = type == .market ? (venues[command.venue]?.marketTimeInForce ?? .ioc) : .gtc
            }
        case .cancelOrder, .replaceOrder:
            switch command.target {
            case .idempotencyKey(let key):
                // The placing command's record knows the id it used (it may have been given, not
                // derived); without a record the derivation is the same function it used.
                let placed = try await storeCall { () async throws(IdempotencyStoreError) in try await self.store.get(key) }
                plan.clientOrderId = placed?.record.clientOrderId ?? ClientOrderIds.derive(venue: command.venue, idempotencyKey: key)
                plan.venueOrderId = placed?.record.venueOrderId
                plan.side = plan.side ?? placed?.record.side
                plan.orderType = plan.orderType ?? placed?.record.orderType
            case .clientOrderId(let id):
                plan.clientOrderId = id
            case .venueOrderId(let id):
                plan.venueOrderId = id
            case nil:
                break
            }
        }
        return plan
    }

    /// The checks that need the bridge's configuration (the codec checked the shape).
    func validate(_ plan: Plan) -> CommandError? {
        let c = plan.command
        if let expiresAt = c.expiresAt, expiresAt <= wallClockNanos() {
            return CommandError(.expired, "the command expired at \(expiresAt) ns before it was read")
        }
        switch c.type {
        case .createRFQ, .cancelRFQ, .acceptQuote:
            return CommandError(.unsupported, "\(c.type.rawValue) needs an RFQ venue; \(c.venue) takes no RFQ commands in this bridge")
        default:
            break
        }
        guard let venue = venues[c.venue] else {
            return CommandError(.unknownVenue, "venue \(c.venue) has no order entry configured in this bridge")
        }
        guard venue.instruments.contains(c.instrument) else {
            return CommandError(.unknownInstrument, "instrument \(c.instrument) is not configured for \(c.venue)")
        }
        // Only listed accounts get past here: every answer lands on the stream of an account the
        // bridge knows, never on one a sender made up.
        guard let accounts = venue.accounts() else {
            return CommandError(.venueUnavailable, "\(c.venue) has not listed its accounts yet (session \(venue.sessionState().rawValue))")
        }
        guard accounts.contains(c.account) else {
            return CommandError(.unknownAccount, "account \(c.account) is not an account of \(c.venue)")
        }
        if let id = c.clientOrderId {
            do { try ClientOrderIds.validate(id, venue: c.venue) } catch { return error }
        }
        if let quantity = c.quantity, !quantity.isPositive {
            return CommandError(.invalidQuantity, "quantity must be positive, got \(quantity)")
        }
        if let price = c.price, !price.isPositive {
            return CommandError(.invalidPrice, "price must be positive, got \(price)")
        }
        switch c.type {
        case .newOrder:
            let needsPrice = c.orderType == .limit || c.orderType == .stopLimit
            if needsPrice && c.price == nil { return CommandError(.invalidPrice, "a \(c.orderType!.rawValue) order needs a price") }
            if c.orderType == .market && c.price != nil { return CommandError(.invalidPrice, "a market order takes no price") }
        case .replaceOrder:
            if venue.replace == nil { return CommandError(.unsupported, "\(c.venue) has no replace; cancel and place a new order") }
            if plan.clientOrderId == nil { return CommandError(.unknownOrder, "replace needs the order's client id (target_idempotency_key or target_client_order_id)") }
        default:
            break
        }
        if c.type == .newOrder || c.type == .replaceOrder, let limit = configuration.limit(venue: c.venue, instrument: c.instrument) {
            if let max = limit.maxQuantity, let quantity = c.quantity, quantity > max {
                return CommandError(.limitExceeded, "quantity \(quantity) exceeds max_quantity \(max) for \(c.venue) \(c.instrument)")
            }
            if let max = limit.maxNotional, let quantity = c.quantity {
                guard let price = c.price else {
                    return CommandError(.limitExceeded, "a market order has no price to check against max_notional \(max) for \(c.instrument)")
                }
                guard let notional = try? quantity.multiplied(by: price), notional <= max else {
                    return CommandError(.limitExceeded, "notional \(quantity) × \(price) exceeds max_notional \(max) for \(c.venue) \(c.instrument)")
                }
            }
        }
        return nil
    }

    // MARK: - Invalid input

    /// Whether an answer for (venue, account) has somewhere to go: a venue with order entry here
    /// and an account it lists. Anything else is answered on the DLQ only, so senders cannot make
    /// the bridge create exec streams (Redis keys, `seq` counters) for names they invent.
    func addressable(_ venue: VenueID, _ account: String) -> Bool {
        venues[venue]?.accounts()?.contains(account) == true
    }

    /// A venue that lists its accounts only once logged in (T4) has none before: the command
    /// waits for the list like it would for the session (`venue_unavailable`), bounded.
    private func waitForAccountList(_ command: OrderCommand) async throws(CommandPathError) {
        guard let venue = venues[command.venue], venue.accounts() == nil, configuration.venueUnavailable == .wait else { return }
        let deadline = ContinuousClock.now + configuration.venueWait
        while venue.accounts() == nil, ContinuousClock.now < deadline {
            try await pause(.milliseconds(50))
        }
    }

    /// No answer: the DLQ copy is the only trace (docs/commands.md §5).
    private func deadLetterOnly(_ message: KafkaMessage, _ error: CommandError, type: CommandType?, venue: VenueID?) async throws(CommandPathError) {
        try await deadLetter(message, error)
        metrics.answered(type: type, venue: venue, outcome: "dead_lettered")
        logger.warning("command message dead-lettered without an answer", metadata: metadata(message, ["error": "\(error)"]))
    }

    private func handleUndecodable(_ failure: CommandDecodingFailure, message: KafkaMessage) async throws(CommandPathError) {
        guard let envelope = failure.envelope, let key = envelope.idempotencyKey, let venue = envelope.venue,
            let account = envelope.account, let instrument = envelope.instrument, addressable(venue, account)
        else {
            // Nothing (known) to address an answer to.
            try await deadLetterOnly(message, failure.error, type: failure.envelope?.type, venue: failure.envelope?.venue)
            return
        }
        // The raw bytes stand in for the fingerprint: a replay has the same bytes. The command
        // is only the answer's address; `type` says what (if anything) was asked.
        var command = OrderCommand(type: envelope.type ?? .newOrder, idempotencyKey: key, venue: venue, account: account, instrument: instrument)
        command.side = envelope.side
        command.orderType = envelope.orderType
        let plan = Plan(
            command: command, type: envelope.type, clientOrderId: envelope.clientOrderId ?? ClientOrderIds.derive(venue: venue, idempotencyKey: key),
            side: envelope.side, orderType: envelope.orderType, fingerprint: "raw:" + digestHex(message.value)
        )
        try await finishInvalid(plan: plan, error: failure.error, message: message)
    }

    /// An invalid command is final at once: recorded (so a replay is a duplicate), copied to the
    /// DLQ, answered `rejected`.
    private func finishInvalid(plan: Plan, error: CommandError, message: KafkaMessage) async throws(CommandPathError) {
        let c = plan.command
        let answer = rejectedAnswer(plan, error: error)
        let now = nowMs()
        var record = IdempotencyRecord(
            state: .rejected, fingerprint: plan.fingerprint, type: plan.type, venue: c.venue, account: c.account, instrument: c.instrument,
            clientOrderId: plan.clientOrderId, side: plan.side, orderType: plan.orderType, owner: configuration.instanceID, leaseUntilMs: now, nowMs: now
        )
        record.answer = answer
        // Final at once, but with its DLQ copy recorded as pending: a replay after a DLQ failure
        // or a crash produces the copy before it answers (answerFinal), instead of only
        // republishing the answer of a record that looked finished.
        record.deadLetter = PendingDeadLetter(code: error.code.rawValue, message: error.message)
        switch try await claim(c.idempotencyKey, record) {
        case .created(let stored):
            logger.warning("command rejected", metadata: metadata(message, ["key": "\(c.idempotencyKey)", "error": "\(error)"]))
            // DLQ first, then the answer, then one record update saying both are out.
            try await deadLetter(message, error)
            try await publish(answer, venue: c.venue, instrument: c.instrument)
            await markPublished(c.idempotencyKey, stored)
            metrics.answered(type: plan.type, venue: c.venue, outcome: answer.status.rawValue)
        case .existing(let stored):
            try await continueExisting(stored, plan: plan, message: message)
        }
    }

    private func rejectedAnswer(_ plan: Plan, error: CommandError) -> ExecutionReport {
        let c = plan.command
        return ExecutionReport(
            account: c.account, clientOrderId: plan.clientOrderId ?? plan.venueOrderId ?? ClientOrderIds.derive(venue: c.venue, idempotencyKey: c.idempotencyKey),
            idempotencyKey: c.idempotencyKey,
            venueOrderId: plan.venueOrderId, side: plan.side ?? .buy, orderType: plan.orderType ?? .limit, timeInForce: plan.timeInForce,
            status: .rejected, price: c.price, quantity: c.quantity, cumQty: .zero, leavesQty: .zero, reason: error.message,
            rejectCode: error.code.rawValue, command: plan.type
        )
    }

    // MARK: - A key seen before

    private func continueExisting(_ stored: StoredRecord, plan: Plan, message: KafkaMessage) async throws(CommandPathError) {
        let c = plan.command
        var current = stored
        while true {
            if current.record.fingerprint != plan.fingerprint {
                let error = CommandError(.idempotencyKeyReused, "idempotency key \(c.idempotencyKey) was used before for a different command")
                logger.warning("idempotency key reused", metadata: metadata(message, ["key": "\(c.idempotencyKey)"]))
                guard addressable(c.venue, c.account) else {
                    try await deadLetterOnly(message, error, type: plan.type, venue: c.venue)
                    return
                }
                let answer = rejectedAnswer(plan, error: error)
                try await deadLetter(message, error)
                try await publish(answer, venue: c.venue, instrument: c.instrument)
                metrics.answered(type: plan.type, venue: c.venue, outcome: "rejected")
                return
            }
            if current.record.state.isFinal {
                try await answerFinal(current, key: c.idempotencyKey, venue: c.venue, instrument: c.instrument, message: message)
                return
            }
            let now = nowMs()
            if current.record.owner == configuration.instanceID || current.record.leaseUntilMs < now {
                // Ours from before a restart, or abandoned by an instance whose lease ran out.
                var next = current.record
                next.owner = configuration.instanceID
                next.leaseUntilMs = now + configuration.lease.inMilliseconds
                do {
                    current = try await store.update(c.idempotencyKey, from: current, to: next)
                } catch .lostRace {
                    current = try await reread(c.idempotencyKey, message: message) ?? current
                    continue
                } catch {
                    throw .store(error)
                }
                logger.notice("taking over an unfinished command", metadata: ["key": "\(c.idempotencyKey)", "state": "\(current.record.state.rawValue)"])
                if current.record.state == .received {
                    try await execute(plan, current)
                } else {
                    try await resolve(plan, current, why: "the bridge stopped while the command was at the venue")
                }
                return
            }
            // Another live instance is working on it: its answer will come; wait for it.
            try await pause(.milliseconds(200))
            guard let again = try await reread(c.idempotencyKey, message: message) else { return }
            current = again
        }
    }

    /// Re-reads a record; nil when it expired meanwhile, in which case the message was handled
    /// afresh (from its bytes, like any other).
    private func reread(_ key: String, message: KafkaMessage) async throws(CommandPathError) -> StoredRecord? {
        if let record = try await storeCall({ () async throws(IdempotencyStoreError) in try await self.store.get(key) }) { return record }
        try await handle(message)
        return nil
    }

    /// A final record: its DLQ copy if still pending, then its answer again, as a duplicate if it
    /// was published before.
    private func answerFinal(_ stored: StoredRecord, key: String, venue: VenueID, instrument: String, message: KafkaMessage) async throws(CommandPathError) {
        guard var answer = stored.record.answer else {
            throw .store(.unreadableRecord(key: IdempotencyStore.redisKey(key), reason: "final record without an answer"))
        }
        if let pending = stored.record.deadLetter, let code = CommandError.Code(rawValue: pending.code) {
            // At least once: if the copy got out just before a crash, this is a second one.
            logger.notice("producing a DLQ copy left pending", metadata: metadata(message, ["key": "\(key)", "code": "\(pending.code)"]))
            try await deadLetter(message, CommandError(code, pending.message))
        }
        var alreadyOut = stored.record.published
        if !alreadyOut {
            // Final but not recorded as published: the bridge stopped between deciding and
            // recording the delivery. Kafka itself says whether the answer got out.
            alreadyOut = try await answerOnKafka(key: key)
        }
        if alreadyOut {
            answer.duplicate = true
            try await publish(answer, venue: venue, instrument: instrument)
            if !stored.record.published || stored.record.deadLetter != nil { await markPublished(key, stored) }
            metrics.duplicate(venue: venue)
            metrics.answered(type: stored.record.type, venue: venue, outcome: "duplicate")
        } else {
            try await publish(answer, venue: venue, instrument: instrument)
            await markPublished(key, stored)
            metrics.answered(type: stored.record.type, venue: venue, outcome: answer.status.rawValue)
        }
    }

    // MARK: - Sending

    private func execute(_ plan: Plan, _ claimed: StoredRecord) async throws(CommandPathError) {
        let c = plan.command
        guard let venue = venues[c.venue] else { preconditionFailure("validated") }
        let started = ContinuousClock.now
        let deadline = started + configuration.venueWait
        // A cancel only lowers risk: the connector decides whether it can go out.
        if c.type != .cancelOrder {
            while venue.sessionState() != .ready {
                if configuration.venueUnavailable == .reject || ContinuousClock.now >= deadline {
                    let error = CommandError(.venueUnavailable, "\(c.venue) session is \(venue.sessionState().rawValue)")
                    try await finish(plan, claimed, answer: rejectedAnswer(plan, error: error))
                    return
                }
                try await pause(.milliseconds(50))
            }
        }
        var stored = claimed
        var sent = stored.record
        sent.state = .sent
        stored = try await storeCall { () async throws(IdempotencyStoreError) in try await self.store.update(c.idempotencyKey, from: stored, to: sent) }

        while true {
            if let expiresAt = c.expiresAt, expiresAt <= wallClockNanos() {
                try await finish(plan, stored, answer: rejectedAnswer(plan, error: CommandError(.expired, "the command expired while waiting for \(c.venue)")))
                return
            }
            let callStarted = ContinuousClock.now
            let outcome = await attempt { () async throws(OrderEntryError) in try await call(venue, plan) }
            switch outcome {
            case .success(let report):
                metrics.venueLatency(venue: c.venue, type: c.type, ContinuousClock.now - callStarted)
                try await finish(plan, stored, answer: answer(from: report, plan: plan))
                return
            case .failure(let error):
                guard error.nothingSent else {
                    metrics.venueLatency(venue: c.venue, type: c.type, ContinuousClock.now - callStarted)
                    logger.warning("venue outcome ambiguous; resolving by query", metadata: ["key": "\(c.idempotencyKey)", "error": "\(error)"])
                    try await resolve(plan, stored, why: error.description)
                    return
                }
                if case .invalid(let detail) = error {
                    try await finish(plan, stored, answer: rejectedAnswer(plan, error: CommandError(.invalidForVenue, detail)))
                    return
                }
                // Nothing reached the venue (not ready, paced, overloaded): the same call may go
                // again within the wait budget.
                guard configuration.venueUnavailable == .wait, ContinuousClock.now < deadline else {
                    try await finish(plan, stored, answer: rejectedAnswer(plan, error: CommandError(.venueUnavailable, error.description)))
                    return
                }
                var pause = Duration.milliseconds(100)
                if case .rateLimited(let retryAfter) = error { pause = max(pause, retryAfter) }
                try await self.pause(min(pause, deadline - ContinuousClock.now))
            }
        }
    }

    private func call(_ venue: CommandVenue, _ plan: Plan) async throws(OrderEntryError) -> ExecutionReport {
        let c = plan.command
        switch c.type {
        case .newOrder:
            return try await venue.entry.place(OrderRequest(
                account: c.account, instrument: c.instrument, clientOrderId: plan.clientOrderId!, idempotencyKey: c.idempotencyKey,
                side: c.side!, orderType: c.orderType!, timeInForce: plan.timeInForce ?? .gtc, quantity: c.quantity!, price: c.price
            ))
        case .cancelOrder:
            return try await venue.entry.cancel(CancelRequest(
                account: c.account, instrument: c.instrument, clientOrderId: plan.clientOrderId, venueOrderId: plan.clientOrderId == nil ? plan.venueOrderId : nil,
                idempotencyKey: c.idempotencyKey, side: plan.side, orderType: plan.orderType
            ))
        case .replaceOrder:
            return try await venue.replace!(plan.clientOrderId!, c.account, c.quantity, c.price)
        case .createRFQ, .cancelRFQ, .acceptQuote:
            throw .invalid("\(c.type.rawValue) is not supported by \(c.venue)")
        }
    }

    /// Queries the venue for the order the command made or acted on, until the state answers the
    /// command or `resolveTimeout` passes; then the answer is `unknown`. Never sends the command.
    private func resolve(_ plan: Plan, _ stored: StoredRecord, why: String) async throws(CommandPathError) {
        let c = plan.command
        guard let venue = venues[c.venue] else { preconditionFailure("validated") }
        let deadline = ContinuousClock.now + configuration.resolveTimeout
        var lastSeen: ExecutionReport?
        var lastError: String?
        if let clientOrderId = plan.clientOrderId {
            while true {
                let queried = await attempt { () async throws(OrderEntryError) in try await venue.entry.query(clientOrderId: clientOrderId, account: c.account) }
                switch queried {
                case .success(let report?):
                    lastSeen = report
                    if answers(c, report) {
                        metrics.ambiguous(venue: c.venue, resolution: "found")
                        logger.notice("ambiguous command resolved by query", metadata: ["key": "\(c.idempotencyKey)", "status": "\(report.status.rawValue)"])
                        try await finish(plan, stored, answer: answer(from: report, plan: plan))
                        return
                    }
                case .success(nil):
                    break
                case .failure(let error):
                    lastError = error.description
                }
                if case .failure(.invalid) = queried { break }
                guard ContinuousClock.now < deadline else { break }
                try await pause(min(configuration.resolvePollInterval, deadline - ContinuousClock.now))
            }
        }
        metrics.ambiguous(venue: c.venue, resolution: "unknown")
        var answer = lastSeen.map { self.answer(from: $0, plan: plan) } ?? rejectedAnswer(plan, error: CommandError(.venueUnavailable, ""))
        answer.status = .unknown
        answer.rejectCode = nil
        var reason = "outcome unknown after \(configuration.resolveTimeout) of queries (\(why))"
        if lastSeen == nil { reason += plan.clientOrderId.map { "; \(c.venue) does not know client order id \($0)" } ?? "; no client order id to query" }
        if let lastError { reason += "; last query error: \(lastError)" }
        answer.reason = reason
        logger.error("command outcome unknown", metadata: ["key": "\(c.idempotencyKey)", "venue": "\(c.venue)", "reason": "\(reason)"])
        try await finish(plan, stored, answer: answer, state: .unknown)
    }

    /// Whether the order's state as queried answers the command.
    private func answers(_ c: OrderCommand, _ report: ExecutionReport) -> Bool {
        switch c.type {
        case .newOrder:
            return true
        case .cancelOrder:
            return report.status.isTerminal || report.status == .pendingCancel
        case .replaceOrder:
            if report.status.isTerminal { return true }
            return (c.quantity.map { $0 == report.quantity } ?? true) && (c.price.map { $0 == report.price } ?? true)
        case .createRFQ, .cancelRFQ, .acceptQuote:
            return true
        }
    }

    /// The venue's report made into the command's answer: the order's state, without the fill
    /// fields (the connector published the fills themselves; the answer is not one).
    private func answer(from report: ExecutionReport, plan: Plan) -> ExecutionReport {
        var answer = report
        answer.lastQty = nil
        answer.lastPx = nil
        answer.fillId = nil
        answer.liquidity = nil
        answer.duplicate = nil
        answer.command = plan.command.type
        answer.idempotencyKey = plan.command.idempotencyKey
        return answer
    }

    /// Records the answer as final, publishes it (confirmed), marks it published.
    private func finish(_ plan: Plan, _ stored: StoredRecord, answer: ExecutionReport, state: CommandState? = nil) async throws(CommandPathError) {
        let c = plan.command
        var next = stored.record
        next.state = state ?? (answer.status == .rejected || answer.rejectCode != nil ? .rejected : .acked)
        next.answer = answer
        next.venueOrderId = answer.venueOrderId ?? next.venueOrderId
        let final = try await storeCall { () async throws(IdempotencyStoreError) in try await self.store.update(c.idempotencyKey, from: stored, to: next) }
        try await publish(answer, venue: c.venue, instrument: c.instrument)
        await markPublished(c.idempotencyKey, final)
        metrics.answered(type: c.type, venue: c.venue, outcome: answer.status.rawValue)
    }

    // MARK: - Output

    private func publish(_ answer: ExecutionReport, venue: VenueID, instrument: String) async throws(CommandPathError) {
        let event = NormalizedEvent(venue: venue, instrument: instrument, venueInstrument: nil, tsRecv: wallClockNanos(), payload: .executionReport(answer))
        do {
            try await publisher.publishConfirmed(event)
        } catch {
            throw .publish(error)
        }
    }

    private func answerOnKafka(key: String) async throws(CommandPathError) -> Bool {
        guard !configuration.kafkaProperties.isEmpty else { return false }
        let outcome = await KafkaTailScan.find(
            properties: configuration.kafkaProperties, topic: configuration.topics.execReport, window: configuration.answerScanWindow,
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
    /// again: at least once). Called only once the DLQ copy, if any, is confirmed too.
    private func markPublished(_ key: String, _ stored: StoredRecord) async {
        var next = stored.record
        next.published = true
        next.deadLetter = nil
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
            try await producer.produceAndConfirm(KafkaRecord(topic: configuration.topics.ordersDLQ, key: key, value: value, headers: headers))
        } catch {
            throw .deadLetter(error)
        }
        metrics.deadLettered(code: error.code.rawValue)
    }

    /// Key bytes kept in the DLQ copy of an oversized message (keys are `<venue>:<account>`).
    static let maxTruncatedKeyBytes = 256

    // MARK: - Helpers

    private func claim(_ key: String, _ record: IdempotencyRecord) async throws(CommandPathError) -> IdempotencyStore.ClaimResult {
        try await storeCall { () async throws(IdempotencyStoreError) in try await self.store.claim(key, record) }
    }

    private func storeCall<T: Sendable>(_ body: () async throws(IdempotencyStoreError) -> T) async throws(CommandPathError) -> T {
        do {
            return try await body()
        } catch {
            throw .store(error)
        }
    }

    private func metadata(_ message: KafkaMessage, _ extra: Logger.Metadata) -> Logger.Metadata {
        extra.merging(["topic": "\(message.topic)", "partition": "\(message.partition)", "offset": "\(message.offset)"]) { a, _ in a }
    }

    private func attempt<T: Sendable>(_ body: () async throws(OrderEntryError) -> T) async -> Result<T, OrderEntryError> {
        do {
            return .success(try await body())
        } catch {
            return .failure(error)
        }
    }

    private func nowMs() -> Int64 { wallClockNanos() / 1_000_000 }

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
