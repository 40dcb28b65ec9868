import FineryModule
import KafkaBus
import Logging
import SFOXModule
import Synchronization
import T4Module
import Testing
import VenueCatalog
import VenueModuleKit

@testable import VenueBridgeService

/// Canary secrets set through every way into the configuration must never come out of it: not in
/// a `ConfigError`, not in `check-config`'s report, not in the startup log. Each canary is
/// distinctive so that finding it anywhere is a leak, and each test also checks that the useful
/// part (the key) is still there, so a test cannot pass by printing nothing.
@Suite("Secret redaction")
struct SecretRedactionTests {
    static let canaries = [
        "CANARY-redis-env-91c2", "CANARY-finery-file-4d7e", "CANARY-t4-pw-env-0a9b", "CANARY-oauth-env-77f1",
        "CANARY-passphrase-env-3e55", "CANARY-pem-file-c0de", "CANARY-extension-env-1f2a", "CANARY-token-url-pw-8d4c",
        "CANARY-yaml-syntax-6b0f", "CANARY-yaml-dup-2c71", "CANARY-yaml-inline-5a3d", "CANARY-ws-url-pw-9e07",
        "CANARY-rest-url-pw-4b18", "CANARY-broker-pw-d35e", "CANARY-disabled-url-pw-70aa", "CANARY-yaml-colon-e41b",
    ]

    func loader(env: [String: String], files: [String: String] = [:]) -> ConfigLoader {
        ConfigLoader(
            venues: VenueCatalog.all, environment: env,
            readFile: { path in
                guard let text = files[path] else { throw ConfigLoaderTests.CocoaLikeError.missing(path) }
                return text
            })
    }

    func leaks(_ text: String) -> [String] { Self.canaries.filter { text.contains($0) } }

    /// The `ConfigError` of loading `yaml` (as `/c.yaml`, when given) with `env` and `files`.
    func configError(yaml: String?, env: [String: String] = [:], files: [String: String] = [:]) -> ConfigError? {
        var all = files
        if let yaml { all["/c.yaml"] = yaml }
        do {
            _ = try loader(env: env, files: all).load(path: yaml == nil ? nil : "/c.yaml")
            return nil
        } catch {
            return error
        }
    }

    @Test("secrets from VB_*, VB_KAFKA_PROP_* and secret files are not in the summary, check-config or the startup log")
    func validConfigPrintsNoSecret() throws {
        let env = [
            "VB_REDIS_PASSWORD": "CANARY-redis-env-91c2",
            "VB_FINERY_API_SECRET_FILE": "/run/secrets/finery",
            "VB_T4_PASSWORD": "CANARY-t4-pw-env-0a9b",
            "VB_KAFKA_PROP_SASL_OAUTHBEARER_CONFIG": "clientId=vb clientSecret=CANARY-oauth-env-77f1",
            "VB_KAFKA_PROP_SASL_OAUTHBEARER_ASSERTION_PRIVATE_KEY_PASSPHRASE": "CANARY-passphrase-env-3e55",
            "VB_KAFKA_PROP_SSL_KEY_PEM_FILE": "/run/secrets/pem",
            // Not a secret by name, but not known to be safe either: shown as (set).
            "VB_KAFKA_PROP_SASL_OAUTHBEARER_EXTENSIONS": "traceId=CANARY-extension-env-1f2a",
            "VB_KAFKA_PROP_SASL_OAUTHBEARER_TOKEN_ENDPOINT_URL":
                "https://vb:CANARY-token-url-pw-8d4c@idp.example/token",
            "VB_KAFKA_PROP_SASL_USERNAME": "bridge-user",
            "VB_KAFKA_PROP_LINGER_MS": "7",
        ]
        let files = [
            "/run/secrets/finery": "CANARY-finery-file-4d7e\n",
            "/run/secrets/pem": "-----BEGIN PRIVATE KEY-----\nCANARY-pem-file-c0de\n",
        ]
        let config = try loader(env: env, files: files).load(path: nil)
        #expect(
            config.kafka.properties["sasl.oauthbearer.config"] == "clientId=vb clientSecret=CANARY-oauth-env-77f1",
            "the secret still reaches librdkafka")
        #expect(config.venues.finery.apiSecret == "CANARY-finery-file-4d7e")

        let summary = config.redactedSummary
        let report = config.checkConfigReport(source: nil)
        let startup = config.startupLogMetadata.map { "\($0.key)=\($0.value)" }.joined(separator: "\n")
        for (name, text) in [
            ("redactedSummary", summary.map { "\($0.key) = \($0.value)" }.joined(separator: "\n")),
            ("check-config", report), ("startup log", startup),
        ] {
            #expect(leaks(text).isEmpty, "\(name) leaks \(leaks(text))")
        }
        #expect(summary["kafka.properties.sasl.oauthbearer.config"] == "(set)")
        #expect(summary["kafka.properties.sasl.oauthbearer.assertion.private.key.passphrase"] == "(set)")
        #expect(summary["kafka.properties.ssl.key.pem"] == "(set)")
        #expect(summary["kafka.properties.sasl.oauthbearer.extensions"] == "(set)")
        #expect(summary["kafka.properties.sasl.oauthbearer.token.endpoint.url"] == "https://***@idp.example/token")
        #expect(
            summary["kafka.properties.sasl.username"] == "bridge-user" && summary["kafka.properties.linger.ms"] == "7")
        #expect(
            summary["redis.password"] == "(set)" && summary["venues.finery.api_secret"] == "(set)"
                && summary["venues.t4.password"] == "(set)")
        #expect(report.contains("  kafka.properties.sasl.oauthbearer.config = (set)"))
        #expect(config.startupLogMetadata["kafka.properties.sasl.oauthbearer.config"] == "(set)")
    }

    @Test("a YAML syntax error next to a secret reports line and column, never the text there")
    func yamlSyntaxError() {
        let unclosed = """
            kafka:
              brokers: k1:9092
              properties:
                sasl.oauthbearer.config: "clientSecret=CANARY-yaml-syntax-6b0f
            redis: { host: r }
            """
        let colon = "kafka:\n  properties:\n    sasl.oauthbearer.config: clientSecret=CANARY-yaml-colon-e41b: x\n"
        for (yaml, line) in [(unclosed, "line "), (colon, "line 3")] {
            guard let error = configError(yaml: yaml) else {
                Issue.record("broken YAML was accepted")
                continue
            }
            #expect(leaks(error.description).isEmpty, "leaks \(leaks(error.description)) in \(error)")
            #expect(error.issues.map(\.key) == ["config file"])
            #expect(error.description.contains("not valid YAML at \(line)"), "\(error)")
        }
    }

    @Test("a duplicated YAML key names the key and its line, not the document around it")
    func duplicatedKey() {
        let yaml = """
            kafka:
              brokers: k1:9092
              properties:
                sasl.oauthbearer.config: clientSecret=CANARY-yaml-dup-2c71
            kafka:
              brokers: k2:9092
            """
        guard let error = configError(yaml: yaml) else {
            Issue.record("a duplicated key was accepted")
            return
        }
        #expect(leaks(error.description).isEmpty, "leaks \(leaks(error.description)) in \(error)")
        #expect(error.description.contains("'kafka' appears more than once"), "\(error)")
        #expect(error.description.contains("line 1"), "\(error)")
    }

    @Test("credential-bearing librdkafka properties in YAML are refused, naming the key and never the value")
    func inlineKafkaSecrets() {
        let yaml = """
            kafka:
              properties:
                sasl.oauthbearer.config: clientSecret=CANARY-yaml-inline-5a3d
                sasl.oauthbearer.assertion.private.key.passphrase: CANARY-yaml-inline-5a3d
                ssl.key.pem: CANARY-yaml-inline-5a3d
                ssl.certificate.pem: CANARY-yaml-inline-5a3d
                sasl.oauthbearer.client.secret: CANARY-yaml-inline-5a3d
                my.private.key: CANARY-yaml-inline-5a3d
                linger.ms: "5"
            """
        guard let error = configError(yaml: yaml) else {
            Issue.record("inline secrets were accepted")
            return
        }
        #expect(leaks(error.description).isEmpty, "leaks \(leaks(error.description))")
        #expect(
            Set(error.issues.map(\.key)) == [
                "kafka.properties.sasl.oauthbearer.config",
                "kafka.properties.sasl.oauthbearer.assertion.private.key.passphrase",
                "kafka.properties.ssl.key.pem", "kafka.properties.ssl.certificate.pem",
                "kafka.properties.sasl.oauthbearer.client.secret",
                "kafka.properties.my.private.key",
            ])
        #expect(
            error.issues.first { $0.key == "kafka.properties.sasl.oauthbearer.config" }?.problem.contains(
                "VB_KAFKA_PROP_SASL_OAUTHBEARER_CONFIG") == true)
    }

    @Test(
        "credentials in venue URLs and the broker list are refused, naming the key and the way in, never the password")
    func urlCredentials() {
        let env = [
            "VB_SFOX_ENABLED": "true", "VB_SFOX_API_KEY": "k",
            "VB_SFOX_URL": "ws://vb:CANARY-ws-url-pw-9e07@127.0.0.1:9200/ws",
            "VB_SFOX_REST_URL": "http://vb:CANARY-rest-url-pw-4b18@127.0.0.1:9200/v1",
            "VB_KAFKA_BROKERS": "k0:9092,SASL_SSL://bridge:CANARY-broker-pw-d35e@k1:9092",
            // Finery stays disabled: its URL is still refused, the password would be dialled once enabled.
            "VB_FINERY_URL": "wss://vb:CANARY-disabled-url-pw-70aa@trade.finerymarkets.com/ws",
        ]
        guard let error = configError(yaml: "venues:\n  sfox:\n    instruments: {btcusd: BTC-USD}\n", env: env) else {
            Issue.record("URLs with credentials were accepted")
            return
        }
        #expect(leaks(error.description).isEmpty, "leaks \(leaks(error.description)) in \(error)")
        let problems = Dictionary(error.issues.map { ($0.key, $0.problem) }, uniquingKeysWith: { $0 + "; " + $1 })
        #expect(
            Set(problems.keys) == ["venues.sfox.url", "venues.sfox.rest_url", "kafka.brokers", "venues.finery.url"],
            "\(error)")
        #expect(
            problems["venues.sfox.url"]
                == "must not carry credentials (user:password@); venue credentials come from VB_SFOX_API_KEY or VB_SFOX_API_KEY_FILE"
        )
        #expect(problems["venues.sfox.rest_url"]?.contains("must not carry credentials") == true)
        #expect(problems["venues.finery.url"]?.contains("VB_FINERY_API_KEY") == true)
        #expect(problems["kafka.brokers"]?.contains("entry 2 must not carry credentials") == true)
    }

    @Test("venue URLs are checked as parsed: scheme, host and port")
    func urlShape() {
        let env = [
            "VB_SFOX_ENABLED": "true", "VB_SFOX_API_KEY": "k", "VB_SFOX_URL": "ws://127.0.0.1:70000/ws",
            "VB_SFOX_REST_URL": "https:///v1",
        ]
        guard let error = configError(yaml: "venues:\n  sfox:\n    instruments: {btcusd: BTC-USD}\n", env: env) else {
            Issue.record("bad URLs were accepted")
            return
        }
        let problems = Dictionary(error.issues.map { ($0.key, $0.problem) }, uniquingKeysWith: { $0 + "; " + $1 })
        #expect(problems["venues.sfox.url"] == "has a port outside 1…65535")
        #expect(problems["venues.sfox.rest_url"] == "has no host (the REST base including /v1)")
    }

    @Test("librdkafka's refusal of a property quotes its value only when the property is allowlisted")
    func librdkafkaErrorTexts() {
        func refusal(_ properties: KafkaProperties) -> String? {
            do {
                _ = try KafkaProducer(configuration: .init(properties: properties), logger: Logger(label: "test"))
                return nil
            } catch {
                return error.description
            }
        }
        // librdkafka 2.0.2 answers `Invalid value "CANARY-…" for configuration property "queuing.strategy"`
        // (an enum not on the allowlist); a value set under the wrong property name ends up like this.
        let hidden = refusal(["bootstrap.servers": "127.0.0.1:1", "queuing.strategy": "CANARY-rdkafka-value-6f3e"])
        #expect(hidden != nil)
        #expect(hidden?.contains("CANARY-rdkafka-value-6f3e") == false, "\(hidden ?? "")")
        #expect(
            hidden?.contains("Invalid value \"(redacted)\" for configuration property \"queuing.strategy\"") == true,
            "\(hidden ?? "")")
        let shown = refusal(["bootstrap.servers": "127.0.0.1:1", "compression.type": "zstd-typo"])
        #expect(
            shown?.contains("zstd-typo") == true,
            "an allowlisted value stays, for the operator to see the typo: \(shown ?? "")")
    }

    @Test("librdkafka's own error reports, logged by the producer, do not carry a property's secret")
    func librdkafkaErrorCallback() async throws {
        // With the built-in unsecured JWT, librdkafka reports `Failed to acquire SASL OAUTHBEARER token:
        // Unrecognized sasl.oauthbearer.config beginning at: clientSecret=…` through the error callback.
        let lines = CapturedLog()
        let producer = try KafkaProducer(
            configuration: .init(properties: [
                "bootstrap.servers": "127.0.0.1:1", "security.protocol": "SASL_PLAINTEXT",
                "sasl.mechanisms": "OAUTHBEARER",
                "enable.sasl.oauthbearer.unsecure.jwt": "true",
                "sasl.oauthbearer.config": "principal=vb clientSecret=CANARY-rdkafka-log-2e9d",
            ]),
            logger: Logger(label: "test") { _ in CapturedLog.Handler(log: lines) }
        )
        for _ in 0..<50 where !lines.text.contains("SASL OAUTHBEARER") { try await Task.sleep(for: .milliseconds(100)) }
        producer.close(flushTimeout: .zero)
        let text = lines.text
        #expect(
            text.contains("Failed to acquire SASL OAUTHBEARER token"),
            "the useful part of librdkafka's report stays: \(text)")
        #expect(!text.contains("CANARY-rdkafka-log-2e9d"), "\(text)")
    }

    @Test("the consumer's librdkafka logs and errors (tail, the command consumer) do not carry a property's secret")
    func librdkafkaConsumerLogs() async throws {
        let lines = CapturedLog()
        let consumer = try KafkaConsumer(
            configuration: .init(
                properties: [
                    "bootstrap.servers": "127.0.0.1:1", "group.id": "secret-test",
                    "security.protocol": "SASL_PLAINTEXT",
                    "sasl.mechanisms": "OAUTHBEARER", "enable.sasl.oauthbearer.unsecure.jwt": "true",
                    "sasl.oauthbearer.config": "principal=vb clientSecret=CANARY-rdkafka-consumer-7c1f",
                ], topics: ["vb.orders.command"]),
            logger: Logger(label: "test") { _ in CapturedLog.Handler(log: lines) }
        )
        for _ in 0..<30 where !lines.text.contains("OAUTHBEARER") {
            _ = try? await consumer.poll(timeout: .milliseconds(100))
        }
        await consumer.close()
        let text = lines.text
        #expect(text.contains("OAUTHBEARER"), "librdkafka's report reaches our logger: \(text)")
        #expect(!text.contains("CANARY-rdkafka-consumer-7c1f"), "\(text)")
    }

    @Test("a value librdkafka cut short in its message is still withheld")
    func truncatedEcho() {
        let key = "-----BEGIN ENCRYPTED PRIVATE KEY-----MIIFHDBOBgkqhkiG9w0BBQ0wQTApBgkqhkiG9w0BBQwwHAQI"
        let message =
            "Invalid value \"-----BEGIN ENCRYPTED PRIVATE KEY-----MIIFHDBOBg\" for configuration property \"ssl.key.pem\""
        let scrubbed = KafkaPropertyPolicy.scrub(message, hiding: [key])
        #expect(scrubbed == "Invalid value \"(redacted, rest of librdkafka's message withheld)")
        #expect(
            KafkaPropertyPolicy.scrub("value true for \"x\"", hiding: ["true", "1"]) == "value true for \"x\"",
            "flags and numbers are left alone")
        #expect(
            KafkaPropertyPolicy.scrub("at: clientSecret=abc123456 rest", hiding: ["clientSecret=abc123456"])
                == "at: (redacted) rest")
    }
}

/// Every log line (level, message, metadata) written through a logger made with it, as text.
final class CapturedLog: Sendable {
    private let lines = Mutex<[String]>([])
    var text: String { lines.withLock { $0.joined(separator: "\n") } }

    func append(_ line: String) { lines.withLock { $0.append(line) } }

    struct Handler: LogHandler {
        let log: CapturedLog
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            log.append("\(event.level) \(event.message) \(metadata.merging(event.metadata ?? [:]) { $1 })")
        }
    }
}
