import EventBus
import Foundation
import Logging
import T4Connector
import VenueBridgeCore
import VenueConnector
import Yams

extension ConfigLoader {
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
                issues.append(
                    ConfigIssue(
                        key: "kafka.brokers",
                        problem:
                            "entry \(i + 1) must not carry credentials (user:password@): set SASL with VB_KAFKA_PROP_SASL_USERNAME and VB_KAFKA_PROP_SASL_PASSWORD[_FILE]"
                    ))
                continue
            }
            guard let colon = hostPort.lastIndex(of: ":"), let port = Int(hostPort[hostPort.index(after: colon)...]),
                BridgeConfig.portRange.contains(port)
            else {
                issues.append(ConfigIssue(key: "kafka.brokers", problem: "'\(broker)' is not host:port"))
                continue
            }
        }
        let prefix = config.kafka.topicPrefix
        if prefix.isEmpty || prefix.count > 200
            || !prefix.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) })
        {
            issues.append(ConfigIssue(key: "kafka.topic_prefix", problem: "must be 1–200 characters of [a-zA-Z0-9._-]"))
        }
        if config.commands.runsConsumer(config) && !config.redis.enabled {
            issues.append(
                ConfigIssue(
                    key: "commands.enabled",
                    problem:
                        "the command consumer keeps its idempotency records in Redis: enable redis, or set commands.enabled: false"
                ))
        }
        for (i, limit) in config.commands.limits.enumerated() {
            let symbols = VenueModules.module(for: limit.venue)?.symbols(config) ?? []
            if !symbols.contains(limit.instrument) {
                issues.append(
                    ConfigIssue(
                        key: "commands.limits[\(i)].instrument",
                        problem: "'\(limit.instrument)' is not configured for \(limit.venue)"))
            }
        }
        // A password in a venue URL is refused even for a disabled venue: it sits in the config or
        // the environment where nothing reads it, and would be dialled the day the venue is enabled.
        for module in VenueModules.all {
            guard module.isEnabled(config) else {
                for entry in module.urls(config) {
                    if case .credentials? = Self.urlProblem(
                        entry.url, schemes: VenueURL.webSocketSchemes + VenueURL.httpSchemes)
                    {
                        issues.append(Self.credentialsIssue(key: entry.key, from: module.credentialsHint))
                    }
                }
                continue
            }
            module.validate(config, loader: self, issues: &issues)
        }
        if config.synthetic.enabled && config.synthetic.instruments.isEmpty {
            issues.append(ConfigIssue(key: "synthetic.instruments", problem: "must list at least one instrument"))
        }
    }
}

extension ConfigLoader {
    /// What every WebSocket venue's link needs. `urlHint` tells where a missing URL comes from,
    /// `credentials` where the venue's credentials go instead of the URL.
    func validate(
        _ link: BridgeConfig.VenueLink, section: String, urlHint: String = "the venue's ws:// or wss:// URL",
        credentials: String,
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
            issues.append(
                ConfigIssue(key: "\(section).dead_link_timeout_ms", problem: "must be longer than ping_interval_ms"))
        }
    }

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
}
