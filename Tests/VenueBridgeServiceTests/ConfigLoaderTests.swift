// File length: every config key and its error text, one test per documented rule, in the order of the README's
// Configuration section.
import FineryModule
import SFOXModule
import T4Module
import Testing
import VenueBridgeCore
import VenueCatalog
import VenueModuleKit

@testable import VenueBridgeService

@Suite("ConfigLoader")
struct ConfigLoaderTests {
    /// A loader over an in-memory file system and environment.
    func loader(files: [String: String] = [:], env: [String: String] = [:]) -> ConfigLoader {
        ConfigLoader(
            venues: VenueCatalog.all, environment: env,
            readFile: { path in
                guard let text = files[path] else { throw CocoaLikeError.missing(path) }
                return text
            })
    }

    enum CocoaLikeError: Error { case missing(String) }

    func issues(_ body: () throws -> Void) -> [ConfigIssue] {
        do {
            try body()
            return []
        } catch let error as ConfigError {
            return error.issues
        } catch {
            Issue.record("unexpected error \(error)")
            return []
        }
    }

    @Test("a config file that is missing or a directory: one line that says so, no Foundation dump")
    func unreadableFile() {
        let real = ConfigLoader(
            venues: VenueCatalog.all, environment: [:], readFile: { try String(contentsOfFile: $0, encoding: .utf8) })
        let missing = issues { _ = try real.load(path: "/nonexistent/venue-bridge.yaml") }
        #expect(missing.map(\.description) == ["config file /nonexistent/venue-bridge.yaml: no such file"])
        let directory = issues { _ = try real.load(path: "/tmp") }
        #expect(directory.map(\.description) == ["config file /tmp: is a directory"])
    }

    @Test("check-config warns when nothing would be published: no venue enabled, synthetic off")
    func warnsWhenNothingEnabled() throws {
        let nothing = try loader().load(path: nil)
        #expect(nothing.warnings.count == 1 && nothing.warnings[0].contains("no venue is enabled"))
        #expect(nothing.checkConfigReport(source: nil).contains("warning: no venue is enabled"))
        let synthetic = try loader(files: ["c.yaml": "synthetic:\n  enabled: true\n"]).load(path: "c.yaml")
        #expect(synthetic.warnings.isEmpty)
    }

    @Test("a process that only produces commands (send-*) loads a config whose venues lack their secrets")
    func commandsOnlyNeedNoVenueSecrets() throws {
        let yaml = "venues:\n  sfox:\n    enabled: true\n    account: desk\n"
        #expect(
            !issues { _ = try loader(files: ["c.yaml": yaml]).load(path: "c.yaml") }.isEmpty, "the bridge needs them")
        var producer = loader(files: ["c.yaml": yaml])
        producer.checksEnabledVenues = false
        let config = try producer.load(path: "c.yaml")
        #expect(config.defaultOrderAccount(for: .sfox) == "desk")
    }

    @Test("no file and no environment gives the documented defaults")
    func defaults() throws {
        let config = try loader().load(path: nil)
        #expect(config.kafka.brokers == "localhost:9092")
        #expect(config.kafka.topicPrefix == "vb")
        #expect(config.kafka.backpressure == .block)
        #expect(config.http.port == 8080)
        #expect(config.redis.enabled && config.redis.port == 6379)
        #expect(config.kafka.producerProperties["bootstrap.servers"] == "localhost:9092")
    }

    @Test("environment overrides the file, which overrides the defaults")
    func precedence() throws {
        let yaml = """
            http: { port: 9000 }
            kafka:
              brokers: "k1:9092,k2:9092"
              topic_prefix: prod
              backpressure: drop_oldest_md
              properties:
                linger.ms: "20"
            redis:
              stream_maxlen: { trade: 500 }
            """
        let config = try loader(
            files: ["c.yaml": yaml],
            env: ["VB_KAFKA_BROKERS": "env:9092", "VB_KAFKA_PROP_LINGER_MS": "1", "VB_LOG_FORMAT": "json"]
        ).load(path: "c.yaml")
        #expect(config.http.port == 9000)
        #expect(config.kafka.brokers == "env:9092")
        #expect(config.kafka.topicPrefix == "prod")
        #expect(config.kafka.backpressure == .dropOldestMarketData)
        #expect(config.kafka.properties["linger.ms"] == "1")
        #expect(config.log.format == .json)
        #expect(config.redis.streamMaxLength[.trade] == 500)
        #expect(config.redis.streamMaxLength[.book] == 10_000)
    }

    @Test("every problem is reported at once, each naming its key")
    func namedIssues() {
        let yaml = """
            http: { port: 70000 }
            kafka:
              brokers: "no-port"
              backpresure: block
              backpressure: sometimes
            redis: { enabled: maybe }
            typo_section: 1
            """
        let found = issues {
            _ = try loader(files: ["c.yaml": yaml], env: ["VB_REDIS_PORT": "abc"]).load(path: "c.yaml")
        }
        let keys = Set(found.map(\.key))
        #expect(
            keys == [
                "http.port", "kafka.backpresure", "kafka.backpressure", "redis.enabled", "typo_section",
                "env VB_REDIS_PORT", "kafka.brokers",
            ])
        #expect(found.first { $0.key == "kafka.backpresure" }?.problem == "unknown key; did you mean 'backpressure'?")
        #expect(found.first { $0.key == "kafka.backpressure" }?.problem.contains("block, drop_oldest_md") == true)
    }

    @Test("secrets in the config file are refused; from env and files they are accepted")
    func secrets() throws {
        let yaml = """
            kafka:
              properties:
                sasl.password: hunter2
            redis:
              password: hunter2
            """
        let found = issues { _ = try loader(files: ["c.yaml": yaml]).load(path: "c.yaml") }
        #expect(Set(found.map(\.key)) == ["kafka.properties.sasl.password", "redis.password"])
        #expect(found.allSatisfy { !$0.description.contains("hunter2") })

        let config = try loader(
            files: [
                "c.yaml": "redis: { password_file: /run/secrets/redis }", "/run/secrets/redis": "s3cret\n",
                "/run/secrets/sasl": "sasl-pw\n",
            ],
            env: ["VB_KAFKA_PROP_SASL_PASSWORD_FILE": "/run/secrets/sasl", "VB_KAFKA_PROP_SASL_USERNAME": "bridge"]
        ).load(path: "c.yaml")
        #expect(config.redis.password == "s3cret")
        #expect(config.kafka.properties["sasl.password"] == "sasl-pw")
        #expect(config.kafka.properties["sasl.username"] == "bridge")
        let printed = config.redactedSummary.values.joined(separator: " ")
        #expect(!printed.contains("s3cret") && !printed.contains("sasl-pw"))
        #expect(printed.contains("bridge"))
    }

    @Test("brokers are set in one place: bootstrap.servers among the properties is refused")
    func bootstrapServersProperty() throws {
        let found = issues {
            _ = try loader(files: ["c.yaml": "kafka: { properties: { bootstrap.servers: 'x:1' } }"]).load(
                path: "c.yaml")
        }
        #expect(found.map(\.key) == ["kafka.properties.bootstrap.servers"])
        let config = try loader(env: ["VB_KAFKA_BROKERS": "a:1"]).load(path: nil)
        #expect(config.kafka.producerProperties["bootstrap.servers"] == "a:1")
    }

    @Test("a missing secret file is an error naming the variable")
    func missingSecretFile() {
        let found = issues { _ = try loader(env: ["VB_REDIS_PASSWORD_FILE": "/nope"]).load(path: nil) }
        #expect(found.map(\.key) == ["env VB_REDIS_PASSWORD_FILE"])
    }

    @Test("a file that is not YAML, or not a mapping, is reported clearly")
    func badFile() {
        #expect(
            issues { _ = try loader(files: ["c.yaml": "kafka: [unclosed"]).load(path: "c.yaml") }.first?.key
                == "config file")
        #expect(
            issues { _ = try loader(files: ["c.yaml": "- a\n- b\n"]).load(path: "c.yaml") }.first?.problem
                == "must be a mapping")
        #expect(issues { _ = try loader().load(path: "missing.yaml") }.first?.key == "config file missing.yaml")
    }

    @Test("the topic prefix must be a valid Kafka topic name part")
    func topicPrefix() {
        #expect(
            issues { _ = try loader(env: ["VB_KAFKA_TOPIC_PREFIX": "bad prefix!"]).load(path: nil) }.map(\.key) == [
                "kafka.topic_prefix"
            ])
    }
}

@Suite("Readiness")
struct ReadinessTests {
    @Test("ready only when Kafka is reachable and every expected venue is ready")
    func readiness() {
        let board = VenueStateBoard(expected: [.finery, .sfox])
        let readiness = Readiness(venues: board)
        #expect(!readiness.report().ready)
        readiness.setKafkaReachable(true)
        board.update(.finery, .ready)
        #expect(!readiness.report().ready)
        board.update(.sfox, .ready)
        #expect(readiness.report().ready)
        board.update(.sfox, .degraded)
        let report = readiness.report()
        #expect(!report.ready)
        #expect(
            String(decoding: report.json, as: UTF8.self)
                == #"{"ready":false,"kafka":"reachable","venues":{"finery":"ready","sfox":"degraded"}}"# + "\n")
    }
}

@Suite("ConfigLoader: venues.finery")
struct FineryConfigTests {
    func load(_ yaml: String, env: [String: String] = [:], files: [String: String] = [:]) throws(ConfigError)
        -> BridgeConfig
    {
        try loadVenueConfig(yaml, env: env, files: files)
    }

    static let enabled = """
        venues:
          finery:
            enabled: true
            url: wss://test.finerymarkets.com/ws
            account: main
            instruments: {BTC-USD: BTC-USD, ETH-USD: ETH-USD}
            feeds: [books, orders]
            dead_link_timeout_ms: 30000
            reconnect: {initial_ms: 100, max_attempts: 5}
            api_secret_file: /secret
        """

    @Test("a full section, credentials from environment and file")
    func parses() throws {
        let config = try load(Self.enabled, env: ["VB_FINERY_API_KEY": "key-1"], files: ["/secret": "s3cret\n"])
        let finery = config.venues.finery
        #expect(finery.enabled && finery.account == "main" && finery.link.url == "wss://test.finerymarkets.com/ws")
        #expect(finery.instruments.map(\.venueId) == ["BTC-USD", "ETH-USD"])
        #expect(finery.feeds == [.books, .orders])
        #expect(finery.apiKey == "key-1" && finery.apiSecret == "s3cret")
        #expect(config.redactedSummary["venues.finery.api_secret"] == "(set)")
        #expect(!config.redactedSummary.values.contains { $0.contains("s3cret") || $0.contains("key-1") })
        let connector = try FineryModule.connectorConfiguration(finery)
        #expect(connector.link.deadLinkTimeout == .seconds(30) && connector.link.reconnect.maxAttempts == 5)
        #expect(connector.link.reconnect.initialDelay == .milliseconds(100) && connector.link.tlsVerify)
        #expect(!connector.bindPositions && connector.bindBooks)
    }

    @Test("secrets in YAML, missing credentials and bad values are all reported")
    func rejects() {
        let yaml = """
            venues:
              finery:
                enabled: true
                url: https://wrong
                api_key: inline
                feeds: [books, trades]
                dead_link_timeout_ms: 100
            """
        var problems: [String] = []
        do { _ = try load(yaml) } catch { problems = error.issues.map(\.key) }
        for key in [
            "venues.finery.api_key", "venues.finery.url", "venues.finery.feeds", "venues.finery.instruments",
            "venues.finery.api_secret", "venues.finery.dead_link_timeout_ms",
        ] {
            #expect(problems.contains(key), "\(key) in \(problems)")
        }
    }
}

@Suite("sFOX config")
struct SFOXConfigTests {
    func load(_ yaml: String, env: [String: String] = [:], files: [String: String] = [:]) throws(ConfigError)
        -> BridgeConfig
    {
        try loadVenueConfig(yaml, env: env, files: files)
    }

    @Test("a full section: house keep-alive defaults, key from a file, feeds mapped to the connector")
    func parses() throws {
        let yaml = """
            venues:
              sfox:
                enabled: true
                rest_url: https://api.sfox.com/v1
                instruments: {btcusd: BTC-USD, ethusd: ETH-USD}
                feeds: [books, account]
                net_price_books: true
                api_key_file: /key
            """
        let config = try load(yaml, files: ["/key": "sfox-key\n"])
        let sfox = config.venues.sfox
        #expect(sfox.enabled && sfox.link.url == "wss://ws.sfox.com/ws" && sfox.apiKey == "sfox-key")
        #expect(sfox.instruments.map(\.venueId) == ["btcusd", "ethusd"])
        #expect(!config.redactedSummary.values.contains { $0.contains("sfox-key") })
        let connector = try SFOXModule.connectorConfiguration(sfox)
        #expect(
            connector.marketDataLink.pingInterval == .seconds(30)
                && connector.marketDataLink.deadLinkTimeout == .seconds(60))
        #expect(
            connector.subscribeBooks && !connector.subscribeTrades && !connector.subscribeTicker
                && connector.netPriceBooks)
        #expect(connector.apiKey == "sfox-key" && connector.restBaseURL == "https://api.sfox.com/v1")
        #expect(connector.instruments.symbol(forVenueId: "ethusd") == "ETH-USD")
    }

    @Test("market data only needs no key; the account feed without a key, secrets in YAML and bad URLs are reported")
    func rejects() throws {
        let publicOnly = try load(
            "venues:\n  sfox:\n    enabled: true\n    instruments: {btcusd: BTC-USD}\n    feeds: [books, trades]\n")
        #expect(try SFOXModule.connectorConfiguration(publicOnly.venues.sfox).apiKey == nil)
        let yaml = """
            venues:
              sfox:
                enabled: true
                url: https://wrong
                rest_url: ftp://nope
                api_key: inline
                feeds: [books, orders]
            """
        var problems: [String] = []
        do { _ = try load(yaml) } catch { problems = error.issues.map(\.key) }
        for key in [
            "venues.sfox.api_key", "venues.sfox.url", "venues.sfox.rest_url", "venues.sfox.feeds",
            "venues.sfox.instruments",
        ] {
            #expect(problems.contains(key), "\(key) in \(problems)")
        }
        let env = try load(
            "venues:\n  sfox:\n    instruments: {btcusd: BTC-USD}\n",
            env: ["VB_SFOX_ENABLED": "true", "VB_SFOX_API_KEY": "k", "VB_SFOX_URL": "ws://127.0.0.1:1/ws"])
        #expect(
            env.venues.sfox.enabled && env.venues.sfox.apiKey == "k"
                && env.venues.sfox.link.url == "ws://127.0.0.1:1/ws")
    }
}

@Suite("T4 config")
struct T4ConfigTests {
    func load(_ yaml: String, env: [String: String] = [:], files: [String: String] = [:]) throws(ConfigError)
        -> BridgeConfig
    {
        try loadVenueConfig(yaml, env: env, files: files)
    }

    func keys(_ yaml: String, env: [String: String] = [:]) -> [String] {
        do {
            _ = try load(yaml, env: env)
            return []
        } catch {
            return error.issues.map(\.key)
        }
    }

    static let es = #"{symbol: ES-M25, exchange_id: CME_Eq, contract_id: ES, market_id: "XCME_Eq ES (M25)"}"#
    static let nq = #"{symbol: NQ-M25, exchange_id: CME_Eq, contract_id: NQ, market_id: "XCME_Eq NQ (M25)"}"#

    /// An enabled section with these markets; tests append their own keys.
    static func section(_ markets: [String] = [es, nq]) -> String {
        "venues:\n  t4:\n    enabled: true\n    url: wss://wss-sim.t4login.com/v1\n    markets:\n"
            + markets.map { "      - \($0)\n" }.joined()
    }

    @Test("API-key login from a file: house keep-alive, markets and options reach the connector")
    func apiKeyLogin() throws {
        let yaml =
            Self.section() + "    subscribe_accounts: false\n    login_retry_delay_ms: 60000\n    api_key_file: /key\n"
        let config = try load(yaml, files: ["/key": "t4-key\n"])
        let t4 = config.venues.t4
        #expect(t4.enabled && t4.apiKey == "t4-key" && t4.markets.map(\.symbol) == ["ES-M25", "NQ-M25"])
        #expect(
            config.redactedSummary["venues.t4.api_key"] == "(set)"
                && config.redactedSummary["venues.t4.user"] == "(none)")
        #expect(!config.redactedSummary.values.contains { $0.contains("t4-key") })
        let connector = T4Module.connectorConfiguration(t4)
        #expect(connector.credentials == .apiKey("t4-key"))
        #expect(connector.link.url == "wss://wss-sim.t4login.com/v1")
        #expect(connector.link.pingInterval == .seconds(20) && connector.link.deadLinkTimeout == .seconds(60))
        #expect(!connector.subscribeAccounts && connector.publishTicker && connector.loginRetryDelay == .seconds(60))
        #expect(
            connector.markets.map(\.marketID) == ["XCME_Eq ES (M25)", "XCME_Eq NQ (M25)"]
                && connector.markets[1].contractID == "NQ")
    }

    @Test("password login: names from YAML or the environment, secrets from the environment and files")
    func passwordLogin() throws {
        let yaml = Self.section() + "    firm: DEMO\n    app_name: VenueBridge\n"
        let env = [
            "VB_T4_USERNAME": "demo", "VB_T4_PASSWORD": "demo-password", "VB_T4_APP_LICENSE_FILE": "/license",
            "VB_T4_URL": "ws://127.0.0.1:9300/v1",
        ]
        let config = try load(yaml, env: env, files: ["/license": "license-0042\n"])
        let connector = T4Module.connectorConfiguration(config.venues.t4)
        #expect(
            connector.credentials
                == .password(
                    firm: "DEMO", username: "demo", password: "demo-password", appName: "VenueBridge",
                    appLicense: "license-0042"))
        #expect(connector.link.url == "ws://127.0.0.1:9300/v1")
        #expect(config.redactedSummary["venues.t4.user"] == "DEMO/demo via VenueBridge")
        #expect(
            config.redactedSummary["venues.t4.password"] == "(set)"
                && config.redactedSummary["venues.t4.app_license"] == "(set)")
        #expect(!config.redactedSummary.values.contains { $0.contains("demo-password") || $0.contains("license-0042") })
        #expect(
            !"\(connector.credentials)".contains("demo-password")
                && !"\(connector.credentials)".contains("license-0042"))
    }

    @Test("enabled without a complete login is an error: T4 has no public market data")
    func missingCredentials() {
        #expect(keys(Self.section()) == ["venues.t4.api_key"])
        #expect(
            Set(keys(Self.section() + "    firm: DEMO\n")) == [
                "venues.t4.username", "venues.t4.password", "venues.t4.app_name", "venues.t4.app_license",
            ])
        #expect(keys(Self.section(), env: ["VB_T4_API_KEY": "k", "VB_T4_PASSWORD": "p"]) == ["venues.t4.api_key"])
        #expect(
            keys("venues:\n  t4:\n    markets: []\n", env: ["VB_T4_ENABLED": "yes", "VB_T4_API_KEY": "k"]) == [
                "venues.t4.url", "venues.t4.markets",
            ])
        #expect(keys("venues:\n  t4:\n    enabled: false\n").isEmpty)
    }

    @Test("secrets in YAML are refused, naming the variable to use and never echoing the value")
    func inlineSecrets() {
        let yaml =
            Self.section() + "    api_key: key-in-yaml\n    password: hunter2\n    app_license: license-in-yaml\n"
        do {
            _ = try load(yaml, env: ["VB_T4_API_KEY": "k"])
            Issue.record("inline secrets were accepted")
        } catch {
            #expect(
                Set(error.issues.map(\.key)) == ["venues.t4.api_key", "venues.t4.password", "venues.t4.app_license"])
            #expect(error.issues.first { $0.key == "venues.t4.password" }?.problem.contains("VB_T4_PASSWORD") == true)
            #expect(
                !error.description.contains("hunter2") && !error.description.contains("key-in-yaml")
                    && !error.description.contains("license-in-yaml"))
        }
    }

    @Test("markets: every id required, symbols and market ids unique, unknown keys reported by index")
    func markets() {
        let yaml = Self.section([
            Self.es,
            #"{symbol: ES-M25, exchange_id: CME_Eq, contract_id: NQ, market_id: "XCME_Eq ES (M25)"}"#,
            #"{symbol: YM-M25, exchange_id: "", contract_id: YM, market_id: "XCBT_Eq YM (M25)", tick: 1}"#,
            "just-a-string",
        ])
        do {
            _ = try load(yaml, env: ["VB_T4_API_KEY": "k"])
            Issue.record("bad markets were accepted")
        } catch {
            let found = Dictionary(error.issues.map { ($0.key, $0.problem) }, uniquingKeysWith: { $1 })
            #expect(
                Set(found.keys) == [
                    "venues.t4.markets[1].symbol", "venues.t4.markets[1].market_id", "venues.t4.markets[2].exchange_id",
                    "venues.t4.markets[2].tick", "venues.t4.markets[3]",
                ])
            #expect(found["venues.t4.markets[1].symbol"] == "'ES-M25' is already used by venues.t4.markets[0].symbol")
            #expect(found["venues.t4.markets[2].exchange_id"] == "must be set (not empty)")
            #expect(found["venues.t4.markets[2].tick"] == "unknown key")
        }
        #expect(keys("venues:\n  t4:\n    markets: {ES: x}\n") == ["venues.t4.markets"])
    }
}

/// Loads `yaml` as `/c.yaml`, with `files` readable as secret files.
func loadVenueConfig(_ yaml: String, env: [String: String], files: [String: String]) throws(ConfigError) -> BridgeConfig
{
    var all = files
    all["/c.yaml"] = yaml
    return try ConfigLoader(
        venues: VenueCatalog.all, environment: env,
        readFile: { path in
            guard let text = all[path] else { throw ConfigLoaderTests.CocoaLikeError.missing(path) }
            return text
        }
    ).load(path: "/c.yaml")
}
