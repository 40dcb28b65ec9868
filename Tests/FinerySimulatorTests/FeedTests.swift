import FinerySimulator
import FineryWire
import SimulatorTestSupport
import Testing
import VenueBridgeCore

@Suite("Finery simulator: feeds")
struct FeedTests {
    /// Binds B, applies `steps` random-walk steps, and replays every frame through a local book
    /// until the reply to a sentinel request (the venue answers in order, so every update of the
    /// steps is in front of it).
    func replayedBook(snapshotOnly: Bool, steps: Int) async throws {
        try await withSimulator({ $0.snapshotOnly = snapshotOnly }) { simulator async throws in
            let client = try await SimClient.ready(simulator)
            client.send(.bind(feed: "B", feedId: .name("BTC-USD")))
            var book = LocalBook()
            let snapshot = try await client.next()
            guard case .bookSnapshot(.name("BTC-USD"), let bids, let asks) = snapshot else {
                Issue.record("expected a B snapshot, got \(snapshot)")
                return
            }
            #expect(bids.count == FineryHouseRules.bookDepth && asks.count == FineryHouseRules.bookDepth)
            book.apply(snapshot)

            await simulator.step(steps)
            client.send(.request(reqId: 1, method: "del", content: .object(["orderId": .number("1")])))
            var updates = 0
            while true {
                let message = try await client.next()
                if case .replyError(1, _, _) = message { break }
                switch message {
                case .bookUpdate(.name("BTC-USD"), _, _): updates += 1
                case .bookSnapshot(.name("BTC-USD"), _, _):
                    #expect(snapshotOnly)
                    updates += 1
                default: Issue.record("unexpected frame \(message)")
                }
                book.apply(message)
            }
            #expect(updates > steps / 4, "about half of the steps change BTC-USD")
            let truth = await simulator.book("BTC-USD")
            #expect(book.problems.isEmpty, "\(book.problems.prefix(5))")
            #expect(book.bids == truth.bids)
            #expect(book.asks == truth.asks)
            #expect(
                checkInvariants(bids: truth.bids, asks: truth.asks, tick: 1_000_000, depth: FineryHouseRules.bookDepth)
                    .isEmpty)
            #expect(await simulator.stats().bookUpdatesSent == updates)
        }
    }

    @Test("B: snapshot, then M updates after step(); replaying them reproduces book()")
    func bookUpdatesReplay() async throws {
        try await replayedBook(snapshotOnly: false, steps: 400)
    }

    @Test("B in snapshot-only mode: every change is a full S that equals book()")
    func snapshotOnlyReplay() async throws {
        try await replayedBook(snapshotOnly: true, steps: 60)
    }

    @Test(
        "bind errors: unknown instrument 34, duplicate 100, unbind unknown 101, unknown feed 102, bad feedId 103; unbind → U"
    )
    func bindErrors() async throws {
        try await withSimulator { simulator async throws in
            let client = try await SimClient.ready(simulator)
            client.send(.bind(feed: "B", feedId: .name("DOGE-USD")))
            #expect(
                try await client.next() == .feedFailure(feed: "B", feedId: .name("DOGE-USD"), code: .instrumentNotFound)
            )
            client.send(.bind(feed: "B", feedId: .number(7)))
            #expect(try await client.next() == .feedFailure(feed: "B", feedId: .number(7), code: .invalidFeedId))
            client.send(.bind(feed: "Q", feedId: .number(0)))
            #expect(try await client.next() == .feedFailure(feed: "Q", feedId: .number(0), code: .invalidFeedName))
            client.sendRaw(#"{"event":"bind","feed":"O","feedId":true}"#)
            #expect(try await client.next() == .feedFailure(feed: "O", feedId: .number(0), code: .invalidFeedId))

            client.send(.bind(feed: "I", feedId: .number(0)))
            guard case .instruments(let currencies, let instruments) = try await client.next() else {
                Issue.record("expected the I snapshot")
                return
            }
            #expect(currencies == ["BTC", "USD", "ETH"])
            #expect(instruments.map(\.name) == ["BTC-USD", "ETH-USD"])
            client.send(.bind(feed: "I", feedId: .number(0)))
            #expect(try await client.next() == .feedFailure(feed: "I", feedId: .number(0), code: .bindingExists))
            client.send(.unbind(feed: "I", feedId: .number(0)))
            #expect(try await client.next() == .unsubscribed(feed: "I", feedId: .number(0)))
            client.send(.unbind(feed: "I", feedId: .number(0)))
            #expect(try await client.next() == .feedFailure(feed: "I", feedId: .number(0), code: .bindingNotFound))

            // Garbage never kills the socket.
            client.sendRaw("not json")
            client.sendRaw(#"{"event":"request","reqId":5,"method":7}"#)
            #expect(try await client.next() == .replyError(reqId: 5, code: .parameterInvalid, param: nil))
            #expect(try await client.request(6, "nope", .object([:])) == .error(.methodNotAvailable))
            #expect(await simulator.stats().malformedFramesIn == 3)
        }
    }

    @Test("sendMalformedFrame: every client gets a text frame that is not valid JSON")
    func malformedFrame() async throws {
        try await withSimulator { simulator async throws in
            let client = try await SimClient.ready(simulator)
            await simulator.sendMalformedFrame()
            let text = try #require(await client.nextText())
            #expect(throws: FineryDecodeError.self) { try FineryServerMessage.decode(text) }
        }
    }

    @Test("the same seed and the same steps give the same books")
    func deterministic() async {
        let configuration = FinerySimulatorConfiguration(credentials: [:], seed: 7)
        let a = FinerySimulator(configuration: configuration, logger: testLogger("a"))
        let b = FinerySimulator(configuration: configuration, logger: testLogger("b"))
        await a.step(500)
        await b.step(500)
        for name in ["BTC-USD", "ETH-USD"] {
            let bookA = await a.book(name)
            let bookB = await b.book(name)
            #expect(bookA.bids == bookB.bids && bookA.asks == bookB.asks)
        }
        var other = configuration
        other.seed = 8
        let c = FinerySimulator(configuration: other, logger: testLogger("c"))
        await c.step(500)
        #expect(await c.book("BTC-USD").bids != (await a.book("BTC-USD")).bids)
    }

    @Test("the random walk keeps the book valid over many steps")
    func invariants() async {
        let simulator = FinerySimulator(
            configuration: .init(credentials: [:], seed: 3, depth: 10), logger: testLogger("inv"))
        for _ in 0..<50 {
            await simulator.step(200)
            for (name, tick) in [("BTC-USD", UInt64(1_000_000)), ("ETH-USD", 1_000_000)] {
                let book = await simulator.book(name)
                let problems = checkInvariants(bids: book.bids, asks: book.asks, tick: tick, depth: 10)
                #expect(problems.isEmpty, "\(name): \(problems.prefix(3))")
                #expect(book.bids.count >= 1 && book.asks.count >= 1)
            }
        }
    }
}
