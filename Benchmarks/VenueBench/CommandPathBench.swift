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
/// topic → the real `CommandConsumer` and `CommandProcessor` (Redis idempotency records on a
/// private redis-server) → the real Finery connector → the Finery simulator over loopback
/// WebSocket → the answer published confirmed on the execution-report topic, through the account
/// producer (`kafka.account_linger_ms`) as the bridge wires it.
///
/// Every command is a resting `new_order` (a GTC limit buy at half the simulator's mid, so nothing
/// fills) with its own idempotency key, spread round-robin over `keys` accounts (Kafka keys
/// `finery:bench-0` …). The accounts share the one Finery session: a decorator gives each order's
/// report back its command's account. All commands of a pass are produced before its consumer
/// starts, so the next command is always in the fetch queue: the figures are the command path's
/// own time, not Kafka's consume latency.
///
/// Two passes over the same processor, connector and publisher:
/// 1. `max_in_flight` 1: one command at a time, the latency of an unloaded path;
/// 2. `max_in_flight` = `inFlight`: the keys concurrently, the throughput and the latency under it.
/// Timestamps, all on one `ContinuousClock` in one process:
/// - **consumed**: the consumer hands the message to the processor (a `CommandHandling` decorator);
/// - **place()**: the processor calls the connector (an `OrderEntry` decorator);
/// - **at venue**: the simulator's socket hands over the request frame (its `textFrameArrived`
///   hook), so "frame written" is measured as the frame's arrival on the other side of loopback;
/// - **answered**: `handle` returned: final record written, answer confirmed by the broker, record
///   marked published; the offset may be stored from then on.
extension VenueBench {
    func commandPathBench(environment: DemoEnvironment, logger: Logger) async throws {
        guard let redisPort = environment.redisPort else {
            print("Command path: skipped (redis-server not installed)\n")
            return
        }
        let bootstrap = environment.kafka.bootstrapServers
        let topics = TopicNames(prefix: "bench")
        let accounts = (0..<max(1, commandKeys)).map { "bench-\($0)" }

        // The venue, with request arrivals timed at its socket.
        let arrivals = FrameArrivals()
        var simulatorConfiguration = FinerySimulatorConfiguration(credentials: ["bench": "bench-secret"])
        simulatorConfiguration.textFrameArrived = { text in arrivals.record(text) }
        let simulator = FinerySimulator(configuration: simulatorConfiguration, logger: logger)
        let simulatorPort = try await simulator.start()
        let producer = try KafkaProducer(
            configuration: .init(properties: ["bootstrap.servers": bootstrap]), logger: logger)
        var accountConfiguration = KafkaProducer.Configuration(
            properties: ["bootstrap.servers": bootstrap, "linger.ms": String(commandLingerMs)])
        accountConfiguration.name = "account"
        for pair in accountProperty {
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { throw BenchError("--account-property wants NAME=VALUE, not \(pair)") }
            accountConfiguration.properties[parts[0]] = parts[1]
        }
        let accountProducer = try KafkaProducer(configuration: accountConfiguration, logger: logger)
        let publisher = EventPublisher(
            configuration: .init(routing: EventRouting(topics: topics)), kafka: producer, accountKafka: accountProducer,
            redis: nil, logger: logger)
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
        let timed = TimedOrderEntry(inner: AccountsSharingOneSession(inner: connector))
        let venues: [VenueID: CommandVenue] = [
            .finery: CommandVenue(
                entry: timed, instruments: ["BTC-USD", "ETH-USD"], accounts: { Set(accounts) },
                sessionState: { connector.control.state })
        ]
        let configuration = CommandPathConfiguration(topics: topics, groupID: "bench-commands", instanceID: "bench")
        let redis = RedisRequestClient(
            endpoint: RedisEndpoint(port: redisPort, clientName: "venue-bench-commands"), logger: logger)
        let store = IdempotencyStore(redis: redis, ttl: configuration.idempotencyTTL)
        let processor = CommandProcessor(
            configuration: configuration, venues: venues, store: store, publisher: publisher,
            producer: accountProducer, logger: logger)
        let handler = TimedCommandHandler(inner: processor)

        let runID = UUID().uuidString.prefix(8).lowercased()
        var passes: [CommandPass] = []
        for (index, inFlight) in [1, max(1, commandInFlight)].enumerated() {
            let topic = "\(topics.ordersCommand).\(runID).\(index)"
            try environment.kafka.createTopic(topic, partitions: 3)
            let keys = try await produceCommands(
                commands, topic: topic, keyPrefix: "bench-\(runID)-\(index)", accounts: accounts,
                bootstrap: bootstrap, logger: logger)
            let consumer = CommandConsumer(
                configuration: .init(
                    properties: ["bootstrap.servers": bootstrap], topic: topic,
                    groupID: "bench-commands-\(runID)-\(index)", maxInFlight: inFlight),
                processor: processor, handler: handler, logger: logger
            )
            let consuming = Task { try await consumer.run() }
            let deadline = ContinuousClock.now + .seconds(180)
            let target = handler.answered + keys.count
            while handler.answered < target, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(5))
            }
            consuming.cancel()
            _ = await consuming.result
            guard handler.answeredCount(of: keys) == keys.count else {
                throw BenchError(
                    "pass \(index + 1): \(handler.answeredCount(of: keys)) of \(keys.count) answered in 180 s")
            }
            passes.append(
                try CommandPass(
                    inFlight: inFlight, keys: keys, handler: handler, entry: timed, arrivals: arrivals))
        }

        // Every command answered once, accepted by the venue, record final and published.
        var statuses: [String: Int] = [:]
        for key in passes.flatMap(\.keys) {
            let record = try await store.get(key)
            let state =
                record.map {
                    "\($0.record.state.rawValue)/\($0.record.answer?.status.rawValue ?? "-")\($0.record.published ? "" : "/unpublished")"
                } ?? "missing"
            statuses[state, default: 0] += 1
        }
        let resting = await simulator.activeOrders(apiKey: "bench").count

        // Breakdown: the processor's Redis moves and the confirmed publish, one at a time.
        let sampleReport =
            timed.lastReport
            ?? ExecutionReport(
                account: "bench", clientOrderId: "1", side: .buy, orderType: .limit, timeInForce: .gtc, status: .new,
                price: ExactDecimal(scaled: 3_000_000, scale: 2), quantity: ExactDecimal(scaled: 1, scale: 3),
                cumQty: .zero, leavesQty: ExactDecimal(scaled: 1, scale: 3)
            )
        let redisMoves = try await redisMoveLatencies(
            store: store, report: sampleReport, count: min(commands, 1_000), runID: String(runID))
        let confirmedHere = try await confirmedPublishLatencies(
            publisher: publisher, report: sampleReport, count: min(commands, 1_000))
        let confirmedAtFive = try await confirmedPublishLatencies(
            properties: ["bootstrap.servers": bootstrap, "linger.ms": "5"], topics: topics,
            report: sampleReport, count: min(commands, 1_000), logger: logger
        )

        print(
            "Command path: \(commands) new_order commands per pass over \(accounts.count) keys (GTC limit buys far from the market),"
        )
        print(
            "  Finery simulator over loopback WebSocket, Redis idempotency records on a private redis-server, answers confirmed"
        )
        print("  by the mock cluster through the account producer (linger.ms=\(commandLingerMs))")
        for pass in passes {
            print(
                String(
                    format: "  max_in_flight %-4d  %8.0f commands/s  (first consumed → last answered, %.2f s)",
                    pass.inFlight, pass.rate, pass.elapsed.seconds))
            print("    per command (µs)                                    p50      p90      p99      max")
            printPercentiles("consumed → place() called", pass.consumedToPlace)
            printPercentiles("consumed → request frame at the venue", pass.consumedToArrival)
            printPercentiles("place() called → returned (venue round trip)", pass.venueRoundTrip)
            printPercentiles("consumed → answer confirmed + marked", pass.consumedToAnswered)
        }
        print("  breakdown, one operation at a time (µs)")
        printPercentiles("Redis SET NX claim", redisMoves.claim)
        printPercentiles("Redis compare-and-set (EVAL), one move", redisMoves.move)
        printPercentiles("publishConfirmed answer, linger.ms=\(commandLingerMs)", confirmedHere)
        printPercentiles("publishConfirmed answer, linger.ms=5", confirmedAtFive)
        let outcome = statuses.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        print(
            "  records: \(outcome); simulator resting orders: \(resting) (all passes: \(passes.count * commands))\n")

        running.cancel()
        _ = await running.result
        await publisher.stop(timeout: .seconds(5))
        draining.cancel()
        for producer in [producer, accountProducer] {
            _ = await producer.flush(timeout: .seconds(10))
            producer.close(flushTimeout: .zero)
        }
        await redis.close()
        await simulator.stop()
    }

    /// `count` resting limit buys, each with its own idempotency key, produced and flushed.
    func produceCommands(
        _ count: Int, topic: String, keyPrefix: String, accounts: [String], bootstrap: String, logger: Logger
    ) async throws -> [String] {
        let producer = try KafkaProducer(
            configuration: .init(properties: ["bootstrap.servers": bootstrap]), logger: logger)
        defer { producer.close(flushTimeout: .zero) }
        var keys: [String] = []
        for i in 0..<count {
            let key = "\(keyPrefix)-\(i)"
            let command = OrderCommand(
                idempotencyKey: key, venue: .finery, account: accounts[i % accounts.count], instrument: "BTC-USD",
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
    private let state = Mutex<(marks: [String: Mark], last: ExecutionReport?, clientOrderIds: [String: String])>(
        ([:], nil, [:]))

    init(inner: any OrderEntry) { self.inner = inner }

    var venue: VenueID { inner.venue }
    var clientOrderIdFormat: ClientOrderIdFormat { inner.clientOrderIdFormat }
    var marketTimeInForce: TimeInForce { inner.marketTimeInForce }

    func place(_ order: OrderRequest) async throws(OrderEntryError) -> ExecutionReport {
        let called = ContinuousClock.now
        let key = order.idempotencyKey ?? order.clientOrderId
        state.withLock {
            $0.marks[key] = Mark(called: called)
            $0.clientOrderIds[key] = order.clientOrderId
        }
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

    func marks(for keys: [String]) -> [Mark] { state.withLock { s in keys.map { s.marks[$0] ?? Mark() } } }
    func clientOrderIds(for keys: [String]) -> [String?] { state.withLock { s in keys.map { s.clientOrderIds[$0] } } }
    var lastReport: ExecutionReport? { state.withLock { $0.last } }
}

/// The Finery session serves one account; the benchmark's commands name several (one Kafka key
/// each). Each order goes to the one session, and its report carries its command's account back.
final class AccountsSharingOneSession: OrderEntry {
    let inner: any OrderEntry

    init(inner: any OrderEntry) { self.inner = inner }

    var venue: VenueID { inner.venue }
    var clientOrderIdFormat: ClientOrderIdFormat { inner.clientOrderIdFormat }
    var marketTimeInForce: TimeInForce { inner.marketTimeInForce }

    func place(_ order: OrderRequest) async throws(OrderEntryError) -> ExecutionReport {
        var report = try await inner.place(order)
        report.account = order.account
        return report
    }

    func cancel(_ request: CancelRequest) async throws(OrderEntryError) -> ExecutionReport {
        var report = try await inner.cancel(request)
        report.account = request.account
        return report
    }

    func query(clientOrderId: String, account: String) async throws(OrderEntryError) -> ExecutionReport? {
        try await inner.query(clientOrderId: clientOrderId, account: account).map {
            var report = $0
            report.account = account
            return report
        }
    }
}

/// When each request frame reached the simulator's socket, by the `clientOrderId` it carries.
final class FrameArrivals: Sendable {
    private let arrivals = Mutex<[String: ContinuousClock.Instant]>([:])
    private static let field = Array(#""clientOrderId":"#.utf8)

    func record(_ text: String) {
        let now = ContinuousClock.now
        var utf8 = Array(text.utf8)
        guard let start = utf8.firstRange(of: Self.field)?.upperBound else { return }
        utf8 = Array(utf8[start...].prefix { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") })
        guard !utf8.isEmpty else { return }
        let id = String(decoding: utf8, as: UTF8.self)
        arrivals.withLock { if $0[id] == nil { $0[id] = now } }
    }

    func at(_ clientOrderId: String?) -> ContinuousClock.Instant? {
        guard let clientOrderId else { return nil }
        return arrivals.withLock { $0[clientOrderId] }
    }
}

/// The processor, with the moment each message was handed to it and the moment its answer was
/// confirmed, by idempotency key.
final class TimedCommandHandler: CommandHandling {
    let inner: CommandProcessor
    private let marks = Mutex<[String: (handed: ContinuousClock.Instant, answered: ContinuousClock.Instant)]>([:])
    private let answeredTotal = Atomic<Int>(0)

    init(inner: CommandProcessor) { self.inner = inner }

    func handle(_ message: KafkaMessage) async throws(CommandPathError) {
        let handed = ContinuousClock.now
        try await inner.handle(message)
        let answered = ContinuousClock.now
        guard case .success(let command) = OrderCommandCodec.decode(message.value) else { return }
        marks.withLock { $0[command.idempotencyKey] = (handed, answered) }
        answeredTotal.add(1, ordering: .relaxed)
    }

    /// Messages answered so far (cheap: the bench polls it while the consumer runs).
    var answered: Int { answeredTotal.load(ordering: .relaxed) }

    func answeredCount(of keys: [String]) -> Int {
        marks.withLock { marks in keys.reduce(0) { $0 + (marks[$1] != nil ? 1 : 0) } }
    }

    func marks(for keys: [String]) -> [(handed: ContinuousClock.Instant, answered: ContinuousClock.Instant)?] {
        marks.withLock { marks in keys.map { marks[$0] } }
    }
}

/// One pass's figures.
struct CommandPass {
    var inFlight: Int
    var keys: [String]
    var rate: Double
    var elapsed: Duration
    var consumedToPlace: [Duration] = []
    var consumedToArrival: [Duration] = []
    var venueRoundTrip: [Duration] = []
    var consumedToAnswered: [Duration] = []

    init(
        inFlight: Int, keys: [String], handler: TimedCommandHandler, entry: TimedOrderEntry, arrivals: FrameArrivals
    ) throws {
        self.inFlight = inFlight
        self.keys = keys
        let handled = handler.marks(for: keys)
        let venue = entry.marks(for: keys)
        let clientOrderIds = entry.clientOrderIds(for: keys)
        var first: ContinuousClock.Instant?
        var last: ContinuousClock.Instant?
        for index in keys.indices {
            guard let (handed, answered) = handled[index], let called = venue[index].called,
                let returned = venue[index].returned, let arrived = arrivals.at(clientOrderIds[index])
            else {
                throw BenchError("max_in_flight \(inFlight): command \(keys[index]) has no complete timing")
            }
            first = min(first ?? handed, handed)
            last = max(last ?? answered, answered)
            consumedToPlace.append(called - handed)
            consumedToArrival.append(arrived - handed)
            venueRoundTrip.append(returned - called)
            consumedToAnswered.append(answered - handed)
        }
        elapsed = (last ?? .now) - (first ?? .now)
        rate = Double(keys.count) / max(elapsed.seconds, 1e-9)
    }
}
