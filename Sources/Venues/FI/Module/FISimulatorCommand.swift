public import ArgumentParser
import FISimulator
import Foundation
import Logging
import SimulatorKit

/// `venue-sim fi`.
public struct FISimulatorCommand: AsyncParsableCommand {
    public init() {}

    public static let configuration = CommandConfiguration(
        commandName: "fi", abstract: "Fundamental Interactions simulator (JSON WebSocket on /ws).")

    @Option(help: "Address to bind.") var host = "127.0.0.1"
    @Option(help: "Port to bind (0: the kernel picks).") var port = 9400
    @Option(help: "User id accepted by login (env VB_SIM_FI_USERID).")
    var userid = ProcessInfo.processInfo.environment["VB_SIM_FI_USERID"] ?? "demo"
    @Option(help: "That user's password (env VB_SIM_FI_PASSWORD).")
    var password = ProcessInfo.processInfo.environment["VB_SIM_FI_PASSWORD"] ?? "demo-password"
    @Option(help: "Seed of the random walk.") var seed: UInt64 = 42
    @Option(name: .customLong("updates-per-second"), help: "Book changes per second over all securities.")
    var updatesPerSecond = 10

    public func run() async throws {
        LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
        let logger = Logger(label: "venue-sim.fi")
        var configuration = FISimulatorConfiguration(users: [userid: password], host: host, port: port)
        configuration.seed = seed
        configuration.updatesPerSecond = updatesPerSecond
        let simulator = FISimulator(configuration: configuration, logger: logger)
        let boundPort = try await simulator.start()
        await serveUntilTerminated(
            logger: logger, listening: "fi simulator listening on ws://\(host):\(boundPort)/ws",
            stop: { await simulator.stop() })
    }
}
