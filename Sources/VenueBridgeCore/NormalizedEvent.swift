/// The body of a normalized event; the case decides the event `type`.
public enum EventPayload: Sendable, Hashable {
    case bookSnapshot(BookLevels)
    case bookDelta(BookLevels)
    case trade(Trade)
    case ticker(Ticker)
    case rfq(RFQ)
    case quote(Quote)
    case executionReport(ExecutionReport)
    case position(Position)
    case balance(Balance)
    case venueStatus(VenueStatus)

    public var type: EventType {
        switch self {
        case .bookSnapshot: .bookSnapshot
        case .bookDelta: .bookDelta
        case .trade: .trade
        case .ticker: .ticker
        case .rfq: .rfq
        case .quote: .quote
        case .executionReport: .executionReport
        case .position: .position
        case .balance: .balance
        case .venueStatus: .venueStatus
        }
    }

    /// The account of an account event.
    public var account: String? {
        switch self {
        case .executionReport(let r): r.account
        case .position(let p): p.account
        case .balance(let b): b.account
        case .rfq(let r): r.account
        case .bookSnapshot, .bookDelta, .trade, .ticker, .quote, .venueStatus: nil
        }
    }
}

/// One event as the bridge publishes it: identical JSON on Kafka and on Redis.
///
/// Wire form (contract `venuebridge.v1`, see docs/events.md):
/// `{"schema":"venuebridge.v1","type":…,"venue":…,"instrument":…,"venue_instrument":…,
///   "seq":…,"venue_seq":…,"ts_venue":…,"ts_recv":…,"data":{…}}`
public struct NormalizedEvent: Sendable, Hashable {
    public static let schemaID = "venuebridge.v1"

    public var venue: VenueID
    /// Normalized symbol (`BTC-USD`, `ESM5`); absent for venue-wide events (status, balances).
    public var instrument: String?
    /// The venue's own id for the instrument.
    public var venueInstrument: String?
    /// Strictly increasing per stream (see `EventStream`), assigned by the publisher; 0 until then.
    public var seq: UInt64
    public var venueSeq: UInt64?
    /// Nanoseconds since epoch, as stamped by the venue.
    public var tsVenue: Int64?
    /// Nanoseconds since epoch, when the bridge received the venue's message.
    public var tsRecv: Int64
    public var payload: EventPayload

    public init(
        venue: VenueID, instrument: String?, venueInstrument: String?, seq: UInt64 = 0, venueSeq: UInt64? = nil,
        tsVenue: Int64? = nil, tsRecv: Int64, payload: EventPayload
    ) {
        self.venue = venue
        self.instrument = instrument
        self.venueInstrument = venueInstrument
        self.seq = seq
        self.venueSeq = venueSeq
        self.tsVenue = tsVenue
        self.tsRecv = tsRecv
        self.payload = payload
    }

    public var type: EventType { payload.type }
    public var stream: EventStream { payload.type.stream }

    /// What the stream is about: the account for account events, the instrument for market data,
    /// empty for venue status.
    public var streamSubject: String {
        if stream.isAccountScoped { return payload.account ?? "" }
        if stream == .status { return "" }
        return instrument ?? ""
    }
}

/// Identity of one ordered stream: the unit `seq` counts in.
public struct StreamIdentity: Sendable, Hashable, CustomStringConvertible {
    public var stream: EventStream
    public var venue: VenueID
    public var subject: String

    public init(stream: EventStream, venue: VenueID, subject: String) {
        self.stream = stream
        self.venue = venue
        self.subject = subject
    }

    public init(of event: NormalizedEvent) {
        self.init(stream: event.stream, venue: event.venue, subject: event.streamSubject)
    }

    public var description: String { "\(stream):\(venue):\(subject)" }
}
