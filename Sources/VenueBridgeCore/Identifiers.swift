/// The venues the bridge speaks to. The raw value is the id used everywhere: config keys, event
/// `venue` fields, Kafka keys, Redis keys, CLI arguments and metric labels.
public enum VenueID: String, CaseIterable, Sendable, Codable, Hashable, CustomStringConvertible {
    case finery
    case fi
    case fig
    case sfox
    case t4

    public var description: String { rawValue }
}

/// The `type` of a normalized event.
public enum EventType: String, CaseIterable, Sendable, Codable, Hashable {
    case bookSnapshot = "book_snapshot"
    case bookDelta = "book_delta"
    case trade
    case ticker
    case rfq
    case quote
    case executionReport = "execution_report"
    case position
    case balance
    case venueStatus = "venue_status"

    /// The ordered stream an event of this type belongs to. Snapshots and deltas of one book share
    /// a stream (and a `seq` counter) because a consumer must apply them in one order; so do RFQs and
    /// their quotes.
    public var stream: EventStream {
        switch self {
        case .bookSnapshot, .bookDelta: .book
        case .trade: .trade
        case .ticker: .ticker
        case .rfq, .quote: .rfq
        case .executionReport: .exec
        case .position: .position
        case .balance: .balance
        case .venueStatus: .status
        }
    }
}

/// A family of events published as one ordered stream per `(stream, venue, subject)`.
///
/// The subject is the normalized instrument for market data, the account for account events and
/// empty for venue status. `seq` counts within exactly one such stream, which is also exactly one
/// Redis stream key and one Kafka message key, so a consumer of either sees gaps as jumps in `seq`.
public enum EventStream: String, CaseIterable, Sendable, Hashable, CustomStringConvertible {
    case book
    case trade
    case ticker
    case rfq
    case exec
    case position
    case balance
    case status

    public var isMarketData: Bool {
        switch self {
        case .book, .trade, .ticker, .rfq: true
        case .exec, .position, .balance, .status: false
        }
    }

    /// Account events are keyed by account, never dropped under backpressure.
    public var isAccountScoped: Bool {
        switch self {
        case .exec, .position, .balance: true
        case .book, .trade, .ticker, .rfq, .status: false
        }
    }

    public var description: String { rawValue }
}

public enum Side: String, Sendable, Codable, Hashable, CaseIterable {
    case buy
    case sell
}

/// The side that took liquidity in a trade; `unknown` when the venue does not say.
public enum AggressorSide: String, Sendable, Codable, Hashable, CaseIterable {
    case buy
    case sell
    case unknown
}

public enum OrderType: String, Sendable, Codable, Hashable, CaseIterable {
    case market
    case limit
    case stop
    case stopLimit = "stop_limit"
}

/// What an order command asks for (`type` of a command on `<prefix>.orders.command`).
public enum CommandType: String, Sendable, Codable, Hashable, CaseIterable {
    case newOrder = "new_order"
    case cancelOrder = "cancel_order"
    case replaceOrder = "replace_order"
    case createRFQ = "create_rfq"
    case cancelRFQ = "cancel_rfq"
    case acceptQuote = "accept_quote"
}

public enum TimeInForce: String, Sendable, Codable, Hashable, CaseIterable {
    case gtc
    case ioc
    case fok
    case day
    case gtd
}

public enum OrderStatus: String, Sendable, Codable, Hashable, CaseIterable {
    case pendingNew = "pending_new"
    case new
    case partiallyFilled = "partially_filled"
    case filled
    case pendingCancel = "pending_cancel"
    case canceled
    case rejected
    case expired
    case unknown

    /// No further report will follow for this order.
    public var isTerminal: Bool {
        switch self {
        case .filled, .canceled, .rejected, .expired: true
        case .pendingNew, .new, .partiallyFilled, .pendingCancel, .unknown: false
        }
    }
}

public enum Liquidity: String, Sendable, Codable, Hashable, CaseIterable {
    case maker
    case taker
}

/// A venue session's state: `disconnected → connecting → authenticating → ready`, and from
/// `ready` to `degraded` (socket up, venue not usable) or back to `disconnected`.
public enum VenueConnectionState: String, Sendable, Codable, Hashable, CaseIterable {
    case connecting
    /// Socket up; login or the venue's go-ahead still pending.
    case authenticating
    case ready
    case degraded
    case disconnected
}

public enum RFQStatus: String, Sendable, Codable, Hashable, CaseIterable {
    case open
    case quoted
    case accepted
    case traded
    case canceled
    case expired
    case rejected
}

public enum QuoteStatus: String, Sendable, Codable, Hashable, CaseIterable {
    case active
    case accepted
    case canceled
    case expired
    case rejected
}
