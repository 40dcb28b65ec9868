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
            let text = banner.replacingOccurrences(of: "{HTTP_PORT}", with: String(port))
            // Kept in a file too: it scrolls away under the log lines.
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("venue-bridge-demo.txt").path
            let saved = FileManager.default.createFile(atPath: file, contents: Data((text + "\n").utf8))
            printLine(text + (saved ? "  This banner again: cat \(file)\n" : ""))
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
        let bridge = invocation()
        var lines =
            [
                "",
                "VenueBridge demo is running. Ctrl-C stops it.",
            ] + venues.map { "  \($0.banner)" } + [
                "  Kafka bootstrap: \(bootstrap)",
                "    \(bridge) tail --brokers \(bootstrap) --topic \(topics.book) --from-beginning",
                "    kcat -b \(bootstrap) -C -t \(topics.trade) -f '%k %h %s\\n'",
            ] + (sendOrder.map { ["    \(bridge) send-order --brokers \(bootstrap) \($0)"] } ?? [])
            + (sendRFQ.map {
                [
                    "    \(bridge) send-rfq --brokers \(bootstrap) \($0)    # quotes on \(topics.rfq), then send-accept-quote"
                ]
            } ?? []) + [
                "    \(bridge) tail --brokers \(bootstrap)    # command answers and execution reports (\(topics.execReport))"
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

    /// How to run this binary again from the user's shell, so that the banner's lines paste: the
    /// name PATH found it by, or, when it was started by a path, that path made absolute.
    static func invocation() -> String {
        let started = CommandLine.arguments.first ?? "venue-bridge"
        guard started.contains("/") else { return started }
        return URL(fileURLWithPath: started).standardizedFileURL.path
    }
}

/// Unbuffered stdout: lines appear at once even when stdout is a pipe (scripts, CI).
func printLine(_ text: String) {
    FileHandle.standardOutput.write(Data((text + "\n").utf8))
}
