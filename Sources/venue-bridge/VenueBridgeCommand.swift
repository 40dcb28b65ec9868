import ArgumentParser
import EventBus
import Foundation
import KafkaBus
import Logging
import VenueBridgeCore
import VenueBridgeService
import VenueCatalog
import VenueModuleKit

@main
struct VenueBridgeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "venue-bridge",
        abstract: "Bridges trading venues to Kafka topics and Redis streams.",
        version: BuildInfo.description,
        subcommands: [
            Run.self, CheckConfig.self, Demo.self, Tail.self, SendOrder.self, SendCancel.self, SendReplace.self,
            SendRFQ.self, SendCancelRFQ.self,
            SendAcceptQuote.self,
            MockKafka.self,
        ],
        defaultSubcommand: Run.self
    )
}

struct ConfigOption: ParsableArguments {
    @Option(name: .long, help: "YAML config file (default: $VB_CONFIG; none = built-in defaults + environment).")
    var config: String?

    var path: String? { config ?? ProcessInfo.processInfo.environment["VB_CONFIG"] }

    /// Loads and validates, or prints every issue and exits with status 2. `checkingVenues`: false
    /// for a command that only talks to Kafka (`send-*`): no venue's credentials are needed.
    func load(checkingVenues: Bool = true) throws -> BridgeConfig {
        do {
            var loader = ConfigLoader(venues: VenueCatalog.all)
            loader.checksEnabledVenues = checkingVenues
            return try loader.load(path: path)
        } catch {
            FileHandle.standardError.write(Data((error.description + "\n").utf8))
            throw ExitCode(2)
        }
    }
}

struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the bridge (the default).")
    @OptionGroup var options: ConfigOption

    func run() async throws {
        let config = try options.load()
        let registry = Observability.bootstrap(level: config.log.level, format: config.log.format)
        let runtime = try BridgeRuntime(config: config, registry: registry, logger: Logger(label: "venue-bridge"))
        try await runtime.run()
    }
}

struct CheckConfig: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config", abstract: "Validate the configuration and print it (secrets redacted).")
    @OptionGroup var options: ConfigOption

    func run() async throws {
        let config = try options.load()
        printLine(config.checkConfigReport(source: options.path))
    }
}

struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Run everything locally: in-process Kafka (librdkafka mock cluster), a private redis-server, and the market sources."
    )
    @OptionGroup var options: ConfigOption
    @Option(help: "HTTP port for /healthz, /readyz, /metrics (0 = any free port).")
    var httpPort: Int = 8080
    @Option(help: "Stop by itself after this many seconds (default: run until Ctrl-C).")
    var exitAfter: Int?
    @Option(help: "Book updates per second of the Finery simulator.")
    var fineryUpdatesPerSecond: Int = 20
    @Option(help: "Book snapshots per second per pair of the sFOX simulator.")
    var sfoxUpdatesPerSecond: Int = 10
    @Option(help: "Book changes per second of the T4 simulator, over all its markets.")
    var t4UpdatesPerSecond: Int = 10

    func run() async throws {
        var config = try options.load()
        let registry = Observability.bootstrap(level: config.log.level, format: config.log.format)
        let logger = Logger(label: "venue-bridge.demo")
        let environment = try DemoEnvironment(topicPrefix: config.kafka.topicPrefix, logger: logger)
        defer { environment.stop() }
        config.kafka.brokers = environment.kafka.bootstrapServers
        config.redis.enabled = environment.redisPort != nil
        if let port = environment.redisPort {
            config.redis.host = "127.0.0.1"
            config.redis.port = port
            config.redis.password = nil
        }
        config.http.host = "127.0.0.1"
        config.http.port = httpPort
        let venues = try await DemoVenues.start(
            &config,
            updatesPerSecond: [.finery: fineryUpdatesPerSecond, .sfox: sfoxUpdatesPerSecond, .t4: t4UpdatesPerSecond],
            logger: logger
        )
        let runtime = try BridgeRuntime(config: config, registry: registry, logger: Logger(label: "venue-bridge"))
        let topics = TopicNames(prefix: config.kafka.topicPrefix)
        let banner = Self.banner(
            bootstrap: environment.kafka.bootstrapServers, redisPort: environment.redisPort, topics: topics,
            config: config,
            venues: venues)
        if let exitAfter {
            Task {
                try await Task.sleep(for: .seconds(exitAfter))
                kill(getpid(), SIGTERM)
            }
        }
        try await runtime.run(onHTTPRunning: { port in
            printLine(banner.replacingOccurrences(of: "{HTTP_PORT}", with: String(port)))
        })
        for venue in venues { await venue.stop() }
    }

    static func banner(
        bootstrap: String, redisPort: Int?, topics: TopicNames, config: BridgeConfig, venues: [DemoVenue]
    ) -> String {
        // The examples name the first venue with something to show.
        let sample = venues.first { $0.sampleInstrument != nil }
        let venue = sample?.venue.rawValue ?? "finery"
        let instrument = sample?.sampleInstrument ?? "BTC-USD"
        let sendOrder = venues.lazy.compactMap(\.sendOrderArguments).first
        let sendRFQ = venues.lazy.compactMap(\.sendRFQArguments).first
        var lines =
            [
                "",
                "VenueBridge demo is running. Ctrl-C stops it.",
            ] + venues.map { "  \($0.banner)" } + [
                "  Kafka bootstrap: \(bootstrap)",
                "    venue-bridge tail --brokers \(bootstrap) --topic \(topics.book) --from-beginning",
                "    kcat -b \(bootstrap) -C -t \(topics.trade) -f '%k %h %s\\n'",
            ] + (sendOrder.map { ["    venue-bridge send-order --brokers \(bootstrap) \($0)"] } ?? [])
            + (sendRFQ.map {
                [
                    "    venue-bridge send-rfq --brokers \(bootstrap) \($0)    # quotes on \(topics.rfq), then send-accept-quote"
                ]
            } ?? []) + [
                "    venue-bridge tail --brokers \(bootstrap)    # command answers and execution reports (\(topics.execReport))"
            ]
        if let redisPort {
            lines += [
                "  Redis: redis-cli -p \(redisPort)",
                "    redis-cli -p \(redisPort) XREVRANGE vb:book:\(venue):\(instrument) + - COUNT 3",
                "    redis-cli -p \(redisPort) HGETALL vb:tob:\(venue):\(instrument)",
            ]
        } else {
            lines.append("  Redis: not running (install redis-server to see streams)")
        }
        lines += ["  HTTP: http://127.0.0.1:{HTTP_PORT}/metrics  /readyz  /healthz", ""]
        return lines.joined(separator: "\n")
    }
}

struct Tail: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Consume a topic and print its events.")
    @OptionGroup var options: ConfigOption
    @Option(
        help:
            "Topic to read, e.g. vb.md.trade (default: <prefix>.exec.report, the command answers and execution reports)."
    )
    var topic: String?
    @Option(help: "Topic prefix for the default topic (default: kafka.topic_prefix from config, vb).")
    var topicPrefix: String?
    @Option(help: "Kafka bootstrap servers (default: kafka.brokers from config / $VB_KAFKA_BROKERS).")
    var brokers: String?
    @Flag(help: "Start at the oldest retained message instead of the newest.")
    var fromBeginning = false
    @Option(help: "Stop after this many messages.")
    var count: Int?
    @Flag(help: "Print only the event JSON, one per line.")
    var raw = false

    func run() async throws {
        var config = try options.load()
        if let brokers { config.kafka.brokers = brokers }
        let topic = topic ?? TopicNames(prefix: topicPrefix ?? config.kafka.topicPrefix).execReport
        Observability.bootstrap(level: .warning, format: config.log.format)
        let consumer = try KafkaConsumer(
            configuration: .init(
                properties: config.kafka.producerProperties.merging([
                    "group.id": "venue-bridge-tail-\(UUID().uuidString.prefix(8))",
                    "auto.offset.reset": fromBeginning ? "earliest" : "latest",
                ]) { _, new in new },
                topics: [topic]
            ),
            logger: Logger(label: "venue-bridge.tail")
        )
        var printed = 0
        while count.map({ printed < $0 }) ?? true {
            guard let message = try await consumer.poll(timeout: .milliseconds(500)) else { continue }
            printed += 1
            let json = String(decoding: message.value, as: UTF8.self)
            if raw {
                printLine(json)
            } else {
                let key = message.key.map { String(decoding: $0, as: UTF8.self) } ?? "-"
                let summary =
                    (try? EventCodec.decode(message.value)).map { event in
                        if case .executionReport(let report) = event.payload {
                            return "\(event.type.rawValue) seq=\(event.seq) \(report.summary)"
                        }
                        return "\(event.type.rawValue) seq=\(event.seq)"
                    } ?? "(not a venuebridge.v1 event)"
                printLine("\(message.topic)[\(message.partition)]@\(message.offset) key=\(key) \(summary)\n  \(json)")
            }
        }
        await consumer.close()
    }
}

/// Unbuffered stdout: lines appear at once even when stdout is a pipe (scripts, CI).
func printLine(_ text: String) {
    FileHandle.standardOutput.write(Data((text + "\n").utf8))
}
