import BridgeTestSupport
import FineryConnector
import FinerySimulator
import FineryWire
import KafkaBus
import Logging
import MetricsTestKit
import Synchronization
import Testing
import VenueBridgeCore
import VenueConnector

/// Simulator ↔ connector ↔ publisher ↔ Kafka (mock cluster) [+ Redis], all real, on loopback.
final class FineryBridgeHarness: Sendable {
    static let apiKey = "test-key"
    static let apiSecret = "test-secret"

    let simulator: FinerySimulator
    let pipeline: TestEventPipeline
    let connector: FineryConnector
    let metrics: TestMetrics
    let symbols: [String: String]
    private let tasks: Mutex<[Task<Void, any Error>]>

    var producer: KafkaProducer { pipeline.producer }
    var reader: EventReader { pipeline.reader }

    init(
        prefix: String, symbolSuffix: String = "", snapshotOnly: Bool = false, withRedis: Bool = false,
        tune: (inout FineryConnectorConfiguration) -> Void = { _ in }
    ) async throws {
        let logger = Logger(label: "test.finery")
        simulator = FinerySimulator(
            configuration: FinerySimulatorConfiguration(
                credentials: [Self.apiKey: Self.apiSecret], snapshotOnly: snapshotOnly),
            logger: logger
        )
        let port = try await simulator.start()
        pipeline = try await TestEventPipeline(prefix: prefix, withRedis: withRedis, logger: logger) { topics in
            [topics.book, topics.ticker, topics.execReport, topics.venueStatus]
        }
        symbols = ["BTC-USD": "BTC-USD" + symbolSuffix, "ETH-USD": "ETH-USD" + symbolSuffix]
        var configuration = FineryConnectorConfiguration(
            url: "ws://127.0.0.1:\(port)/ws", apiKey: Self.apiKey, apiSecret: Self.apiSecret, account: "acct-1",
            instruments: try InstrumentMap(symbols.map { ($0.key, $0.value) })
        )
        configuration.link.reconnect.initialDelay = .milliseconds(50)
        configuration.link.reconnect.maxDelay = .milliseconds(500)
        tune(&configuration)
        metrics = TestMetrics()
        connector = FineryConnector(
            configuration: configuration, sink: pipeline.publisher, logger: logger, metricsFactory: metrics)
        let supervisor = connector.supervisor()
        let publisher = pipeline.publisher
        tasks = Mutex([Task { try await supervisor.run() }, Task { await publisher.run() }])
    }

    func waitUntilReady() async throws {
        try await eventually("connector ready") { connector.control.state == .ready }
    }

    /// The simulator's book in normalized terms.
    func venueBook(_ instrument: String) async -> LocalOrderBook {
        let book = await simulator.book(instrument)
        return LocalOrderBook(
            bids: book.bids.map {
                PriceLevel(price: FineryUnits.decimal($0.price), size: FineryUnits.decimal($0.size))
            },
            asks: book.asks.map { PriceLevel(price: FineryUnits.decimal($0.price), size: FineryUnits.decimal($0.size)) }
        )
    }

    /// Waits until the book rebuilt from Kafka equals the simulator's.
    func waitForBookConvergence(_ instrument: String) async throws {
        let symbol = symbols[instrument]!
        try await eventually("book \(instrument) rebuilt from Kafka to equal the venue's") {
            _ = await producer.flush(timeout: .milliseconds(200))
            let venue = await venueBook(instrument)
            return reader.rebuiltBook(symbol) == venue
        }
    }

    func stop() async {
        for task in tasks.withLock({ $0 }) { task.cancel() }
        for task in tasks.withLock({ $0 }) { _ = await task.result }
        await pipeline.stop()
        await simulator.stop()
    }
}
