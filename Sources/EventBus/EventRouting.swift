public import KafkaBus
public import RedisBus
public import VenueBridgeCore

/// Kafka topic names. Every name is `<prefix>.<suffix>`; the prefix separates environments
/// sharing a cluster.
public struct TopicNames: Sendable, Equatable {
    public var prefix: String

    public init(prefix: String = "vb") { self.prefix = prefix }

    public var book: String { "\(prefix).md.book" }
    public var trade: String { "\(prefix).md.trade" }
    public var ticker: String { "\(prefix).md.ticker" }
    public var rfq: String { "\(prefix).md.rfq" }
    /// Execution reports, positions and balances: all keyed by `venue:account`, so one account's
    /// fills and the position changes they cause stay in one partition, in order.
    public var execReport: String { "\(prefix).exec.report" }
    public var venueStatus: String { "\(prefix).venue.status" }
    /// Reserved for the command path.
    public var ordersCommand: String { "\(prefix).orders.command" }
    public var ordersDLQ: String { "\(prefix).orders.dlq" }

    public func topic(for stream: EventStream) -> String {
        switch stream {
        case .book: book
        case .trade: trade
        case .ticker: ticker
        case .rfq: rfq
        case .exec, .position, .balance: execReport
        case .status: venueStatus
        }
    }

    /// Every topic the publisher writes to.
    public var published: [String] { [book, trade, ticker, rfq, execReport, venueStatus] }

    /// Topic properties for the topics whose events are never dropped (execution reports,
    /// positions, balances; venue status): librdkafka never times their messages out
    /// (`message.timeout.ms: 0`), so an outage longer than `message.timeout.ms` delays them instead
    /// of losing them. They wait in librdkafka's bounded queue (`queue.buffering.max.*`); when that
    /// is full, publishing them waits (README: delivery guarantees).
    public var durableTopicProperties: [String: KafkaProperties] {
        [execReport: ["message.timeout.ms": "0"], venueStatus: ["message.timeout.ms": "0"]]
    }
    public var all: [String] { published + [ordersCommand, ordersDLQ] }
}

/// How a normalized event maps onto Kafka and Redis. Pure: no I/O, unit-testable.
public struct EventRouting: Sendable {
    public var topics: TopicNames
    /// `MAXLEN ~` per Redis stream family.
    public var streamMaxLength: [EventStream: Int]

    public static let defaultStreamMaxLength: [EventStream: Int] = [
        .book: 10_000, .trade: 100_000, .ticker: 10_000, .rfq: 10_000,
        .exec: 1_000_000, .position: 100_000, .balance: 100_000, .status: 10_000,
    ]

    /// The four headers depend only on (venue, type): built once, shared by every record.
    private let headers: [VenueID: [EventType: [KafkaHeader]]]

    public init(topics: TopicNames = TopicNames(), streamMaxLength: [EventStream: Int] = defaultStreamMaxLength) {
        self.topics = topics
        self.streamMaxLength = Self.defaultStreamMaxLength.merging(streamMaxLength) { _, override in override }
        var headers: [VenueID: [EventType: [KafkaHeader]]] = [:]
        for venue in VenueID.allCases {
            for type in EventType.allCases {
                headers[venue, default: [:]][type] = [
                    KafkaHeader("schema", NormalizedEvent.schemaID),
                    KafkaHeader("type", type.rawValue),
                    KafkaHeader("venue", venue.rawValue),
                    KafkaHeader("content-type", "application/json"),
                ]
            }
        }
        self.headers = headers
    }

    /// `venue:instrument` for market data, `venue:account` for account events, `venue` for status.
    public static func kafkaKey(_ event: NormalizedEvent) -> String {
        event.stream == .status ? event.venue.rawValue : "\(event.venue.rawValue):\(event.streamSubject)"
    }

    public func kafkaRecord(_ event: NormalizedEvent, json: [UInt8]) -> KafkaRecord {
        KafkaRecord(
            topic: topics.topic(for: event.stream),
            key: Array(Self.kafkaKey(event).utf8),
            value: json,
            headers: headers[event.venue]![event.type]!
        )
    }

    /// The Redis stream of an event: `vb:<stream>:<venue>:<subject>`, or `vb:status:<venue>`.
    public static func redisStreamKey(_ event: NormalizedEvent) -> String {
        event.stream == .status
            ? "vb:status:\(event.venue.rawValue)"
            : "vb:\(event.stream.rawValue):\(event.venue.rawValue):\(event.streamSubject)"
    }

    public static func topOfBookKey(venue: VenueID, instrument: String) -> String {
        "vb:tob:\(venue.rawValue):\(instrument)"
    }
    public static func venueKey(_ venue: VenueID) -> String { "vb:venue:\(venue.rawValue)" }

    /// The stream entry plus any latest-state hash update the event implies.
    public func redisCommands(_ event: NormalizedEvent, json: [UInt8]) -> [RedisCommand] {
        var commands = [
            RedisCommand.xadd(
                stream: Self.redisStreamKey(event),
                maxLength: streamMaxLength[event.stream] ?? 10_000,
                fields: [("type", Array(event.type.rawValue.utf8)), ("event", json)]
            )
        ]
        switch event.payload {
        case .ticker(let t):
            guard let instrument = event.instrument else { break }
            var fields: [(String, String)] = []
            if let v = t.bid { fields.append(("bid", v.description)) }
            if let v = t.bidSize { fields.append(("bid_size", v.description)) }
            if let v = t.ask { fields.append(("ask", v.description)) }
            if let v = t.askSize { fields.append(("ask_size", v.description)) }
            if let v = t.last { fields.append(("last", v.description)) }
            fields.append(("updated_ts", String(event.tsRecv)))
            commands.append(.hset(key: Self.topOfBookKey(venue: event.venue, instrument: instrument), fields: fields))
        case .trade(let t):
            guard let instrument = event.instrument else { break }
            commands.append(
                .hset(
                    key: Self.topOfBookKey(venue: event.venue, instrument: instrument),
                    fields: [
                        ("last", t.price.description), ("last_size", t.size.description),
                        ("updated_ts", String(event.tsRecv)),
                    ]))
        case .venueStatus(let s):
            var fields: [(String, String)] = [
                ("state", s.state.rawValue), ("since", String(event.tsRecv)), ("reason", s.reason ?? ""),
            ]
            if let reconnects = s.reconnects { fields.append(("reconnects", String(reconnects))) }
            commands.append(.hset(key: Self.venueKey(event.venue), fields: fields))
        default:
            break
        }
        return commands
    }
}
