public import EventBus
public import FineryConnector
public import KafkaBus
public import Logging
public import Prometheus
public import RedisBus
public import SFOXConnector
public import T4Connector
import VenueBridgeCore
import ServiceLifecycle

/// Builds the bridge from a validated config and runs it until SIGTERM/SIGINT.
///
/// Shutdown order (ServiceGroup stops services in reverse order): sources stop first (no new
/// events), then HTTP, then the publisher stops intake, drains its backlog, flushes Kafka within
/// `kafka.flush_timeout_ms` and drains Redis. Exit code 0 when that completes.
public struct BridgeRuntime {
    public let config: BridgeConfig
    public let logger: Logger
    public let producer: KafkaProducer
    public let redis: RedisStreamWriter?
    public let publisher: EventPublisher
    public let readiness: Readiness
    /// What sources publish into: the publisher, with venue status tracked for readiness.
    public let sink: any EventSink
    /// The Finery connector (also its order-entry interface), when enabled.
    public let finery: FineryConnector?
    /// The sFOX connector (order entry when it has an API key), when enabled.
    public let sfox: SFOXConnector?
    /// The T4 connector (order entry when it subscribes accounts), when enabled.
    public let t4: T4Connector?
    private let registry: PrometheusCollectorRegistry

    public init(config: BridgeConfig, registry: PrometheusCollectorRegistry, logger: Logger) throws {
        self.config = config
        self.logger = logger
        self.registry = registry
        producer = try KafkaProducer(configuration: .init(properties: config.kafka.producerProperties), logger: logger)
        redis = config.redis.enabled
            ? RedisStreamWriter(
                configuration: .init(endpoint: config.redis.endpoint, bufferCapacity: config.redis.bufferCapacity, batchSize: config.redis.batchSize),
                logger: logger
            )
            : nil
        publisher = EventPublisher(
            configuration: .init(
                routing: EventRouting(topics: TopicNames(prefix: config.kafka.topicPrefix), streamMaxLength: config.redis.streamMaxLength),
                policy: config.kafka.backpressure,
                queueFullTimeout: .milliseconds(config.kafka.queueFullTimeoutMs),
                marketDataBacklogCapacity: config.kafka.marketDataBacklogCapacity
            ),
            kafka: producer, redis: redis, logger: logger
        )
        var expected: Set<VenueID> = config.synthetic.enabled ? [config.synthetic.venue] : []
        if config.venues.finery.enabled { expected.insert(.finery) }
        if config.venues.sfox.enabled { expected.insert(.sfox) }
        if config.venues.t4.enabled { expected.insert(.t4) }
        let venues = VenueStateBoard(expected: expected)
        readiness = Readiness(venues: venues)
        sink = StatusTrackingSink(inner: publisher, board: venues)
        finery = config.venues.finery.enabled
            ? try FineryConnector(configuration: VenueConnectors.fineryConfiguration(config.venues.finery), sink: sink, logger: logger)
            : nil
        sfox = config.venues.sfox.enabled
            ? try SFOXConnector(configuration: VenueConnectors.sfoxConfiguration(config.venues.sfox), sink: sink, logger: logger)
            : nil
        t4 = config.venues.t4.enabled
            ? T4Connector(configuration: VenueConnectors.t4Configuration(config.venues.t4), sink: sink, logger: logger)
            : nil
    }

    /// Runs until a shutdown signal. `onHTTPRunning` gets the bound HTTP port (useful with port 0).
    public func run(onHTTPRunning: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        logger.info("venue-bridge starting", metadata: config.startupLogMetadata)
        let publisherService = PublisherService(publisher: publisher, producer: producer, redis: redis, readiness: readiness,
                                                flushTimeout: .milliseconds(config.kafka.flushTimeoutMs), logger: logger)
        let http = HTTPEndpoints.application(host: config.http.host, port: config.http.port, registry: registry, readiness: readiness, logger: logger, onRunning: onHTTPRunning)
        // Any of these ending, by success or failure, stops the whole bridge gracefully: a bridge
        // missing a venue or its HTTP endpoints must not keep running as if it were whole.
        func essential(_ service: any Service) -> ServiceGroupConfiguration.ServiceConfiguration {
            .init(service: service, successTerminationBehavior: .gracefullyShutdownGroup, failureTerminationBehavior: .gracefullyShutdownGroup)
        }
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: publisherService), essential(http)]
        if let finery { services.append(essential(finery.supervisor())) }
        if let sfox { services.append(essential(sfox)) }
        if let t4 { services.append(essential(t4.supervisor())) }
        if config.synthetic.enabled {
            services.append(essential(SyntheticMarketSource(configuration: config.synthetic, sink: sink, logger: logger)))
        }
        // Last in, first stopped: the command in hand is answered while the connectors and the
        // publisher it needs are still up.
        if config.commands.runsConsumer(config) && !config.redis.enabled {
            // The loader refuses this; the demo without redis-server gets here.
            logger.warning("command consumer off: it needs Redis for its idempotency records")
        } else if config.commands.runsConsumer(config) {
            let venues = CommandVenues.make(config: config, finery: finery, sfox: sfox, t4: t4)
            services.append(essential(CommandService(config: config, venues: venues, publisher: publisher, producer: producer, logger: logger)))
        }
        let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        logger.info("venue-bridge stopped")
    }
}

/// Owns the publish path's lifecycle: the market-data backlog drain, the Kafka readiness probe,
/// and the ordered flush at shutdown.
struct PublisherService: Service {
    let publisher: EventPublisher
    let producer: KafkaProducer
    let redis: RedisStreamWriter?
    let readiness: Readiness
    let flushTimeout: Duration
    let logger: Logger

    func run() async throws {
        await withDiscardingTaskGroup { group in
            group.addTask { await publisher.run() }
            group.addTask {
                while !Task.isCancelled {
                    readiness.setKafkaReachable(await producer.brokersReachable(timeout: .seconds(2)))
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
        let undelivered = await producer.flush(timeout: max(.zero, deadline - .now))
        producer.close(flushTimeout: .zero)
        if undelivered > 0 { logger.error("Kafka messages undelivered at shutdown", metadata: ["count": "\(undelivered)"]) }
        await redis?.close(drainTimeout: .seconds(2))
    }
}
