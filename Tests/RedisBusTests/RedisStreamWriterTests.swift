import Foundation
import Logging
import MetricsTestKit
import RedisBus
import Testing

/// Port of the redis-server started by scripts/test.
let testRedisPort = ProcessInfo.processInfo.environment["VB_TEST_REDIS_PORT"].flatMap(Int.init)

@Suite(
    "RedisStreamWriter against a real redis-server",
    .enabled(if: testRedisPort != nil, "set VB_TEST_REDIS_PORT (scripts/test does)"))
struct RedisStreamWriterTests {
    let logger = Logger(label: "test.redis")
    var endpoint: RedisEndpoint { RedisEndpoint(port: testRedisPort!) }

    func uniqueKey(_ name: String) -> String { "test:\(name):\(UUID().uuidString)" }

    func waitUntil(_ condition: () throws -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while try !condition() {
            guard ContinuousClock.now < deadline else {
                Issue.record("timed out")
                return
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    @Test("stream entries are written in order and trimmed to about MAXLEN")
    func writesAndTrims() async throws {
        let writer = RedisStreamWriter(configuration: .init(endpoint: endpoint, batchSize: 64), logger: logger)
        let stream = uniqueKey("trim")
        for i in 0..<5_000 {
            writer.enqueue(.xadd(stream: stream, maxLength: 100, fields: [("n", Array(String(i).utf8))]))
        }
        let check = try RedisConnection(endpoint)
        try await waitUntil { writer.bufferedCount == 0 }
        await writer.close(drainTimeout: .seconds(5))
        guard case .integer(let length) = try check.command(["XLEN", stream]) else {
            Issue.record("XLEN")
            return
        }
        // "~" trims whole macro nodes: a little over MAXLEN, never the full 5000.
        #expect(length >= 100 && length < 1_000)
        guard case .array(let last) = try check.command(["XREVRANGE", stream, "+", "-", "COUNT", "1"]),
            case .array(let entry) = last.first, case .array(let fields) = entry[1]
        else {
            Issue.record("XREVRANGE")
            return
        }
        #expect(fields.map(\.string) == ["n", "4999"])
    }

    @Test("under overflow every command is accounted for: written + dropped = enqueued")
    func accounting() async throws {
        let metrics = TestMetrics()
        let writer = RedisStreamWriter(
            configuration: .init(endpoint: endpoint, bufferCapacity: 300, batchSize: 100), logger: logger,
            metricsFactory: metrics)
        let stream = uniqueKey("accounting")
        var droppedAtEnqueue = 0
        for i in 0..<20_000 {
            droppedAtEnqueue += writer.enqueue(
                .xadd(stream: stream, maxLength: 100_000, fields: [("n", Array(String(i).utf8))]))
        }
        try await waitUntil { writer.bufferedCount == 0 }
        await writer.close(drainTimeout: .seconds(5))
        let written = try metrics.expectCounter("vb_redis_commands_written_total").totalValue
        let dropped = try metrics.expectCounter("vb_redis_dropped_total").totalValue
        #expect(written + dropped == 20_000)
        #expect(dropped == droppedAtEnqueue)
        guard case .integer(let length) = try RedisConnection(endpoint).command(["XLEN", stream]) else {
            Issue.record("XLEN")
            return
        }
        #expect(Int64(length) == written)
    }

    @Test("a dropped connection is re-established and nothing is lost")
    func reconnects() async throws {
        let metrics = TestMetrics()
        let name = "writer-\(UInt32.random(in: 0...UInt32.max))"
        var writerEndpoint = endpoint
        writerEndpoint.clientName = name
        let writer = RedisStreamWriter(
            configuration: .init(endpoint: writerEndpoint, reconnectInitialDelay: .milliseconds(20)), logger: logger,
            metricsFactory: metrics)
        let stream = uniqueKey("reconnect")
        let admin = try RedisConnection(endpoint)
        for i in 0..<500 {
            writer.enqueue(.xadd(stream: stream, maxLength: 100_000, fields: [("n", Array(String(i).utf8))]))
        }
        try await waitUntil { writer.bufferedCount == 0 }
        // Kill exactly the writer's connection (other tests share this server).
        let clients = try admin.command(["CLIENT", "LIST"]).string ?? ""
        let line = try #require(clients.split(separator: "\n").first { $0.contains("name=\(name) ") })
        let id = try #require(line.split(separator: " ").first { $0.hasPrefix("id=") }?.dropFirst(3))
        #expect(try admin.command(["CLIENT", "KILL", "ID", String(id)]) == .integer(1))
        for i in 500..<1_000 {
            writer.enqueue(.xadd(stream: stream, maxLength: 100_000, fields: [("n", Array(String(i).utf8))]))
        }
        let check = try RedisConnection(endpoint)
        try await waitUntil { writer.bufferedCount == 0 }
        await writer.close(drainTimeout: .seconds(5))
        guard case .array(let entries) = try check.command(["XRANGE", stream, "-", "+"]) else {
            Issue.record("XRANGE")
            return
        }
        let numbers = Set(
            entries.compactMap { entry -> Int? in
                guard case .array(let parts) = entry, case .array(let fields) = parts[1] else { return nil }
                return fields[1].string.flatMap(Int.init)
            })
        #expect(numbers == Set(0..<1_000))
        #expect(try metrics.expectCounter("vb_redis_reconnects_total").totalValue >= 1)
    }

    @Test("Redis unreachable: enqueue never blocks, the oldest are dropped and counted")
    func unreachable() async throws {
        let metrics = TestMetrics()
        // Port 1 on loopback: connection refused.
        let writer = RedisStreamWriter(
            configuration: .init(endpoint: RedisEndpoint(port: 1), bufferCapacity: 100), logger: logger,
            metricsFactory: metrics)
        var dropped = 0
        for i in 0..<1_000 {
            dropped += writer.enqueue(.xadd(stream: "never", maxLength: 10, fields: [("n", Array(String(i).utf8))]))
        }
        #expect(dropped == 900)
        #expect(writer.bufferedCount == 100)
        #expect(!writer.isConnected)
        await writer.close(drainTimeout: .milliseconds(300))
        #expect(try metrics.expectCounter("vb_redis_dropped_total").totalValue == 1_000)
        // Backoff holds while draining too: a handful of attempts in 300 ms, not a busy loop.
        #expect(try metrics.expectCounter("vb_redis_errors_total").totalValue <= 5)
    }

    @Test("an error reply is counted and does not stop later writes")
    func errorReply() async throws {
        let metrics = TestMetrics()
        let writer = RedisStreamWriter(
            configuration: .init(endpoint: endpoint), logger: logger, metricsFactory: metrics)
        let key = uniqueKey("wrongtype")
        let check = try RedisConnection(endpoint)
        _ = try check.command(["SET", key, "plain"])
        writer.enqueue(.xadd(stream: key, maxLength: 10, fields: [("a", [1])]))
        writer.enqueue(.hset(key: key + ":h", fields: [("f", "v")]))
        try await waitUntil { writer.bufferedCount == 0 }
        await writer.close(drainTimeout: .seconds(2))
        #expect(try check.command(["HGET", key + ":h", "f"]) == .bulk(Array("v".utf8)))
        #expect(try metrics.expectCounter("vb_redis_errors_total").totalValue == 1)
    }
}
