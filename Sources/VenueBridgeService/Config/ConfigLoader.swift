import EventBus
import Foundation
import Logging
import T4Connector
import VenueBridgeCore
import VenueConnector
import Yams

/// One problem with the configuration, naming where it is.
public struct ConfigIssue: Error, Sendable, Equatable, CustomStringConvertible {
    /// `kafka.brokers`, `env VB_HTTP_PORT`, …
    public var key: String
    public var problem: String

    /// A URL's `user:password@` is replaced even if a problem text quotes one: the last net
    /// before an error reaches a terminal or a log.
    public var description: String { VenueURL.redactingCredentials(in: "\(key): \(problem)") }
}

/// Every problem found, so an operator fixes them in one go.
public struct ConfigError: Error, Sendable, CustomStringConvertible {
    public var issues: [ConfigIssue]

    public var description: String {
        "invalid configuration:\n" + issues.map { "  - \($0)" }.joined(separator: "\n")
    }
}

/// Builds a `BridgeConfig` from: defaults ← YAML file ← `VB_…` environment ← secrets.
///
/// Unknown keys are errors (a typo must not silently fall back to a default). Secrets in the
/// YAML file are errors too: they come only from the environment or from files.
public struct ConfigLoader {
    public var environment: [String: String]
    public var readFile: (String) throws -> String

    /// Reads the process environment and real files.
    public init() {
        self.init(
            environment: ProcessInfo.processInfo.environment,
            readFile: { try String(contentsOfFile: $0, encoding: .utf8) })
    }

    public init(environment: [String: String], readFile: @escaping (String) throws -> String) {
        self.environment = environment
        self.readFile = readFile
    }

    public func load(path: String?) throws(ConfigError) -> BridgeConfig {
        var issues: [ConfigIssue] = []
        var config = BridgeConfig()
        if let path {
            do {
                let text = try readFile(path)
                try apply(yaml: text, to: &config, issues: &issues)
            } catch let error as ConfigError {
                issues += error.issues
            } catch {
                issues.append(ConfigIssue(key: "config file \(path)", problem: "cannot read: \(error)"))
            }
        }
        applyEnvironment(to: &config, issues: &issues)
        validate(config, issues: &issues)
        guard issues.isEmpty else { throw ConfigError(issues: issues) }
        return config
    }

    // MARK: YAML

    func apply(yaml text: String, to config: inout BridgeConfig, issues: inout [ConfigIssue]) throws {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            throw ConfigError(issues: [ConfigIssue(key: "config file", problem: Self.describe(yamlError: error))])
        }
        guard let root else { return }  // empty file: defaults
        var reader = ConfigReader(node: root, path: "", issues: [])
        reader.section("log") { r in
            r.enumValue("level", into: &config.log.level)
            r.enumValue("format", into: &config.log.format)
        }
        reader.section("http") { r in
            r.string("host", into: &config.http.host)
            r.int("port", in: BridgeConfig.httpPortRange, into: &config.http.port)
        }
        reader.section("kafka") { r in
            r.string("brokers", into: &config.kafka.brokers)
            r.string("topic_prefix", into: &config.kafka.topicPrefix)
            r.enumValue("backpressure", into: &config.kafka.backpressure)
            r.int("queue_full_timeout_ms", in: 1...600_000, into: &config.kafka.queueFullTimeoutMs)
            r.int("md_backlog_capacity", in: 1...10_000_000, into: &config.kafka.marketDataBacklogCapacity)
            r.int("flush_timeout_ms", in: 0...600_000, into: &config.kafka.flushTimeoutMs)
            for (name, value, key) in r.stringMap("properties") {
                if name == "bootstrap.servers" || name == "metadata.broker.list" {
                    r.issues.append(
                        ConfigIssue(key: key, problem: "set brokers with kafka.brokers (or VB_KAFKA_BROKERS)"))
                } else if SecretPolicy.isSecretKafkaProperty(name) {
                    r.issues.append(
                        ConfigIssue(
                            key: key,
                            problem:
                                "is a secret: set it with VB_KAFKA_PROP_\(Self.envName(forProperty: name)) or a _FILE variant, not in the config file"
                        ))
                } else {
                    config.kafka.properties[name] = value
                }
            }
        }
        reader.section("redis") { r in
            r.bool("enabled", into: &config.redis.enabled)
            r.string("host", into: &config.redis.host)
            r.int("port", in: BridgeConfig.portRange, into: &config.redis.port)
            r.int("database", in: 0...15, into: &config.redis.database)
            if r.has("password") {
                r.issues.append(
                    ConfigIssue(
                        key: r.keyPath("password"), problem: "is a secret: use VB_REDIS_PASSWORD or password_file"))
                r.markUsed("password")
            }
            var passwordFile: String?
            r.optionalString("password_file", into: &passwordFile)
            if let passwordFile {
                config.redis.password = readSecret(
                    file: passwordFile, key: r.keyPath("password_file"), issues: &r.issues)
            }
            r.int("buffer_capacity", in: 1...10_000_000, into: &config.redis.bufferCapacity)
            r.int("batch_size", in: 1...10_000, into: &config.redis.batchSize)
            r.section("stream_maxlen") { m in
                for stream in EventStream.allCases {
                    var value = config.redis.streamMaxLength[stream] ?? 10_000
                    m.int(stream.rawValue, in: 1...100_000_000, into: &value)
                    config.redis.streamMaxLength[stream] = value
                }
            }
        }
        reader.section("synthetic") { r in
            r.bool("enabled", into: &config.synthetic.enabled)
            r.enumValue("venue", into: &config.synthetic.venue)
            r.stringList("instruments", into: &config.synthetic.instruments)
            r.int("updates_per_second", in: 1...1_000_000, into: &config.synthetic.updatesPerSecond)
            var seed = Int(config.synthetic.seed)
            r.int("seed", in: 0...Int.max, into: &seed)
            config.synthetic.seed = UInt64(seed)
        }
        reader.section("venues") { v in
            for module in VenueModules.all {
                v.section(module.id.rawValue) { r in module.read(&r, loader: self, into: &config) }
            }
        }
        reader.section("commands") { r in
            r.bool("enabled", into: &config.commands.enabled)
            r.string("group_id", into: &config.commands.groupID)
            r.optionalString("instance_id", into: &config.commands.instanceID)
            r.int("idempotency_ttl_s", in: 60...(365 * 24 * 3600), into: &config.commands.idempotencyTTLSeconds)
            r.enumValue("venue_unavailable", into: &config.commands.venueUnavailable)
            r.int("venue_wait_ms", in: 0...600_000, into: &config.commands.venueWaitMs)
            r.int("resolve_timeout_ms", in: 1_000...3_600_000, into: &config.commands.resolveTimeoutMs)
            r.int("max_message_bytes", in: 1_024...900_000, into: &config.commands.maxMessageBytes)
            var limits: [BridgeConfig.Commands.Limit] = []
            r.mappingList("limits") { l in
                var venueName = ""
                var instrument = ""
                var maxQuantity: String?
                var maxNotional: String?
                l.string("venue", into: &venueName)
                l.string("instrument", into: &instrument)
                l.optionalString("max_quantity", into: &maxQuantity)
                l.optionalString("max_notional", into: &maxNotional)
                guard let venue = VenueID(rawValue: venueName) else {
                    l.issues.append(
                        ConfigIssue(
                            key: l.keyPath("venue"),
                            problem:
                                "'\(venueName)' must be one of \(VenueID.allCases.map(\.rawValue).joined(separator: ", "))"
                        ))
                    return
                }
                if instrument.isEmpty {
                    l.issues.append(
                        ConfigIssue(
                            key: l.keyPath("instrument"), problem: "must name the instrument's normalized symbol"))
                }
                func positive(_ text: String?, _ key: String) -> ExactDecimal? {
                    guard let text else { return nil }
                    guard let value = ExactDecimal(text), value.isPositive else {
                        l.issues.append(
                            ConfigIssue(
                                key: l.keyPath(key), problem: "'\(text)' must be a positive decimal (quote it: \"1.5\")"
                            ))
                        return nil
                    }
                    return value
                }
                let quantity = positive(maxQuantity, "max_quantity")
                let notional = positive(maxNotional, "max_notional")
                if maxQuantity == nil && maxNotional == nil {
                    l.issues.append(
                        ConfigIssue(key: l.path, problem: "a limit needs max_quantity, max_notional or both"))
                }
                limits.append(.init(venue: venue, instrument: instrument, maxQuantity: quantity, maxNotional: notional))
            }
            config.commands.limits = limits
        }
        reader.rejectUnknownKeys()
        issues += reader.issues
    }

    /// `feeds: [...]`: a list of a venue's feed names; unknown names are reported with the valid ones.
    func readFeeds<Feed: RawRepresentable & CaseIterable & Hashable>(
        _ r: inout ConfigReader, into feeds: inout Set<Feed>
    ) where Feed.RawValue == String {
        var names = feeds.map(\.rawValue).sorted()
        r.stringList("feeds", into: &names)
        feeds = []
        for name in names {
            guard let feed = Feed(rawValue: name) else {
                let valid = Feed.allCases.map(\.rawValue).joined(separator: ", ")
                r.issues.append(ConfigIssue(key: r.keyPath("feeds"), problem: "'\(name)' must be one of \(valid)"))
                continue
            }
            feeds.insert(feed)
        }
    }

    /// `instruments: {venue id: symbol}`, appended in venue-id order.
    func readInstruments(_ r: inout ConfigReader, into instruments: inout [BridgeConfig.InstrumentMapping]) {
        for (venueId, symbol, _) in r.stringMap("instruments") {
            instruments.append(.init(venueId: venueId, symbol: symbol))
        }
        instruments.sort { $0.venueId < $1.venueId }
    }

    /// `<name>_file: PATH`: the secret is read from that file (its problems reported under the key).
    func readSecretFile(_ r: inout ConfigReader, _ key: String, into secret: inout String?) {
        var file: String?
        r.optionalString(key, into: &file)
        if let file { secret = readSecret(file: file, key: r.keyPath(key), issues: &r.issues) }
    }

    /// Venue secrets never come from the YAML file: each one present is an error naming the way in.
    func rejectInlineSecrets(_ r: inout ConfigReader, _ keys: [String], envPrefix: String) {
        for secret in keys where r.has(secret) {
            r.issues.append(
                ConfigIssue(
                    key: r.keyPath(secret),
                    problem: "is a secret: use \(envPrefix)\(secret.uppercased()) or \(secret)_file"))
            r.markUsed(secret)
        }
    }

    /// `venues.<id>` link settings shared by every WebSocket venue.
    func readLink(_ r: inout ConfigReader, into link: inout BridgeConfig.VenueLink) {
        r.string("url", into: &link.url)
        r.bool("tls_verify", into: &link.tlsVerify)
        r.optionalString("ca_file", into: &link.caFile)
        r.optionalString("tls_server_name", into: &link.tlsServerName)
        r.int("max_frame_bytes", in: 1024...(256 << 20), into: &link.maxFrameBytes)
        r.int("ping_interval_ms", in: 100...600_000, into: &link.pingIntervalMs)
        r.int("dead_link_timeout_ms", in: 100...3_600_000, into: &link.deadLinkTimeoutMs)
        r.int("connect_timeout_ms", in: 100...600_000, into: &link.connectTimeoutMs)
        r.int("request_timeout_ms", in: 100...600_000, into: &link.requestTimeoutMs)
        r.section("reconnect") { b in
            b.int("initial_ms", in: 1...600_000, into: &link.reconnectInitialMs)
            b.int("max_ms", in: 1...3_600_000, into: &link.reconnectMaxMs)
            b.int("max_attempts", in: 0...Int(Int32.max), into: &link.reconnectMaxAttempts)
        }
    }
}
