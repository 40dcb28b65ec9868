import EventBus
import Foundation
import Logging
import VenueBridgeCore
import VenueConnector
import VenueModuleKit
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
            let symbols = config.venues.module(for: limit.venue)?.symbols(in: config.venues) ?? []
            if !symbols.contains(limit.instrument) {
                issues.append(
                    ConfigIssue(
                        key: "commands.limits[\(i)].instrument",
                        problem: "'\(limit.instrument)' is not configured for \(limit.venue)"))
            }
        }
        // A password in a venue URL is refused even for a disabled venue: it sits in the config or
        // the environment where nothing reads it, and would be dialled the day the venue is enabled.
        for module in config.venues.modules {
            guard module.isEnabled(in: config.venues) else {
                for entry in module.urls(in: config.venues) {
                    if case .credentials? = VenueConfigChecks.urlProblem(
                        entry.url, schemes: VenueURL.webSocketSchemes + VenueURL.httpSchemes)
                    {
                        issues.append(
                            VenueConfigChecks.credentialsIssue(key: entry.key, from: module.credentialsHint))
                    }
                }
                continue
            }
            // Who only produces commands (the CLI's send-*) needs no venue's credentials.
            if checksEnabledVenues { module.validate(in: config.venues, issues: &issues) }
        }
        if config.synthetic.enabled && config.synthetic.instruments.isEmpty {
            issues.append(ConfigIssue(key: "synthetic.instruments", problem: "must list at least one instrument"))
        }
    }
}
