import BridgeTestSupport
import EventBus
import Logging
import MetricsTestKit
import T4Connector
import T4Simulator
import T4Wire
import VenueBridgeCore
import VenueConnector

let esMarket = T4SimulatorConfiguration.Market.es
let nqMarket = T4SimulatorConfiguration.Market.nq
let simAccount = "SIM-001"

/// T4 behind the generic end-to-end harness (`VenueHarness`).
typealias T4BridgeHarness = VenueHarness<T4HarnessVenue>

struct T4HarnessVenue: HarnessVenue {
    static let apiKey = "t4-test-key"

    let simulator: T4Simulator
    let connector: T4Connector

    static func readTopics(_ topics: TopicNames) -> [String] {
        [topics.book, topics.trade, topics.ticker, topics.execReport, topics.venueStatus]
    }

    var isReady: Bool { connector.control.state == .ready }
    func run() async throws { try await connector.supervisor().run() }
    func stopSimulator() async { await simulator.stop() }

    /// The simulator's book in normalized terms, as deep as the subscription (10 levels).
    func venueBook(_ market: T4SimulatorConfiguration.Market) async -> LocalOrderBook? {
        guard let book = await simulator.book(marketID: market.marketID) else { return nil }
        let levels = { (levels: [T4BookLevel]) in
            levels.prefix(10).map { PriceLevel(price: $0.price, size: ExactDecimal(Int($0.volume))) }
        }
        return LocalOrderBook(bids: levels(book.bids), asks: levels(book.offers))
    }
}

extension VenueHarness where Venue == T4HarnessVenue {
    static var apiKey: String { T4HarnessVenue.apiKey }

    convenience init(
        prefix: String, symbolSuffix: String = "", withRedis: Bool = false,
        credentials: T4Credentials = .apiKey(T4HarnessVenue.apiKey),
        extraMarkets: [T4Market] = [],
        simulate: (inout T4SimulatorConfiguration) -> Void = { _ in },
        tune: (inout T4ConnectorConfiguration) -> Void = { _ in }
    ) async throws {
        try await self.init(prefix: prefix, withRedis: withRedis, label: "test.t4") { sink, metrics, logger in
            var simulatorConfiguration = T4SimulatorConfiguration(apiKeys: [Venue.apiKey])
            simulatorConfiguration.updatesPerSecond = 0
            simulate(&simulatorConfiguration)
            let simulator = T4Simulator(configuration: simulatorConfiguration, logger: logger)
            _ = try await simulator.start()
            let markets = [("ES-M25", esMarket), ("NQ-M25", nqMarket)].map { symbol, market in
                T4Market(
                    symbol: symbol + symbolSuffix, exchangeID: market.exchangeID, contractID: market.contractID,
                    marketID: market.marketID)
            }
            var configuration = T4ConnectorConfiguration(
                url: simulator.url, credentials: credentials, markets: markets + extraMarkets)
            configuration.link.reconnect.initialDelay = .milliseconds(50)
            configuration.link.reconnect.maxDelay = .milliseconds(500)
            tune(&configuration)
            let connector = T4Connector(
                configuration: configuration, sink: sink, logger: logger, metricsFactory: metrics)
            return T4HarnessVenue(simulator: simulator, connector: connector)
        }
    }

    func waitUntil(_ state: VenueConnectionState) async throws {
        try await eventually("T4 session \(state.rawValue)") { venue.connector.control.state == state }
    }

    func positions(_ symbol: String) -> [Position] {
        reader.all.compactMap { event in
            guard event.instrument == symbol, case .position(let position) = event.payload else { return nil }
            return position
        }
    }
}
