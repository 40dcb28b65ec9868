public import ArgumentParser
import FinerySimulator
import Foundation
import Logging
import SimulatorKit

/// `venue-sim finery`.
public struct FinerySimulatorCommand: AsyncParsableCommand {
    public init() {}

    public static let configuration = CommandConfiguration(
        commandName: "finery", abstract: "Finery Markets simulator (WebSocket on /ws).")

    @Option(help: "Address to bind.") var host = "127.0.0.1"
    @Option(help: "Port to bind (0: the kernel picks).") var port = 9100
    @Option(name: .customLong("api-key"), help: "API key accepted by the simulator (env VB_SIM_FINERY_API_KEY).")
    var apiKey = ProcessInfo.processInfo.environment["VB_SIM_FINERY_API_KEY"] ?? "demo-key"
    @Option(help: "Secret of that key (env VB_SIM_FINERY_SECRET).")
    var secret = ProcessInfo.processInfo.environment["VB_SIM_FINERY_SECRET"] ?? "demo-secret"
    @Option(help: "Comma-separated instruments (known: BTC-USD, ETH-USD; others get mid 100).") var instruments =
        "BTC-USD,ETH-USD"
    @Option(help: "Seed of the random walk.") var seed: UInt64 = 42
    @Option(name: .customLong("updates-per-second"), help: "Background book changes per second.") var updatesPerSecond =
        20
    @Flag(name: .customLong("snapshot-only"), help: "Send full B snapshots instead of M updates.") var snapshotOnly =
        false
    @Option(name: .customLong("idle-timeout-seconds"), help: "Close sockets silent for this long.")
    var idleTimeoutSeconds = 80

    public func run() async throws {
        LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
        let logger = Logger(label: "venue-sim.finery")
        var configuration = FinerySimulatorConfiguration(credentials: [apiKey: secret], host: host, port: port)
        configuration.instruments = try Self.instruments(instruments)
        configuration.seed = seed
        configuration.updatesPerSecond = updatesPerSecond
        configuration.snapshotOnly = snapshotOnly
        configuration.idleTimeout = .seconds(idleTimeoutSeconds)

        let simulator = FinerySimulator(configuration: configuration, logger: logger)
        let boundPort = try await simulator.start()
        await serveUntilTerminated(
            logger: logger, listening: "finery simulator listening on ws://\(host):\(boundPort)/ws",
            stop: { await simulator.stop() })
    }

    static func instruments(_ list: String) throws -> [FinerySimulatorConfiguration.Instrument] {
        let known = [FinerySimulatorConfiguration.Instrument.btcUsd, .ethUsd]
        var result: [FinerySimulatorConfiguration.Instrument] = []
        for name in list.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !name.isEmpty {
            if let instrument = known.first(where: { $0.name == name }) {
                result.append(instrument)
                continue
            }
            let parts = name.split(separator: "-").map(String.init)
            guard parts.count == 2 else { throw ValidationError("instrument \(name) is not ASSET-BALANCE") }
            result.append(
                .init(
                    name: name, id: Int64(result.count + 100), assetCurrency: parts[0], balanceCurrency: parts[1],
                    midPrice: 10_000_000_000))
        }
        guard !result.isEmpty else { throw ValidationError("no instruments") }
        return result
    }
}
