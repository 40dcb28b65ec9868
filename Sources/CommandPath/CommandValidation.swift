import OrderCommands
import VenueBridgeCore

/// What the checks need to know about a venue, read once from its connector: the checks
/// themselves stay pure.
struct CommandVenueFacts: Sendable, Hashable {
    var instruments: Set<String>
    /// nil: the venue has not listed its accounts (yet).
    var accounts: Set<String>?
    var sessionState: VenueConnectionState
    var capabilities: Set<CommandCapability>
    var terms: OrderTerms
}

extension CommandVenue {
    var facts: CommandVenueFacts {
        CommandVenueFacts(
            instruments: instruments, accounts: accounts(), sessionState: sessionState(), capabilities: capabilities,
            terms: terms)
    }
}

/// The checks of docs/commands.md §4.5 that need the bridge's configuration (the codec checked
/// the shape), in the documented order: the first failure is the answer.
enum CommandValidation {
    static func firstError(
        of plan: CommandPlan, venue: CommandVenueFacts?, configuration: CommandPathConfiguration, nowNanos: Int64
    ) -> CommandError? {
        // A message that did not decode was refused by the codec; there is nothing more to check.
        guard let c = plan.command else { return nil }
        if let expiresAt = c.expiresAt, expiresAt <= nowNanos {
            return CommandError(.expired, "the command expired at \(expiresAt) ns before it was read")
        }
        if let error = missingCapability(c.type, of: c.venue, venue) { return error }
        guard let venue else {
            return CommandError(.unknownVenue, "venue \(c.venue) has no order entry configured in this bridge")
        }
        guard venue.instruments.contains(c.instrument) else {
            return CommandError(.unknownInstrument, "instrument \(c.instrument) is not configured for \(c.venue)")
        }
        // Only listed accounts get past here: every answer lands on the stream of an account the
        // bridge knows, never on one a sender made up.
        guard let accounts = venue.accounts else {
            return CommandError(
                .venueUnavailable, "\(c.venue) has not listed its accounts yet (session \(venue.sessionState.rawValue))"
            )
        }
        guard accounts.contains(c.account) else {
            return CommandError(.unknownAccount, "account \(c.account) is not an account of \(c.venue)")
        }
        if let id = c.clientOrderId {
            do { try ClientOrderIds.validate(id, format: venue.terms.clientOrderIds, venue: c.venue) } catch {
                return error
            }
        }
        if let quantity = c.quantity, !quantity.isPositive {
            return CommandError(.invalidQuantity, "quantity must be positive, got \(quantity)")
        }
        if let price = c.price, !price.isPositive {
            return CommandError(.invalidPrice, "price must be positive, got \(price)")
        }
        switch c.type {
        case .newOrder:
            if let orderType = c.orderType, orderType == .limit || orderType == .stopLimit, c.price == nil {
                return CommandError(.invalidPrice, "a \(orderType.rawValue) order needs a price")
            }
            if c.orderType == .market && c.price != nil {
                return CommandError(.invalidPrice, "a market order takes no price")
            }
        case .replaceOrder:
            if plan.clientOrderId == nil {
                return CommandError(
                    .unknownOrder,
                    "replace needs the order's client id (target_idempotency_key or target_client_order_id)")
            }
        default:
            break
        }
        if c.type == .newOrder || c.type == .replaceOrder,
            let limit = configuration.limit(venue: c.venue, instrument: c.instrument)
        {
            if let max = limit.maxQuantity, let quantity = c.quantity, quantity > max {
                return CommandError(
                    .limitExceeded, "quantity \(quantity) exceeds max_quantity \(max) for \(c.venue) \(c.instrument)")
            }
            if let max = limit.maxNotional, let quantity = c.quantity {
                guard let price = c.price else {
                    return CommandError(
                        .limitExceeded,
                        "a market order has no price to check against max_notional \(max) for \(c.instrument)")
                }
                guard let notional = try? quantity.multiplied(by: price), notional <= max else {
                    return CommandError(
                        .limitExceeded,
                        "notional \(quantity) × \(price) exceeds max_notional \(max) for \(c.venue) \(c.instrument)")
                }
            }
        }
        return nil
    }

    /// The one place a command is refused for what its venue cannot do: `UNSUPPORTED`, before
    /// anything about the venue is checked. A venue this bridge does not run (`venue` nil) has no
    /// RFQ entry; whether it has order entry is `UNKNOWN_VENUE`'s business, the next check.
    static func missingCapability(_ type: CommandType, of id: VenueID, _ venue: CommandVenueFacts?) -> CommandError? {
        let needed = CommandCapability(type)
        if let venue, venue.capabilities.contains(needed) { return nil }
        switch needed {
        case .rfqEntry:
            return CommandError(
                .unsupported, "\(type.rawValue) needs an RFQ venue; \(id) takes no RFQ commands in this bridge")
        case .replace:
            guard venue != nil else { return nil }
            return CommandError(.unsupported, "\(id) has no replace; cancel and place a new order")
        case .orderEntry:
            guard venue != nil else { return nil }
            return CommandError(.unsupported, "\(type.rawValue) needs order entry; \(id) takes RFQ commands only")
        }
    }
}
