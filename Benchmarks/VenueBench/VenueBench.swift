import ArgumentParser
import CRdKafka
import EventBus
import Foundation
import KafkaBus
import Logging
import RedisBus
import VenueBridgeCore
import VenueBridgeService

/// `venue-bench`: the figures in docs/performance.md, measured in one run on one machine.
/// Build with `-c release`. Every Kafka contender sends the same payloads, keys and headers to the
/// same (in-process mock) broker with the same producer settings, and is timed until every
/// message is acknowledged.
@main
struct VenueBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "venue-bench", abstract: "VenueBridge benchmarks.")

    @Option(help: "Events per Kafka/Redis run.")
    var events = 200_000
    @Option(help: "Iterations of the encode benchmark.")
    var encodeIterations = 1_000_000
    @Option(help: "Redis pipeline depth (our batch size and redis-benchmark -P).")
    var pipeline = 256
    @Option(help: "Repetitions of each Kafka/Redis run; the median is reported.")
    var repeats = 3
    @Option(
        help: "Which parts to run: all, or a comma list of encode, kafka, redis, finery, sfox, t4, fi, fig, commands.")
    var only = "all"
    @Option(help: "Seconds of the Finery end-to-end run.")
    var fineryDuration = 10
    @Option(help: "Book updates per second the Finery simulator offers in the end-to-end run.")
    var fineryRate = 200_000
    @Option(help: "create_rfq calls per contender in the Fig run (both together stay under Fig's 1000 a minute).")
    var figCreates = 400
    @Option(help: "new_order commands per pass of the command path run.")
    var commands = 2_000
    @Option(
        help:
            "linger.ms of the account producer (answers and execution reports); default 0, as kafka.account_linger_ms.")
    var commandLingerMs = 0
    @Option(help: "<venue>:<account> keys the command path run spreads its commands over.")
    var commandKeys = 32
    @Option(
        help:
            "Iterations of each decode + normalize loop and of the Fig signing loop (default: each one's own, 100000–200000)."
    )
    var decodeIterations: Int?
    @Option(help: "The command consumer's max_in_flight in the concurrent pass.")
    var commandInFlight = 128
    @Option(help: "A librdkafka property of the account producer in the command path run, NAME=VALUE (repeatable).")
    var accountProperty: [String] = []

    func wants(_ part: String) -> Bool { only == "all" || only.split(separator: ",").contains { $0 == part } }

    func run() async throws {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .error
            return handler
        }
        let logger = Logger(label: "bench")
        print(
            "venue-bench: \(events) events per run, median of \(repeats); \(ProcessInfo.processInfo.activeProcessorCount) cores"
        )

        let samples = BenchEvents.make(count: events)
        let payloads = samples.map { EventCodec.encode($0) }
        let averageSize = payloads.reduce(0) { $0 + $1.count } / payloads.count
        print("payload: trade / book_delta JSON, average \(averageSize) bytes\n")

        if wants("encode") {
            for (name, event) in [("book_delta (2 levels)", samples[1]), ("trade", samples[0])] {
                print(String(format: "encode %-22@ %8.0f ns/event", name as NSString, encodeNanoseconds(event)))
            }
            print("")
        }

        let environment = try DemoEnvironment(topicPrefix: "bench", partitions: 3, logger: logger)
        defer { environment.stop() }
        let bootstrap = environment.kafka.bootstrapServers
        let properties: KafkaProperties = KafkaProducer.Configuration(properties: ["bootstrap.servers": bootstrap])
            .properties

        if wants("kafka") {
            // Kafka contenders all get the trades: one topic, so kcat (one topic per run) sends the same.
            let trades = samples.filter { $0.type == .trade }
            let routing = EventRouting(topics: TopicNames(prefix: "bench"))
            let records = trades.map { routing.kafkaRecord($0, json: EventCodec.encode($0)) }
            let raw = try median { try rawLibrdkafka(records, properties: properties) }
            let wrapper = try await medianAsync {
                try await ourProducer(records, properties: properties, logger: logger)
            }
            let publisher = try await medianAsync {
                try await ourPublisher(trades, properties: properties, logger: logger)
            }
            let kcat = try median { try kcatProduce(records, bootstrap: bootstrap, properties: properties) }
            print(
                "Kafka produce → acknowledged (events/s), \(records.count) trades to one 3-partition topic, mock cluster on loopback:"
            )
            print(String(format: "  raw librdkafka (C calls from Swift)  %10.0f  1.00x", raw))
            print(String(format: "  KafkaProducer.produce                %10.0f  %.2fx", wrapper, wrapper / raw))
            print(String(format: "  EventPublisher.publish (seq+encode)  %10.0f  %.2fx", publisher, publisher / raw))
            if let kcat {
                print(String(format: "  kcat -P (reads a file)               %10.0f  %.2fx", kcat, kcat / raw))
            }
            print("")
        }

        if wants("redis") {
            if let port = environment.redisPort {
                let endpoint = RedisEndpoint(port: port)
                let ours = try await medianAsync {
                    try await ourRedisWriter(payloads, endpoint: endpoint, logger: logger)
                }
                let reference = try median { try redisBenchmark(payload: payloads[0], port: port) }
                print("Redis XADD MAXLEN ~ (events/s), pipeline depth \(pipeline), one connection:")
                print(String(format: "  RedisStreamWriter                    %10.0f", ours))
                if let reference {
                    print(
                        String(
                            format: "  redis-benchmark -P %-4d -c 1         %10.0f  (ours %.2fx)", pipeline, reference,
                            ours / reference))
                }
            } else {
                print("Redis: skipped (redis-server not installed)")
            }
            print("")
        }

        if wants("finery") {
            print(
                String(
                    format:
                        "Finery B update frame, decode + normalize (book_delta, ticker on top change): %6.0f ns/frame",
                    fineryDecodeNormalizeNanoseconds(iterations: decodeIterations ?? 200_000)))
            let e2e = try await fineryEndToEnd(properties: properties, logger: logger)
            print(
                String(
                    format:
                        "Finery simulator → connector → EventPublisher → Kafka: %.0f frames/s (simulator offered %.0f/s, %d s run)",
                    e2e.framesPerSecond, e2e.offeredPerSecond, fineryDuration))
        }

        if wants("sfox") {
            let result = sfoxDecodeNormalizeNanoseconds(iterations: decodeIterations ?? 100_000)
            print(
                String(
                    format:
                        "sFOX orderbook snapshot frame (20 levels a side, %d bytes), decode + diff + normalize: %6.0f ns/frame (decode alone %6.0f)",
                    result.frameBytes, result.nanoseconds, result.decodeOnly))
        }

        if wants("t4") {
            let result = t4DecodeNormalizeNanoseconds(iterations: decodeIterations ?? 200_000)
            print(
                String(
                    format:
                        "T4 market_depth message (10 levels a side + trade_data, %d bytes), decode + diff + normalize: %6.0f ns/message (decode alone %6.0f)",
                    result.frameBytes, result.nanoseconds, result.decodeOnly))
        }

        if wants("fi") {
            for entriesPerSide in [25, 5_000] {
                let result = fiDecodeNormalizeNanoseconds(
                    entriesPerSide: entriesPerSide, iterations: decodeIterations ?? 200_000)
                print(
                    String(
                        format:
                            "FI book message (one entry updated, %d bytes) on a book of %d entries a side, decode + entry book + normalize: %6.0f ns/frame (decode alone %6.0f)",
                        result.frameBytes, entriesPerSide, result.nanoseconds, result.decodeOnly))
            }
        }

        if wants("fig") {
            let result = try await figCreateLatency(creates: figCreates, logger: logger)
            print("Fig create_rfq → answer over loopback REST, \(figCreates) creates each, one at a time (µs):")
            print("                                                      p50      p90      p99      max")
            printPercentiles("FigConnector.createRFQ (token, sign, pace)", result.connector)
            printPercentiles("bare AsyncHTTPClient signed POST (peer)", result.bare)
            let median = { (samples: [Duration]) in Double(samples.sorted()[samples.count / 2].nanoseconds) }
            print(
                String(
                    format: "  connector / peer at p50: %.2fx; HMAC-SHA256 signature alone: %.0f ns\n",
                    median(result.connector) / median(result.bare), result.signNanoseconds))
        }

        if wants("commands") {
            try await commandPathBench(environment: environment, logger: logger)
        }
    }

    // MARK: - Encode

    func encodeNanoseconds(_ event: NormalizedEvent) -> Double {
        var sink = 0
        for _ in 0..<10_000 { sink &+= EventCodec.encode(event).count }  // warm-up
        let clock = ContinuousClock()
        let elapsed = clock.measure {
            for _ in 0..<encodeIterations { sink &+= EventCodec.encode(event).count }
        }
        precondition(sink > 0)
        return Double(elapsed.nanoseconds) / Double(encodeIterations)
    }

    // MARK: - Kafka contenders

    /// librdkafka straight from Swift: produceva with the same key/headers, poll on QUEUE_FULL, flush.
    func rawLibrdkafka(_ records: [KafkaRecord], properties: KafkaProperties) throws -> Double {
        let conf = rd_kafka_conf_new()
        for (k, v) in properties { rd_kafka_conf_set(conf, k, v, nil, 0) }
        var err = [CChar](repeating: 0, count: 256)
        guard let rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, &err, err.count) else {
            throw ValidationError("rd_kafka_new")
        }
        defer { rd_kafka_destroy(rk) }
        var topics: [String: OpaquePointer] = [:]
        for r in records where topics[r.topic] == nil { topics[r.topic] = rd_kafka_topic_new(rk, r.topic, nil) }
        defer { topics.values.forEach { rd_kafka_topic_destroy($0) } }
        // C copies of every header, made before the clock starts so raw pays no Swift bridging.
        let headerCopies: [[(name: UnsafeMutablePointer<CChar>, value: UnsafeMutablePointer<CChar>, size: Int)]] =
            records.map { r in
                r.headers.map { h in (strdup(h.name)!, strdup(String(decoding: h.value, as: UTF8.self))!, h.value.count)
                }
            }
        defer {
            headerCopies.forEach {
                $0.forEach {
                    free($0.name)
                    free($0.value)
                }
            }
        }
        var vus = [rd_kafka_vu_t](repeating: rd_kafka_vu_t(), count: 8)
        let start = ContinuousClock.now
        for (index, r) in records.enumerated() {
            let headers = headerCopies[index]
            while true {
                let error: OpaquePointer? = r.value.withUnsafeBytes { value in
                    r.key!.withUnsafeBytes { key in
                        vus[0].vtype = RD_KAFKA_VTYPE_RKT
                        vus[0].u.rkt = topics[r.topic]
                        vus[1].vtype = RD_KAFKA_VTYPE_VALUE
                        vus[1].u.mem.ptr = UnsafeMutableRawPointer(mutating: value.baseAddress)
                        vus[1].u.mem.size = value.count
                        vus[2].vtype = RD_KAFKA_VTYPE_KEY
                        vus[2].u.mem.ptr = UnsafeMutableRawPointer(mutating: key.baseAddress)
                        vus[2].u.mem.size = key.count
                        vus[3].vtype = RD_KAFKA_VTYPE_MSGFLAGS
                        vus[3].u.i = RD_KAFKA_MSG_F_COPY
                        for (i, h) in headers.enumerated() {
                            vus[4 + i].vtype = RD_KAFKA_VTYPE_HEADER
                            vus[4 + i].u.header.name = UnsafePointer(h.name)
                            vus[4 + i].u.header.val = UnsafeRawPointer(h.value)
                            vus[4 + i].u.header.size = h.size
                        }
                        return rd_kafka_produceva(rk, vus, 4 + headers.count)
                    }
                }
                guard let error else { break }
                let code = rd_kafka_error_code(error)
                rd_kafka_error_destroy(error)
                guard code == RD_KAFKA_RESP_ERR__QUEUE_FULL else { throw ValidationError("produce: \(code)") }
                // The same 200 µs wait as our wrapper (poll(rk, 1) would just sleep 1 ms: no DR callback).
                usleep(200)
            }
            // Serve delivery reports now and then, not per message: raw at its fastest.
            if index % 1_000 == 0 { rd_kafka_poll(rk, 0) }
        }
        guard rd_kafka_flush(rk, 60_000) == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw ValidationError("raw flush timed out")
        }
        return Double(records.count) / (ContinuousClock.now - start).seconds
    }

    func ourProducer(_ records: [KafkaRecord], properties: KafkaProperties, logger: Logger) async throws -> Double {
        let producer = try KafkaProducer(configuration: .init(properties: properties), logger: logger)
        defer { producer.close(flushTimeout: .zero) }
        let start = ContinuousClock.now
        for record in records {
            while try producer.produce(record) == .queueFull { try await Task.sleep(for: .microseconds(200)) }
        }
        guard await producer.flush(timeout: .seconds(60)) == 0 else { throw ValidationError("flush timed out") }
        return Double(records.count) / (ContinuousClock.now - start).seconds
    }

    func ourPublisher(_ events: [NormalizedEvent], properties: KafkaProperties, logger: Logger) async throws -> Double {
        let producer = try KafkaProducer(configuration: .init(properties: properties), logger: logger)
        defer { producer.close(flushTimeout: .zero) }
        let publisher = EventPublisher(
            configuration: .init(routing: EventRouting(topics: TopicNames(prefix: "bench"))), kafka: producer,
            redis: nil, logger: logger)
        let start = ContinuousClock.now
        for event in events { try await publisher.publish(event) }
        guard await producer.flush(timeout: .seconds(60)) == 0 else { throw ValidationError("flush timed out") }
        return Double(events.count) / (ContinuousClock.now - start).seconds
    }

    /// kcat -P with the same settings; key and payload from a file (`key\tjson` per line). Headers
    /// cannot vary per line in kcat, so the four constant headers are given with -H.
    func kcatProduce(_ records: [KafkaRecord], bootstrap: String, properties: KafkaProperties) throws -> Double? {
        guard
            let kcat = ["/usr/bin/kcat", "/usr/local/bin/kcat"].first(
                where: FileManager.default.isExecutableFile(atPath:))
        else { return nil }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("venue-bench-\(getpid()).txt")
        var data = Data()
        for r in records {
            precondition(r.topic == records[0].topic, "kcat sends one topic per run")
            data.append(contentsOf: r.key!)
            data.append(UInt8(ascii: "\t"))
            data.append(contentsOf: r.value)
            data.append(UInt8(ascii: "\n"))
        }
        let count = records.count
        try data.write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: kcat)
        var args = ["-P", "-b", bootstrap, "-t", records[0].topic, "-K", "\t", "-l", file.path, "-q"]
        for (k, v) in properties where k != "bootstrap.servers" { args += ["-X", "\(k)=\(v)"] }
        for h in records[0].headers { args += ["-H", "\(h.name)=\(String(decoding: h.value, as: UTF8.self))"] }
        process.arguments = args
        let start = ContinuousClock.now
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw ValidationError("kcat exited \(process.terminationStatus)") }
        return Double(count) / (ContinuousClock.now - start).seconds
    }

    // MARK: - Redis contenders

    func ourRedisWriter(_ payloads: [[UInt8]], endpoint: RedisEndpoint, logger: Logger) async throws -> Double {
        let writer = RedisStreamWriter(
            configuration: .init(endpoint: endpoint, bufferCapacity: payloads.count, batchSize: pipeline),
            logger: logger)
        let stream = "bench:ours:\(UUID().uuidString)"
        let commands = payloads.map {
            RedisCommand.xadd(
                stream: stream, maxLength: 100_000, fields: [("type", Array("trade".utf8)), ("event", $0)])
        }
        let start = ContinuousClock.now
        writer.enqueue(commands)
        while writer.bufferedCount > 0 { try await Task.sleep(for: .milliseconds(1)) }
        let elapsed = ContinuousClock.now - start
        await writer.close(drainTimeout: .seconds(5))
        return Double(payloads.count) / elapsed.seconds
    }

    func redisBenchmark(payload: [UInt8], port: Int) throws -> Double? {
        guard
            let tool = ["/usr/bin/redis-benchmark", "/usr/local/bin/redis-benchmark"].first(
                where: FileManager.default.isExecutableFile(atPath:))
        else { return nil }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = [
            "-p", String(port), "-n", String(events), "-P", String(pipeline), "-c", "1", "-q",
            "XADD", "bench:redis-benchmark", "MAXLEN", "~", "100000", "*", "type", "trade", "event",
            String(decoding: payload, as: UTF8.self),
        ]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        // "XADD …: 123456.79 requests per second" (the last number before "requests").
        let line =
            output.split(whereSeparator: { $0 == "\n" || $0 == "\r" }).last { $0.contains("requests per second") } ?? ""
        let words = line.split(separator: " ")
        guard let index = words.firstIndex(of: "requests"), index > 0 else { return nil }
        return Double(words[index - 1])
    }

    // MARK: - Helpers

    func median(_ body: () throws -> Double?) throws -> Double? {
        var values: [Double] = []
        for _ in 0..<repeats { if let v = try body() { values.append(v) } }
        return values.isEmpty ? nil : values.sorted()[values.count / 2]
    }

    func median(_ body: () throws -> Double) throws -> Double {
        var values: [Double] = []
        for _ in 0..<repeats { values.append(try body()) }
        return values.sorted()[values.count / 2]
    }

    func medianAsync(_ body: () async throws -> Double) async throws -> Double {
        var values: [Double] = []
        for _ in 0..<repeats { values.append(try await body()) }
        return values.sorted()[values.count / 2]
    }
}

/// Representative traffic: alternating trades and two-level book deltas on 4 instruments.
enum BenchEvents {
    static func make(count: Int) -> [NormalizedEvent] {
        let instruments = ["BTC-USD", "ETH-USD", "SOL-USD", "XRP-USD"]
        return (0..<count).map { i in
            let instrument = instruments[i % instruments.count]
            let price = ExactDecimal(scaled: 6_500_012_345_678 + Int64(i % 1000), scale: 8)
            let payload: EventPayload =
                i % 2 == 0
                ? .trade(
                    Trade(
                        price: price, size: ExactDecimal(scaled: 12_345, scale: 8), aggressor: .buy,
                        tradeId: String(1_000_000_000 + i)))
                : .bookDelta(
                    BookLevels(
                        bids: [PriceLevel(price: price, size: ExactDecimal(scaled: 150_000_000, scale: 8))],
                        asks: [PriceLevel(price: ExactDecimal(scaled: 6_500_112_345_678, scale: 8), size: .zero)]))
            return NormalizedEvent(
                venue: .finery, instrument: instrument, venueInstrument: instrument, seq: UInt64(i + 1),
                tsVenue: 1_767_225_600_000_000_000 + Int64(i), tsRecv: 1_767_225_600_000_100_000 + Int64(i),
                payload: payload)
        }
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
    var nanoseconds: Int64 { components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000 }
}
