public import EventBus
public import KafkaBus
public import Logging
public import RedisBus
public import T4Connector
public import VenueBridgeCore
import VenueConnector

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
    public struct VenueLink: Sendable, Equatable {
        public var url: String = ""
        public var tlsVerify: Bool = true
        public var caFile: String?
        public var tlsServerName: String?
        public var maxFrameBytes: Int = 4 << 20
        public var pingIntervalMs: Int = 15_000
        public var deadLinkTimeoutMs: Int = 40_000
        public var connectTimeoutMs: Int = 10_000
        public var requestTimeoutMs: Int = 10_000
        public var reconnectInitialMs: Int = 250
        public var reconnectMaxMs: Int = 30_000
        /// 0: never give up.
        public var reconnectMaxAttempts: Int = 0
    }

    /// Finery Markets (`venues.finery`).
    public struct Finery: Sendable, Equatable {
        public var enabled: Bool = false
        public var link: VenueLink = {
            var link = VenueLink()
            link.url = "wss://trade.finerymarkets.com/ws"
            return link
        }()
        public var account: String = "default"
        /// Venue instrument id → normalized symbol, in config order.
        public var instruments: [InstrumentMapping] = []
        public var feeds: Set<FineryFeed> = Set(FineryFeed.allCases)
        public var publishTicker: Bool = true
        public var cancelOnDisconnect: Bool = true
        /// From `VB_FINERY_API_KEY[_FILE]` or `api_key_file`.
        public var apiKey: String?
        /// From `VB_FINERY_API_SECRET[_FILE]` or `api_secret_file`.
        public var apiSecret: String?
    }

    /// sFOX (`venues.sfox`). Public market data needs no key; private feeds and orders do.
    public struct SFOX: Sendable, Equatable {
        public var enabled: Bool = false
        public var link: VenueLink = {
            var link = VenueLink()
            link.url = "wss://ws.sfox.com/ws"
            link.pingIntervalMs = 30_000
            link.deadLinkTimeoutMs = 60_000
            return link
        }()
        public var restURL: String = "https://api.sfox.com/v1"
        public var account: String = "default"
        /// sFOX pair (`btcusd`) → normalized symbol, in config order.
        public var instruments: [InstrumentMapping] = []
        public var feeds: Set<SFOXFeed> = Set(SFOXFeed.allCases)
        /// `orderbook.net.<pair>` (fee-adjusted) instead of `orderbook.sfox.<pair>`.
        public var netPriceBooks: Bool = false
        public var publishTicker: Bool = true
        public var enterprise: Bool = false
        /// From `VB_SFOX_API_KEY[_FILE]` or `api_key_file`. Without it: market data only.
        public var apiKey: String?
    }

    /// Plus500 Futures / T4 (`venues.t4`). The venue has no public market data: every session
    /// logs in, with an API key or with a user and a registered application.
    public struct T4: Sendable, Equatable {
        public var enabled: Bool = false
        /// No default URL: a guess between live (`wss://wss.t4login.com/v1`) and the venue's own
        /// simulator (`wss://wss-sim.t4login.com/v1`) would send orders to the wrong one.
        /// Keep-alive at the house heartbeat (20 s, dead after 60 s of silence), as the connector does.
        public var link: VenueLink = {
            var link = VenueLink()
            link.pingIntervalMs = 20_000
            link.deadLinkTimeoutMs = 60_000
            return link
        }()
        /// The connector's own market type: the config adds nothing to T4's three ids and our symbol.
        public var markets: [T4Market] = []
        /// Off: market data only (no executions, positions or order entry).
        public var subscribeAccounts: Bool = true
        public var publishTicker: Bool = true
        public var loginRetryDelayMs: Int = 30_000
        /// The application heartbeat period (`Heartbeat` protobuf messages, not WebSocket pings):
        /// nil is the notes' 20 s. The connector heartbeats faster on its own when the venue's
        /// heartbeats arrive more often than this.
        public var heartbeatIntervalMs: Int?
        /// From `VB_T4_API_KEY[_FILE]` or `api_key_file`.
        public var apiKey: String?
        /// The password login; `firm`, `username` and `appName` are not secrets and may be in YAML.
        public var firm: String?
        public var username: String?
        /// From `VB_T4_PASSWORD[_FILE]` or `password_file`.
        public var password: String?
        public var appName: String?
        /// From `VB_T4_APP_LICENSE[_FILE]` or `app_license_file`.
        public var appLicense: String?

        /// True when any part of the password login is set, so a half-configured one is reported.
        var hasPasswordLogin: Bool { [firm, username, password, appName, appLicense].contains { !($0?.isEmpty ?? true) } }
    }

    public enum SFOXFeed: String, Sendable, CaseIterable, Hashable {
        case books, trades, ticker, account
    }

    public enum FineryFeed: String, Sendable, CaseIterable, Hashable {
        case books, instruments, orders, positions
    }

    public struct InstrumentMapping: Sendable, Equatable {
        public var venueId: String
        public var symbol: String
        public init(venueId: String, symbol: String) {
            self.venueId = venueId
            self.symbol = symbol
        }
    }

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
        public var limits: [Limit] = []

        /// The consumer runs when enabled and some configured venue takes orders.
        public func runsConsumer(_ config: BridgeConfig) -> Bool {
            let venues = config.venues
            let sfoxOrders = venues.sfox.enabled && venues.sfox.feeds.contains(.account) && venues.sfox.apiKey != nil
            return enabled && (venues.finery.enabled || sfoxOrders || (venues.t4.enabled && venues.t4.subscribeAccounts))
        }
    }

    public struct Venues: Sendable, Equatable {
        public var finery = Finery()
        public var sfox = SFOX()
        public var t4 = T4()
    }

    public var log = Log()
    public var http = HTTP()
    public var kafka = Kafka()
    public var redis = Redis()
    public var synthetic = Synthetic()
    public var venues = Venues()
    public var commands = Commands()

    public init() {}

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
            "redis": redis.enabled ? "\(redis.host):\(redis.port)/\(redis.database)" : "disabled",
            "redis.password": redis.password == nil ? "(none)" : "(set)",
            "synthetic": synthetic.enabled ? "\(synthetic.venue) \(synthetic.instruments)" : "disabled",
            "venues.finery": venues.finery.enabled ? "\(url(venues.finery.link.url)) \(venues.finery.instruments.map(\.symbol))" : "disabled",
            "venues.finery.api_key": venues.finery.apiKey == nil ? "(none)" : "(set)",
            "venues.finery.api_secret": venues.finery.apiSecret == nil ? "(none)" : "(set)",
            "venues.sfox": venues.sfox.enabled
                ? "\(url(venues.sfox.link.url)) \(url(venues.sfox.restURL)) \(venues.sfox.instruments.map(\.symbol))" : "disabled",
            "venues.sfox.api_key": venues.sfox.apiKey == nil ? "(none)" : "(set)",
            "venues.t4": venues.t4.enabled ? "\(url(venues.t4.link.url)) \(venues.t4.markets.map(\.symbol))" : "disabled",
            "venues.t4.api_key": venues.t4.apiKey == nil ? "(none)" : "(set)",
            "venues.t4.user": venues.t4.hasPasswordLogin ? "\(venues.t4.firm ?? "?")/\(venues.t4.username ?? "?") via \(venues.t4.appName ?? "?")" : "(none)",
            "venues.t4.password": venues.t4.password == nil ? "(none)" : "(set)",
            "venues.t4.app_license": venues.t4.appLicense == nil ? "(none)" : "(set)",
            "commands": commands.enabled
                ? "group \(commands.groupID), venue_unavailable \(commands.venueUnavailable.rawValue), \(commands.limits.count) limits"
                : "disabled",
        ]
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
        return (["configuration OK\(source.map { " (\($0))" } ?? " (defaults + environment)")"] + lines).joined(separator: "\n")
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
