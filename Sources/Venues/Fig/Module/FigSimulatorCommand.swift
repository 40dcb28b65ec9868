public import ArgumentParser
import FigSimulator
import Foundation
import Logging
import SimulatorKit

/// `venue-sim fig`.
public struct FigSimulatorCommand: AsyncParsableCommand {
    public init() {}

    public static let configuration = CommandConfiguration(
        commandName: "fig", abstract: "Fig Markets simulator (REST under /v1, JSON-RPC WebSocket on /ws/v1).")

    @Option(help: "Address to bind.") var host = "127.0.0.1"
    @Option(help: "Port to bind (0: the kernel picks).") var port = 9500
    @Option(help: "Client id accepted by /v1/auth (env VB_SIM_FIG_CLIENT_ID).")
    var clientId = ProcessInfo.processInfo.environment["VB_SIM_FIG_CLIENT_ID"] ?? "demo"
    @Option(help: "That client's secret (env VB_SIM_FIG_CLIENT_SECRET).")
    var clientSecret = ProcessInfo.processInfo.environment["VB_SIM_FIG_CLIENT_SECRET"] ?? "demo-secret"
    @Option(
        help:
            "Makers quote on their own when not 0 (each open RFQ moves at most every 200 ms, so rates above 5 change nothing); 0: makers quote only on request."
    )
    var makerTicksPerSecond = 5

    public func run() async throws {
        LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
        let logger = Logger(label: "venue-sim.fig")
        var configuration = FigSimulatorConfiguration(clients: [clientId: clientSecret], host: host, port: port)
        configuration.makerTicksPerSecond = makerTicksPerSecond
        let simulator = FigSimulator(configuration: configuration, logger: logger)
        let boundPort = try await simulator.start()
        await serveUntilTerminated(
            logger: logger,
            listening: "fig simulator listening on http://\(host):\(boundPort)/v1 and ws://\(host):\(boundPort)/ws/v1",
            stop: { await simulator.stop() })
    }
}
