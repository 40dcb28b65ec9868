public import ArgumentParser
import Foundation
import Logging
import SimulatorKit
import T4Simulator

public struct T4SimulatorCommand: AsyncParsableCommand {
    public init() {}

    public static let configuration = CommandConfiguration(
        commandName: "t4", abstract: "Plus500 Futures (T4) simulator (protobuf WebSocket on /v1).")

    @Option(help: "Address to bind.") var host = "127.0.0.1"
    @Option(help: "Port to bind (0: the kernel picks).") var port = 9300
    @Option(name: .customLong("api-key"), help: "API key accepted by login_request (env VB_SIM_T4_API_KEY).")
    var apiKey = ProcessInfo.processInfo.environment["VB_SIM_T4_API_KEY"] ?? "demo-key"
    @Option(help: "Seed of the random walk.") var seed: UInt64 = 42
    @Option(name: .customLong("updates-per-second"), help: "Background book changes per second over all markets.")
    var updatesPerSecond = 10

    public func run() async throws {
        LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
        let logger = Logger(label: "venue-sim.t4")
        var configuration = T4SimulatorConfiguration(apiKeys: [apiKey], host: host, port: port)
        configuration.seed = seed
        configuration.updatesPerSecond = updatesPerSecond

        let simulator = T4Simulator(configuration: configuration, logger: logger)
        let boundPort = try await simulator.start()
        await serveUntilTerminated(
            logger: logger, listening: "t4 simulator listening on ws://\(host):\(boundPort)/v1",
            stop: { await simulator.stop() })
    }
}
