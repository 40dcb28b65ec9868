import BridgeTestSupport
import EventBus
import FIConnector
import FISimulator
import FIWire
import Logging
import MetricsTestKit
import Testing
import VenueBridgeCore
import VenueConnector

/// FI behind the generic end-to-end harness (`VenueHarness`): simulator → connector → publisher →
/// Kafka (mock cluster), read back as a consumer would.
typealias FIBridgeHarness = VenueHarness<FIHarnessVenue>

struct FIHarnessVenue: HarnessVenue {
    static let user = "e2e-user"
    static let password = "e2e-password"

    let simulator: FISimulator
    let connector: FIConnector

    static func readTopics(_ topics: TopicNames) -> [String] {
        [topics.book, topics.ticker, topics.trade, topics.venueStatus]
    }

    var isReady: Bool { connector.control.state == .ready }
    func run() async throws { try await connector.supervisor().run() }
    func stopSimulator() async { await simulator.stop() }

    /// The simulator's entries aggregated to levels, IOIs left out: what the published book must be.
    func venueBook(_ security: String) async -> LocalOrderBook? {
        guard let book = await simulator.book(security) else { return nil }
        return LocalOrderBook(
            bids: book.bids.map { PriceLevel(price: $0.0, size: $0.1) },
            asks: book.asks.map { PriceLevel(price: $0.0, size: $0.1) })
    }
}

extension VenueHarness where Venue == FIHarnessVenue {
    convenience init(prefix: String) async throws {
        try await self.init(prefix: prefix, withRedis: false, label: "test.fi.e2e") { sink, metrics, logger in
            var simulatorConfiguration = FISimulatorConfiguration(users: [Venue.user: Venue.password])
            simulatorConfiguration.updatesPerSecond = 0
            let simulator = FISimulator(configuration: simulatorConfiguration, logger: logger)
            let port = try await simulator.start()
            var configuration = FIConnectorConfiguration(
                url: "ws://127.0.0.1:\(port)\(FISimulator.path)", userID: Venue.user, password: Venue.password,
                instruments: try InstrumentMap([("BTCUSD", "BTC-USD"), ("ETHUSD", "ETH-USD")]))
            configuration.link.reconnect.initialDelay = .milliseconds(50)
            configuration.link.reconnect.maxDelay = .milliseconds(500)
            let connector = FIConnector(
                configuration: configuration, sink: sink, logger: logger, metricsFactory: metrics)
            return FIHarnessVenue(simulator: simulator, connector: connector)
        }
    }
}

@Suite("FI end to end", .serialized)
struct FIEndToEndTests {
    @Test(
        "600 book moves (entries added, updated and removed, IOIs among them): the book rebuilt from Kafka equals the venue's; deltas unique per price; seq gap-free; trades once"
    )
    func booksConverge() async throws {
        let harness = try await FIBridgeHarness(prefix: "fie1")
        try await harness.waitUntilReady()
        try await eventually("first snapshots") {
            harness.reader.snapshotCount("BTC-USD") == 1 && harness.reader.snapshotCount("ETH-USD") == 1
        }
        await harness.simulator.step(600)
        try await harness.waitForBookConvergence("BTCUSD", symbol: "BTC-USD")
        try await harness.waitForBookConvergence("ETHUSD", symbol: "ETH-USD")
        for symbol in ["BTC-USD", "ETH-USD"] {
            let repeated = harness.reader.repeatedDeltaPrices(symbol)
            #expect(repeated.isEmpty, "\(repeated)")
            let seqs = harness.reader.all.filter { $0.stream == .book && $0.instrument == symbol }.map(\.seq)
            #expect(seqs == Array(1...UInt64(seqs.count)))
        }
        let deltas = harness.reader.all.filter { $0.type == .bookDelta }
        #expect(deltas.count > 400, "most moves change the normalized book (IOIs and hidden sizes do not)")
        let tradeIds = harness.reader.all.compactMap { event -> String? in
            if case .trade(let trade) = event.payload { return trade.tradeId }
            return nil
        }
        #expect(!tradeIds.isEmpty && Set(tradeIds).count == tradeIds.count, "each trade once")
        await harness.stop()
    }

    @Test("dropped: reconnects, logs in again, resubscribes, publishes a fresh snapshot and converges again")
    func dropAndResubscribe() async throws {
        let harness = try await FIBridgeHarness(prefix: "fie2")
        try await harness.waitUntilReady()
        try await eventually("first snapshot") { harness.reader.snapshotCount("BTC-USD") == 1 }
        await harness.simulator.step(100)
        await harness.simulator.dropConnections()
        try await eventually("a fresh snapshot after the new login") { harness.reader.snapshotCount("BTC-USD") == 2 }
        await harness.simulator.step(200)
        try await harness.waitForBookConvergence("BTCUSD", symbol: "BTC-USD")
        let statuses = harness.reader.all.compactMap { event -> VenueConnectionState? in
            if case .venueStatus(let status) = event.payload { return status.state }
            return nil
        }
        #expect(statuses.contains(.disconnected) && statuses.last == .ready)
        await harness.stop()
    }
}
