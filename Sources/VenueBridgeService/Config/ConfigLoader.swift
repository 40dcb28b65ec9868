import EventBus
import Foundation
import Logging
import VenueBridgeCore
import VenueConnector
public import VenueModuleKit
import Yams

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
    /// The venues this bridge knows (`VenueCatalog.all`), read from `venues.<id>` in this order.
    public var venues: [any VenueModule.Type]
    public var environment: [String: String]
    public var readFile: (String) throws -> String
    /// Whether enabled venues' settings are checked (credentials present, instruments listed…):
    /// true for the bridge; false for a process that only produces commands for it (the CLI's
    /// `send-*`), which needs Kafka and the accounts, not the venues' secrets.
    public var checksEnabledVenues = true

    /// Reads the process environment and real files.
    public init(venues: [any VenueModule.Type]) {
        self.init(
            venues: venues, environment: ProcessInfo.processInfo.environment,
            readFile: { try String(contentsOfFile: $0, encoding: .utf8) })
    }

    public init(
        venues: [any VenueModule.Type], environment: [String: String], readFile: @escaping (String) throws -> String
    ) {
        self.venues = venues
        self.environment = environment
        self.readFile = readFile
    }

    var secrets: SecretFileReader { SecretFileReader(readFile: readFile) }

    public func load(path: String?) throws(ConfigError) -> BridgeConfig {
        var issues: [ConfigIssue] = []
        var config = BridgeConfig(venues: venues)
        if let path {
            do {
                let text = try readFile(path)
                try apply(yaml: text, to: &config, issues: &issues)
            } catch let error as ConfigError {
                issues += error.issues
            } catch {
                issues.append(ConfigIssue(key: "config file \(path)", problem: Self.unreadable(error, path: path)))
            }
        }
        applyEnvironment(to: &config, issues: &issues)
        validate(config, issues: &issues)
        guard issues.isEmpty else { throw ConfigError(issues: issues) }
        return config
    }

    /// Why a file could not be read, in one line a person can act on (not Foundation's dump).
    static func unreadable(_ error: any Error, path: String) -> String {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            return "is a directory"
        }
        let posix = ((error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError)?.code
        switch posix ?? (error as NSError).code {
        case Int(ENOENT), NSFileReadNoSuchFileError: return "no such file"
        case Int(EACCES), NSFileReadNoPermissionError: return "permission denied"
        case Int(EISDIR): return "is a directory"
        case NSFileReadInapplicableStringEncodingError: return "not UTF-8 text"
        default: return "cannot read: \((error as NSError).localizedDescription)"
        }
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
        var reader = ConfigReader(node: root, path: "", issues: [], secrets: secrets)
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
            r.int("account_linger_ms", in: 0...1_000, into: &config.kafka.accountLingerMs)
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
                config.redis.password = secrets.read(
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
            for module in venues {
                v.section(module.id.rawValue) { r in module.read(&r, in: &config.venues) }
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
            r.int("max_in_flight", in: 1...10_000, into: &config.commands.maxInFlight)
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
}
