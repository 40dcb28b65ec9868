import EventBus
import FineryConnector
import FinerySimulator
import FineryWire
import Foundation
import KafkaBus
import Logging
import Synchronization
import VenueBridgeCore
import VenueConnector

extension VenueBench {
    /// Decode one `["B",…,"M",…]` frame and apply it to the local book, producing the events the
    /// connector publishes. Frames change one bid and one ask level of a 25-level book, the
    /// common case on a live venue.
    func fineryDecodeNormalizeNanoseconds(iterations: Int = 200_000) -> Double {
        let instruments = try! InstrumentMap(identity: ["BTC-USD"])
        var keeper = FineryBookKeeper(instruments: instruments, publishTicker: true)
        let tick: UInt64 = 1_000_000
        let bids = (0..<25).map { FineryLevel(price: 6_000_000_000_000 - UInt64($0) * tick, size: 100_000_000) }
        let asks = (0..<25).map { FineryLevel(price: 6_000_100_000_000 + UInt64($0) * tick, size: 100_000_000) }
        _ = try! keeper.snapshot(venueInstrument: "BTC-USD", bids: bids, asks: asks, tsRecv: 0)
        let frames: [String] = (0..<1_000).map { i in
            let level = UInt64(i % 25)
            let size = Int64(100_000_000 + i + 1)
            return FineryServerMessage.bookUpdate(
                feedId: .name("BTC-USD"),
                bids: [FineryBookUpdate(.modify, price: bids[Int(level)].price, size: size)],
                asks: [FineryBookUpdate(.modify, price: asks[Int((level + 7) % 25)].price, size: size)]
            ).encoded()
        }
        var events = 0
        let start = ContinuousClock.now
        for i in 0..<iterations {
            guard case .bookUpdate(_, let b, let a) = try! FineryServerMessage.decode(frames[i % frames.count]) else {
                fatalError("not an update")
            }
            events &+= try! keeper.update(venueInstrument: "BTC-USD", bids: b, asks: a, tsRecv: Int64(i)).count
        }
        let elapsed = ContinuousClock.now - start
        precondition(events >= iterations)
        return elapsed.seconds * 1e9 / Double(iterations)
    }

    struct FineryEndToEnd {
        var framesPerSecond: Double
        var offeredPerSecond: Double
    }

    /// The simulator in firehose mode, the real connector, the real publisher, Kafka mock cluster.
    /// Counts `book_delta` events accepted by the publisher (one per venue frame).
    func fineryEndToEnd(properties: KafkaProperties, logger: Logger) async throws -> FineryEndToEnd {
        let simulator = FinerySimulator(configuration: .init(credentials: ["bench": "bench-secret"]), logger: logger)
        let port = try await simulator.start()
        let producer = try KafkaProducer(configuration: .init(properties: properties), logger: logger)
        let publisher = EventPublisher(
            configuration: .init(routing: EventRouting(topics: TopicNames(prefix: "bench"))), kafka: producer,
            redis: nil, logger: logger)
        let sink = CountingSink(inner: publisher)
        let connector = FineryConnector(
            configuration: .init(
                url: "ws://127.0.0.1:\(port)/ws", apiKey: "bench", apiSecret: "bench-secret",
                instruments: try InstrumentMap(identity: ["BTC-USD", "ETH-USD"])),
            sink: sink, logger: logger
        )
        let supervisor = connector.supervisor()
        let running = Task { try await supervisor.run() }
        let draining = Task { await publisher.run() }
        while connector.control.state != .ready { try await Task.sleep(for: .milliseconds(20)) }
        try await Task.sleep(for: .milliseconds(500))

        await simulator.setUpdatesPerSecond(fineryRate)
        try await Task.sleep(for: .seconds(1))  // warm-up
        let startCount = sink.bookDeltas
        let startOffered = await simulator.stats().bookUpdatesSent
        let start = ContinuousClock.now
        try await Task.sleep(for: .seconds(fineryDuration))
        let elapsed = (ContinuousClock.now - start).seconds
        let frames = Double(sink.bookDeltas - startCount) / elapsed
        let offered = Double(await simulator.stats().bookUpdatesSent - startOffered) / elapsed
        await simulator.setUpdatesPerSecond(0)

        running.cancel()
        _ = await running.result
        await publisher.stop(timeout: .seconds(5))
        draining.cancel()
        _ = await producer.flush(timeout: .seconds(10))
        producer.close(flushTimeout: .zero)
        await simulator.stop()
        return FineryEndToEnd(framesPerSecond: frames, offeredPerSecond: offered)
    }
}

/// Passes events on, counting book deltas.
final class CountingSink: EventSink {
    let inner: any EventSink
    private let count = Atomic<Int>(0)

    init(inner: any EventSink) { self.inner = inner }

    var bookDeltas: Int { count.load(ordering: .relaxed) }

    func publish(_ event: NormalizedEvent) async throws(PublishError) {
        try await inner.publish(event)
        if event.type == .bookDelta { count.add(1, ordering: .relaxed) }
    }
}
