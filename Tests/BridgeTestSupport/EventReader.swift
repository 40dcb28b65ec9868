import Foundation
import KafkaBus
import Logging
import Synchronization
public import VenueBridgeCore
public import VenueConnector

// Shared by the end-to-end suites: poll-until-true and a Kafka reader that keeps every event a
// downstream consumer would see.

public let testRedisPort = ProcessInfo.processInfo.environment["VB_TEST_REDIS_PORT"].flatMap(Int.init)

public struct Timeout: Error, CustomStringConvertible {
    public var what: String
    public var description: String { "timed out waiting for \(what)" }
}

/// Polls `condition` until it holds or `timeout` passes.
public func eventually(_ what: String, timeout: Duration = .seconds(20), _ condition: () async throws -> Bool)
    async throws
{
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(50))
    }
    throw Timeout(what: what)
}

/// How long a test waits for something that must happen (a frame, a close, a reply). Long on
/// purpose: only a failing test waits it out, and a CI machine busy with a build can stall a
/// healthy simulator for seconds (issue 13, item 14). Waits for something that must *not* happen
/// keep their own short windows.
public let liveWait: Duration = .seconds(30)

/// Reads bridge topics from the beginning and keeps every decoded event, in topic order.
final class EventLog: Sendable {
    let events = Mutex<[NormalizedEvent]>([])
}

public final class EventReader: Sendable {
    private let log = EventLog()
    private let task: Task<Void, any Error>

    public init(bootstrap: String, topics: [String]) throws {
        let consumer = try KafkaConsumer(
            configuration: .init(
                properties: ["bootstrap.servers": bootstrap, "group.id": "test-reader-\(UUID().uuidString)"],
                topics: topics),
            logger: Logger(label: "test.reader")
        )
        let log = self.log
        task = Task {
            while !Task.isCancelled {
                guard let message = try await consumer.poll(timeout: .milliseconds(100)) else { continue }
                let event = try EventCodec.decode(message.value)
                log.events.withLock { $0.append(event) }
            }
            await consumer.close()
        }
    }

    public var all: [NormalizedEvent] { log.events.withLock { $0 } }

    public func stop() async {
        task.cancel()
        _ = await task.result
    }

    public func reports(clientOrderId: String) -> [ExecutionReport] {
        all.compactMap { event in
            if case .executionReport(let report) = event.payload, report.clientOrderId == clientOrderId {
                return report
            }
            return nil
        }
    }

    public var statuses: [VenueStatus] {
        all.compactMap { event in
            if case .venueStatus(let status) = event.payload { return status }
            return nil
        }
    }

    /// The book a consumer rebuilds: the last snapshot, then every later delta.
    public func rebuiltBook(_ symbol: String) -> LocalOrderBook? {
        var book: LocalOrderBook?
        for event in all where event.instrument == symbol {
            switch event.payload {
            case .bookSnapshot(let levels): book = LocalOrderBook(bids: levels.bids, asks: levels.asks)
            case .bookDelta(let levels):
                for level in levels.bids { book?.set(.bid, price: level.price, size: level.size) }
                for level in levels.asks { book?.set(.ask, price: level.price, size: level.size) }
            default: break
            }
        }
        return book
    }

    public func snapshotCount(_ symbol: String) -> Int {
        all.filter { $0.instrument == symbol && $0.type == .bookSnapshot }.count
    }
}
