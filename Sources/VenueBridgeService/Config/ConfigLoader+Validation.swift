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
