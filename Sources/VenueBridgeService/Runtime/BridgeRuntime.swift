public import EventBus
import Foundation
public import KafkaBus
public import Logging
import NIOCore
public import Prometheus
public import RedisBus
import ServiceLifecycle
import VenueBridgeCore
import VenueModuleKit

/// Builds the bridge from a validated config and runs it until SIGTERM/SIGINT.
///
/// Shutdown order (ServiceGroup stops services in reverse order): sources stop first (no new
/// events), then HTTP, then the publisher stops intake, drains its backlog, flushes Kafka within
/// `kafka.flush_timeout_ms` and drains Redis. Exit code 0 when that completes.
public struct BridgeRuntime {
    public let config: BridgeConfig
    public let logger: Logger
    /// Market data.
    public let producer: KafkaProducer
    /// Execution reports, positions, balances, venue status, command answers and DLQ copies, at
    /// `kafka.account_linger_ms` (EventPublisher's `accountKafka`).
    public let accountProducer: KafkaProducer
    public let redis: RedisStreamWriter?
    public let publisher: EventPublisher
    public let readiness: Readiness
    /// What sources publish into: the publisher, with venue status tracked for readiness.
    public let sink: any EventSink
    /// The enabled venues, built, in the order of `config.venues.modules`.
    let venues: [(id: VenueID, started: StartedVenue)]
    private let registry: PrometheusCollectorRegistry

    public init(config: BridgeConfig, registry: PrometheusCollectorRegistry, logger: Logger) throws {
        self.config = config
        self.logger = logger
        self.registry = registry
        var producerConfiguration = KafkaProducer.Configuration(properties: config.kafka.producerProperties)
        producerConfiguration.topicProperties = TopicNames(prefix: config.kafka.topicPrefix).durableTopicProperties
        producer = try KafkaProducer(configuration: producerConfiguration, logger: logger)
        var accountConfiguration = producerConfiguration
        accountConfiguration.properties["linger.ms"] = String(config.kafka.accountLingerMs)
        accountConfiguration.name = "account"
        accountProducer = try KafkaProducer(configuration: accountConfiguration, logger: logger)
        redis =
            config.redis.enabled
            ? RedisStreamWriter(
                configuration: .init(
                    endpoint: config.redis.endpoint, bufferCapacity: config.redis.bufferCapacity,
                    batchSize: config.redis.batchSize),
                logger: logger
            )
            : nil
        publisher = EventPublisher(
            configuration: .init(
                routing: EventRouting(
                    topics: TopicNames(prefix: config.kafka.topicPrefix), streamMaxLength: config.redis.streamMaxLength),
                policy: config.kafka.backpressure,
                queueFullTimeout: .milliseconds(config.kafka.queueFullTimeoutMs),
                marketDataBacklogCapacity: config.kafka.marketDataBacklogCapacity
            ),
            kafka: producer, accountKafka: accountProducer, redis: redis, logger: logger
        )
        let enabled = config.venues.modules.filter { $0.isEnabled(in: config.venues) }
        let expected = Set(enabled.map { $0.id }).union(config.synthetic.enabled ? [config.synthetic.venue] : [])
        let board = VenueStateBoard(expected: expected)
        readiness = Readiness(venues: board)
        let sink = StatusTrackingSink(inner: publisher, board: board)
        self.sink = sink
        venues = try enabled.map { module in
            (module.id, try module.start(in: config.venues, sink: sink, logger: logger))
        }
    }

    /// Runs until a shutdown signal. `onHTTPRunning` gets the bound HTTP port (useful with port 0).
    public func run(onHTTPRunning: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        logger.info("venue-bridge starting", metadata: config.startupLogMetadata)
        for warning in config.warnings { logger.warning("\(warning)") }
        let publisherService = PublisherService(
            publisher: publisher, producers: [producer, accountProducer], redis: redis, readiness: readiness,
            flushTimeout: .milliseconds(config.kafka.flushTimeoutMs), logger: logger)
        let http = HTTPEndpoints.application(
            host: config.http.host, port: config.http.port, registry: registry, readiness: readiness, logger: logger,
            onRunning: onHTTPRunning)
        // Any of these ending, by success or failure, stops the whole bridge gracefully: a bridge
        // missing a venue or its HTTP endpoints must not keep running as if it were whole.
        func essential(_ service: any Service) -> ServiceGroupConfiguration.ServiceConfiguration {
            .init(
                service: service, successTerminationBehavior: .gracefullyShutdownGroup,
                failureTerminationBehavior: .gracefullyShutdownGroup)
        }
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: publisherService), essential(http),
        ]
        for venue in venues { services += venue.started.services.map(essential) }
        if config.synthetic.enabled {
            services.append(
                essential(SyntheticMarketSource(configuration: config.synthetic, sink: sink, logger: logger)))
        }
        // Last in, first stopped: the command in hand is answered while the connectors and the
        // publisher it needs are still up.
        if config.commands.runsConsumer(config) && !config.redis.enabled {
            // The loader refuses this; the demo without redis-server gets here.
            logger.warning("command consumer off: it needs Redis for its idempotency records")
        } else if config.commands.runsConsumer(config) {
            // The venues that take orders as configured (e.g. sFOX only with its account feed).
            let orderVenues = Dictionary(
                uniqueKeysWithValues: venues.compactMap { venue in venue.started.commandVenue.map { (venue.id, $0) } })
            services.append(
                essential(
                    CommandService(
                        config: config, venues: orderVenues, publisher: publisher, producer: accountProducer,
                        logger: logger)))
        }
        let group = ServiceGroup(
            configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await group.run()
        } catch let error as IOError where error.errnoCode == EADDRINUSE {
            throw HTTPPortInUse(host: config.http.host, port: config.http.port)
        }
        logger.info("venue-bridge stopped")
    }
}

/// Owns the publish path's lifecycle: the market-data backlog drain, the Kafka readiness probe,
/// and the ordered flush at shutdown.
struct PublisherService: Service {
    let publisher: EventPublisher
    let producers: [KafkaProducer]
    let redis: RedisStreamWriter?
    let readiness: Readiness
    let flushTimeout: Duration
    let logger: Logger

    func run() async throws {
        await withDiscardingTaskGroup { group in
            group.addTask { await publisher.run() }
            group.addTask {
                while !Task.isCancelled {
                    readiness.setKafkaReachable(await producers[0].brokersReachable(timeout: .seconds(2)))
                    try? await Task.sleep(for: .seconds(5))
                }
            }
            try? await gracefulShutdown()
            group.cancelAll()
        }
        // One budget for the whole flush: backlog into librdkafka, then librdkafka to the brokers.
        let deadline = ContinuousClock.now + flushTimeout
        logger.info("stopping intake and flushing Kafka", metadata: ["timeout": "\(flushTimeout)"])
        await publisher.stop(timeout: flushTimeout)
        var undelivered = 0
        for producer in producers {
            undelivered += await producer.flush(timeout: max(.zero, deadline - .now))
            producer.close(flushTimeout: .zero)
        }
        if undelivered > 0 {
            logger.error("Kafka messages undelivered at shutdown", metadata: ["count": "\(undelivered)"])
        }
        await redis?.close(drainTimeout: .seconds(2))
    }
}

/// The HTTP port is taken: said with the port and what to do, not as a socket error.
public struct HTTPPortInUse: Error, CustomStringConvertible {
    public var host: String
    public var port: Int

    public var description: String {
        "http.port \(port) on \(host) is already in use: stop what listens there, or set http.port (VB_HTTP_PORT; the demo: --http-port 0 picks a free port)"
    }
}
