// File length: the publisher's intake, sequencing, backlog and backpressure share one lock-protected state; splitting
// them would spread one invariant (seq gap-free, Kafka before Redis) over several files.
import DequeModule
public import KafkaBus
public import Logging
public import Metrics
public import RedisBus
import Synchronization
public import VenueBridgeCore

/// Where connectors hand their normalized events.
public protocol EventSink: Sendable {
    /// Publishes one event. Calls for one stream (see `EventStream`) must come from one task, one
    /// at a time: that is what makes `seq` order equal Kafka order.
    func publish(_ event: NormalizedEvent) async throws(PublishError)
}

public enum PublishError: Error, Sendable, Equatable, CustomStringConvertible {
    case kafka(KafkaError)
    case shuttingDown

    public var description: String {
        switch self {
        case .kafka(let error): "publish failed: \(error)"
        case .shuttingDown: "publisher is shutting down"
        }
    }
}

/// What to do when librdkafka's local queue stays full for longer than `queueFullTimeout`.
public enum BackpressurePolicy: String, Sendable, CaseIterable, Codable {
    /// Every publisher waits until there is room: nothing is dropped, venue reading slows down.
    case block
    /// Market data never waits: it goes to a bounded backlog where the oldest entries are dropped
    /// (when the backlog is full or an entry waited longer than `queueFullTimeout`). Account
    /// events (execution reports, positions, balances) and venue status still block: never dropped.
    case dropOldestMarketData = "drop_oldest_md"
}

/// Assigns `seq`, encodes each event once and sends the same bytes to Kafka and Redis.
///
/// Kafka is the system of record: its failures reach the caller. Redis is best-effort and can
/// never stall this path (see `RedisStreamWriter`).
public final class EventPublisher: EventSink {
    public struct Configuration: Sendable {
        public var routing: EventRouting
        public var policy: BackpressurePolicy
        public var queueFullTimeout: Duration
        /// Market-data backlog bound under `drop_oldest_md`.
        public var marketDataBacklogCapacity: Int
        /// How often the `vb:venue:<venue>` hash's `last_msg_ts` is refreshed at most.
        public var venueHeartbeatInterval: Duration
        /// Streams whose `seq` counter is kept. Over it, the counters of the least recently used
        /// streams are forgotten (`vb_publisher_seq_evictions_total`): such a stream's next event
        /// has `seq` 1, which events.md §3.1 defines as a restart. Streams are venues × configured
        /// instruments and listed accounts, far fewer than this.
        public var maxSequenceStreams: Int
        /// Orders whose terminal report is remembered so that a command's answer never follows it
        /// with an older state (docs/commands.md §3). Oldest forgotten first
        /// (`vb_publisher_terminal_orders_evicted_total`).
        public var maxTerminalOrders: Int

        public init(
            routing: EventRouting = EventRouting(), policy: BackpressurePolicy = .block,
            queueFullTimeout: Duration = .milliseconds(500), marketDataBacklogCapacity: Int = 50_000,
            venueHeartbeatInterval: Duration = .seconds(1), maxSequenceStreams: Int = 100_000,
            maxTerminalOrders: Int = 100_000
        ) {
            self.routing = routing
            self.policy = policy
            self.queueFullTimeout = queueFullTimeout
            self.marketDataBacklogCapacity = max(1, marketDataBacklogCapacity)
            self.venueHeartbeatInterval = venueHeartbeatInterval
            self.maxSequenceStreams = max(1, maxSequenceStreams)
            self.maxTerminalOrders = max(1, maxTerminalOrders)
        }
    }

    private struct PendingRecord {
        var record: KafkaRecord
        var since: ContinuousClock.Instant
        var venue: VenueID
        var type: EventType
    }

    private let configuration: Configuration
    private let kafka: KafkaProducer
    /// Execution reports, positions, balances and venue status: a producer of their own, so that
    /// a command's answer does not wait out the market-data producer's `linger.ms` batching. One
    /// producer per topic keeps each partition in `seq` order.
    private let accountKafka: KafkaProducer
    private let redis: RedisStreamWriter?
    private let logger: Logger
    private let metrics: PublisherMetrics
    private let sequences: Mutex<SequenceCounters>
    private let terminalOrders: Mutex<TerminalOrders>
    private let backlog = Mutex<Deque<PendingRecord>>([])
    private let lastVenueHeartbeat = Mutex<[VenueID: ContinuousClock.Instant]>([:])
    private let stopping = Atomic<Bool>(false)
    private let orderedLane = AsyncLock()

    public init(
        configuration: Configuration, kafka: KafkaProducer, accountKafka: KafkaProducer? = nil,
        redis: RedisStreamWriter?, logger: Logger, metricsFactory: any MetricsFactory = MetricsSystem.factory
    ) {
        self.configuration = configuration
        self.kafka = kafka
        self.accountKafka = accountKafka ?? kafka
        self.redis = redis
        self.logger = logger
        self.metrics = PublisherMetrics(factory: metricsFactory)
        metrics.startAtZero(topics: configuration.routing.topics.published)
        self.sequences = Mutex(SequenceCounters(capacity: configuration.maxSequenceStreams))
        self.terminalOrders = Mutex(TerminalOrders(capacity: configuration.maxTerminalOrders))
    }

    /// Streams with a live `seq` counter (bounded by `maxSequenceStreams`).
    public var sequenceStreamCount: Int { sequences.withLock(\.count) }

    public func publish(_ event: NormalizedEvent) async throws(PublishError) {
        guard !stopping.load(ordering: .relaxed) else { throw .shuttingDown }
        if event.stream.isMarketData {
            try await publishNow(event, delivery: nil)
        } else {
            try await publishOrdered(event, delivery: nil)
        }
    }

    /// Publishes an account or status event and returns only once the broker acknowledged it.
    /// The command path uses this for a command's answer: the command's offset may be committed
    /// only after its answer is durable.
    public func publishConfirmed(_ event: NormalizedEvent) async throws(PublishError) {
        guard !stopping.load(ordering: .relaxed) else { throw .shuttingDown }
        precondition(!event.stream.isMarketData, "confirmed publishing is for account and status events")
        let delivery = OneShot<Result<Void, KafkaError>>()
        try await publishOrdered(event, delivery: delivery)
        switch await delivery.value {
        case .success: return
        case .failure(let error):
            metrics.publishError(topic: configuration.routing.topics.topic(for: event.stream))
            throw .kafka(error)
        }
    }

    /// Account and status events may come from more than one task for one stream (a connector's
    /// own reports and the command path's answers for the same account), so their `seq` assignment
    /// and enqueue happen under one lock: `seq` order stays Kafka order. They are rare next to
    /// market data, which keeps its lock-free path (one task per market-data stream).
    private func publishOrdered(_ event: NormalizedEvent, delivery: OneShot<Result<Void, KafkaError>>?)
        async throws(PublishError)
    {
        await orderedLane.lock()
        defer { orderedLane.unlock() }
        try await publishNow(event, delivery: delivery)
    }

    private func publishNow(_ event: NormalizedEvent, delivery: OneShot<Result<Void, KafkaError>>?)
        async throws(PublishError)
    {
        var event = event
        if case .executionReport(let report) = event.payload {
            // Under the ordered lane (exec events always take it): nothing else publishes for the
            // account between this check and the enqueue below.
            event.payload = .executionReport(reconcileWithTerminal(report, venue: event.venue))
        }
        let identity = StreamIdentity(of: event)
        let (seq, evicted) = sequences.withLock { $0.next(identity) }
        event.seq = seq
        if seq == 1 { metrics.seqStreams.record(sequenceStreamCount) }
        if evicted > 0 {
            metrics.seqEvictions.increment(by: Int64(evicted))
            logger.warning(
                "seq counters of idle streams forgotten: their next event starts at seq 1",
                metadata: ["count": "\(evicted)"])
        }
        let json = EventCodec.encode(event)
        let record = configuration.routing.kafkaRecord(event, json: json)
        if event.stream.isMarketData && configuration.policy == .dropOldestMarketData {
            try enqueueMarketDataWithoutWaiting(record, event: event)
        } else {
            try await enqueueWaiting(record, event: event, delivery: delivery)
        }
        if let redis {
            var commands = configuration.routing.redisCommands(event, json: json)
            if let heartbeat = venueHeartbeat(event) { commands.append(heartbeat) }
            redis.enqueue(commands)
        }
    }

    /// The rule of docs/commands.md §3: no report follows a terminal one for an order. A command's
    /// answer (`command` set) for an order whose terminal report is already out carries that
    /// terminal state instead of the (older) state the venue acknowledged; the command's own
    /// `reason` is kept. Terminal reports are remembered, bounded, per (venue, account, client id).
    private func reconcileWithTerminal(_ report: ExecutionReport, venue: VenueID) -> ExecutionReport {
        let key = TerminalOrders.Key(venue: venue, account: report.account, clientOrderId: report.clientOrderId)
        var report = report
        let evicted = terminalOrders.withLock { orders -> Int in
            if report.command != nil, let terminal = orders[key],
                !report.status.isTerminal || report.status != terminal.status
            {
                report.status = terminal.status
                report.cumQty = terminal.cumQty
                report.leavesQty = terminal.leavesQty
                report.avgPx = terminal.avgPx ?? report.avgPx
                report.venueOrderId = report.venueOrderId ?? terminal.venueOrderId
                report.reason = report.reason ?? terminal.reason
                report.rejectCode = terminal.status == .rejected ? (report.rejectCode ?? terminal.rejectCode) : nil
            }
            guard report.status.isTerminal else { return 0 }
            return orders.remember(key, report)
        }
        if evicted > 0 { metrics.terminalOrdersEvicted.increment(by: Int64(evicted)) }
        return report
    }

    /// Stops intake. Market data still in the backlog gets up to `timeout` to reach librdkafka.
    public func stop(timeout: Duration) async {
        stopping.store(true, ordering: .relaxed)
        let deadline = ContinuousClock.now + timeout
        while !backlog.withLock(\.isEmpty), ContinuousClock.now < deadline {
            drainBacklog()
            try? await Task.sleep(for: .milliseconds(5))
        }
        let abandoned = backlog.withLock { backlog in
            defer { backlog.removeAll() }
            return backlog.count
        }
        if abandoned > 0 {
            metrics.dropped(reason: "shutdown", count: abandoned)
            logger.warning("market data abandoned at shutdown", metadata: ["count": "\(abandoned)"])
        }
    }

    /// Moves the market-data backlog into librdkafka while it has room. Runs from `run()`.
    public func run() async {
        while !stopping.load(ordering: .relaxed) && !Task.isCancelled {
            let moved = drainBacklog()
            try? await Task.sleep(for: moved ? .milliseconds(1) : .milliseconds(5))
        }
    }

    public var backlogDepth: Int { backlog.withLock(\.count) }

    // MARK: - Kafka enqueue under backpressure

    private func enqueueWaiting(
        _ record: KafkaRecord, event: NormalizedEvent, delivery: OneShot<Result<Void, KafkaError>>?
    ) async throws(PublishError) {
        var waitStarted: ContinuousClock.Instant?
        var warned = false
        while true {
            let outcome: ProduceOutcome
            do {
                var completion: KafkaProducer.DeliveryCompletion?
                if let delivery { completion = { delivery.fulfil($0) } }
                let producer = event.stream.isMarketData ? kafka : accountKafka
                outcome = try producer.produce(record, completion: completion)
            } catch {
                metrics.publishError(topic: record.topic)
                throw .kafka(error)
            }
            if outcome == .enqueued {
                metrics.published(topic: record.topic, venue: event.venue, type: event.type)
                if let waitStarted {
                    metrics.blockedTime.recordNanoseconds((ContinuousClock.now - waitStarted).nanoseconds)
                }
                return
            }
            let started = waitStarted ?? .now
            waitStarted = started
            if !warned && ContinuousClock.now - started > configuration.queueFullTimeout {
                warned = true
                logger.warning(
                    "Kafka queue full beyond timeout; blocking publisher",
                    metadata: [
                        "topic": "\(record.topic)", "venue": "\(event.venue)", "type": "\(event.type.rawValue)",
                    ])
            }
            do { try await Task.sleep(for: .milliseconds(1)) } catch { throw .shuttingDown }
        }
    }

    private func enqueueMarketDataWithoutWaiting(_ record: KafkaRecord, event: NormalizedEvent) throws(PublishError) {
        // Once anything waits in the backlog, later market data queues behind it to keep order.
        if backlog.withLock(\.isEmpty) {
            do {
                if try kafka.produce(record) == .enqueued {
                    metrics.published(topic: record.topic, venue: event.venue, type: event.type)
                    return
                }
            } catch {
                metrics.publishError(topic: record.topic)
                throw .kafka(error)
            }
        }
        let dropped = backlog.withLock { backlog -> [PendingRecord] in
            backlog.append(PendingRecord(record: record, since: .now, venue: event.venue, type: event.type))
            var dropped: [PendingRecord] = []
            while backlog.count > configuration.marketDataBacklogCapacity {
                dropped.append(backlog.removeFirst())
            }
            return dropped
        }
        for entry in dropped { metrics.dropped(reason: "backlog_full", venue: entry.venue, type: entry.type) }
        metrics.backlogDepth.record(backlogDepth)
    }

    /// Returns whether anything moved.
    @discardableResult
    private func drainBacklog() -> Bool {
        var moved = false
        while let head = backlog.withLock({ $0.first }) {
            if ContinuousClock.now - head.since > configuration.queueFullTimeout {
                backlog.withLock { _ = $0.popFirst() }
                metrics.dropped(reason: "stale", venue: head.venue, type: head.type)
                continue
            }
            let outcome: ProduceOutcome
            do {
                outcome = try kafka.produce(head.record)
            } catch {
                backlog.withLock { _ = $0.popFirst() }
                metrics.publishError(topic: head.record.topic)
                logger.error(
                    "market data rejected by Kafka client",
                    metadata: ["error": "\(error)", "topic": "\(head.record.topic)"])
                continue
            }
            guard outcome == .enqueued else { break }
            backlog.withLock { _ = $0.popFirst() }
            metrics.published(topic: head.record.topic, venue: head.venue, type: head.type)
            moved = true
        }
        metrics.backlogDepth.record(backlogDepth)
        return moved
    }

    /// At most once per interval per venue: refresh `last_msg_ts` so dashboards can show message age.
    private func venueHeartbeat(_ event: NormalizedEvent) -> RedisCommand? {
        let now = ContinuousClock.now
        let due = lastVenueHeartbeat.withLock { last -> Bool in
            if let previous = last[event.venue], now - previous < configuration.venueHeartbeatInterval { return false }
            last[event.venue] = now
            return true
        }
        guard due else { return nil }
        return .hset(key: EventRouting.venueKey(event.venue), fields: [("last_msg_ts", String(event.tsRecv))])
    }
}

/// `seq` counters per stream, bounded: over `capacity` the least recently used sixteenth is
/// forgotten in one pass (a sort per capacity/16 new streams, not per event).
struct SequenceCounters {
    private struct Entry {
        var seq: UInt64
        var lastUse: UInt64
    }

    let capacity: Int
    private var entries: [StreamIdentity: Entry] = [:]
    private var clock: UInt64 = 0

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    var count: Int { entries.count }

    /// The stream's next `seq` and how many other streams' counters were forgotten for room.
    mutating func next(_ identity: StreamIdentity) -> (seq: UInt64, evicted: Int) {
        clock &+= 1
        if var entry = entries[identity] {
            // Wrapping is unreachable (2^64 events); if it ever happened, 1 again is a documented restart.
            entry.seq = entry.seq == .max ? 1 : entry.seq + 1
            entry.lastUse = clock
            entries[identity] = entry
            return (entry.seq, 0)
        }
        var evicted = 0
        if entries.count >= capacity {
            let batch = max(1, capacity / 16)
            for (victim, _) in entries.sorted(by: { $0.value.lastUse < $1.value.lastUse }).prefix(batch) {
                entries[victim] = nil
                evicted += 1
            }
        }
        entries[identity] = Entry(seq: 1, lastUse: clock)
        return (1, evicted)
    }
}

/// The last terminal report per order, bounded, oldest forgotten first.
struct TerminalOrders {
    struct Key: Hashable {
        var venue: VenueID
        var account: String
        var clientOrderId: String
    }

    let capacity: Int
    private var reports: [Key: ExecutionReport] = [:]
    private var order = Deque<Key>()

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    subscript(key: Key) -> ExecutionReport? { reports[key] }

    /// Returns how many older orders were forgotten for room.
    mutating func remember(_ key: Key, _ report: ExecutionReport) -> Int {
        if reports.updateValue(report, forKey: key) != nil { return 0 }
        order.append(key)
        var evicted = 0
        while order.count > capacity, let oldest = order.popFirst() {
            reports[oldest] = nil
            evicted += 1
        }
        return evicted
    }
}

/// Publisher metrics. Labels are bounded: topic (6), venue (5), type (10), reason (3).
final class PublisherMetrics: Sendable {
    private let factory: any MetricsFactory
    private let counters = Mutex<[String: Counter]>([:])
    let backlogDepth: Gauge
    let blockedTime: Timer
    let seqStreams: Gauge
    let seqEvictions: Counter
    let terminalOrdersEvicted: Counter

    init(factory: any MetricsFactory) {
        self.factory = factory
        backlogDepth = Gauge(label: "vb_md_backlog_depth", factory: factory)
        blockedTime = Timer(label: "vb_publish_blocked_seconds", preferredDisplayUnit: .seconds, factory: factory)
        seqStreams = Gauge(label: "vb_publisher_seq_streams", factory: factory)
        seqEvictions = Counter(label: "vb_publisher_seq_evictions_total", factory: factory)
        terminalOrdersEvicted = Counter(label: "vb_publisher_terminal_orders_evicted_total", factory: factory)
    }

    /// The loss counters alerts watch exist from the start, at 0: an alert on `increase()` misses
    /// a series whose first sample is already 1, and a renamed metric is caught by CI
    /// (scripts/check-metric-names.py) only if the name is on /metrics.
    func startAtZero(topics: [String]) {
        for topic in topics { _ = counter(label: "vb_publish_errors_total", dimensions: [("topic", topic)]) }
        _ = counter(
            label: "vb_events_dropped_total", dimensions: [("reason", "shutdown"), ("venue", "all"), ("type", "all")])
    }

    func published(topic: String, venue: VenueID, type: EventType) {
        counter(
            label: "vb_events_published_total",
            dimensions: [("topic", topic), ("venue", venue.rawValue), ("type", type.rawValue)]
        ).increment()
    }

    func dropped(reason: String, venue: VenueID, type: EventType) {
        counter(
            label: "vb_events_dropped_total",
            dimensions: [("reason", reason), ("venue", venue.rawValue), ("type", type.rawValue)]
        ).increment()
    }

    func dropped(reason: String, count: Int) {
        counter(label: "vb_events_dropped_total", dimensions: [("reason", reason), ("venue", "all"), ("type", "all")])
            .increment(by: Int64(count))
    }

    func publishError(topic: String) {
        counter(label: "vb_publish_errors_total", dimensions: [("topic", topic)]).increment()
    }

    private func counter(label: String, dimensions: [(String, String)]) -> Counter {
        let key = ([label] + dimensions.map(\.1)).joined(separator: "\u{1F}")
        return counters.withLock { cache in
            if let counter = cache[key] { return counter }
            let counter = Counter(label: label, dimensions: dimensions, factory: factory)
            cache[key] = counter
            return counter
        }
    }
}

extension Duration {
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
