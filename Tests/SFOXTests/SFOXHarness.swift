import BridgeTestSupport
import KafkaBus
import Logging
import MetricsTestKit
import SFOXConnector
import SFOXSimulator
import SFOXWire
import Synchronization
import VenueBridgeCore
import VenueConnector

/// sFOX simulator ↔ connector (both sockets + REST) ↔ publisher ↔ Kafka (mock cluster) [+ Redis].
final class SFOXBridgeHarness: Sendable {
    static let apiKey = "sfox-test-key"

    let simulator: SFOXSimulator
    let pipeline: TestEventPipeline
    let connector: SFOXConnector
    let metrics: TestMetrics
    /// sFOX pair → normalized symbol.
    let symbols: [String: String]
    private let tasks: Mutex<[Task<Void, any Error>]>

    var producer: KafkaProducer { pipeline.producer }
    var reader: EventReader { pipeline.reader }

    init(
        prefix: String, symbolSuffix: String = "", withRedis: Bool = false,
        connectorKey: String? = SFOXBridgeHarness.apiKey,
        simulate: (inout SFOXSimulatorConfiguration) -> Void = { _ in },
        tune: (inout SFOXConnectorConfiguration) -> Void = { _ in }
    ) async throws {
        let logger = Logger(label: "test.sfox")
        var simulatorConfiguration = SFOXSimulatorConfiguration(apiKeys: [Self.apiKey])
        simulatorConfiguration.updatesPerSecond = 0
        simulate(&simulatorConfiguration)
        simulator = SFOXSimulator(configuration: simulatorConfiguration, logger: logger)
        let port = try await simulator.start()
        pipeline = try await TestEventPipeline(prefix: prefix, withRedis: withRedis, logger: logger) { topics in
            [topics.book, topics.trade, topics.ticker, topics.execReport, topics.venueStatus]
        }
        symbols = ["btcusd": "BTC-USD" + symbolSuffix, "ethusd": "ETH-USD" + symbolSuffix]
        var configuration = SFOXConnectorConfiguration(
            url: "ws://127.0.0.1:\(port)/ws", restBaseURL: "http://127.0.0.1:\(port)/v1", apiKey: connectorKey,
            account: "sfox-1",
            instruments: try InstrumentMap(symbols.map { ($0.key, $0.value) })
        )
        for link in [\SFOXConnectorConfiguration.marketDataLink, \.privateLink] {
            configuration[keyPath: link].reconnect.initialDelay = .milliseconds(50)
            configuration[keyPath: link].reconnect.maxDelay = .milliseconds(500)
        }
        tune(&configuration)
        metrics = TestMetrics()
        connector = try SFOXConnector(
            configuration: configuration, sink: pipeline.publisher, logger: logger, metricsFactory: metrics)
        let connector = self.connector
        let publisher = pipeline.publisher
        tasks = Mutex([Task { try await connector.run() }, Task { await publisher.run() }])
    }

    func waitUntilReady(private: Bool = true) async throws {
        try await eventually("sFOX sessions ready") {
            connector.marketDataControl.state == .ready && (!`private` || connector.privateControl?.state == .ready)
        }
    }

    /// The simulator's latest snapshot in normalized terms (rows of several sources summed).
    func venueBook(_ pair: String) async -> LocalOrderBook? {
        guard let book = await simulator.book(pair: pair) else { return nil }
        func aggregate(_ levels: [SFOXLevel]) -> [PriceLevel] {
            var sizes: [ExactDecimal: ExactDecimal] = [:]
            for level in levels {
                sizes[level.price] = (try? (sizes[level.price] ?? .zero).adding(level.quantity)) ?? level.quantity
            }
            return sizes.map { PriceLevel(price: $0.key, size: $0.value) }
        }
        return LocalOrderBook(bids: aggregate(book.bids), asks: aggregate(book.asks))
    }

    func waitForBookConvergence(_ pair: String) async throws {
        let symbol = symbols[pair]!
        try await eventually("book \(pair) rebuilt from Kafka to equal the venue's") {
            _ = await producer.flush(timeout: .milliseconds(200))
            guard let venue = await venueBook(pair) else { return false }
            return reader.rebuiltBook(symbol) == venue
        }
    }

    func flush() async { _ = await producer.flush(timeout: .milliseconds(500)) }

    func stop() async {
        for task in tasks.withLock({ $0 }) { task.cancel() }
        for task in tasks.withLock({ $0 }) { _ = await task.result }
        await pipeline.stop()
        await simulator.stop()
    }
}
