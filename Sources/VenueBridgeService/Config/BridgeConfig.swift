public import EventBus
public import KafkaBus
public import Logging
public import RedisBus
public import VenueBridgeCore
import VenueConnector
public import VenueModuleKit

/// The whole service configuration, after YAML, environment overrides and secrets were applied
/// and validated. Defaults here are the documented defaults (README "Configuration").
public struct BridgeConfig: Sendable {
    public struct Log: Sendable, Equatable {
        public enum Format: String, Sendable, CaseIterable { case text, json }
        public var level: Logger.Level = .info
        public var format: Format = .text
    }

    /// 0 lets the kernel choose (useful for tests and the demo).
    public static let httpPortRange = 0...65535
    public static let portRange = 1...65535

    public struct HTTP: Sendable, Equatable {
        public var host: String = "0.0.0.0"
        public var port: Int = 8080
    }

    public struct Kafka: Sendable, Equatable {
        public var brokers: String = "localhost:9092"
        public var topicPrefix: String = "vb"
        public var backpressure: BackpressurePolicy = .block
        public var queueFullTimeoutMs: Int = 500
        public var marketDataBacklogCapacity: Int = 50_000
        public var flushTimeoutMs: Int = 10_000
        /// `linger.ms` of the producer for execution reports, positions, balances and venue status
        /// (command answers among them); market data keeps `properties`' own (5 ms by default).
        public var accountLingerMs: Int = 0
        /// librdkafka properties passed through verbatim (secrets merged in from the environment).
        public var properties: KafkaProperties = [:]

        /// `kafka.brokers` is the one place bootstrap servers are set (the loader refuses
        /// `bootstrap.servers` among the properties), so the service and the CLI agree.
        public var producerProperties: KafkaProperties {
            properties.merging(["bootstrap.servers": brokers]) { _, brokers in brokers }
        }
    }

    public struct Redis: Sendable, Equatable {
        public var enabled: Bool = true
        public var host: String = "127.0.0.1"
        public var port: Int = 6379
        public var database: Int = 0
        /// From `VB_REDIS_PASSWORD` or the file named by `password_file` / `VB_REDIS_PASSWORD_FILE`.
        public var password: String?
        public var bufferCapacity: Int = 100_000
        public var batchSize: Int = 256
        public var streamMaxLength: [EventStream: Int] = EventRouting.defaultStreamMaxLength

        public var endpoint: RedisEndpoint {
            RedisEndpoint(host: host, port: port, password: password, database: database, clientName: "venue-bridge")
        }
    }

    /// A generated market-data feed for the demo until venue connectors exist.
    public struct Synthetic: Sendable, Equatable {
        public var enabled: Bool = false
        public var venue: VenueID = .finery
        public var instruments: [String] = ["BTC-USD", "ETH-USD"]
        public var updatesPerSecond: Int = 20
        public var seed: UInt64 = 42
    }

    /// Connection settings every WebSocket venue shares (`venues.<id>.*`).
    public typealias VenueLink = VenueLinkConfig
    public typealias InstrumentMapping = VenueModuleKit.InstrumentMapping

    /// The order command consumer (docs/commands.md).
    public struct Commands: Sendable, Equatable {
        public enum VenueUnavailable: String, Sendable, CaseIterable { case wait, reject }

        public struct Limit: Sendable, Equatable {
            public var venue: VenueID
            public var instrument: String
            public var maxQuantity: ExactDecimal?
            public var maxNotional: ExactDecimal?
        }

        /// On by default whenever a venue with order entry is configured: without it orders sent
        /// to the command topic would wait unanswered.
        public var enabled: Bool = true
        public var groupID: String = "venue-bridge-commands"
        /// Unique per running replica, stable across its restarts; default: the host name.
        public var instanceID: String?
        public var idempotencyTTLSeconds: Int = 7 * 24 * 3600
        public var venueUnavailable: VenueUnavailable = .wait
        public var venueWaitMs: Int = 10_000
        public var resolveTimeoutMs: Int = 30_000
        /// Command messages larger than this (value + key + headers) go to the DLQ unread, cut to
        /// this size. At most 900 000, so the DLQ copy fits the broker's default 1 MB.
        public var maxMessageBytes: Int = 64 * 1024
        /// Command messages in hand at once, over all `<venue>:<account>` keys (one key's run one
        /// after another).
        public var maxInFlight: Int = 128
        public var limits: [Limit] = []

        /// The consumer runs when enabled and some configured venue takes orders.
        public func runsConsumer(_ config: BridgeConfig) -> Bool {
            enabled && config.venues.modules.contains { $0.takesOrders(in: config.venues) }
        }
    }

    public var log = Log()
    public var http = HTTP()
    public var kafka = Kafka()
    public var redis = Redis()
    public var synthetic = Synthetic()
    /// Each venue's settings, by the module that reads them (`config.venues.finery` where the
    /// venue's module is imported); the modules themselves are the venues this bridge knows.
    public var venues: VenueSettingsStore
    public var commands = Commands()

    /// The defaults, for the venues of `modules` (`VenueCatalog.all` in the executables).
    public init(venues modules: [any VenueModule.Type] = []) {
        venues = VenueSettingsStore(modules)
    }

    /// The config as safe to print (`check-config`, the startup log): secrets as `(set)`, librdkafka
    /// properties shown only when allowlisted (`KafkaPropertyPolicy.printable`), and any
    /// `user:password@` in a URL replaced, even in a value the loader would refuse.
    public var redactedSummary: [String: String] {
        let url = VenueURL.redactingCredentials(in:)
        var summary: [String: String] = [
            "log.level": log.level.rawValue, "log.format": log.format.rawValue,
            "http": "\(http.host):\(http.port)",
            "kafka.brokers": url(kafka.brokers), "kafka.topic_prefix": kafka.topicPrefix,
            "kafka.backpressure": kafka.backpressure.rawValue,
            "kafka.queue_full_timeout_ms": "\(kafka.queueFullTimeoutMs)",
            "kafka.md_backlog_capacity": "\(kafka.marketDataBacklogCapacity)",
            "kafka.flush_timeout_ms": "\(kafka.flushTimeoutMs)",
            "kafka.account_linger_ms": "\(kafka.accountLingerMs)",
            "redis": redis.enabled ? "\(redis.host):\(redis.port)/\(redis.database)" : "disabled",
            "redis.password": redis.password == nil ? "(none)" : "(set)",
            "redis.buffer_capacity": "\(redis.bufferCapacity)",
            "redis.batch_size": "\(redis.batchSize)",
            "synthetic": synthetic.enabled ? "\(synthetic.venue) \(synthetic.instruments)" : "disabled",
            "commands": commands.enabled
                ? "group \(commands.groupID), venue_unavailable \(commands.venueUnavailable.rawValue), \(commands.limits.count) limits"
                : "disabled",
            "commands.instance_id": commands.instanceID ?? "(the host name)",
            "commands.idempotency_ttl_seconds": "\(commands.idempotencyTTLSeconds)",
            "commands.venue_wait_ms": "\(commands.venueWaitMs)",
            "commands.resolve_timeout_ms": "\(commands.resolveTimeoutMs)",
            "commands.max_message_bytes": "\(commands.maxMessageBytes)",
            "commands.max_in_flight": "\(commands.maxInFlight)",
        ]
        // Every effective setting, defaults included: what check-config prints is what runs.
        for (stream, length) in redis.streamMaxLength {
            summary["redis.stream_maxlen.\(stream.rawValue)"] = "\(length)"
        }
        for (index, limit) in commands.limits.enumerated() {
            summary["commands.limits[\(index)]"] =
                "\(limit.venue.rawValue) \(limit.instrument) max_quantity \(limit.maxQuantity.map { "\($0)" } ?? "-") max_notional \(limit.maxNotional.map { "\($0)" } ?? "-")"
        }
        for module in venues.modules { summary.merge(module.summary(in: venues)) { _, venue in venue } }
        for (name, value) in kafka.properties {
            summary["kafka.properties.\(name)"] = KafkaPropertyPolicy.isPrintable(name) ? url(value) : "(set)"
        }
        return summary
    }

    /// The metadata of the "venue-bridge starting" log line: the redacted summary, nothing else.
    public var startupLogMetadata: Logger.Metadata {
        redactedSummary.mapValues { .string($0) }
    }

    /// `check-config`'s report: where the settings came from, then one `key = value` per line, sorted.
    public func checkConfigReport(source: String?) -> String {
        let lines = redactedSummary.sorted { $0.key < $1.key }.map { "  \($0.key) = \($0.value)" }
        return (["configuration OK\(source.map { " (\($0))" } ?? " (defaults + environment)")"] + warnings + lines)
            .joined(separator: "\n")
    }

    /// What is valid but most likely not meant: said by `check-config` (and at start-up).
    public var warnings: [String] {
        var warnings: [String] = []
        let enabled = venues.modules.filter { $0.isEnabled(in: venues) }
        if enabled.isEmpty && !synthetic.enabled {
            let names = venues.modules.map { "venues.\($0.id.rawValue).enabled" }.joined(separator: ", ")
            warnings.append(
                "warning: no venue is enabled and synthetic is off: the bridge would publish nothing (set one of \(names))"
            )
        }
        return warnings
    }
}

/// Which settings are secrets: they may only come from the environment or secret files.
public enum SecretPolicy {
    /// A librdkafka property holding a credential (`KafkaPropertyPolicy.isSecret`): names with
    /// `password`, `secret` or `passphrase` in them, `*.pem`, `*.key` and `sasl.oauthbearer.config`.
    public static func isSecretKafkaProperty(_ name: String) -> Bool {
        KafkaPropertyPolicy.isSecret(name)
    }
}
