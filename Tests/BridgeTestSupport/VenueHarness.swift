public import EventBus
public import KafkaBus
public import Logging
public import MetricsTestKit
import Synchronization
public import VenueConnector

/// One venue inside `VenueHarness`: its simulator on a loopback port and its real connector logged
/// in to it, publishing into the harness's pipeline. Each venue's test target implements it in its
/// harness file; everything else about an end-to-end run is the same for every venue.
public protocol HarnessVenue: Sendable {
    /// What a test names a book by (Finery's symbol, an sFOX pair, a T4 market).
    associatedtype BookKey
    /// The topics the venue's tests read back.
    static func readTopics(_ topics: TopicNames) -> [String]
    /// Whether every session the venue's tests need is ready.
    var isReady: Bool { get }
    /// The connector, until cancelled.
    func run() async throws
    /// The simulator's book in normalized terms; nil while the simulator has none.
    func venueBook(_ key: BookKey) async -> LocalOrderBook?
    func stopSimulator() async
}

/// Simulator ↔ connector ↔ publisher ↔ Kafka (mock cluster) [+ Redis], all real, on loopback, for
/// any venue. A venue's tests use it through a typealias and a constrained extension that says how
/// to start that venue; the venue's own members (`simulator`, `connector`, …) read through.
@dynamicMemberLookup
public final class VenueHarness<Venue: HarnessVenue>: Sendable {
    public let venue: Venue
    public let pipeline: TestEventPipeline
    public let metrics: TestMetrics
    private let tasks: Mutex<[Task<Void, any Error>]>

    public var producer: KafkaProducer { pipeline.producer }
    public var reader: EventReader { pipeline.reader }

    public subscript<T>(dynamicMember keyPath: KeyPath<Venue, T>) -> T { venue[keyPath: keyPath] }

    /// `makeVenue` starts the simulator and builds the connector on the harness's publisher and
    /// metrics; the harness runs the connector and the publisher until `stop`.
    public init(
        prefix: String, withRedis: Bool, label: String,
        venue makeVenue: (_ sink: EventPublisher, _ metrics: TestMetrics, _ logger: Logger) async throws -> Venue
    ) async throws {
        let logger = Logger(label: label)
        pipeline = try await TestEventPipeline(
            prefix: prefix, withRedis: withRedis, logger: logger, readTopics: Venue.readTopics)
        metrics = TestMetrics()
        let venue = try await makeVenue(pipeline.publisher, metrics, logger)
        self.venue = venue
        let publisher = pipeline.publisher
        tasks = Mutex([Task { try await venue.run() }, Task { await publisher.run() }])
    }

    public func waitUntilReady() async throws {
        try await eventually("connector ready") { venue.isReady }
    }

    public func venueBook(_ key: Venue.BookKey) async -> LocalOrderBook? {
        await venue.venueBook(key)
    }

    /// Waits until the book rebuilt from Kafka for `symbol` equals the simulator's.
    public func waitForBookConvergence(_ key: Venue.BookKey, symbol: String) async throws {
        try await eventually("book \(symbol) rebuilt from Kafka to equal the venue's") {
            _ = await producer.flush(timeout: .milliseconds(200))
            guard let book = await venue.venueBook(key) else { return false }
            return reader.rebuiltBook(symbol) == book
        }
    }

    public func flush() async { _ = await producer.flush(timeout: .milliseconds(500)) }

    /// Connector and publisher first, then the bus, then the simulator: nothing publishes into a
    /// closed pipeline, and the connector never sees its venue vanish before it was told to stop.
    public func stop() async {
        for task in tasks.withLock({ $0 }) { task.cancel() }
        for task in tasks.withLock({ $0 }) { _ = await task.result }
        await pipeline.stop()
        await venue.stopSimulator()
    }
}
