import BridgeTestSupport
import EventBus
import FineryConnector
import FinerySimulator
import FineryWire
import Logging
import MetricsTestKit
import VenueBridgeCore
import VenueConnector

/// Finery behind the generic end-to-end harness (`VenueHarness`).
typealias FineryBridgeHarness = VenueHarness<FineryHarnessVenue>

struct FineryHarnessVenue: HarnessVenue {
    static let apiKey = "test-key"
    static let apiSecret = "test-secret"

    let simulator: FinerySimulator
    let connector: FineryConnector
    /// Finery symbol → normalized symbol.
    let symbols: [String: String]

    static func readTopics(_ topics: TopicNames) -> [String] {
        [topics.book, topics.ticker, topics.execReport, topics.venueStatus]
    }

    var isReady: Bool { connector.control.state == .ready }
    func run() async throws { try await connector.supervisor().run() }
    func stopSimulator() async { await simulator.stop() }

    /// The simulator's book in normalized terms (Finery's wire integers to decimals).
    func venueBook(_ instrument: String) async -> LocalOrderBook? {
        let book = await simulator.book(instrument)
        let levels = { (levels: [FineryLevel]) in
            levels.map { PriceLevel(price: FineryUnits.decimal($0.price), size: FineryUnits.decimal($0.size)) }
        }
        return LocalOrderBook(bids: levels(book.bids), asks: levels(book.asks))
    }
}

extension VenueHarness where Venue == FineryHarnessVenue {
    static var apiKey: String { FineryHarnessVenue.apiKey }
    static var apiSecret: String { FineryHarnessVenue.apiSecret }

    convenience init(
        prefix: String, symbolSuffix: String = "", snapshotOnly: Bool = false, withRedis: Bool = false,
        tune: (inout FineryConnectorConfiguration) -> Void = { _ in }
    ) async throws {
        try await self.init(prefix: prefix, withRedis: withRedis, label: "test.finery") { sink, metrics, logger in
            let simulator = FinerySimulator(
                configuration: FinerySimulatorConfiguration(
                    credentials: [Venue.apiKey: Venue.apiSecret], snapshotOnly: snapshotOnly),
                logger: logger
            )
            let port = try await simulator.start()
            let symbols = ["BTC-USD": "BTC-USD" + symbolSuffix, "ETH-USD": "ETH-USD" + symbolSuffix]
            var configuration = FineryConnectorConfiguration(
                url: "ws://127.0.0.1:\(port)/ws", apiKey: Venue.apiKey, apiSecret: Venue.apiSecret,
                account: "acct-1", instruments: try InstrumentMap(symbols.map { ($0.key, $0.value) })
            )
            configuration.link.reconnect.initialDelay = .milliseconds(50)
            configuration.link.reconnect.maxDelay = .milliseconds(500)
            tune(&configuration)
            let connector = FineryConnector(
                configuration: configuration, sink: sink, logger: logger, metricsFactory: metrics)
            return FineryHarnessVenue(simulator: simulator, connector: connector, symbols: symbols)
        }
    }

    /// Waits until the book rebuilt from Kafka equals the simulator's.
    func waitForBookConvergence(_ instrument: String) async throws {
        try await waitForBookConvergence(instrument, symbol: venue.symbols[instrument]!)
    }
}
