import OrderCommands
import VenueBridgeCore

/// What a command acts on, worked out before the claim, and the records and answers made from it.
/// Pure: the one input that needs I/O (the placing command's record, for a cancel or replace that
/// names it by key) is read by the processor and passed in.
struct CommandPlan: Sendable, Hashable {
    /// Where the answer goes: the command's, or what a message too broken to decode told.
    var address: CommandAddress
    /// What the command asks for; nil for a message that did not decode.
    var payload: OrderCommand.Payload?
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
    /// The venue's client id format, for an answer that needs the command's own derived id.
    var clientOrderIds: ClientOrderIdFormat = .standard

    init(
        address: CommandAddress, payload: OrderCommand.Payload?, type: CommandType?, clientOrderId: String? = nil,
        venueOrderId: String? = nil, side: Side?, orderType: OrderType?, timeInForce: TimeInForce? = nil,
        fingerprint: String
    ) {
        self.address = address
        self.payload = payload
        self.type = type
        self.clientOrderId = clientOrderId
        self.venueOrderId = venueOrderId
        self.side = side
        self.orderType = orderType
        self.timeInForce = timeInForce
        self.fingerprint = fingerprint
    }

    /// The decoded command; nil for a message that did not decode.
    var command: OrderCommand? { payload.map { OrderCommand(address: address, $0) } }

    /// The idempotency key of the order a cancel or replace names by key: its record is read
    /// before the plan is made.
    static func placingKey(of command: OrderCommand) -> String? {
        guard command.type == .cancelOrder || command.type == .replaceOrder,
            case .idempotencyKey(let key) = command.target
        else { return nil }
        return key
    }

    /// The plan of a decoded command. `placed`: the record of `placingKey(of:)`, if it has one.
    /// `terms`: how the venue spells client ids and market orders' time in force.
    init(_ command: OrderCommand, placed: IdempotencyRecord?, terms: OrderTerms) {
        self.init(
            address: command.address, payload: command.payload, type: command.type, side: command.side,
            orderType: command.orderType, timeInForce: command.timeInForce, fingerprint: command.fingerprint)
        clientOrderIds = terms.clientOrderIds
        switch command.type {
        case .newOrder, .createRFQ, .cancelRFQ, .acceptQuote:
            clientOrderId =
                command.clientOrderId
                ?? ClientOrderIds.derive(
                    terms.clientOrderIds, venue: command.venue, idempotencyKey: command.idempotencyKey)
            if timeInForce == nil, let type = command.orderType {
                timeInForce = type == .market ? (terms.marketTimeInForce ?? .ioc) : .gtc
            }
        case .cancelOrder, .replaceOrder:
            switch command.target {
            case .idempotencyKey(let key):
                // The placing command's record knows the id it used (it may have been given, not
                // derived); without a record the derivation is the same function it used.
                clientOrderId =
                    placed?.clientOrderId
                    ?? ClientOrderIds.derive(terms.clientOrderIds, venue: command.venue, idempotencyKey: key)
                venueOrderId = placed?.venueOrderId
                side = side ?? placed?.side
                orderType = orderType ?? placed?.orderType
            case .clientOrderId(let id):
                clientOrderId = id
            case .venueOrderId(let id):
                venueOrderId = id
            case nil:
                break
            }
        }
    }

    /// The plan of a message that did not decode but says where its answer goes. The raw bytes
    /// stand in for the fingerprint (a replay has the same bytes); the command is only the
    /// answer's address, and `type` says what (if anything) was asked.
    init(
        undecodable envelope: OrderCommandCodec.Envelope, key: String, venue: VenueID, account: String,
        instrument: String, value: [UInt8], terms: OrderTerms
    ) {
        self.init(
            address: CommandAddress(idempotencyKey: key, venue: venue, account: account, instrument: instrument),
            payload: nil, type: envelope.type,
            clientOrderId: envelope.clientOrderId
                ?? ClientOrderIds.derive(terms.clientOrderIds, venue: venue, idempotencyKey: key),
            side: envelope.side, orderType: envelope.orderType, fingerprint: "raw:" + digestHex(value)
        )
        clientOrderIds = terms.clientOrderIds
    }

    // MARK: - Records

    /// The record a valid command claims: `received`, owned by `owner` for one lease.
    func receivedRecord(owner: String, lease: Duration, now: CommandInstant) -> IdempotencyRecord {
        let c = address
        return IdempotencyRecord(
            state: .received, fingerprint: fingerprint, type: type, venue: c.venue, account: c.account,
            instrument: c.instrument,
            clientOrderId: clientOrderId, side: side, orderType: orderType, owner: owner,
            leaseUntilMs: now.wallMs + lease.inMilliseconds,
            nowMs: now.wallMs
        )
    }

    /// The record an invalid command claims: final at once, with its answer, and with its DLQ
    /// copy pending, so a replay after a DLQ failure or a crash produces the copy before it
    /// answers instead of only republishing the answer of a record that looked finished.
    func rejectionRecord(_ error: CommandError, owner: String, now: CommandInstant) -> IdempotencyRecord {
        let c = address
        var record = IdempotencyRecord(
            state: .rejected, fingerprint: fingerprint, type: type, venue: c.venue, account: c.account,
            instrument: c.instrument,
            clientOrderId: clientOrderId, side: side, orderType: orderType, owner: owner, leaseUntilMs: now.wallMs,
            nowMs: now.wallMs
        )
        record.answer = rejectedAnswer(error)
        record.deadLetter = PendingDeadLetter(code: error.code.rawValue, message: error.message)
        return record
    }

    // MARK: - Answers

    /// The bridge's own refusal as the command's answer.
    func rejectedAnswer(_ error: CommandError) -> ExecutionReport {
        let c = address
        return ExecutionReport(
            account: c.account,
            clientOrderId: clientOrderId ?? venueOrderId
                ?? ClientOrderIds.derive(clientOrderIds, venue: c.venue, idempotencyKey: c.idempotencyKey),
            idempotencyKey: c.idempotencyKey,
            venueOrderId: venueOrderId, side: side ?? .buy, orderType: orderType ?? .limit, timeInForce: timeInForce,
            status: .rejected, price: command?.price, quantity: command?.quantity, cumQty: .zero, leavesQty: .zero,
            reason: error.message,
            rejectCode: error.code.rawValue, command: type
        )
    }

    /// The venue's report made into the command's answer: the order's state, without the fill
    /// fields (the connector published the fills themselves; the answer is not one).
    func answer(from report: ExecutionReport) -> ExecutionReport {
        var answer = report
        answer.lastQty = nil
        answer.lastPx = nil
        answer.fillId = nil
        answer.liquidity = nil
        answer.duplicate = nil
        answer.command = type
        answer.idempotencyKey = address.idempotencyKey
        return answer
    }

    /// Whether the order's state as queried answers the command (a cancel is answered by a
    /// terminal or pending-cancel state, a replace by its new values or a terminal state).
    func isAnswered(by report: ExecutionReport) -> Bool {
        switch payload {
        case .newOrder?, .createRFQ?, .cancelRFQ?, .acceptQuote?, nil:
            return true
        case .cancelOrder?:
            return report.status.isTerminal || report.status == .pendingCancel
        case .replaceOrder(let replace)?:
            if report.status.isTerminal { return true }
            return (replace.quantity.map { $0 == report.quantity } ?? true)
                && (replace.price.map { $0 == report.price } ?? true)
        }
    }
}

/// A moment as the command path's decisions see it: the wall clock, for `expires_at` and for
/// leases (which other instances compare against their own wall clock), and the monotonic clock,
/// for waits and deadlines (which must not jump when the wall clock is stepped).
struct CommandInstant: Sendable, Hashable {
    var wallNanos: Int64
    var monotonic: ContinuousClock.Instant

    var wallMs: Int64 { wallNanos / 1_000_000 }

    static func now() -> CommandInstant {
        CommandInstant(wallNanos: wallClockNanos(), monotonic: .now)
    }

    func advanced(by duration: Duration) -> CommandInstant {
        let (seconds, attoseconds) = duration.components
        return CommandInstant(
            wallNanos: wallNanos + seconds * 1_000_000_000 + attoseconds / 1_000_000_000,
            monotonic: monotonic + duration)
    }
}
