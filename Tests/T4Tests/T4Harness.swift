import BridgeTestSupport
import KafkaBus
import Logging
import MetricsTestKit
import Synchronization
import T4Connector
import T4Simulator
import T4Wire
import VenueBridgeCore
import VenueConnector

let esMarket = T4SimulatorConfiguration.Market.es
let nqMarket = T4SimulatorConfiguration.Market.nq
let simAccount = "SIM-001"

/// T4 simulator ↔ connector ↔ publisher ↔ Kafka (mock cluster) [+ Redis].
final class T4BridgeHarness: Sendable {
    static let apiKey = "t4-test-key"

    let simulator: T4Simulator
    let pipeline: TestEventPipeline
    let connector: T4Connector
    let metrics: TestMetrics
    private let tasks: Mutex<[Task<Void, any Error>]>

    var producer: KafkaProducer { pipeline.producer }
    var reader: EventReader { pipeline.reader }

    init(
        prefix: String, symbolSuffix: String = "", withRedis: Bool = false,
        credentials: T4Credentials = .apiKey(T4BridgeHarness.apiKey),
        extraMarkets: [T4Market] = [],
        simulate: (inout T4SimulatorConfiguration) -> Void = { _ in },
        tune: (inout T4ConnectorConfiguration) -> Void = { _ in }
    ) async throws {
        let logger = Logger(label: "test.t4")
        var simulatorConfiguration = T4SimulatorConfiguration(apiKeys: [Self.apiKey])
        simulatorConfiguration.updatesPerSecond = 0
        simulate(&simulatorConfiguration)
        simulator = T4Simulator(configuration: simulatorConfiguration, logger: logger)
        _ = try await simulator.start()
        pipeline = try await TestEventPipeline(prefix: prefix, withRedis: withRedis, logger: logger) { topics in
            [topics.book, topics.trade, topics.ticker, topics.execReport, topics.venueStatus]
        }
        var configuration = T4ConnectorConfiguration(
            url: simulator.url, credentials: credentials,
            markets: [
                T4Market(
                    symbol: "ES-M25" + symbolSuffix, exchangeID: esMarket.exchangeID, contractID: esMarket.contractID,
                    marketID: esMarket.marketID),
                T4Market(
                    symbol: "NQ-M25" + symbolSuffix, exchangeID: nqMarket.exchangeID, contractID: nqMarket.contractID,
                    marketID: nqMarket.marketID),
            ] + extraMarkets)
        configuration.link.reconnect.initialDelay = .milliseconds(50)
        configuration.link.reconnect.maxDelay = .milliseconds(500)
        tune(&configuration)
        metrics = TestMetrics()
        connector = T4Connector(
            configuration: configuration, sink: pipeline.publisher, logger: logger, metricsFactory: metrics)
        let supervisor = connector.supervisor()
        let publisher = pipeline.publisher
        tasks = Mutex([Task { try await supervisor.run() }, Task { await publisher.run() }])
    }

    func waitUntil(_ state: VenueConnectionState) async throws {
        try await eventually("T4 session \(state.rawValue)") { connector.control.state == state }
    }

    /// The simulator's book in normalized terms, as deep as the subscription (10 levels).
    func venueBook(_ market: T4SimulatorConfiguration.Market) async -> LocalOrderBook? {
        guard let book = await simulator.book(marketID: market.marketID) else { return nil }
        let levels = { (levels: [T4BookLevel]) in
            levels.prefix(10).map { PriceLevel(price: $0.price, size: ExactDecimal(Int($0.volume))) }
        }
        return LocalOrderBook(bids: levels(book.bids), asks: levels(book.offers))
    }

    func waitForBookConvergence(_ market: T4SimulatorConfiguration.Market, symbol: String) async throws {
        try await eventually("book \(symbol) rebuilt from Kafka to equal the venue's") {
            _ = await producer.flush(timeout: .milliseconds(200))
            guard let venue = await venueBook(market) else { return false }
            return reader.rebuiltBook(symbol) == venue
        }
    }

    func flush() async { _ = await producer.flush(timeout: .milliseconds(500)) }

    func positions(_ symbol: String) -> [Position] {
        reader.all.compactMap { event in
            guard event.instrument == symbol, case .position(let position) = event.payload else { return nil }
            return position
        }
    }

    func stop() async {
        for task in tasks.withLock({ $0 }) { task.cancel() }
        for task in tasks.withLock({ $0 }) { _ = await task.result }
        await pipeline.stop()
        await simulator.stop()
    }
}
