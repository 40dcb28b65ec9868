import CRdKafka

/// librdkafka properties, passed through verbatim (`bootstrap.servers`, `linger.ms`, …).
/// https://github.com/confluentinc/librdkafka/blob/master/CONFIGURATION.md is the reference.
public typealias KafkaProperties = [String: String]

/// Owns an `rd_kafka_conf_t` until it is handed to `rd_kafka_new` (which takes ownership).
struct KafkaConf: ~Copyable {
    private(set) var handle: OpaquePointer?

    /// Applies `properties` in a stable (sorted) order so errors are reproducible.
    init(_ properties: KafkaProperties) throws(KafkaError) {
        handle = rd_kafka_conf_new()
        for (name, value) in properties.sorted(by: { $0.key < $1.key }) {
            try set(name, value)
        }
    }

    mutating func set(_ name: String, _ value: String) throws(KafkaError) {
        var error = [CChar](repeating: 0, count: 512)
        let result = rd_kafka_conf_set(handle, name, value, &error, error.count)
        guard result == RD_KAFKA_CONF_OK else {
            throw .invalidProperty(name: name, reason: String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
    }

    /// Gives the handle to librdkafka; on failure the conf is destroyed here.
    consuming func makeClient(_ type: rd_kafka_type_t) throws(KafkaError) -> OpaquePointer {
        var error = [CChar](repeating: 0, count: 512)
        guard let client = rd_kafka_new(type, handle, &error, error.count) else {
            rd_kafka_conf_destroy(handle)
            handle = nil
            throw .clientCreation(reason: String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        handle = nil
        return client
    }

    deinit {
        if let handle { rd_kafka_conf_destroy(handle) }
    }
}
