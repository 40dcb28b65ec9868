import CommandPath
import EventBus
import Foundation
import KafkaBus
import Logging
import RedisBus
import ServiceLifecycle
import VenueBridgeCore

/// Runs the command consumer for the bridge's lifetime. At shutdown the command in hand is
/// finished (answered, offset stored and committed) before the consumer leaves the group; the
/// publisher and the connectors it needs stop after it.
struct CommandService: Service {
    let consumer: CommandConsumer
    let redis: RedisRequestClient
    let logger: Logger

    init(
        config: BridgeConfig, venues: [VenueID: CommandVenue], publisher: EventPublisher, producer: KafkaProducer,
        logger: Logger
    ) {
        let topics = TopicNames(prefix: config.kafka.topicPrefix)
        let instanceID = config.commands.instanceID ?? ProcessInfo.processInfo.hostName
        var configuration = CommandPathConfiguration(
            topics: topics, groupID: config.commands.groupID,
            idempotencyTTL: .seconds(config.commands.idempotencyTTLSeconds),
            venueUnavailable: config.commands.venueUnavailable == .wait ? .wait : .reject,
            venueWait: .milliseconds(config.commands.venueWaitMs),
            resolveTimeout: .milliseconds(config.commands.resolveTimeoutMs), instanceID: instanceID,
            limits: config.commands.limits.map {
                InstrumentLimit(
                    venue: $0.venue, instrument: $0.instrument, maxQuantity: $0.maxQuantity, maxNotional: $0.maxNotional
                )
            }
        )
        configuration.kafkaProperties = config.kafka.producerProperties
        configuration.maxMessageBytes = config.commands.maxMessageBytes
        var endpoint = config.redis.endpoint
        endpoint.clientName = "venue-bridge-commands"
        redis = RedisRequestClient(endpoint: endpoint, logger: logger)
        let processor = CommandProcessor(
            configuration: configuration, venues: venues,
            store: IdempotencyStore(redis: redis, ttl: configuration.idempotencyTTL),
            publisher: publisher, producer: producer, logger: logger
        )
        consumer = CommandConsumer(
            configuration: .init(
                properties: config.kafka.producerProperties, topic: topics.ordersCommand,
                groupID: configuration.groupID,
                maxInFlight: config.commands.maxInFlight
            ),
            processor: processor, logger: logger
        )
        self.logger = logger
        logger.info(
            "command consumer configured",
            metadata: [
                "venues": "\(venues.keys.map(\.rawValue).sorted())", "instance": "\(instanceID)",
                "group": "\(configuration.groupID)",
            ])
    }

    func run() async throws {
        await warnIfRedisMayEvict()
        let consumer = consumer
        // Cancellation stops the loop between commands, never inside one.
        do {
            try await cancelWhenGracefulShutdown {
                try await consumer.run()
            }
        } catch {
            await redis.close()
            throw error
        }
        await redis.close()
    }

    /// The idempotency records must never be evicted (docs/redis.md): says so at start-up when
    /// the Redis they live in has a policy that may. A Redis that does not let us read its config
    /// (a managed service) is only noted.
    private func warnIfRedisMayEvict() async {
        do {
            let reply = try await redis.send(["CONFIG", "GET", "maxmemory-policy"])
            guard case .array(let pair) = reply, pair.count == 2 else { return }
            if let warning = Self.evictionWarning(policy: pair[1].string) {
                logger.warning("\(warning)", metadata: ["policy": "\(pair[1].string ?? "?")"])
            }
        } catch {
            logger.notice(
                "could not read Redis maxmemory-policy; the idempotency records need noeviction (docs/redis.md)",
                metadata: ["error": "\(error)"])
        }
    }

    /// Every policy but `noeviction` may evict a record (they all carry a TTL, so `volatile-*`
    /// policies pick them too).
    static func evictionWarning(policy: String?) -> String? {
        guard let policy, policy != "noeviction" else { return nil }
        return
            "Redis maxmemory-policy \(policy) may evict idempotency records (vb:idem:*): a command could be sent twice; set noeviction (docs/redis.md)"
    }
}
