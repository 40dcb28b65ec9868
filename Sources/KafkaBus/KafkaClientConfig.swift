import CRdKafka

/// librdkafka properties, passed through verbatim (`bootstrap.servers`, `linger.ms`, …).
/// https://github.com/confluentinc/librdkafka/blob/master/CONFIGURATION.md is the reference.
public typealias KafkaProperties = [String: String]

/// Which librdkafka properties may be shown, and which are secrets.
///
/// Printing is by allowlist: a property not named here is shown only as `(set)`, so a new or
/// unforeseen credential-bearing property (`sasl.oauthbearer.config` carries `clientSecret=`) is
/// hidden by default. Secrets are a separate, wider test (a secret never comes from a config file).
public enum KafkaPropertyPolicy {
    /// Properties whose values are safe to print: tuning, identities, paths, mechanism names.
    public static let printable: Set<String> = [
        "bootstrap.servers", "metadata.broker.list", "client.id", "client.rack", "client.dns.lookup",
        "broker.address.family",
        "security.protocol", "sasl.mechanism", "sasl.mechanisms", "sasl.username", "sasl.kerberos.service.name",
        "sasl.kerberos.principal", "sasl.kerberos.keytab", "sasl.oauthbearer.method", "sasl.oauthbearer.client.id",
        "sasl.oauthbearer.scope", "sasl.oauthbearer.token.endpoint.url",
        "ssl.ca.location", "ssl.certificate.location", "ssl.key.location", "ssl.crl.location", "ssl.keystore.location",
        "ssl.endpoint.identification.algorithm", "enable.ssl.certificate.verification", "ssl.cipher.suites",
        "ssl.curves.list", "ssl.sigalgs.list", "ssl.ca.certificate.stores",
        "acks", "request.required.acks", "enable.idempotence", "compression.type", "compression.codec",
        "compression.level",
        "linger.ms", "queue.buffering.max.ms", "queue.buffering.max.messages", "queue.buffering.max.kbytes",
        "batch.num.messages", "batch.size", "message.timeout.ms", "delivery.timeout.ms", "request.timeout.ms",
        "message.send.max.retries", "retries", "retry.backoff.ms", "retry.backoff.max.ms",
        "max.in.flight.requests.per.connection", "max.in.flight", "message.max.bytes", "receive.message.max.bytes",
        "partitioner", "sticky.partitioning.linger.ms", "socket.timeout.ms", "socket.keepalive.enable",
        "socket.connection.setup.timeout.ms", "connections.max.idle.ms", "reconnect.backoff.ms",
        "reconnect.backoff.max.ms",
        "metadata.max.age.ms", "topic.metadata.refresh.interval.ms", "topic.metadata.refresh.sparse",
        "api.version.request",
        "statistics.interval.ms", "debug", "log_level", "log.connection.close",
        "group.id", "group.instance.id", "auto.offset.reset", "enable.auto.commit", "auto.commit.interval.ms",
        "enable.auto.offset.store", "session.timeout.ms", "heartbeat.interval.ms", "max.poll.interval.ms",
        "partition.assignment.strategy", "isolation.level", "fetch.min.bytes", "fetch.max.bytes", "fetch.wait.max.ms",
        "max.partition.fetch.bytes", "queued.min.messages", "queued.max.messages.kbytes", "enable.partition.eof",
        "check.crcs", "allow.auto.create.topics", "transactional.id", "transaction.timeout.ms",
    ]

    /// A credential: refused in the config file, never printed. `ssl.key.location` is a path, but
    /// `ssl.key.pem`, `…passphrase`, `…password`, `…secret` and `sasl.oauthbearer.config` hold the thing itself.
    public static func isSecret(_ name: String) -> Bool {
        let name = name.lowercased()
        return ["password", "secret", "passphrase", "oauthbearer.config"].contains { name.contains($0) }
            || name.hasSuffix(".pem") || name.hasSuffix(".key") || name == "ssl_key"
    }

    /// Shown as is only when allowlisted and not a secret by name.
    public static func isPrintable(_ name: String) -> Bool {
        printable.contains(name) && !isSecret(name)
    }

    /// `text` (librdkafka's own message) with every `hidden` value taken out. librdkafka quotes
    /// the value it refuses (`Invalid value "…" for configuration property "…"`), sometimes cut to
    /// fit its buffer, and its OAUTHBEARER parser reports a config from where parsing stopped
    /// (`… beginning at: clientSecret=…`). So besides whole values, the message is cut where any
    /// 8-character run of a hidden value starts: part of a private key is still a leak.
    public static func scrub(_ text: String, hiding hidden: [String]) -> String {
        var text = text
        // A flag or a number carries no credential, and taking `true` or `1` out of a message
        // would only garble it.
        let hidden = hidden.filter { value in
            !value.isEmpty && !["true", "false"].contains(value.lowercased()) && !value.allSatisfy(\.isNumber)
        }
        for value in hidden.sorted(by: { $0.count > $1.count }) {
            text = text.replacingOccurrences(of: value, with: "(redacted)")
        }
        let window = 8
        let runs = Set(
            hidden.flatMap { value -> [String] in
                let chars = Array(value)
                return chars.count < window
                    ? [] : (0...(chars.count - window)).map { String(chars[$0..<($0 + window)]) }
            })
        let chars = Array(text)
        guard !runs.isEmpty, chars.count >= window else { return text }
        for start in 0...(chars.count - window) where runs.contains(String(chars[start..<(start + window)])) {
            return String(chars[..<start]) + "(redacted, rest of librdkafka's message withheld)"
        }
        return text
    }
}

/// Owns an `rd_kafka_topic_conf_t` until it is handed to `rd_kafka_topic_new` (which takes
/// ownership): per-topic properties such as `message.timeout.ms`.
struct KafkaTopicConf: ~Copyable {
    private var handle: OpaquePointer?

    init(_ properties: KafkaProperties) throws(KafkaError) {
        handle = rd_kafka_topic_conf_new()
        for (name, value) in properties.sorted(by: { $0.key < $1.key }) {
            var error = [CChar](repeating: 0, count: 512)
            guard rd_kafka_topic_conf_set(handle, name, value, &error, error.count) == RD_KAFKA_CONF_OK else {
                let reason = String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                throw .invalidProperty(name: name, reason: reason)
            }
        }
    }

    /// The handle, for `rd_kafka_topic_new`; this value no longer owns it.
    consuming func take() -> OpaquePointer? {
        let taken = handle
        handle = nil
        return taken
    }

    deinit {
        if let handle { rd_kafka_topic_conf_destroy(handle) }
    }
}

/// Owns an `rd_kafka_conf_t` until it is handed to `rd_kafka_new` (which takes ownership).
struct KafkaConf: ~Copyable {
    private(set) var handle: OpaquePointer?
    /// Values of the properties that are not printable, taken out of librdkafka's error texts.
    private(set) var hidden: [String] = []

    /// Applies `properties` in a stable (sorted) order so errors are reproducible.
    init(_ properties: KafkaProperties) throws(KafkaError) {
        handle = rd_kafka_conf_new()
        // Every hidden value is known before the first error, which may quote another property.
        hidden = properties.filter { !KafkaPropertyPolicy.isPrintable($0.key) }.map(\.value)
        for (name, value) in properties.sorted(by: { $0.key < $1.key }) {
            try set(name, value)
        }
    }

    mutating func set(_ name: String, _ value: String) throws(KafkaError) {
        if !KafkaPropertyPolicy.isPrintable(name) && !hidden.contains(value) { hidden.append(value) }
        var error = [CChar](repeating: 0, count: 512)
        let result = rd_kafka_conf_set(handle, name, value, &error, error.count)
        guard result == RD_KAFKA_CONF_OK else {
            throw .invalidProperty(name: name, reason: KafkaPropertyPolicy.scrub(Self.text(error), hiding: hidden))
        }
    }

    /// Gives the handle to librdkafka; on failure the conf is destroyed here.
    consuming func makeClient(_ type: rd_kafka_type_t) throws(KafkaError) -> OpaquePointer {
        var error = [CChar](repeating: 0, count: 512)
        guard let client = rd_kafka_new(type, handle, &error, error.count) else {
            rd_kafka_conf_destroy(handle)
            handle = nil
            throw .clientCreation(reason: KafkaPropertyPolicy.scrub(Self.text(error), hiding: hidden))
        }
        handle = nil
        return client
    }

    private static func text(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    deinit {
        if let handle { rd_kafka_conf_destroy(handle) }
    }
}
