import CommandPath
import EventBus
import FIConnector
import FISimulator
import FIWire
import FigConnector
import FigSimulator
import FigWire
import FineryConnector
import FinerySimulator
import FineryWire
import KafkaBus
import Logging
import MetricsTestKit
import SFOXConnector
import SFOXSimulator
import SFOXWire
import T4Connector
import T4Simulator
import T4Wire
import VenueBridgeCore
import VenueConnector

/// Typealias kept for the sFOX tests, which make up most of the suite.
typealias CommandHarness = VenueCommandHarness<SFOXTestVenue>

/// One venue behind the command path: its simulator on a loopback port and the real connector
/// logged in to it, publishing into the harness's pipeline. `commandVenue` is what the service
/// hands the processor for it (VenueBridgeService's venue modules, `start`).
protocol CommandTestVenue: Sendable {
    static var id: VenueID { get }
    /// The venue's own format (its house rules), as the command path derives ids with it.
    static var clientOrderIdFormat: ClientOrderIdFormat { get }
    static var account: String { get }
    /// The instrument the tests trade (configured, with a book at the simulator).
    static var instrument: String { get }
    /// A small quantity the venue accepts for `instrument`.
    static var quantity: String { get }
    var commandVenue: CommandVenue { get }
    /// The state of the session orders go through.
    var sessionState: VenueConnectionState { get }
    /// The connector, until cancelled.
    func run() async throws
    func stopSimulator() async
}

extension CommandTestVenue {
    /// Every simulator here takes this key (and the connector logs in with it).
    static var apiKey: String { "cmd-test-key" }
    var isReady: Bool { sessionState == .ready }
}

struct SFOXTestVenue: CommandTestVenue {
    static let id = VenueID.sfox
    static let clientOrderIdFormat = SFOXHouseRules.clientOrderIdFormat
    static let account = "sfox-1"
    static let instrument = "BTC-USD"
    static let quantity = "0.01"

    let simulator: SFOXSimulator
    let connector: SFOXConnector

    static func start(
        sink: EventPublisher, metrics: TestMetrics, logger: Logger, connectorKey: String = apiKey,
        requestTimeout: Duration = .seconds(5)
    ) async throws -> SFOXTestVenue {
        var simulatorConfiguration = SFOXSimulatorConfiguration(apiKeys: [apiKey])
        simulatorConfiguration.updatesPerSecond = 0
        let simulator = SFOXSimulator(configuration: simulatorConfiguration, logger: logger)
        let port = try await simulator.start()
        var configuration = SFOXConnectorConfiguration(
            url: "ws://127.0.0.1:\(port)/ws", restBaseURL: "http://127.0.0.1:\(port)/v1", apiKey: connectorKey,
            account: account,
            instruments: try InstrumentMap([("btcusd", "BTC-USD"), ("ethusd", "ETH-USD")])
        )
        configuration.privateLink.requestTimeout = requestTimeout
        configuration.privateLink.reconnect.initialDelay = .milliseconds(50)
        configuration.marketDataLink.reconnect.initialDelay = .milliseconds(50)
        let connector = try SFOXConnector(
            configuration: configuration, sink: sink, logger: logger, metricsFactory: metrics)
        return SFOXTestVenue(simulator: simulator, connector: connector)
    }

    var commandVenue: CommandVenue {
        let connector = connector
        return CommandVenue(
            entry: connector, instruments: ["BTC-USD", "ETH-USD"], accounts: { [Self.account] },
            sessionState: { connector.privateControl?.state ?? .disconnected }
        )
    }

    var sessionState: VenueConnectionState { connector.privateControl?.state ?? .disconnected }
    func run() async throws { try await connector.run() }
    func stopSimulator() async { await simulator.stop() }
}

extension VenueCommandHarness where Venue == SFOXTestVenue {
    var simulator: SFOXSimulator { venue.simulator }
    var connector: SFOXConnector { venue.connector }

    convenience init(
        prefix: String, venueUnavailable: CommandPathConfiguration.VenueUnavailablePolicy = .wait,
        venueWait: Duration = .seconds(5),
        resolveTimeout: Duration = .seconds(5), connectorKey: String = SFOXTestVenue.apiKey,
        requestTimeout: Duration = .seconds(5),
        limits: [InstrumentLimit] = [], maxMessageBytes: Int? = nil, redisPort: Int? = nil,
        dlqProducerProperties: KafkaProperties? = nil
    ) async throws {
        try await self.init(
            prefix: prefix,
            venue: { sink, metrics, logger in
                try await SFOXTestVenue.start(
                    sink: sink, metrics: metrics, logger: logger, connectorKey: connectorKey,
                    requestTimeout: requestTimeout)
            },
            venueUnavailable: venueUnavailable, venueWait: venueWait, resolveTimeout: resolveTimeout, limits: limits,
            maxMessageBytes: maxMessageBytes,
            redisPort: redisPort, dlqProducerProperties: dlqProducerProperties
        )
    }
}

struct FineryTestVenue: CommandTestVenue {
    static let apiSecret = "cmd-test-secret"
    static let id = VenueID.finery
    static let clientOrderIdFormat = FineryHouseRules.clientOrderIdFormat
    static let account = "finery-1"
    static let instrument = "BTC-USD"
    static let quantity = "0.01"

    let simulator: FinerySimulator
    let connector: FineryConnector

    static func start(sink: EventPublisher, metrics: TestMetrics, logger: Logger) async throws -> FineryTestVenue {
        let simulator = FinerySimulator(
            configuration: FinerySimulatorConfiguration(credentials: [apiKey: apiSecret]), logger: logger)
        let port = try await simulator.start()
        var configuration = FineryConnectorConfiguration(
            url: "ws://127.0.0.1:\(port)/ws", apiKey: apiKey, apiSecret: apiSecret, account: account,
            instruments: try InstrumentMap([("BTC-USD", "BTC-USD"), ("ETH-USD", "ETH-USD")])
        )
        configuration.link.reconnect.initialDelay = .milliseconds(50)
        let connector = FineryConnector(
            configuration: configuration, sink: sink, logger: logger, metricsFactory: metrics)
        return FineryTestVenue(simulator: simulator, connector: connector)
    }

    var commandVenue: CommandVenue {
        let connector = connector
        return CommandVenue(
            entry: connector, instruments: ["BTC-USD", "ETH-USD"], accounts: { [Self.account] },
            sessionState: { connector.control.state }
        )
    }

    var sessionState: VenueConnectionState { connector.control.state }
    func run() async throws { try await connector.supervisor().run() }
    func stopSimulator() async { await simulator.stop() }
}

struct T4TestVenue: CommandTestVenue {
    static let id = VenueID.t4
    static let clientOrderIdFormat = T4HouseRules.clientOrderIdFormat
    /// The simulator's account; the login lists it.
    static let account = "SIM-001"
    static let instrument = "ES-M25"
    static let quantity = "1"

    let simulator: T4Simulator
    let connector: T4Connector

    static func start(sink: EventPublisher, metrics: TestMetrics, logger: Logger) async throws -> T4TestVenue {
        var simulatorConfiguration = T4SimulatorConfiguration(apiKeys: [apiKey])
        simulatorConfiguration.updatesPerSecond = 0
        let simulator = T4Simulator(configuration: simulatorConfiguration, logger: logger)
        _ = try await simulator.start()
        let es = T4SimulatorConfiguration.Market.es
        var configuration = T4ConnectorConfiguration(
            url: simulator.url, credentials: .apiKey(apiKey),
            markets: [
                T4Market(
                    symbol: instrument, exchangeID: es.exchangeID, contractID: es.contractID, marketID: es.marketID)
            ])
        configuration.link.reconnect.initialDelay = .milliseconds(50)
        let connector = T4Connector(configuration: configuration, sink: sink, logger: logger, metricsFactory: metrics)
        return T4TestVenue(simulator: simulator, connector: connector)
    }

    var commandVenue: CommandVenue {
        let connector = connector
        return CommandVenue(
            entry: connector, instruments: [Self.instrument],
            // As the service wires it: the login names the accounts.
            accounts: { connector.accounts.isEmpty ? nil : Set(connector.accounts) },
            sessionState: { connector.control.state }
        )
    }

    var sessionState: VenueConnectionState { connector.control.state }
    func run() async throws { try await connector.supervisor().run() }
    func stopSimulator() async { await simulator.stop() }
}

struct FITestVenue: CommandTestVenue {
    static let id = VenueID.fi
    static let clientOrderIdFormat = FIHouseRules.clientOrderIdFormat
    /// FI has one account per login: the userid.
    static let account = "fi-trader"
    static let password = "fi-test-password"
    static let instrument = "BTC-USD"
    static let quantity = "0.01"

    let simulator: FISimulator
    let connector: FIConnector

    static func start(sink: EventPublisher, metrics: TestMetrics, logger: Logger) async throws -> FITestVenue {
        try await start(sink: sink, metrics: metrics, logger: logger, requestTimeout: .seconds(5))
    }

    static func start(sink: EventPublisher, metrics: TestMetrics, logger: Logger, requestTimeout: Duration)
        async throws -> FITestVenue
    {
        var simulatorConfiguration = FISimulatorConfiguration(users: [account: password])
        simulatorConfiguration.updatesPerSecond = 0
        let simulator = FISimulator(configuration: simulatorConfiguration, logger: logger)
        let port = try await simulator.start()
        var configuration = FIConnectorConfiguration(
            url: "ws://127.0.0.1:\(port)\(FISimulator.path)", userID: account, password: password,
            instruments: try InstrumentMap([("BTCUSD", "BTC-USD"), ("ETHUSD", "ETH-USD")]))
        configuration.link.reconnect.initialDelay = .milliseconds(50)
        configuration.link.requestTimeout = requestTimeout
        let connector = FIConnector(configuration: configuration, sink: sink, logger: logger, metricsFactory: metrics)
        return FITestVenue(simulator: simulator, connector: connector)
    }

    var commandVenue: CommandVenue {
        let connector = connector
        return CommandVenue(
            entry: connector, instruments: ["BTC-USD", "ETH-USD"], accounts: { [Self.account] },
            sessionState: { connector.control.state })
    }

    var sessionState: VenueConnectionState { connector.control.state }
    func run() async throws { try await connector.supervisor().run() }
    func stopSimulator() async { await simulator.stop() }
}

/// Fig: an RFQ venue, the bridge as taker. Takes the RFQ commands only; `instrument` is the
/// simulator's BTC option, quoted by its makers on demand (`quoteNow`).
struct FigTestVenue: CommandTestVenue {
    static let id = VenueID.fig
    static let clientOrderIdFormat = FigHouseRules.clientOrderIdFormat
    static let account = "fig-1"
    static let secret = "cmd-test-secret"
    static let instrument = FigSimulatorConfiguration.Instrument.btcCall.name
    static let quantity = "25"

    let simulator: FigSimulator
    let connector: FigConnector

    static func start(sink: EventPublisher, metrics: TestMetrics, logger: Logger) async throws -> FigTestVenue {
        try await start(sink: sink, metrics: metrics, logger: logger, requestTimeout: .seconds(5))
    }

    static func start(
        sink: EventPublisher, metrics: TestMetrics, logger: Logger, requestTimeout: Duration,
        tuneSimulator: (inout FigSimulatorConfiguration) -> Void = { _ in }
    ) async throws -> FigTestVenue {
        var simulatorConfiguration = FigSimulatorConfiguration(clients: [apiKey: secret])
        simulatorConfiguration.makerTicksPerSecond = 0
        tuneSimulator(&simulatorConfiguration)
        let simulator = FigSimulator(configuration: simulatorConfiguration, logger: logger)
        let port = try await simulator.start()
        var configuration = FigConnectorConfiguration(
            wsURL: "ws://127.0.0.1:\(port)\(FigSimulator.webSocketPath)", restURL: "http://127.0.0.1:\(port)",
            clientId: apiKey, clientSecret: secret, account: account,
            instruments: FigSimulatorConfiguration.Instrument.all.map {
                .init(
                    symbol: $0.name, instrumentId: $0.instrumentId, baseCurrency: $0.baseCurrency, quoteCurrency: "USD")
            })
        configuration.link.reconnect.initialDelay = .milliseconds(50)
        configuration.link.requestTimeout = requestTimeout
        configuration.loginRetryDelay = .milliseconds(200)
        let connector = FigConnector(configuration: configuration, sink: sink, logger: logger, metricsFactory: metrics)
        return FigTestVenue(simulator: simulator, connector: connector)
    }

    var commandVenue: CommandVenue {
        let connector = connector
        return CommandVenue(
            entry: connector, instruments: Set(FigSimulatorConfiguration.Instrument.all.map(\.name)),
            accounts: { [Self.account] }, sessionState: { connector.control.state })
    }

    var sessionState: VenueConnectionState { connector.control.state }
    func run() async throws { try await connector.run() }
    func stopSimulator() async { await simulator.stop() }
}
