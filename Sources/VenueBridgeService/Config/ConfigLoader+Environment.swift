import EventBus
import Foundation
import Logging
import VenueBridgeCore
import VenueConnector
import VenueModuleKit
import Yams

extension ConfigLoader {
    // MARK: Environment

    /// The environment variables we read, for docs and `check-config`.
    public var environmentVariables: [(name: String, meaning: String)] {
        Self.serviceEnvironmentVariables + venues.flatMap { $0.environmentVariables }
    }

    static let serviceEnvironmentVariables: [(name: String, meaning: String)] = [
        ("VB_CONFIG", "path of the YAML config file (same as --config)"),
        ("VB_LOG_LEVEL", "log.level"), ("VB_LOG_FORMAT", "log.format"),
        ("VB_HTTP_HOST", "http.host"), ("VB_HTTP_PORT", "http.port"),
        ("VB_KAFKA_BROKERS", "kafka.brokers"), ("VB_KAFKA_TOPIC_PREFIX", "kafka.topic_prefix"),
        ("VB_KAFKA_BACKPRESSURE", "kafka.backpressure"),
        (
            "VB_KAFKA_PROP_<NAME>",
            "librdkafka property <name> (NAME upper-case, '.' as '_'), e.g. VB_KAFKA_PROP_SASL_USERNAME"
        ),
        ("VB_KAFKA_PROP_<NAME>_FILE", "the same, read from a file (secrets)"),
        ("VB_REDIS_ENABLED", "redis.enabled"), ("VB_REDIS_HOST", "redis.host"), ("VB_REDIS_PORT", "redis.port"),
        ("VB_REDIS_PASSWORD", "Redis password (secret)"), ("VB_REDIS_PASSWORD_FILE", "file holding the Redis password"),
        ("VB_COMMANDS_ENABLED", "commands.enabled"),
        ("VB_COMMANDS_INSTANCE_ID", "commands.instance_id (default: the host name)"),
    ]

    func applyEnvironment(to config: inout BridgeConfig, issues: inout [ConfigIssue]) {
        func env(_ name: String, _ apply: (String) -> String?) {
            guard let value = environment[name] else { return }
            if let problem = apply(value) { issues.append(ConfigIssue(key: "env \(name)", problem: problem)) }
        }
        /// `NAME` and `NAME_FILE`; the file wins, being how secrets are mounted in production.
        func secret(_ name: String, into target: WritableKeyPath<BridgeConfig, String?>) {
            env(name) { v in
                config[keyPath: target] = v
                return nil
            }
            env(name + "_FILE") { v in
                config[keyPath: target] = secrets.read(file: v, key: "env \(name)_FILE", issues: &issues)
                return nil
            }
        }
        env("VB_LOG_LEVEL") { v in
            Logger.Level(rawValue: v).map {
                config.log.level = $0
                return nil
            } ?? "must be one of \(Logger.Level.allCases.map(\.rawValue))"
        }
        env("VB_LOG_FORMAT") { v in
            BridgeConfig.Log.Format(rawValue: v).map {
                config.log.format = $0
                return nil
            } ?? "must be text or json"
        }
        env("VB_HTTP_HOST") { v in
            config.http.host = v
            return nil
        }
        env("VB_HTTP_PORT") { v in
            Int(v).flatMap { BridgeConfig.httpPortRange.contains($0) ? $0 : nil }.map {
                config.http.port = $0
                return nil
            } ?? "must be a port number"
        }
        env("VB_KAFKA_BROKERS") { v in
            config.kafka.brokers = v
            return nil
        }
        env("VB_KAFKA_TOPIC_PREFIX") { v in
            config.kafka.topicPrefix = v
            return nil
        }
        env("VB_KAFKA_BACKPRESSURE") { v in
            BackpressurePolicy(rawValue: v).map {
                config.kafka.backpressure = $0
                return nil
            } ?? "must be block or drop_oldest_md"
        }
        env("VB_REDIS_ENABLED") { v in
            parseConfigBool(v).map {
                config.redis.enabled = $0
                return nil
            } ?? "must be true or false"
        }
        env("VB_REDIS_HOST") { v in
            config.redis.host = v
            return nil
        }
        env("VB_REDIS_PORT") { v in
            Int(v).flatMap { BridgeConfig.portRange.contains($0) ? $0 : nil }.map {
                config.redis.port = $0
                return nil
            } ?? "must be a port number"
        }
        secret("VB_REDIS_PASSWORD", into: \.redis.password)
        var overrides = EnvironmentOverrides(environment: environment, secrets: secrets)
        for module in venues { module.applyEnvironment(&overrides, in: &config.venues) }
        issues += overrides.issues
        env("VB_COMMANDS_ENABLED") { v in
            parseConfigBool(v).map {
                config.commands.enabled = $0
                return nil
            } ?? "must be true or false"
        }
        env("VB_COMMANDS_INSTANCE_ID") { v in
            config.commands.instanceID = v
            return nil
        }
        for (name, value) in environment.sorted(by: { $0.key < $1.key }) where name.hasPrefix("VB_KAFKA_PROP_") {
            var suffix = String(name.dropFirst("VB_KAFKA_PROP_".count))
            var value: String? = value
            if suffix.hasSuffix("_FILE") {
                suffix = String(suffix.dropLast("_FILE".count))
                value = secrets.read(file: value!, key: "env \(name)", issues: &issues)
            }
            guard !suffix.isEmpty, let value else { continue }
            config.kafka.properties[suffix.lowercased().replacingOccurrences(of: "_", with: ".")] = value
        }
    }

    static func envName(forProperty name: String) -> String {
        name.uppercased().replacingOccurrences(of: ".", with: "_")
    }

    /// Where the YAML is broken and what libyaml says about it, never the text there. Yams' own
    /// descriptions quote the offending line (for a duplicated key, the whole document), which
    /// would print a secret sitting next to a typo into the terminal and the logs.
    static func describe(yamlError error: any Error) -> String {
        func at(_ mark: Mark) -> String { "line \(mark.line), column \(mark.column)" }
        func phase(_ context: YamlError.Context?, _ problem: String, _ mark: Mark) -> String {
            // libyaml's context and problem are fixed phrases ("while scanning a quoted scalar").
            "not valid YAML at \(at(mark)): \(problem)"
                + (context.map { " (\($0.text) started at \(at($0.mark)))" } ?? "")
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
            let column =
                before.count
                - (before.lastIndex(of: "\n").map { before.distance(from: before.startIndex, to: $0) + 1 } ?? 0) + 1
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
}
