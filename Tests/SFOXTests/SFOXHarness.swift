import BridgeTestSupport
import EventBus
import Logging
import MetricsTestKit
import SFOXConnector
import SFOXSimulator
import SFOXWire
import VenueBridgeCore
import VenueConnector

/// sFOX (both sockets + REST) behind the generic end-to-end harness (`VenueHarness`).
typealias SFOXBridgeHarness = VenueHarness<SFOXHarnessVenue>

struct SFOXHarnessVenue: HarnessVenue {
    static let apiKey = "sfox-test-key"

    let simulator: SFOXSimulator
    let connector: SFOXConnector
    /// sFOX pair → normalized symbol.
    let symbols: [String: String]

    static func readTopics(_ topics: TopicNames) -> [String] {
        [topics.book, topics.trade, topics.ticker, topics.execReport, topics.venueStatus]
    }

    var isReady: Bool { sessionsReady(private: true) }
    /// The private session is optional: some tests run without an API key.
    func sessionsReady(private: Bool) -> Bool {
        connector.marketDataControl.state == .ready && (!`private` || connector.privateControl?.state == .ready)
    }
    func run() async throws { try await connector.run() }
    func stopSimulator() async { await simulator.stop() }

    /// The simulator's latest snapshot in normalized terms: sFOX lists a price once per source, the
    /// normalized book once, so rows of several sources are summed.
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
}

extension VenueHarness where Venue == SFOXHarnessVenue {
    static var apiKey: String { SFOXHarnessVenue.apiKey }

    convenience init(
        prefix: String, symbolSuffix: String = "", withRedis: Bool = false,
        connectorKey: String? = SFOXHarnessVenue.apiKey,
        simulate: (inout SFOXSimulatorConfiguration) -> Void = { _ in },
        tune: (inout SFOXConnectorConfiguration) -> Void = { _ in }
    ) async throws {
        try await self.init(prefix: prefix, withRedis: withRedis, label: "test.sfox") { sink, metrics, logger in
            var simulatorConfiguration = SFOXSimulatorConfiguration(apiKeys: [Venue.apiKey])
            simulatorConfiguration.updatesPerSecond = 0
            simulate(&simulatorConfiguration)
            let simulator = SFOXSimulator(configuration: simulatorConfiguration, logger: logger)
            let port = try await simulator.start()
            let symbols = ["btcusd": "BTC-USD" + symbolSuffix, "ethusd": "ETH-USD" + symbolSuffix]
            var configuration = SFOXConnectorConfiguration(
                url: "ws://127.0.0.1:\(port)/ws", restBaseURL: "http://127.0.0.1:\(port)/v1", apiKey: connectorKey,
                account: "sfox-1", instruments: try InstrumentMap(symbols.map { ($0.key, $0.value) })
            )
            for link in [\SFOXConnectorConfiguration.marketDataLink, \.privateLink] {
                configuration[keyPath: link].reconnect.initialDelay = .milliseconds(50)
                configuration[keyPath: link].reconnect.maxDelay = .milliseconds(500)
            }
            tune(&configuration)
            let connector = try SFOXConnector(
                configuration: configuration, sink: sink, logger: logger, metricsFactory: metrics)
            return SFOXHarnessVenue(simulator: simulator, connector: connector, symbols: symbols)
        }
    }

    func waitUntilReady(private: Bool) async throws {
        try await eventually("sFOX sessions ready") { venue.sessionsReady(private: `private`) }
    }

    func waitForBookConvergence(_ pair: String) async throws {
        try await waitForBookConvergence(pair, symbol: venue.symbols[pair]!)
    }
}
