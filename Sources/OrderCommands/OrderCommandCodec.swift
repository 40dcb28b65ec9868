public import VenueBridgeCore

/// The wire form of `OrderCommand`: one compact JSON object, decimals as strings.
public enum OrderCommandCodec {
    /// Every key the contract knows. Anything else is refused: a misspelt `qty` must not turn into
    /// an order without a quantity.
    static let knownKeys: Set<String> = [
        "schema", "type", "idempotency_key", "venue", "account", "instrument", "side", "order_type", "time_in_force",
        "quantity", "price", "client_order_id", "expires_at", "target_idempotency_key", "target_client_order_id",
        "target_venue_order_id", "rfq_id", "quote_id",
    ]

    /// What can be read of a message even when it is not a valid command: enough, sometimes, to
    /// address a rejected report to the right account.
    public struct Envelope: Sendable, Hashable {
        public var type: CommandType?
        public var idempotencyKey: String?
        public var venue: VenueID?
        public var account: String?
        public var instrument: String?
        public var side: Side?
        public var orderType: OrderType?
        public var clientOrderId: String?
    }

    public static func decode(_ bytes: [UInt8]) -> Result<OrderCommand, CommandDecodingFailure> {
        let json: JSONValue
        do {
            json = try JSONValue.parse(bytes, rejectingDuplicateKeys: true)
        } catch {
            // No envelope: with a key twice, even the account or idempotency key that would
            // address an answer may be the wrong one of two. The DLQ copy is the only trace.
            if let name = error.duplicateKey {
                return .failure(
                    CommandDecodingFailure(
                        error: CommandError(
                            .duplicateKey,
                            "key \"\(name)\" appears twice in one object (byte \(error.offset)); send each key once"),
                        envelope: nil
                    ))
            }
            return .failure(
                CommandDecodingFailure(error: CommandError(.malformed, "not JSON: \(error)"), envelope: nil))
        }
        guard let object = json.object else {
            return .failure(
                CommandDecodingFailure(error: CommandError(.malformed, "a command is a JSON object"), envelope: nil))
        }
        let envelope = Self.envelope(object)
        do {
            return .success(try command(object))
        } catch {
            return .failure(CommandDecodingFailure(error: error, envelope: envelope))
        }
    }

    public static func encode(_ command: OrderCommand) -> [UInt8] {
        var w = JSONWriter(capacity: 384)
        w.beginObject()
        w.key("schema")
        w.string(OrderCommand.schemaID)
        w.key("type")
        w.string(command.type.rawValue)
        w.key("idempotency_key")
        w.string(command.idempotencyKey)
        w.key("venue")
        w.string(command.venue.rawValue)
        w.key("account")
        w.string(command.account)
        w.key("instrument")
        w.string(command.instrument)
        w.field("side", command.side)
        w.field("order_type", command.orderType)
        w.field("time_in_force", command.timeInForce)
        w.field("quantity", command.quantity)
        w.field("price", command.price)
        w.field("client_order_id", command.clientOrderId)
        w.field("expires_at", command.expiresAt)
        switch command.target {
        case .idempotencyKey(let key): w.field("target_idempotency_key", key)
        case .clientOrderId(let id): w.field("target_client_order_id", id)
        case .venueOrderId(let id): w.field("target_venue_order_id", id)
        case nil: break
        }
        w.field("rfq_id", command.rfqId)
        w.field("quote_id", command.quoteId)
        w.endObject()
        return w.bytes
    }

    // MARK: - Decoding

    private static func command(_ object: [String: JSONValue]) throws(CommandError) -> OrderCommand {
        if let unknown = object.keys.filter({ !knownKeys.contains($0) }).sorted().first {
            throw CommandError(.invalidField, "unknown field \"\(unknown)\"")
        }
        let schema = try requiredString(object, "schema")
        guard schema == OrderCommand.schemaID else {
            throw CommandError(.unsupportedSchema, "schema \"\(schema)\" is not \(OrderCommand.schemaID)")
        }
        let type: CommandType = try requiredEnum(object, "type")
        let key = try requiredString(object, "idempotency_key")
        try checkIdempotencyKey(key)
        let venueName = try requiredString(object, "venue")
        guard let venue = VenueID(rawValue: venueName) else {
            throw CommandError(
                .unknownVenue,
                "venue \"\(venueName)\" is not one of \(VenueID.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let account = try requiredIdentifier(object, "account")
        let instrument = try requiredIdentifier(object, "instrument")
        var expiresAt: Int64?
        if let value = object["expires_at"] {
            guard let ns = value.int64, ns > 0 else {
                throw CommandError(.invalidField, "expires_at must be a positive integer (ns since the Unix epoch)")
            }
            expiresAt = ns
        }
        let fields = Fields(
            side: try optionalEnum(object, "side"), orderType: try optionalEnum(object, "order_type"),
            timeInForce: try optionalEnum(object, "time_in_force"), quantity: try decimal(object, "quantity"),
            price: try decimal(object, "price"),
            clientOrderId: try identifier(object, "client_order_id", required: false),
            target: try target(object), rfqId: try identifier(object, "rfq_id", required: false),
            quoteId: try identifier(object, "quote_id", required: false))
        return OrderCommand(
            idempotencyKey: key, venue: venue, account: account, instrument: instrument, expiresAt: expiresAt,
            try payload(type, fields))
    }

    /// The optional keys as read, before the type decides which it needs.
    private struct Fields {
        var side: Side?
        var orderType: OrderType?
        var timeInForce: TimeInForce?
        var quantity: ExactDecimal?
        var price: ExactDecimal?
        var clientOrderId: String?
        var target: OrderTarget?
        var rfqId: String?
        var quoteId: String?
    }

    private static func target(_ object: [String: JSONValue]) throws(CommandError) -> OrderTarget? {
        let targets: [OrderTarget] = [
            try identifier(object, "target_idempotency_key", required: false).map(OrderTarget.idempotencyKey),
            try identifier(object, "target_client_order_id", required: false).map(OrderTarget.clientOrderId),
            try identifier(object, "target_venue_order_id", required: false).map(OrderTarget.venueOrderId),
        ].compactMap { $0 }
        guard targets.count <= 1 else {
            throw CommandError(
                .invalidField,
                "name the target order once: target_idempotency_key, target_client_order_id or target_venue_order_id")
        }
        return targets.first
    }

    /// The per-type rules the JSON Schema states with `if/then`, and the payload they make. Keys
    /// a type has no use for are left out of it (docs/commands.md §2.1): they are not part of
    /// what the command asks for, nor of its fingerprint.
    private static func payload(_ type: CommandType, _ f: Fields) throws(CommandError) -> OrderCommand.Payload {
        func required<T>(_ value: T?, _ field: String) throws(CommandError) -> T {
            guard let value else { throw CommandError(.invalidField, "\(type.rawValue) needs \(field)") }
            return value
        }
        let anyTarget = "a target (target_idempotency_key, target_client_order_id or target_venue_order_id)"
        switch type {
        case .newOrder:
            let order = NewOrder(
                side: try required(f.side, "side"), orderType: try required(f.orderType, "order_type"),
                timeInForce: f.timeInForce, quantity: try required(f.quantity, "quantity"), price: f.price,
                clientOrderId: f.clientOrderId)
            if f.target != nil { throw CommandError(.invalidField, "new_order takes no target_* field") }
            return .newOrder(order)
        case .cancelOrder:
            return .cancelOrder(
                CancelOrder(target: try required(f.target, anyTarget), side: f.side, orderType: f.orderType))
        case .replaceOrder:
            let target = try required(f.target, anyTarget)
            guard f.quantity != nil || f.price != nil else {
                throw CommandError(.invalidField, "replace_order needs quantity or price (the new values)")
            }
            return .replaceOrder(
                ReplaceOrder(
                    target: target, quantity: f.quantity, price: f.price, side: f.side, orderType: f.orderType))
        case .createRFQ:
            return .createRFQ(
                CreateRFQ(side: f.side, quantity: try required(f.quantity, "quantity"), clientOrderId: f.clientOrderId))
        case .cancelRFQ:
            return .cancelRFQ(CancelRFQ(rfqId: try required(f.rfqId, "rfq_id")))
        case .acceptQuote:
            return .acceptQuote(
                AcceptQuote(
                    quoteId: try required(f.quoteId, "quote_id"), rfqId: f.rfqId, clientOrderId: f.clientOrderId))
        }
    }

    /// The contract's rule for `idempotency_key` (docs/commands.md §2): 1…128 printable ASCII
    /// characters, no spaces. The CLI checks a `--key` with it before producing anything.
    public static func checkIdempotencyKey(_ key: String) throws(CommandError) {
        guard !key.isEmpty, key.utf8.count <= OrderCommand.maxIdempotencyKeyLength else {
            throw CommandError(
                .invalidField,
                "idempotency_key must be 1…\(OrderCommand.maxIdempotencyKeyLength) characters, got \(key.utf8.count)")
        }
        guard key.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw CommandError(.invalidField, "idempotency_key must be printable ASCII without spaces")
        }
    }

    private static func requiredString(_ object: [String: JSONValue], _ name: String) throws(CommandError) -> String {
        guard let value = object[name] else { throw CommandError(.invalidField, "missing field \"\(name)\"") }
        guard let text = value.string else { throw CommandError(.invalidField, "\(name) must be a string") }
        return text
    }

    /// An identifier: a non-empty string of at most 128 printable characters.
    private static func identifier(_ object: [String: JSONValue], _ name: String, required: Bool) throws(CommandError)
        -> String?
    {
        guard object[name] != nil else {
            if required { throw CommandError(.invalidField, "missing field \"\(name)\"") }
            return nil
        }
        let text = try requiredString(object, name)
        guard isIdentifier(text) else {
            throw CommandError(
                .invalidField, "\(name) must be 1…\(maxIdentifierBytes) bytes of UTF-8 without control characters")
        }
        return text
    }

    private static func requiredIdentifier(_ object: [String: JSONValue], _ name: String) throws(CommandError)
        -> String
    {
        guard let text = try identifier(object, name, required: false) else {
            throw CommandError(.invalidField, "missing field \"\(name)\"")
        }
        return text
    }

    public static let maxIdentifierBytes = 128

    /// The contract's identifier (docs/commands.md §2, events.md §2.3): non-empty, at most 128
    /// bytes of UTF-8, no control characters (C0 including NUL, DEL, C1). Identifiers become
    /// Kafka keys, Redis key names and log fields; one rule for every place that reads them, the
    /// envelope of a refused message included.
    public static func isIdentifier(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.count <= maxIdentifierBytes
            && !text.unicodeScalars.contains { $0.properties.generalCategory == .control }
    }

    private static func requiredEnum<E: RawRepresentable & CaseIterable>(_ object: [String: JSONValue], _ name: String)
        throws(CommandError) -> E
    where E.RawValue == String {
        let text = try requiredString(object, name)
        guard let value = E(rawValue: text) else {
            throw CommandError(
                .invalidField, "\(name) \"\(text)\" is not one of \(E.allCases.map(\.rawValue).joined(separator: ", "))"
            )
        }
        return value
    }

    private static func optionalEnum<E: RawRepresentable & CaseIterable>(_ object: [String: JSONValue], _ name: String)
        throws(CommandError) -> E?
    where E.RawValue == String {
        guard object[name] != nil else { return nil }
        return try requiredEnum(object, name) as E
    }

    /// Decimals are strings (`"0.5"`): a JSON number would pass through someone's `Double` first.
    private static func decimal(_ object: [String: JSONValue], _ name: String) throws(CommandError) -> ExactDecimal? {
        guard let value = object[name] else { return nil }
        guard let text = value.string else {
            throw CommandError(.invalidField, "\(name) must be a decimal string such as \"1.5\"")
        }
        guard let decimal = ExactDecimal(text) else {
            throw CommandError(.invalidField, "\(name) \"\(text)\" is not a decimal")
        }
        return decimal
    }

    private static func envelope(_ object: [String: JSONValue]) -> Envelope {
        // What addresses an answer must be an identifier like any other: a refused message must
        // not get further with its account or instrument than a valid one would.
        func text(_ name: String) -> String? { object[name]?.string.flatMap { isIdentifier($0) ? $0 : nil } }
        var key = text("idempotency_key")
        if let candidate = key, (try? checkIdempotencyKey(candidate)) == nil { key = nil }
        return Envelope(
            type: text("type").flatMap(CommandType.init(rawValue:)), idempotencyKey: key,
            venue: text("venue").flatMap(VenueID.init(rawValue:)), account: text("account"),
            instrument: text("instrument"),
            side: text("side").flatMap(Side.init(rawValue:)),
            orderType: text("order_type").flatMap(OrderType.init(rawValue:)),
            clientOrderId: text("client_order_id")
        )
    }
}

/// A message that is not a valid command, with whatever could be read of it.
public struct CommandDecodingFailure: Error, Sendable, Hashable {
    public var error: CommandError
    public var envelope: OrderCommandCodec.Envelope?
}
