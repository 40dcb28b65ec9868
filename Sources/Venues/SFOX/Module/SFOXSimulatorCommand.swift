public import ArgumentParser
import Foundation
import Logging
import SFOXSimulator
import SimulatorKit

public struct SFOXSimulatorCommand: AsyncParsableCommand {
    public init() {}

    public static let configuration = CommandConfiguration(
        commandName: "sfox", abstract: "sFOX simulator (WebSocket on /ws, REST under /v1).")

    @Option(help: "Address to bind.") var host = "127.0.0.1"
    @Option(help: "Port to bind (0: the kernel picks).") var port = 9200
    @Option(
        name: .customLong("api-key"),
        help: "API key accepted for WebSocket authenticate and REST Bearer (env VB_SIM_SFOX_API_KEY).")
    var apiKey = ProcessInfo.processInfo.environment["VB_SIM_SFOX_API_KEY"] ?? "demo-key"
    @Option(help: "Comma-separated pairs (known: btcusd, ethusd).") var pairs = "btcusd,ethusd"
    @Option(help: "Seed of the random walk.") var seed: UInt64 = 42
    @Option(name: .customLong("updates-per-second"), help: "Book snapshots per second per pair.") var updatesPerSecond =
        10

    public func run() async throws {
        LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
        let logger = Logger(label: "venue-sim.sfox")
        var configuration = SFOXSimulatorConfiguration(apiKeys: [apiKey], host: host, port: port)
        configuration.pairs = try Self.pairs(pairs)
        configuration.seed = seed
        configuration.updatesPerSecond = updatesPerSecond

        let simulator = SFOXSimulator(configuration: configuration, logger: logger)
        let boundPort = try await simulator.start()
        await serveUntilTerminated(
            logger: logger,
            listening: "sfox simulator listening on ws://\(host):\(boundPort)/ws and http://\(host):\(boundPort)/v1",
            stop: { await simulator.stop() })
    }

    static func pairs(_ list: String) throws -> [SFOXSimulatorConfiguration.Pair] {
        let known = [SFOXSimulatorConfiguration.Pair.btcUsd, .ethUsd]
        var result: [SFOXSimulatorConfiguration.Pair] = []
        for name in list.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces).lowercased() })
        where !name.isEmpty {
            guard let pair = known.first(where: { $0.name == name }) else {
                throw ValidationError("unknown pair \(name) (known: \(known.map(\.name).joined(separator: ", ")))")
            }
            result.append(pair)
        }
        guard !result.isEmpty else { throw ValidationError("no pairs") }
        return result
    }
}
