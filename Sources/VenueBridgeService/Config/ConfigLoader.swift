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
        self.init(environment: ProcessInfo.processInfo.environment, readFile: { try String(contentsOfFile: $0, encoding: .utf8) })
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
                    r.issues.append(ConfigIssue(key: key, problem: "set brokers with kafka.brokers (or VB_KAFKA_BROKERS)"))
                } else if SecretPolicy.isSecretKafkaProperty(name) {
                    r.issues.append(ConfigIssue(key: key, problem: "is a secret: set it with VB_KAFKA_PROP_\(Self.envName(forProperty: name)) or a _FILE variant, not in the config file"))
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
                r.issues.append(ConfigIssue(key: r.keyPath("password"), problem: "is a secret: use VB_REDIS_PASSWORD or password_file"))
                r.markUsed("password")
            }
            var passwordFile: String?
            r.optionalString("password_file", into: &passwordFile)
            if let passwordFile { config.redis.password = readSecret(file: passwordFile, key: r.keyPath("password_file"), issues: &r.issues) }
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
            v.section("finery") { r in
                var finery = config.venues.finery
                r.bool("enabled", into: &finery.enabled)
                readLink(&r, into: &finery.link)
                r.string("account", into: &finery.account)
                readInstruments(&r, into: &finery.instruments)
                readFeeds(&r, into: &finery.feeds)
                r.bool("publish_ticker", into: &finery.publishTicker)
                r.bool("cancel_on_disconnect", into: &finery.cancelOnDisconnect)
                rejectInlineSecrets(&r, ["api_key", "api_secret"], envPrefix: "VB_FINERY_")
                readSecretFile(&r, "api_key_file", into: &finery.apiKey)
                readSecretFile(&r, "api_secret_file", into: &finery.apiSecret)
                config.venues.finery = finery
            }
            v.section("sfox") { r in
                var sfox = config.venues.sfox
                r.bool("enabled", into: &sfox.enabled)
                readLink(&r, into: &sfox.link)
                r.string("rest_url", into: &sfox.restURL)
                r.string("account", into: &sfox.account)
                readInstruments(&r, into: &sfox.instruments)
                readFeeds(&r, into: &sfox.feeds)
                r.bool("net_price_books", into: &sfox.netPriceBooks)
                r.bool("publish_ticker", into: &sfox.publishTicker)
                r.bool("enterprise", into: &sfox.enterprise)
                rejectInlineSecrets(&r, ["api_key"], envPrefix: "VB_SFOX_")
                readSecretFile(&r, "api_key_file", into: &sfox.apiKey)
                config.venues.sfox = sfox
            }
            v.section("t4") { r in
                var t4 = config.venues.t4
                r.bool("enabled", into: &t4.enabled)
                readLink(&r, into: &t4.link)
                readT4Markets(&r, into: &t4.markets)
                r.bool("subscribe_accounts", into: &t4.subscribeAccounts)
                r.bool("publish_ticker", into: &t4.publishTicker)
                // At least a second: a quick retry of a refused password can lock the user out.
                r.int("login_retry_delay_ms", in: 1_000...3_600_000, into: &t4.loginRetryDelayMs)
                // The venue drops a client silent for three of its intervals; under a second is noise.
                r.optionalInt("heartbeat_interval_ms", in: 1_000...600_000, into: &t4.heartbeatIntervalMs)
                r.optionalString("firm", into: &t4.firm)
                r.optionalString("username", into: &t4.username)
                r.optionalString("app_name", into: &t4.appName)
                rejectInlineSecrets(&r, ["api_key", "password", "app_license"], envPrefix: "VB_T4_")
                readSecretFile(&r, "api_key_file", into: &t4.apiKey)
                readSecretFile(&r, "password_file", into: &t4.password)
                readSecretFile(&r, "app_license_file", into: &t4.appLicense)
                config.venues.t4 = t4
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
                    l.issues.append(ConfigIssue(key: l.keyPath("venue"), problem: "'\(venueName)' must be one of \(VenueID.allCases.map(\.rawValue).joined(separator: ", "))"))
                    return
                }
                if instrument.isEmpty { l.issues.append(ConfigIssue(key: l.keyPath("instrument"), problem: "must name the instrument's normalized symbol")) }
                func positive(_ text: String?, _ key: String) -> ExactDecimal? {
                    guard let text else { return nil }
                    guard let value = ExactDecimal(text), value.isPositive else {
                        l.issues.append(ConfigIssue(key: l.keyPath(key), problem: "'\(text)' must be a positive decimal (quote it: \"1.5\")"))
                        return nil
                    }
                    return value
                }
                let quantity = positive(maxQuantity, "max_quantity")
                let notional = positive(maxNotional, "max_notional")
                if maxQuantity == nil && maxNotional == nil {
                    l.issues.append(ConfigIssue(key: l.path, problem: "a limit needs max_quantity, max_notional or both"))
                }
                limits.append(.init(venue: venue, instrument: instrument, maxQuantity: quantity, maxNotional: notional))
            }
            config.commands.limits = limits
        }
        reader.rejectUnknownKeys()
        issues += reader.issues
    }

    /// `feeds: [...]`: a list of a venue's feed names; unknown names are reported with the valid ones.
    private func readFeeds<Feed: RawRepresentable & CaseIterable & Hashable>(_ r: inout ConfigReader, into feeds: inout Set<Feed>) where Feed.RawValue == String {
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
    private func readInstruments(_ r: inout ConfigReader, into instruments: inout [BridgeConfig.InstrumentMapping]) {
        for (venueId, symbol, _) in r.stringMap("instruments") {
            instruments.append(.init(venueId: venueId, symbol: symbol))
        }
        instruments.sort { $0.venueId < $1.venueId }
    }

    /// `markets: [{symbol, exchange_id, contract_id, market_id}]`. T4 subscribes with all three ids
    /// and never lets us derive one from another, so each is required; a repeated symbol or market
    /// id would put two books into one stream or subscribe one market twice.
    private func readT4Markets(_ r: inout ConfigReader, into markets: inout [T4Market]) {
        let fields: [(key: String, field: WritableKeyPath<T4Market, String>)] = [
            ("symbol", \.symbol), ("exchange_id", \.exchangeID), ("contract_id", \.contractID), ("market_id", \.marketID),
        ]
        var firstUse: [String: [String: String]] = [:]  // key → value → where it was first set
        r.mappingList("markets") { m in
            var market = T4Market(symbol: "", exchangeID: "", contractID: "", marketID: "")
            for (key, field) in fields {
                m.string(key, into: &market[keyPath: field])
                let value = market[keyPath: field]
                if value.trimmingCharacters(in: .whitespaces).isEmpty {
                    m.issues.append(ConfigIssue(key: m.keyPath(key), problem: "must be set (not empty)"))
                } else if key == "symbol" || key == "market_id" {
                    if let first = firstUse[key]?[value] {
                        m.issues.append(ConfigIssue(key: m.keyPath(key), problem: "'\(value)' is already used by \(first)"))
                    } else {
                        firstUse[key, default: [:]][value] = m.keyPath(key)
                    }
                }
            }
            markets.append(market)
        }
    }

    /// `<name>_file: PATH`: the secret is read from that file (its problems reported under the key).
    private func readSecretFile(_ r: inout ConfigReader, _ key: String, into secret: inout String?) {
        var file: String?
        r.optionalString(key, into: &file)
        if let file { secret = readSecret(file: file, key: r.keyPath(key), issues: &r.issues) }
    }

    /// Venue secrets never come from the YAML file: each one present is an error naming the way in.
    private func rejectInlineSecrets(_ r: inout ConfigReader, _ keys: [String], envPrefix: String) {
        for secret in keys where r.has(secret) {
            r.issues.append(ConfigIssue(key: r.keyPath(secret), problem: "is a secret: use \(envPrefix)\(secret.uppercased()) or \(secret)_file"))
            r.markUsed(secret)
        }
    }

    /// `venues.<id>` link settings shared by every WebSocket venue.
    private func readLink(_ r: inout ConfigReader, into link: inout BridgeConfig.VenueLink) {
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

    // MARK: Environment

    /// The environment variables we read, for docs and `check-config`.
    public static let environmentVariables: [(name: String, meaning: String)] = [
        ("VB_CONFIG", "path of the YAML config file (same as --config)"),
        ("VB_LOG_LEVEL", "log.level"), ("VB_LOG_FORMAT", "log.format"),
        ("VB_HTTP_HOST", "http.host"), ("VB_HTTP_PORT", "http.port"),
        ("VB_KAFKA_BROKERS", "kafka.brokers"), ("VB_KAFKA_TOPIC_PREFIX", "kafka.topic_prefix"),
        ("VB_KAFKA_BACKPRESSURE", "kafka.backpressure"),
        ("VB_KAFKA_PROP_<NAME>", "librdkafka property <name> (NAME upper-case, '.' as '_'), e.g. VB_KAFKA_PROP_SASL_USERNAME"),
        ("VB_KAFKA_PROP_<NAME>_FILE", "the same, read from a file (secrets)"),
        ("VB_REDIS_ENABLED", "redis.enabled"), ("VB_REDIS_HOST", "redis.host"), ("VB_REDIS_PORT", "redis.port"),
        ("VB_REDIS_PASSWORD", "Redis password (secret)"), ("VB_REDIS_PASSWORD_FILE", "file holding the Redis password"),
        ("VB_FINERY_ENABLED", "venues.finery.enabled"), ("VB_FINERY_URL", "venues.finery.url"),
        ("VB_FINERY_API_KEY", "Finery API key (secret)"), ("VB_FINERY_API_KEY_FILE", "file holding the Finery API key"),
        ("VB_FINERY_API_SECRET", "Finery API secret (secret)"), ("VB_FINERY_API_SECRET_FILE", "file holding the Finery API secret"),
        ("VB_SFOX_ENABLED", "venues.sfox.enabled"), ("VB_SFOX_URL", "venues.sfox.url"), ("VB_SFOX_REST_URL", "venues.sfox.rest_url"),
        ("VB_SFOX_API_KEY", "sFOX API key (secret)"), ("VB_SFOX_API_KEY_FILE", "file holding the sFOX API key"),
        ("VB_T4_ENABLED", "venues.t4.enabled"), ("VB_T4_URL", "venues.t4.url"),
        ("VB_T4_API_KEY", "T4 API key (secret)"), ("VB_T4_API_KEY_FILE", "file holding the T4 API key"),
        ("VB_T4_FIRM", "venues.t4.firm"), ("VB_T4_USERNAME", "venues.t4.username"), ("VB_T4_APP_NAME", "venues.t4.app_name"),
        ("VB_T4_PASSWORD", "T4 password (secret)"), ("VB_T4_PASSWORD_FILE", "file holding the T4 password"),
        ("VB_T4_APP_LICENSE", "T4 application license (secret)"), ("VB_T4_APP_LICENSE_FILE", "file holding the T4 application license"),
        ("VB_COMMANDS_ENABLED", "commands.enabled"), ("VB_COMMANDS_INSTANCE_ID", "commands.instance_id (default: the host name)"),
    ]

    func applyEnvironment(to config: inout BridgeConfig, issues: inout [ConfigIssue]) {
        func env(_ name: String, _ apply: (String) -> String?) {
            guard let value = environment[name] else { return }
            if let problem = apply(value) { issues.append(ConfigIssue(key: "env \(name)", problem: problem)) }
        }
        /// `NAME` and `NAME_FILE`; the file wins, being how secrets are mounted in production.
        func secret(_ name: String, into target: WritableKeyPath<BridgeConfig, String?>) {
            env(name) { v in config[keyPath: target] = v; return nil }
            env(name + "_FILE") { v in config[keyPath: target] = readSecret(file: v, key: "env \(name)_FILE", issues: &issues); return nil }
        }
        env("VB_LOG_LEVEL") { v in Logger.Level(rawValue: v).map { config.log.level = $0; return nil } ?? "must be one of \(Logger.Level.allCases.map(\.rawValue))" }
        env("VB_LOG_FORMAT") { v in BridgeConfig.Log.Format(rawValue: v).map { config.log.format = $0; return nil } ?? "must be text or json" }
        env("VB_HTTP_HOST") { v in config.http.host = v; return nil }
        env("VB_HTTP_PORT") { v in Int(v).flatMap { BridgeConfig.httpPortRange.contains($0) ? $0 : nil }.map { config.http.port = $0; return nil } ?? "must be a port number" }
        env("VB_KAFKA_BROKERS") { v in config.kafka.brokers = v; return nil }
        env("VB_KAFKA_TOPIC_PREFIX") { v in config.kafka.topicPrefix = v; return nil }
        env("VB_KAFKA_BACKPRESSURE") { v in BackpressurePolicy(rawValue: v).map { config.kafka.backpressure = $0; return nil } ?? "must be block or drop_oldest_md" }
        env("VB_REDIS_ENABLED") { v in Self.parseBool(v).map { config.redis.enabled = $0; return nil } ?? "must be true or false" }
        env("VB_REDIS_HOST") { v in config.redis.host = v; return nil }
        env("VB_REDIS_PORT") { v in Int(v).flatMap { BridgeConfig.portRange.contains($0) ? $0 : nil }.map { config.redis.port = $0; return nil } ?? "must be a port number" }
        secret("VB_REDIS_PASSWORD", into: \.redis.password)
        env("VB_FINERY_ENABLED") { v in Self.parseBool(v).map { config.venues.finery.enabled = $0; return nil } ?? "must be true or false" }
        env("VB_FINERY_URL") { v in config.venues.finery.link.url = v; return nil }
        secret("VB_FINERY_API_KEY", into: \.venues.finery.apiKey)
        secret("VB_FINERY_API_SECRET", into: \.venues.finery.apiSecret)
        env("VB_SFOX_ENABLED") { v in Self.parseBool(v).map { config.venues.sfox.enabled = $0; return nil } ?? "must be true or false" }
        env("VB_SFOX_URL") { v in config.venues.sfox.link.url = v; return nil }
        env("VB_SFOX_REST_URL") { v in config.venues.sfox.restURL = v; return nil }
        secret("VB_SFOX_API_KEY", into: \.venues.sfox.apiKey)
        env("VB_T4_ENABLED") { v in Self.parseBool(v).map { config.venues.t4.enabled = $0; return nil } ?? "must be true or false" }
        env("VB_T4_URL") { v in config.venues.t4.link.url = v; return nil }
        env("VB_T4_FIRM") { v in config.venues.t4.firm = v; return nil }
        env("VB_T4_USERNAME") { v in config.venues.t4.username = v; return nil }
        env("VB_T4_APP_NAME") { v in config.venues.t4.appName = v; return nil }
        secret("VB_T4_API_KEY", into: \.venues.t4.apiKey)
        secret("VB_T4_PASSWORD", into: \.venues.t4.password)
        secret("VB_T4_APP_LICENSE", into: \.venues.t4.appLicense)
        env("VB_COMMANDS_ENABLED") { v in Self.parseBool(v).map { config.commands.enabled = $0; return nil } ?? "must be true or false" }
        env("VB_COMMANDS_INSTANCE_ID") { v in config.commands.instanceID = v; return nil }
        for (name, value) in environment.sorted(by: { $0.key < $1.key }) where name.hasPrefix("VB_KAFKA_PROP_") {
            var suffix = String(name.dropFirst("VB_KAFKA_PROP_".count))
            var value: String? = value
            if suffix.hasSuffix("_FILE") {
                suffix = String(suffix.dropLast("_FILE".count))
                value = readSecret(file: value!, key: "env \(name)", issues: &issues)
            }
            guard !suffix.isEmpty, let value else { continue }
            config.kafka.properties[suffix.lowercased().replacingOccurrences(of: "_", with: ".")] = value
        }
    }

    static func envName(forProperty name: String) -> String {
        name.uppercased().replacingOccurrences(of: ".", with: "_")
    }

    static func parseBool(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "true", "1", "yes", "on": true
        case "false", "0", "no", "off": false
        default: nil
        }
    }

    private func readSecret(file: String, key: String, issues: inout [ConfigIssue]) -> String? {
        do {
            // Trailing newlines are an artefact of `echo > file` and Kubernetes secret mounts.
            let text = try readFile(file)
            return String(text.reversed().drop { $0 == "\n" || $0 == "\r" }.reversed())
        } catch {
            issues.append(ConfigIssue(key: key, problem: "cannot read secret file \(file)"))
            return nil
        }
    }

    /// Where the YAML is broken and what libyaml says about it, never the text there. Yams' own
    /// descriptions quote the offending line (for a duplicated key, the whole document), which
    /// would print a secret sitting next to a typo into the terminal and the logs.
    static func describe(yamlError error: any Error) -> String {
        func at(_ mark: Mark) -> String { "line \(mark.line), column \(mark.column)" }
        func phase(_ context: YamlError.Context?, _ problem: String, _ mark: Mark) -> String {
            // libyaml's context and problem are fixed phrases ("while scanning a quoted scalar").
            "not valid YAML at \(at(mark)): \(problem)" + (context.map { " (\($0.text) started at \(at($0.mark)))" } ?? "")
        }
        guard let error = error as? YamlError else { return "not valid YAML" }
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            return phase(context, problem, mark)
        case .reader(let problem, let offset, _, let yaml):
            guard let offset else { return "not valid YAML: \(problem)" }
            let before = yaml.prefix(offset)
            let line = before.filter { $0 == "\n" }.count + 1
            let column = before.count - (before.lastIndex(of: "\n").map { before.distance(from: before.startIndex, to: $0) + 1 } ?? 0) + 1
            return "not valid YAML at line \(line), column \(column): \(problem)"
        case .duplicatedKeysInMapping(let duplicates, let context):
            let keys = duplicates.sorted().map { "'\($0.prefix(100))'" }.joined(separator: ", ")
            return "key \(keys) appears more than once in the mapping at \(at(context.mark)); each key may be set once"
        case .dataCouldNotBeDecoded:
            return "not valid UTF-8"
        default:
            return "not valid YAML"
        }
    }

    // MARK: Cross-field validation

    func validate(_ config: BridgeConfig, issues: inout [ConfigIssue]) {
        if config.kafka.brokers.trimmingCharacters(in: .whitespaces).isEmpty {
            issues.append(ConfigIssue(key: "kafka.brokers", problem: "must not be empty"))
        }
        for (i, broker) in config.kafka.brokers.split(separator: ",").enumerated() {
            let hostPort = broker.split(separator: "://").last ?? broker
            // librdkafka takes no credentials here (SASL is set by properties); `u:p@host:9092`
            // would pass the port check below and leak into every printout of the broker list.
            if hostPort.contains("@") {
                issues.append(ConfigIssue(key: "kafka.brokers", problem: "entry \(i + 1) must not carry credentials (user:password@): set SASL with VB_KAFKA_PROP_SASL_USERNAME and VB_KAFKA_PROP_SASL_PASSWORD[_FILE]"))
                continue
            }
            guard let colon = hostPort.lastIndex(of: ":"), let port = Int(hostPort[hostPort.index(after: colon)...]), BridgeConfig.portRange.contains(port) else {
                issues.append(ConfigIssue(key: "kafka.brokers", problem: "'\(broker)' is not host:port"))
                continue
            }
        }
        let prefix = config.kafka.topicPrefix
        if prefix.isEmpty || prefix.count > 200 || !prefix.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }) {
            issues.append(ConfigIssue(key: "kafka.topic_prefix", problem: "must be 1–200 characters of [a-zA-Z0-9._-]"))
        }
        if config.commands.runsConsumer(config) && !config.redis.enabled {
            issues.append(ConfigIssue(
                key: "commands.enabled", problem: "the command consumer keeps its idempotency records in Redis: enable redis, or set commands.enabled: false"
            ))
        }
        for (i, limit) in config.commands.limits.enumerated() {
            let symbols: [String] =
                switch limit.venue {
                case .finery: config.venues.finery.instruments.map(\.symbol)
                case .sfox: config.venues.sfox.instruments.map(\.symbol)
                case .t4: config.venues.t4.markets.map(\.symbol)
                case .fi, .fig: []
                }
            if !symbols.contains(limit.instrument) {
                issues.append(ConfigIssue(key: "commands.limits[\(i)].instrument", problem: "'\(limit.instrument)' is not configured for \(limit.venue)"))
            }
        }
        // A password in a venue URL is refused even for a disabled venue: it sits in the config or
        // the environment where nothing reads it, and would be dialled the day the venue is enabled.
        let venueURLs: [(key: String, url: String, enabled: Bool, credentials: String)] = [
            ("venues.finery.url", config.venues.finery.link.url, config.venues.finery.enabled, Self.fineryCredentials),
            ("venues.sfox.url", config.venues.sfox.link.url, config.venues.sfox.enabled, Self.sfoxCredentials),
            ("venues.sfox.rest_url", config.venues.sfox.restURL, config.venues.sfox.enabled, Self.sfoxCredentials),
            ("venues.t4.url", config.venues.t4.link.url, config.venues.t4.enabled, Self.t4Credentials),
        ]
        for entry in venueURLs where !entry.enabled {
            if case .credentials? = Self.urlProblem(entry.url, schemes: VenueURL.webSocketSchemes + VenueURL.httpSchemes) {
                issues.append(Self.credentialsIssue(key: entry.key, from: entry.credentials))
            }
        }
        let finery = config.venues.finery
        if finery.enabled {
            validate(finery.link, section: "venues.finery", credentials: Self.fineryCredentials, issues: &issues)
            if finery.instruments.isEmpty { issues.append(ConfigIssue(key: "venues.finery.instruments", problem: "must map at least one instrument")) }
            if finery.apiKey?.isEmpty ?? true { issues.append(ConfigIssue(key: "venues.finery.api_key", problem: "missing: set VB_FINERY_API_KEY or VB_FINERY_API_KEY_FILE")) }
            if finery.apiSecret?.isEmpty ?? true { issues.append(ConfigIssue(key: "venues.finery.api_secret", problem: "missing: set VB_FINERY_API_SECRET or VB_FINERY_API_SECRET_FILE")) }
            if Set(finery.instruments.map(\.symbol)).count != finery.instruments.count {
                issues.append(ConfigIssue(key: "venues.finery.instruments", problem: "two venue instruments map to the same symbol"))
            }
        }
        let sfox = config.venues.sfox
        if sfox.enabled {
            validate(sfox.link, section: "venues.sfox", credentials: Self.sfoxCredentials, issues: &issues)
            switch Self.urlProblem(sfox.restURL, schemes: VenueURL.httpSchemes) {
            case nil: break
            case .credentials?: issues.append(Self.credentialsIssue(key: "venues.sfox.rest_url", from: Self.sfoxCredentials))
            case let problem?: issues.append(ConfigIssue(key: "venues.sfox.rest_url", problem: "\(problem) (the REST base including /v1)"))
            }
            if sfox.instruments.isEmpty { issues.append(ConfigIssue(key: "venues.sfox.instruments", problem: "must map at least one pair")) }
            if Set(sfox.instruments.map(\.symbol)).count != sfox.instruments.count {
                issues.append(ConfigIssue(key: "venues.sfox.instruments", problem: "two pairs map to the same symbol"))
            }
            if sfox.feeds.contains(.account), sfox.apiKey?.isEmpty ?? true {
                issues.append(ConfigIssue(key: "venues.sfox.api_key", problem: "missing: the account feed and order entry need VB_SFOX_API_KEY or VB_SFOX_API_KEY_FILE (or drop `account` from feeds)"))
            }
        }
        if config.venues.t4.enabled { validate(config.venues.t4, issues: &issues) }
        if config.synthetic.enabled && config.synthetic.instruments.isEmpty {
            issues.append(ConfigIssue(key: "synthetic.instruments", problem: "must list at least one instrument"))
        }
    }
}

extension ConfigLoader {
    /// What every WebSocket venue's link needs. `urlHint` tells where a missing URL comes from,
    /// `credentials` where the venue's credentials go instead of the URL.
    func validate(
        _ link: BridgeConfig.VenueLink, section: String, urlHint: String = "the venue's ws:// or wss:// URL", credentials: String,
        issues: inout [ConfigIssue]
    ) {
        if link.url.isEmpty {
            issues.append(ConfigIssue(key: "\(section).url", problem: "missing: set \(urlHint)"))
        } else {
            switch Self.urlProblem(link.url, schemes: VenueURL.webSocketSchemes) {
            case nil: break
            case .credentials?: issues.append(Self.credentialsIssue(key: "\(section).url", from: credentials))
            case let problem?: issues.append(ConfigIssue(key: "\(section).url", problem: "\(problem)"))
            }
        }
        if link.deadLinkTimeoutMs <= link.pingIntervalMs {
            issues.append(ConfigIssue(key: "\(section).dead_link_timeout_ms", problem: "must be longer than ping_interval_ms"))
        }
    }

    /// Where each venue's credentials come from, for the error refusing them in a URL.
    static let fineryCredentials = "VB_FINERY_API_KEY and VB_FINERY_API_SECRET (or their _FILE variants)"
    static let sfoxCredentials = "VB_SFOX_API_KEY or VB_SFOX_API_KEY_FILE"
    static let t4Credentials = "VB_T4_API_KEY[_FILE] or the password login (VB_T4_USERNAME, VB_T4_PASSWORD[_FILE], …)"

    /// The parser's objection to a venue URL, parsed as the link will dial it (`VenueURL`).
    static func urlProblem(_ url: String, schemes: [String]) -> VenueURL.Problem? {
        do {
            _ = try VenueURL(url, schemes: schemes)
            return nil
        } catch {
            return error
        }
    }

    /// Names the key and where credentials go; never the URL, which holds the password.
    static func credentialsIssue(key: String, from: String) -> ConfigIssue {
        ConfigIssue(key: key, problem: "\(VenueURL.Problem.credentials); venue credentials come from \(from)")
    }

    /// An enabled `venues.t4`: a URL (no default), markets, and exactly one complete login, since
    /// T4 has no public market data.
    func validate(_ t4: BridgeConfig.T4, issues: inout [ConfigIssue]) {
        validate(t4.link, section: "venues.t4",
                 urlHint: "venues.t4.url or VB_T4_URL (live wss://wss.t4login.com/v1, the venue's simulator wss://wss-sim.t4login.com/v1)",
                 credentials: Self.t4Credentials, issues: &issues)
        if t4.markets.isEmpty {
            issues.append(ConfigIssue(key: "venues.t4.markets", problem: "must list at least one market ({symbol, exchange_id, contract_id, market_id})"))
        }
        let hasAPIKey = !(t4.apiKey?.isEmpty ?? true)
        switch (hasAPIKey, t4.hasPasswordLogin) {
        case (true, false):
            break
        case (true, true):
            issues.append(ConfigIssue(key: "venues.t4.api_key", problem: "set either the API key or the password login (firm, username, password, app_name, app_license), not both"))
        case (false, false):
            issues.append(ConfigIssue(key: "venues.t4.api_key", problem: "missing: T4 has no public market data; set VB_T4_API_KEY or VB_T4_API_KEY_FILE, or the password login (VB_T4_FIRM, VB_T4_USERNAME, VB_T4_PASSWORD[_FILE], VB_T4_APP_NAME, VB_T4_APP_LICENSE[_FILE])"))
        case (false, true):
            let parts: [(key: String, value: String?, from: String)] = [
                ("firm", t4.firm, "VB_T4_FIRM or firm"), ("username", t4.username, "VB_T4_USERNAME or username"),
                ("password", t4.password, "VB_T4_PASSWORD, VB_T4_PASSWORD_FILE or password_file"),
                ("app_name", t4.appName, "VB_T4_APP_NAME or app_name"),
                ("app_license", t4.appLicense, "VB_T4_APP_LICENSE, VB_T4_APP_LICENSE_FILE or app_license_file"),
            ]
            for part in parts where part.value?.isEmpty ?? true {
                issues.append(ConfigIssue(key: "venues.t4.\(part.key)", problem: "missing for the password login: set \(part.from)"))
            }
        }
    }
}

/// Reads one YAML mapping, remembering which keys were used and collecting issues with full paths.
struct ConfigReader {
    let node: Node
    let path: String
    var issues: [ConfigIssue]
    private var used: Set<String> = []

    init(node: Node, path: String, issues: [ConfigIssue]) {
        self.node = node
        self.path = path
        self.issues = issues
        if node.mapping == nil {
            self.issues.append(ConfigIssue(key: path.isEmpty ? "config file" : path, problem: "must be a mapping"))
        }
    }

    func keyPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    func has(_ key: String) -> Bool { node.mapping?[key] != nil }

    mutating func markUsed(_ key: String) { used.insert(key) }

    private mutating func scalar(_ key: String) -> String? {
        guard let value = node.mapping?[key] else { return nil }
        used.insert(key)
        guard let scalar = value.scalar else {
            issues.append(ConfigIssue(key: keyPath(key), problem: "must be a single value"))
            return nil
        }
        return scalar.string
    }

    mutating func string(_ key: String, into target: inout String) {
        if let value = scalar(key) { target = value }
    }

    mutating func optionalString(_ key: String, into target: inout String?) {
        if let value = scalar(key) { target = value }
    }

    mutating func int(_ key: String, in range: ClosedRange<Int>, into target: inout Int) {
        guard let text = scalar(key) else { return }
        guard let value = Int(text), range.contains(value) else {
            issues.append(ConfigIssue(key: keyPath(key), problem: "'\(text)' must be an integer in \(range.lowerBound)…\(range.upperBound)"))
            return
        }
        target = value
    }

    mutating func optionalInt(_ key: String, in range: ClosedRange<Int>, into target: inout Int?) {
        guard has(key) else { return }
        var value = target ?? range.lowerBound
        let before = issues.count
        int(key, in: range, into: &value)
        if issues.count == before { target = value }
    }

    mutating func bool(_ key: String, into target: inout Bool) {
        guard let text = scalar(key) else { return }
        guard let value = ConfigLoader.parseBool(text) else {
            issues.append(ConfigIssue(key: keyPath(key), problem: "'\(text)' must be true or false"))
            return
        }
        target = value
    }

    mutating func enumValue<E: RawRepresentable & CaseIterable>(_ key: String, into target: inout E) where E.RawValue == String {
        guard let text = scalar(key) else { return }
        guard let value = E(rawValue: text) else {
            issues.append(ConfigIssue(key: keyPath(key), problem: "'\(text)' must be one of \(E.allCases.map(\.rawValue).joined(separator: ", "))"))
            return
        }
        target = value
    }

    mutating func stringList(_ key: String, into target: inout [String]) {
        guard let value = node.mapping?[key] else { return }
        used.insert(key)
        guard let sequence = value.sequence else {
            issues.append(ConfigIssue(key: keyPath(key), problem: "must be a list"))
            return
        }
        var result: [String] = []
        for (i, item) in sequence.enumerated() {
            guard let text = item.scalar?.string, !text.isEmpty else {
                issues.append(ConfigIssue(key: "\(keyPath(key))[\(i)]", problem: "must be a non-empty string"))
                continue
            }
            result.append(text)
        }
        target = result
    }

    /// A mapping of free-form string values (librdkafka properties).
    /// Entries as (name, value, full key path).
    mutating func stringMap(_ key: String) -> [(String, String, String)] {
        guard let value = node.mapping?[key] else { return [] }
        used.insert(key)
        guard let mapping = value.mapping else {
            issues.append(ConfigIssue(key: keyPath(key), problem: "must be a mapping"))
            return []
        }
        var entries: [(String, String, String)] = []
        for (k, v) in mapping {
            guard let name = k.scalar?.string, let text = v.scalar?.string else {
                issues.append(ConfigIssue(key: keyPath(key), problem: "entries must be name: value"))
                continue
            }
            entries.append((name, text, "\(keyPath(key)).\(name)"))
        }
        return entries
    }

    mutating func section(_ key: String, _ body: (inout ConfigReader) -> Void) {
        guard let value = node.mapping?[key] else { return }
        used.insert(key)
        read(value, path: keyPath(key), body)
    }

    /// A list of mappings, each read by `body` under its own path (`markets[1].symbol`).
    mutating func mappingList(_ key: String, _ body: (inout ConfigReader) -> Void) {
        guard let value = node.mapping?[key] else { return }
        used.insert(key)
        guard let sequence = value.sequence else {
            issues.append(ConfigIssue(key: keyPath(key), problem: "must be a list"))
            return
        }
        for (i, item) in sequence.enumerated() {
            read(item, path: "\(keyPath(key))[\(i)]", body)
        }
    }

    private mutating func read(_ value: Node, path: String, _ body: (inout ConfigReader) -> Void) {
        var child = ConfigReader(node: value, path: path, issues: [])
        if value.mapping != nil {
            body(&child)
            child.rejectUnknownKeys()
        }
        issues += child.issues
    }

    mutating func rejectUnknownKeys() {
        guard let mapping = node.mapping else { return }
        for key in mapping.keys {
            let name = key.scalar?.string ?? "?"
            if !used.contains(name) {
                issues.append(ConfigIssue(key: keyPath(name), problem: "unknown key"))
            }
        }
    }
}
