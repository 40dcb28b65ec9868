public import EventBus
public import KafkaBus
public import VenueBridgeCore
public import VenueConnector

/// How the command path behaves. Defaults are the documented ones (docs/commands.md).
public struct CommandPathConfiguration: Sendable {
    /// What to do with a command whose venue session is not ready.
    public enum VenueUnavailablePolicy: String, Sendable, CaseIterable {
        /// Wait up to `venueWait`, then reject.
        case wait
        /// Reject at once.
        case reject
    }

    public var topics: TopicNames
    public var groupID: String
    public var idempotencyTTL: Duration
    public var venueUnavailable: VenueUnavailablePolicy
    public var venueWait: Duration
    /// How long an ambiguous outcome is queried for before the answer is `unknown`.
    public var resolveTimeout: Duration
    public var resolvePollInterval: Duration
    /// Names this bridge instance in idempotency records. Must differ between replicas that run
    /// at the same time (the pod name in Kubernetes) and stay the same across restarts of one.
    public var instanceID: String
    public var limits: [InstrumentLimit]
    /// Client properties (brokers, security) for reading back the answer topic after a crash;
    /// empty: no read-back (an unrecorded answer is then published again as an original).
    public var kafkaProperties: KafkaProperties = [:]
    /// How many of the newest messages per partition the read-back looks through.
    public var answerScanWindow: Int64 = 10_000
    /// Largest command message read (value + key + headers, bytes). A bigger one is not parsed:
    /// it goes to the DLQ only, truncated to this size. Must stay well under the broker's
    /// `message.max.bytes` (1 MB by default) so that the DLQ copy itself always fits.
    public var maxMessageBytes: Int = CommandPathConfiguration.defaultMaxMessageBytes
    public static let defaultMaxMessageBytes = 64 * 1024
    /// Largest `maxMessageBytes` accepted: the DLQ copy (this much value plus our headers) must
    /// fit under the broker's default `message.max.bytes` of 1 000 000 bytes.
    public static let maxMessageBytesLimit = 900_000

    public init(
        topics: TopicNames = TopicNames(), groupID: String = "venue-bridge-commands",
        idempotencyTTL: Duration = .seconds(7 * 24 * 3600),
        venueUnavailable: VenueUnavailablePolicy = .wait, venueWait: Duration = .seconds(10),
        resolveTimeout: Duration = .seconds(30),
        resolvePollInterval: Duration = .milliseconds(500), instanceID: String, limits: [InstrumentLimit] = []
    ) {
        self.topics = topics
        self.groupID = groupID
        self.idempotencyTTL = idempotencyTTL
        self.venueUnavailable = venueUnavailable
        self.venueWait = venueWait
        self.resolveTimeout = resolveTimeout
        self.resolvePollInterval = resolvePollInterval
        self.instanceID = instanceID
        self.limits = limits
    }

    /// How long an instance owns an unfinished command: longer than the longest it can take
    /// (venue wait, one venue call, resolution), so a live owner is never overtaken.
    public var lease: Duration { venueWait + resolveTimeout + .seconds(30) }

    func limit(venue: VenueID, instrument: String) -> InstrumentLimit? {
        limits.first { $0.venue == venue && $0.instrument == instrument }
    }
}

/// Per-instrument risk limits checked before anything is sent.
public struct InstrumentLimit: Sendable, Hashable {
    public var venue: VenueID
    public var instrument: String
    public var maxQuantity: ExactDecimal?
    /// Quantity × price. Market orders have no price and are refused when a notional limit is set.
    public var maxNotional: ExactDecimal?

    public init(venue: VenueID, instrument: String, maxQuantity: ExactDecimal? = nil, maxNotional: ExactDecimal? = nil)
    {
        self.venue = venue
        self.instrument = instrument
        self.maxQuantity = maxQuantity
        self.maxNotional = maxNotional
    }
}

/// One venue as the command path sees it: what it takes commands through, and what it trades.
/// Its capabilities are the protocols `entry` conforms to (`OrderEntry`, `OrderReplacing`,
/// `RFQEntry`); the command path asks for the one a command needs.
public struct CommandVenue: Sendable {
    public var entry: any VenueCommandEntry
    /// Normalized symbols the connector is configured for.
    public var instruments: Set<String>
    /// Accounts orders may name; nil when the venue does not tell (any non-empty account goes).
    public var accounts: @Sendable () -> Set<String>?
    public var sessionState: @Sendable () -> VenueConnectionState

    public init(
        entry: any VenueCommandEntry, instruments: Set<String>, accounts: @escaping @Sendable () -> Set<String>?,
        sessionState: @escaping @Sendable () -> VenueConnectionState
    ) {
        self.entry = entry
        self.instruments = instruments
        self.accounts = accounts
        self.sessionState = sessionState
    }

    var orderEntry: (any OrderEntry)? { entry as? any OrderEntry }
    var replacing: (any OrderReplacing)? { entry as? any OrderReplacing }
    var rfqEntry: (any RFQEntry)? { entry as? any RFQEntry }

    /// What it can do, for the checks.
    var capabilities: Set<CommandCapability> {
        var capabilities: Set<CommandCapability> = []
        if orderEntry != nil { capabilities.insert(.orderEntry) }
        if replacing != nil { capabilities.insert(.replace) }
        if rfqEntry != nil { capabilities.insert(.rfqEntry) }
        return capabilities
    }

    /// How it spells what a command leaves open.
    var terms: OrderTerms {
        OrderTerms(clientOrderIds: entry.clientOrderIdFormat, marketTimeInForce: orderEntry?.marketTimeInForce)
    }
}

/// What a venue can be asked for, one per capability protocol.
enum CommandCapability: Sendable, Hashable {
    case orderEntry, replace, rfqEntry

    /// The capability a command of this type needs.
    init(_ type: CommandType) {
        switch type {
        case .newOrder, .cancelOrder: self = .orderEntry
        case .replaceOrder: self = .replace
        case .createRFQ, .cancelRFQ, .acceptQuote: self = .rfqEntry
        }
    }
}

/// How a venue spells what a command leaves open: the client id derived from the idempotency key,
/// and the time in force of a market order that names none.
struct OrderTerms: Sendable, Hashable {
    var clientOrderIds: ClientOrderIdFormat = .standard
    /// nil: the venue takes no orders (or is unknown); IOC then.
    var marketTimeInForce: TimeInForce?

    /// For a command to a venue this bridge does not run: its id only names the rejection.
    static let unknownVenue = OrderTerms()
}

extension Duration {
    /// Whole milliseconds (Redis PX, lease instants, librdkafka intervals).
    var inMilliseconds: Int64 { components.seconds * 1_000 + components.attoseconds / 1_000_000_000_000_000 }
}
