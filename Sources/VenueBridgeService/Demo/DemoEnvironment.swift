import EventBus
import Foundation
public import KafkaBus
public import Logging

/// What `venue-bridge demo` runs against when no external Kafka/Redis is configured: librdkafka's
/// in-process mock cluster and a private `redis-server` on a free loopback port (if installed).
public final class DemoEnvironment: Sendable {
    public let kafka: KafkaMockCluster
    public let redisPort: Int?
    private let redisProcess: Process?

    public init(topicPrefix: String, partitions: Int = 3, logger: Logger) throws {
        kafka = try KafkaMockCluster()
        for topic in TopicNames(prefix: topicPrefix).all {
            try kafka.createTopic(topic, partitions: partitions)
        }
        if let redisServer = Self.findExecutable("redis-server") {
            let port = try FreePort.loopback()
            let process = Process()
            process.executableURL = URL(fileURLWithPath: redisServer)
            process.arguments = [
                "--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode",
                "yes",
            ]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            redisProcess = process
            redisPort = port
            Self.waitForPort(port, timeout: .seconds(5))
        } else {
            logger.warning("redis-server not found on PATH: the demo runs without Redis (apt-get install redis-server)")
            redisProcess = nil
            redisPort = nil
        }
    }

    /// Stops the private redis-server. SIGKILL: it holds nothing worth saving, and a SIGTERM may be
    /// blocked in processes we spawn.
    public func stop() {
        guard let redisProcess, redisProcess.isRunning else { return }
        kill(redisProcess.processIdentifier, SIGKILL)
        redisProcess.waitUntilExit()
    }

    deinit { stop() }

    static func findExecutable(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        let candidates = path.split(separator: ":").map { "\($0)/\(name)" } + ["/usr/sbin/\(name)", "/usr/bin/\(name)"]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static func waitForPort(_ port: Int, timeout: Duration) {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if FreePort.isListening(port) { return }
            Thread.sleep(forTimeInterval: 0.02)
        }
    }
}

/// Loopback TCP port helpers.
public enum FreePort {
    /// A port the kernel just handed out for 127.0.0.1 (free at the time of the call).
    public static func loopback() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EMFILE) }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                bind(fd, sa, length) == 0 && getsockname(fd, sa, &length) == 0
            }
        }
        guard bound else { throw POSIXError(.EADDRINUSE) }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    public static func isListening(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }
}
