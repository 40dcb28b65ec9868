import ArgumentParser
import EventBus
import Foundation
import KafkaBus
import SimulatorKit

/// `venue-bridge mock-kafka`: librdkafka's mock cluster in a process of its own, so that a
/// bridge killed with SIGKILL and started again finds the same topics, messages and committed
/// consumer-group offsets (scripts/crash-test). Real Kafka protocol on loopback; not for
/// production. Hidden from the help: a test tool.
///
/// SIGUSR1 takes every broker down (connections closed and refused, as in an outage) and SIGUSR2
/// brings them back, so that scripts/fault-test can cut Kafka off under a running bridge.
struct MockKafka: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mock-kafka",
        abstract: "Run librdkafka's in-process mock Kafka cluster until SIGTERM/SIGINT (tests).",
        shouldDisplay: false
    )

    @Option(help: "Number of mock brokers.")
    var brokers: Int = 1
    @Option(help: "Partitions of each topic created.")
    var partitions: Int = 3
    @Option(help: "Topic prefix: <prefix>.md.book … <prefix>.orders.command, <prefix>.orders.dlq are created.")
    var topicPrefix: String = "vb"
    @Option(help: "Also write the bootstrap address to this file (written once the topics exist).")
    var portFile: String?

    func validate() throws {
        guard (1...16).contains(brokers) else { throw ValidationError("--brokers must be 1…16") }
        guard (1...256).contains(partitions) else { throw ValidationError("--partitions must be 1…256") }
    }

    func run() async throws {
        let cluster = try KafkaMockCluster(brokers: brokers)
        let topics = TopicNames(prefix: topicPrefix).all
        for topic in topics {
            try cluster.createTopic(topic, partitions: partitions, replicationFactor: min(brokers, 3))
        }
        if let portFile {
            // Written whole and renamed into place: a reader polling for the file never sees half.
            let temporary = portFile + ".tmp"
            try Data((cluster.bootstrapServers + "\n").utf8).write(to: URL(fileURLWithPath: temporary))
            if FileManager.default.fileExists(atPath: portFile) { try FileManager.default.removeItem(atPath: portFile) }
            try FileManager.default.moveItem(atPath: temporary, toPath: portFile)
        }
        printLine(
            "mock Kafka bootstrap: \(cluster.bootstrapServers) (\(brokers) broker(s); \(topics.count) topics × \(partitions) partitions)"
        )
        let outages = brokerOutageControl(cluster: cluster, brokers: brokers)
        _ = await terminationSignal()
        outages.forEach { $0.cancel() }
        withExtendedLifetime(cluster) {}
    }
}

/// SIGUSR1: every broker down; SIGUSR2: every broker up. Each change is printed, with the wall
/// clock, so that a test can line it up with the events it sees.
private func brokerOutageControl(cluster: KafkaMockCluster, brokers: Int) -> [any DispatchSourceSignal] {
    [(SIGUSR1, false), (SIGUSR2, true)].map { number, up in
        signal(number, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
        source.setEventHandler {
            for id in 1...brokers { cluster.setBroker(Int32(id), up: up) }
            printLine("mock Kafka brokers \(up ? "up" : "down") at \(Date().timeIntervalSince1970)")
        }
        source.resume()
        return source
    }
}
