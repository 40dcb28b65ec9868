public import VenueConnector

/// Connection settings every WebSocket venue shares (`venues.<id>.*`): a venue's settings hold one
/// with the venue's own defaults (its house rules) and read it with `ConfigReader.link(into:)`.
public struct VenueLinkConfig: Sendable, Equatable {
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

    public init() {}

    /// `url` with the defaults for everything else.
    public init(url: String, pingIntervalMs: Int = 15_000, deadLinkTimeoutMs: Int = 40_000) {
        self.url = url
        self.pingIntervalMs = pingIntervalMs
        self.deadLinkTimeoutMs = deadLinkTimeoutMs
    }

    /// What every WebSocket venue's link needs. `urlHint` tells where a missing URL comes from,
    /// `credentials` where the venue's credentials go instead of the URL.
    public func validate(
        section: String, urlHint: String = "the venue's ws:// or wss:// URL", credentials: String,
        issues: inout [ConfigIssue]
    ) {
        if url.isEmpty {
            issues.append(ConfigIssue(key: "\(section).url", problem: "missing: set \(urlHint)"))
        } else {
            switch VenueConfigChecks.urlProblem(url, schemes: VenueURL.webSocketSchemes) {
            case nil: break
            case .credentials?:
                issues.append(VenueConfigChecks.credentialsIssue(key: "\(section).url", from: credentials))
            case let problem?: issues.append(ConfigIssue(key: "\(section).url", problem: "\(problem)"))
            }
        }
        if deadLinkTimeoutMs <= pingIntervalMs {
            issues.append(
                ConfigIssue(key: "\(section).dead_link_timeout_ms", problem: "must be longer than ping_interval_ms"))
        }
    }
}

/// One venue instrument id and the normalized symbol it is published under.
public struct InstrumentMapping: Sendable, Equatable {
    public var venueId: String
    public var symbol: String
    public init(venueId: String, symbol: String) {
        self.venueId = venueId
        self.symbol = symbol
    }
}

/// Checks a venue's settings share.
public enum VenueConfigChecks {
    /// The parser's objection to a venue URL, parsed as the link will dial it (`VenueURL`).
    public static func urlProblem(_ url: String, schemes: [String]) -> VenueURL.Problem? {
        do {
            _ = try VenueURL(url, schemes: schemes)
            return nil
        } catch {
            return error
        }
    }

    /// Names the key and where credentials go; never the URL, which holds the password.
    public static func credentialsIssue(key: String, from: String) -> ConfigIssue {
        ConfigIssue(key: key, problem: "\(VenueURL.Problem.credentials); venue credentials come from \(from)")
    }
}

extension ConfigReader {
    /// The shared `venues.<id>` link keys.
    public mutating func link(into link: inout VenueLinkConfig) {
        string("url", into: &link.url)
        bool("tls_verify", into: &link.tlsVerify)
        optionalString("ca_file", into: &link.caFile)
        optionalString("tls_server_name", into: &link.tlsServerName)
        int("max_frame_bytes", in: 1024...(256 << 20), into: &link.maxFrameBytes)
        int("ping_interval_ms", in: 100...600_000, into: &link.pingIntervalMs)
        int("dead_link_timeout_ms", in: 100...3_600_000, into: &link.deadLinkTimeoutMs)
        int("connect_timeout_ms", in: 100...600_000, into: &link.connectTimeoutMs)
        int("request_timeout_ms", in: 100...600_000, into: &link.requestTimeoutMs)
        section("reconnect") { b in
            b.int("initial_ms", in: 1...600_000, into: &link.reconnectInitialMs)
            b.int("max_ms", in: 1...3_600_000, into: &link.reconnectMaxMs)
            b.int("max_attempts", in: 0...Int(Int32.max), into: &link.reconnectMaxAttempts)
        }
    }

    /// `feeds: [...]`: a list of a venue's feed names; unknown names are reported with the valid ones.
    public mutating func feeds<Feed: RawRepresentable & CaseIterable & Hashable>(into feeds: inout Set<Feed>)
    where Feed.RawValue == String {
        var names = feeds.map(\.rawValue).sorted()
        stringList("feeds", into: &names)
        feeds = []
        for name in names {
            guard let feed = Feed(rawValue: name) else {
                let valid = Feed.allCases.map(\.rawValue).joined(separator: ", ")
                issues.append(ConfigIssue(key: keyPath("feeds"), problem: "'\(name)' must be one of \(valid)"))
                continue
            }
            feeds.insert(feed)
        }
    }

    /// `instruments: {venue id: symbol}`, appended in venue-id order.
    public mutating func instruments(into instruments: inout [InstrumentMapping]) {
        for (venueId, symbol, _) in stringMap("instruments") {
            instruments.append(.init(venueId: venueId, symbol: symbol))
        }
        instruments.sort { $0.venueId < $1.venueId }
    }

    /// `<name>_file: PATH`: the secret is read from that file (its problems reported under the key).
    public mutating func secretFile(_ key: String, into secret: inout String?) {
        var file: String?
        optionalString(key, into: &file)
        if let file { secret = secrets.read(file: file, key: keyPath(key), issues: &issues) }
    }

    /// Venue secrets never come from the YAML file: each one present is an error naming the way in.
    public mutating func rejectInlineSecrets(_ keys: [String], envPrefix: String) {
        for secret in keys where has(secret) {
            issues.append(
                ConfigIssue(
                    key: keyPath(secret),
                    problem: "is a secret: use \(envPrefix)\(secret.uppercased()) or \(secret)_file"
                ))
            markUsed(secret)
        }
    }
}

/// `VB_*` variables applied one by one, with every problem collected under `env NAME`.
public struct EnvironmentOverrides {
    public let environment: [String: String]
    let secrets: SecretFileReader
    public var issues: [ConfigIssue] = []

    public init(environment: [String: String], secrets: SecretFileReader) {
        self.environment = environment
        self.secrets = secrets
    }

    /// `apply` sets the value and returns nil, or returns what is wrong with it.
    public mutating func value(_ name: String, _ apply: (String) -> String?) {
        guard let value = environment[name] else { return }
        if let problem = apply(value) { issues.append(ConfigIssue(key: "env \(name)", problem: problem)) }
    }

    public mutating func bool(_ name: String, into target: inout Bool) {
        value(name) { v in
            parseConfigBool(v).map {
                target = $0
                return nil
            } ?? "must be true or false"
        }
    }

    public mutating func string(_ name: String, into target: inout String) {
        value(name) { v in
            target = v
            return nil
        }
    }

    public mutating func optionalString(_ name: String, into target: inout String?) {
        value(name) { v in
            target = v
            return nil
        }
    }

    /// `NAME` and `NAME_FILE`; the file wins, being how secrets are mounted in production.
    public mutating func secret(_ name: String, into target: inout String?) {
        value(name) { v in
            target = v
            return nil
        }
        guard let file = environment[name + "_FILE"] else { return }
        target = secrets.read(file: file, key: "env \(name)_FILE", issues: &issues)
    }
}

extension VenueLinkSettings {
    /// The shared `venues.<id>.*` link keys as the connector runtime takes them.
    public init(_ link: VenueLinkConfig) {
        self.init(url: link.url)
        tlsVerify = link.tlsVerify
        caFile = link.caFile
        tlsServerName = link.tlsServerName
        maxFrameSize = link.maxFrameBytes
        pingInterval = .milliseconds(link.pingIntervalMs)
        deadLinkTimeout = .milliseconds(link.deadLinkTimeoutMs)
        connectTimeout = .milliseconds(link.connectTimeoutMs)
        requestTimeout = .milliseconds(link.requestTimeoutMs)
        reconnect.initialDelay = .milliseconds(link.reconnectInitialMs)
        reconnect.maxDelay = .milliseconds(link.reconnectMaxMs)
        reconnect.maxAttempts = link.reconnectMaxAttempts == 0 ? nil : link.reconnectMaxAttempts
    }
}
