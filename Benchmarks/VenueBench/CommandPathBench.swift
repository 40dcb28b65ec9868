// File length: one benchmark end to end (setup, load, measurement, report); the pieces are only meaningful together.
import CommandPath
import EventBus
import FineryConnector
import FinerySimulator
import Foundation
import KafkaBus
import Logging
import OrderCommands
import RedisBus
import Synchronization
import VenueBridgeCore
import VenueBridgeService
import VenueConnector

/// The order command path end to end, in one process: commands on the mock cluster's command
/// topic → `CommandProcessor` (Redis idempotency records on a private redis-server) → the real
/// Finery connector → the Finery simulator over loopback WebSocket → the answer published
/// confirmed on the execution-report topic.
///
/// Every command is a resting `new_order` (a GTC limit buy at half the simulator's mid, so nothing
/// fills) with its own idempotency key. All commands are produced before the consumer starts, so
/// the next command is always in the consumer's fetch queue: the figures are the command path's
/// own time, not Kafka's consume latency.
///
/// Two passes over two batches, the same processor, connector and publisher:
/// 1. the real `CommandConsumer` (as the bridge runs it): commands/s from the interval between
///    the first and the last venue call;
/// 2. a loop doing exactly what `CommandConsumer.run` does (poll → `processor.handle` in an
///    unstructured task → store the offset) with a timestamp at each step, for per-command
///    latencies. `CommandConsumer` has no timing hook; the loop is its ten lines.
/// The venue call is timed by an `OrderEntry` decorator around the connector: `place` entered is
/// the moment the command path hands the order to the connector, which then encodes one request
/// frame and writes it to the socket (no queue or await in between other than the link writer).
/// Then a breakdown: the same Redis record moves and confirmed publishes, timed one by one.
extension VenueBench {
    func commandPathBench(environment: DemoEnvironment, logger: Logger) async throws {
        guard let redisPort = environment.redisPort else {
            print("Command path: skipped (redis-server not installed)\n")
            return
        }
        let bootstrap = environment.kafka.bootstrapServers
        let topics = TopicNames(prefix: "bench")
        let timedTopic = topics.ordersCommand + ".timed"
        try environment.kafka.createTopic(timedTopic, partitions: 3)

        var producerProperties: KafkaProperties = ["bootstrap.servers": bootstrap]
        if let commandLingerMs { producerProperties["linger.ms"] = String(commandLingerMs) }
        let linger = KafkaProducer.Configuration(properties: producerProperties).properties["linger.ms"] ?? "?"

        // The venue.
        let simulator = FinerySimulator(configuration: .init(credentials: ["bench": "bench-secret"]), logger: logger)
        let simulatorPort = try await simulator.start()
        let producer = try KafkaProducer(configuration: .init(properties: producerProperties), logger: logger)
        let publisher = EventPublisher(
            configuration: .init(routing: EventRouting(topics: topics)), kafka: producer, redis: nil, logger: logger)
        let connector = FineryConnector(
            configuration: .init(
                url: "ws://127.0.0.1:\(simulatorPort)/ws", apiKey: "bench", apiSecret: "bench-secret", account: "bench",
                instruments: try InstrumentMap(identity: ["BTC-USD", "ETH-USD"])),
            sink: publisher, logger: logger
        )
        let supervisor = connector.supervisor()
        let running = Task { try await supervisor.run() }
        let draining = Task { await publisher.run() }
        while connector.control.state != .ready { try await Task.sleep(for: .milliseconds(20)) }
        try await Task.sleep(for: .milliseconds(300))

        // The command path, wired as CommandService wires it.
        let timed = TimedOrderEntry(inner: connector)
        let venues: [VenueID: CommandVenue] = [
            .finery: CommandVenue(
                entry: timed, instruments: ["BTC-USD", "ETH-USD"], accounts: { ["bench"] },
                sessionState: { connector.control.state })
        ]
        let configuration = CommandPathConfiguration(topics: topics, groupID: "bench-commands", instanceID: "bench")
        let redis = RedisRequestClient(
            endpoint: RedisEndpoint(port: redisPort, clientName: "venue-bench-commands"), logger: logger)
        let store = IdempotencyStore(redis: redis, ttl: configuration.idempotencyTTL)
        let processor = CommandProcessor(
            configuration: configuration, venues: venues, store: store, publisher: publisher, producer: producer,
            logger: logger)

        let runID = UUID().uuidString.prefix(8).lowercased()
        let count = commands

        // Pass 1: the real consumer.
        let consumerKeys = try await produceCommands(
            count, topic: topics.ordersCommand, keyPrefix: "bench-\(runID)-c", bootstrap: bootstrap, logger: logger)
        let consumer = CommandConsumer(
            configuration: .init(
                properties: ["bootstrap.servers": bootstrap], topic: topics.ordersCommand,
                groupID: "bench-commands-\(runID)"),
            processor: processor, logger: logger
        )
        let consuming = Task { try await consumer.run() }
        let passDeadline = ContinuousClock.now + .seconds(120)
        while timed.calls(for: consumerKeys) < count, ContinuousClock.now < passDeadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        consuming.cancel()  // finishes the command in hand (answer published) first
        _ = await consuming.result
        let consumerCalls = timed.marks(for: consumerKeys).compactMap(\.called).sorted()
        guard consumerCalls.count == count else {
            throw BenchError("pass 1: \(consumerCalls.count) of \(count) commands reached the venue in 120 s")
        }
        let consumerRate = Double(count - 1) / (consumerCalls.last! - consumerCalls.first!).seconds

        // Pass 2: the same loop, timed.
        let timedKeys = try await produceCommands(
            count, topic: timedTopic, keyPrefix: "bench-\(runID)-t", bootstrap: bootstrap, logger: logger)
        let loop = try await timedConsumerLoop(
            count, topic: timedTopic, groupID: "bench-commands-timed-\(runID)", bootstrap: bootstrap,
            processor: processor, logger: logger)
        let marks = timed.marks(for: timedKeys)

        // Every command answered once, accepted by the venue, record final and published.
        var statuses: [String: Int] = [:]
        for key in consumerKeys + timedKeys {
            let record = try await store.get(key)
            let state =
                record.map {
                    "\($0.record.state.rawValue)/\($0.record.answer?.status.rawValue ?? "-")\($0.record.published ? "" : "/unpublished")"
                } ?? "missing"
            statuses[state, default: 0] += 1
        }
        let resting = await simulator.activeOrders(apiKey: "bench").count

        var consumedToPlace: [Duration] = []
        var venueRoundTrip: [Duration] = []
        var placeReturnedToAnswered: [Duration] = []
        var consumedToAnswered: [Duration] = []
        for (index, key) in timedKeys.enumerated() {
            guard let handed = loop.handed[key], let done = loop.answered[key], let called = marks[index].called,
                let returned = marks[index].returned
            else {
                throw BenchError("pass 2: command \(key) has no complete timing")
            }
            consumedToPlace.append(called - handed)
            venueRoundTrip.append(returned - called)
            placeReturnedToAnswered.append(done - returned)
            consumedToAnswered.append(done - handed)
        }
        let loopRate = Double(count) / loop.elapsed.seconds

        // Breakdown: the processor's Redis moves and the confirmed publish, one at a time.
        let sampleReport =
            timed.lastReport
            ?? ExecutionReport(
                account: "bench", clientOrderId: "1", side: .buy, orderType: .limit, timeInForce: .gtc, status: .new,
                price: ExactDecimal(scaled: 3_000_000, scale: 2), quantity: ExactDecimal(scaled: 1, scale: 3),
                cumQty: .zero, leavesQty: ExactDecimal(scaled: 1, scale: 3)
            )
        let redisMoves = try await redisMoveLatencies(
            store: store, report: sampleReport, count: min(count, 1_000), runID: String(runID))
        let confirmedHere = try await confirmedPublishLatencies(
            publisher: publisher, report: sampleReport, count: min(count, 1_000))
        let otherLinger = linger == "0" ? "5" : "0"
        let confirmedOther = try await confirmedPublishLatencies(
            properties: ["bootstrap.servers": bootstrap, "linger.ms": otherLinger], topics: topics,
            report: sampleReport, count: min(count, 1_000), logger: logger
        )

        print(
            "Command path: \(count) new_order commands per pass (GTC limit buys far from the market), Finery simulator over loopback WebSocket,"
        )
        print(
            "  Redis idempotency records on a private redis-server, answers published confirmed to the mock cluster, producer linger.ms=\(linger)"
        )
        print(
            String(
                format: "  CommandConsumer (as the bridge runs it)      %8.0f commands/s  (first → last venue call)",
                consumerRate))
        print(
            String(
                format: "  timed loop (same steps as CommandConsumer)   %8.0f commands/s  (%.2f s for %d)", loopRate,
                loop.elapsed.seconds, count))
        print("  per command, timed loop (µs)                          p50      p90      p99      max")
        printPercentiles("consumed → place() called (≈ frame written)", consumedToPlace)
        printPercentiles("place() called → returned (venue round trip)", venueRoundTrip)
        printPercentiles("place() returned → answer confirmed + marked", placeReturnedToAnswered)
        printPercentiles("consumed → answer published (end to end)", consumedToAnswered)
        print("  breakdown, one operation at a time (µs)")
        printPercentiles("Redis SET NX claim", redisMoves.claim)
        printPercentiles("Redis compare-and-set (EVAL), one move", redisMoves.move)
        printPercentiles("publishConfirmed answer, linger.ms=\(linger)", confirmedHere)
        printPercentiles("publishConfirmed answer, linger.ms=\(otherLinger)", confirmedOther)
        let outcome = statuses.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        print("  records: \(outcome); simulator resting orders for the key: \(resting) (both passes: \(2 * count))\n")

        running.cancel()
        _ = await running.result
        await publisher.stop(timeout: .seconds(5))
        draining.cancel()
        _ = await producer.flush(timeout: .seconds(10))
        producer.close(flushTimeout: .zero)
        await redis.close()
        await simulator.stop()
    }

    /// `count` resting limit buys, each with its own idempotency key, produced and flushed.
    func produceCommands(_ count: Int, topic: String, keyPrefix: String, bootstrap: String, logger: Logger) async throws
        -> [String]
    {
        let producer = try KafkaProducer(
            configuration: .init(properties: ["bootstrap.servers": bootstrap]), logger: logger)
        defer { producer.close(flushTimeout: .zero) }
        var keys: [String] = []
        for i in 0..<count {
            let key = "\(keyPrefix)-\(i)"
            let command = OrderCommand(
                idempotencyKey: key, venue: .finery, account: "bench", instrument: "BTC-USD",
                .newOrder(
                    NewOrder(
                        side: .buy, orderType: .limit, timeInForce: .gtc, quantity: ExactDecimal(scaled: 1, scale: 3),
                        price: ExactDecimal(scaled: 3_000_000 + Int64(i % 100), scale: 2))))
            let record = KafkaRecord(
                topic: topic, key: Array(command.kafkaKey.utf8), value: OrderCommandCodec.encode(command))
            while try producer.produce(record) == .queueFull { try await Task.sleep(for: .microseconds(200)) }
            keys.append(key)
        }
        guard await producer.flush(timeout: .seconds(30)) == 0 else { throw BenchError("commands not flushed") }
        return keys
    }

    struct TimedLoop {
        var handed: [String: ContinuousClock.Instant] = [:]
        var answered: [String: ContinuousClock.Instant] = [:]
        var elapsed: Duration = .zero
    }

    /// `CommandConsumer.run`'s loop with timestamps: the same consumer properties, the handling in
    /// an unstructured task, the offset stored after the answer.
    func timedConsumerLoop(
        _ count: Int, topic: String, groupID: String, bootstrap: String, processor: CommandProcessor, logger: Logger
    ) async throws -> TimedLoop {
        let consumer = try KafkaConsumer(
            configuration: .init(
                properties: [
                    "bootstrap.servers": bootstrap, "group.id": groupID, "enable.auto.commit": "true",
                    "auto.commit.interval.ms": "1000",
                    "enable.auto.offset.store": "false", "auto.offset.reset": "earliest",
                ],
                topics: [topic]
            ),
            logger: logger
        )
        var loop = TimedLoop()
        var first: ContinuousClock.Instant?
        let deadline = ContinuousClock.now + .seconds(120)
        while loop.answered.count < count {
            guard ContinuousClock.now < deadline else {
                throw BenchError("pass 2: \(loop.answered.count) of \(count) commands answered in 120 s")
            }
            guard let message = try await consumer.poll(timeout: .milliseconds(100)) else { continue }
            let handed = ContinuousClock.now
            first = first ?? handed
            let outcome = await Task { await Self.handle(message, with: processor) }.value
            let answered = ContinuousClock.now
            if case .failure(let error) = outcome { throw BenchError("command not answered: \(error)") }
            try consumer.storeOffset(of: message)
            guard case .success(let command) = OrderCommandCodec.decode(message.value) else {
                throw BenchError("undecodable command in the batch")
            }
            loop.handed[command.idempotencyKey] = handed
            loop.answered[command.idempotencyKey] = answered
            loop.elapsed = answered - first!
        }
        try? await consumer.commit()
        await consumer.close()
        return loop
    }

    static func handle(_ message: KafkaMessage, with processor: CommandProcessor) async -> Result<
        Void, CommandPathError
    > {
        do {
            try await processor.handle(message)
            return .success(())
        } catch {
            return .failure(error)
        }
    }

    /// The four record moves of one command, against the same Redis: claim (SET NX), then three
    /// compare-and-set moves (sent, final with the answer, published).
    func redisMoveLatencies(store: IdempotencyStore, report: ExecutionReport, count: Int, runID: String) async throws
        -> (claim: [Duration], move: [Duration])
    {
        var claims: [Duration] = []
        var moves: [Duration] = []
        let now = wallClockNanos() / 1_000_000
        for i in 0..<count {
            let key = "bench-\(runID)-redis-\(i)"
            let record = IdempotencyRecord(
                state: .received, fingerprint: String(repeating: "f", count: 64), type: .newOrder, venue: .finery,
                account: "bench", instrument: "BTC-USD",
                clientOrderId: "1234567890123456789", side: .buy, orderType: .limit, owner: "bench",
                leaseUntilMs: now + 70_000, nowMs: now
            )
            var start = ContinuousClock.now
            guard case .created(var stored) = try await store.claim(key, record) else {
                throw BenchError("claim: key exists")
            }
            claims.append(ContinuousClock.now - start)
            var next = stored.record
            next.state = .sent
            start = ContinuousClock.now
            stored = try await store.update(key, from: stored, to: next)
            moves.append(ContinuousClock.now - start)
            next = stored.record
            next.state = .acked
            next.answer = report
            start = ContinuousClock.now
            stored = try await store.update(key, from: stored, to: next)
            moves.append(ContinuousClock.now - start)
            next = stored.record
            next.published = true
            start = ContinuousClock.now
            _ = try await store.update(key, from: stored, to: next)
            moves.append(ContinuousClock.now - start)
        }
        return (claims, moves)
    }

    /// One answer at a time through `publishConfirmed`, as the processor sends it.
    func confirmedPublishLatencies(publisher: EventPublisher, report: ExecutionReport, count: Int) async throws
        -> [Duration]
    {
        var latencies: [Duration] = []
        for _ in 0..<count {
            var answer = report
            answer.command = .newOrder
            let event = NormalizedEvent(
                venue: .finery, instrument: "BTC-USD", venueInstrument: nil, tsRecv: wallClockNanos(),
                payload: .executionReport(answer))
            let start = ContinuousClock.now
            try await publisher.publishConfirmed(event)
            latencies.append(ContinuousClock.now - start)
        }
        return latencies
    }

    func confirmedPublishLatencies(
        properties: KafkaProperties, topics: TopicNames, report: ExecutionReport, count: Int, logger: Logger
    ) async throws -> [Duration] {
        let producer = try KafkaProducer(configuration: .init(properties: properties), logger: logger)
        defer { producer.close(flushTimeout: .zero) }
        let publisher = EventPublisher(
            configuration: .init(routing: EventRouting(topics: topics)), kafka: producer, redis: nil, logger: logger)
        _ = try await confirmedPublishLatencies(publisher: publisher, report: report, count: 20)  // metadata, connection
        return try await confirmedPublishLatencies(publisher: publisher, report: report, count: count)
    }

    func printPercentiles(_ name: String, _ samples: [Duration]) {
        let sorted = samples.sorted()
        func at(_ q: Double) -> Double {
            let rank = max(1, Int((q * Double(sorted.count)).rounded(.up)))
            return Double(sorted[min(rank, sorted.count) - 1].nanoseconds) / 1_000
        }
        let label = name.padding(toLength: 46, withPad: " ", startingAt: 0)
        print(
            "    " + label
                + String(
                    format: " %8.0f %8.0f %8.0f %8.0f", at(0.50), at(0.90), at(0.99),
                    Double(sorted.last!.nanoseconds) / 1_000))
    }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// The connector's order entry, with the time each `place` was entered and returned, by
/// idempotency key. Adds two clock reads and a lock per call.
final class TimedOrderEntry: OrderEntry {
    struct Mark: Sendable {
        var called: ContinuousClock.Instant?
        var returned: ContinuousClock.Instant?
    }

    let inner: any OrderEntry
    private let state = Mutex<(marks: [String: Mark], last: ExecutionReport?)>(([:], nil))

    init(inner: any OrderEntry) { self.inner = inner }

    var venue: VenueID { inner.venue }
    var clientOrderIdFormat: ClientOrderIdFormat { inner.clientOrderIdFormat }
    var marketTimeInForce: TimeInForce { inner.marketTimeInForce }

    func place(_ order: OrderRequest) async throws(OrderEntryError) -> ExecutionReport {
        let called = ContinuousClock.now
        let key = order.idempotencyKey ?? order.clientOrderId
        state.withLock { $0.marks[key] = Mark(called: called) }
        do {
            let report = try await inner.place(order)
            let returned = ContinuousClock.now
            state.withLock {
                $0.marks[key]?.returned = returned
                $0.last = report
            }
            return report
        } catch {
            let returned = ContinuousClock.now
            state.withLock { $0.marks[key]?.returned = returned }
            throw error
        }
    }

    func cancel(_ request: CancelRequest) async throws(OrderEntryError) -> ExecutionReport {
        try await inner.cancel(request)
    }

    func query(clientOrderId: String, account: String) async throws(OrderEntryError) -> ExecutionReport? {
        try await inner.query(clientOrderId: clientOrderId, account: account)
    }

    func calls(for keys: [String]) -> Int {
        state.withLock { s in keys.reduce(0) { $0 + (s.marks[$1]?.returned != nil ? 1 : 0) } }
    }
    func marks(for keys: [String]) -> [Mark] { state.withLock { s in keys.map { s.marks[$0] ?? Mark() } } }
    var lastReport: ExecutionReport? { state.withLock { $0.last } }
}
