import BridgeTestSupport
import SFOXSimulator
import SFOXWire
import SimulatorTestSupport
import Testing
import VenueBridgeCore

@Suite("sFOX simulator: WebSocket")
struct WebSocketTests {
    let btc = SFOXFeed.orderBook(pair: "btcusd", net: false)

    @Test("sequence numbers run from 1 without gaps across control replies and data")
    func sequenceContiguous() async throws {
        try await withSimulator { simulator async throws in
            let client = WSClient.connect(simulator)
            client.send(.authenticate(apiKey: testKey, enterprise: false))
            client.send(
                .subscribe(feeds: [btc.name, "trades.sfox.btcusd", "private.user.open-orders", "private.user.balances"])
            )
            var sequences: [Int64] = []
            for _ in 0..<2 { sequences.append(try #require(try await client.control().sequence)) }
            await simulator.step(5)
            client.send(.unsubscribe(feeds: [btc.name]))
            var controls = 2
            var data = 0
            reading: while true {
                let message = try await client.next()
                sequences.append(try #require(message.sequence))
                switch message {
                case .control(let reply):
                    controls += 1
                    if reply.action == "unsubscribe" { break reading }
                case .data:
                    data += 1
                }
            }
            #expect(sequences == Array(1...Int64(sequences.count)))
            #expect(controls == 3)
            // The snapshot on subscribe, one per step, the open-orders and balances lists (and
            // whatever market trades the walk made).
            #expect(data >= 8)
        }
    }

    @Test("authenticate: an unknown key gets an error reply, a known key success")
    func authenticate() async throws {
        try await withSimulator { simulator async throws in
            let client = WSClient.connect(simulator)
            client.send(.authenticate(apiKey: "wrong", enterprise: false))
            let refused = try await client.control()
            #expect(!refused.success && refused.action == "authenticate" && refused.sequence == 1)
            client.sendRaw(#"{"type":"authenticate","apiKey":"test-key","enterprise":"true"}"#)
            let accepted = try await client.control()
            #expect(accepted.success && accepted.action == "authenticate" && accepted.sequence == 2)
        }
    }

    @Test("private feeds without authenticate are refused with 'authentication required'; public feeds need no auth")
    func privateNeedsAuth() async throws {
        try await withSimulator { simulator async throws in
            let client = WSClient.connect(simulator)
            client.send(.subscribe(feeds: ["private.user.open-orders", "private.user.trades"]))
            let refused = try await client.control()
            #expect(!refused.success && refused.action == "subscribe")
            #expect(refused.message == "authentication required")
            #expect(refused.feeds == ["private.user.open-orders", "private.user.trades"])
            try await client.subscribe([btc])
            guard case .orderBook = try await client.data(btc) else {
                Issue.record("snapshot expected")
                return
            }
        }
    }

    @Test("unknown pair and unknown feed: error replies; the valid feeds of the same request are subscribed")
    func unknownPair() async throws {
        try await withSimulator { simulator async throws in
            let client = WSClient.connect(simulator)
            client.send(.subscribe(feeds: ["orderbook.sfox.dogeusd"]))
            let refused = try await client.control()
            #expect(!refused.success && refused.feeds == ["orderbook.sfox.dogeusd"])
            client.send(.subscribe(feeds: ["nonsense", "ticker.sfox.ethusd"]))
            let unknown = try await client.control()
            #expect(!unknown.success && unknown.feeds == ["nonsense"])
            let accepted = try await client.control()
            #expect(accepted.success && accepted.feeds == ["ticker.sfox.ethusd"])
        }
    }

    @Test("subscribe: an immediate full snapshot, exact, sorted, on tick and lot, equal to book(pair:)")
    func snapshot() async throws {
        try await withSimulator { simulator async throws in
            let client = WSClient.connect(simulator)
            try await client.subscribe([btc])
            let text = try #require(await client.nextText())
            guard case .data(_, _, let timestamp, .orderBook(let book)) = try SFOXServerMessage.decode(text) else {
                Issue.record("not a book: \(text)")
                return
            }
            #expect(book == (await simulator.book(pair: "btcusd")))
            #expect(
                checkInvariants(book, pair: .btcUsd, depth: 20).isEmpty,
                "\(checkInvariants(book, pair: .btcUsd, depth: 20))")
            #expect(book.bids.count == 20 && book.asks.count == 20)
            #expect(book.pair == "btcusd")
            let envelopeTimestamp = try #require(timestamp)
            #expect(String(envelopeTimestamp).count == 19)
            let lastUpdated = try #require(book.lastUpdated)
            #expect(String(lastUpdated).count == 13)
            // Prices use all 8 decimals and go out as JSON numbers, exactly as held.
            #expect((book.bids + book.asks).contains { $0.price.fractionDigits == 8 })
            let best = try #require(book.bids.first)
            #expect(text.contains("[\(best.price),\(best.quantity),\"\(best.source)\"]"))
        }
    }

    @Test("step(): every step sends a new full snapshot equal to book(pair:)")
    func stepSnapshots() async throws {
        try await withSimulator { simulator async throws in
            let client = WSClient.connect(simulator)
            try await client.subscribe([btc])
            guard case .orderBook(let first) = try await client.data(btc) else {
                Issue.record("snapshot expected")
                return
            }
            var previous = first
            for _ in 0..<5 {
                await simulator.step()
                guard case .orderBook(let book) = try await client.data(btc) else {
                    Issue.record("snapshot expected")
                    return
                }
                #expect(book == (await simulator.book(pair: "btcusd")))
                #expect(book != previous)
                #expect(checkInvariants(book, pair: .btcUsd, depth: 20).isEmpty)
                previous = book
                let eth = try #require(await simulator.book(pair: "ethusd"))
                #expect(eth.bids.count == 20 && checkInvariants(eth, pair: .ethUsd, depth: 20).isEmpty)
            }
        }
    }

    @Test("the fee-adjusted book is a separate feed with bids below and asks above the raw book")
    func netBook() async throws {
        try await withSimulator { simulator async throws in
            let client = WSClient.connect(simulator)
            let net = SFOXFeed.orderBook(pair: "btcusd", net: true)
            try await client.subscribe([net])
            guard case .orderBook(let book) = try await client.data(net) else {
                Issue.record("snapshot expected")
                return
            }
            let raw = try #require(await simulator.book(pair: "btcusd"))
            #expect(checkInvariants(book, pair: .btcUsd, depth: 20).isEmpty)
            let netBid = try #require(book.bids.first?.price)
            let rawBid = try #require(raw.bids.first?.price)
            #expect(netBid < rawBid)
            let netAsk = try #require(book.asks.first?.price)
            let rawAsk = try #require(raw.asks.first?.price)
            #expect(netAsk > rawAsk)
        }
    }

    @Test("unsubscribe: success reply, then no more snapshots")
    func unsubscribe() async throws {
        try await withSimulator { simulator async throws in
            let client = try await WSClient.subscribed(simulator, to: btc)
            client.send(.unsubscribe(feeds: [btc.name]))
            let reply = try await client.control()
            #expect(reply.success && reply.action == "unsubscribe" && reply.feeds == [btc.name])
            await simulator.step(3)
            // A request after the steps: its reply must be the very next message.
            client.send(.authenticate(apiKey: "wrong", enterprise: false))
            let next = try await client.control()
            #expect(next.action == "authenticate")
        }
    }

    @Test("ticker: JSON numbers and an ISO timestamp every tickerInterval")
    func ticker() async throws {
        try await withSimulator({ $0.tickerInterval = .milliseconds(100) }) { simulator async throws in
            let client = WSClient.connect(simulator)
            let feed = SFOXFeed.ticker(pair: "ethusd")
            try await client.subscribe([feed])
            let text = try #require(await client.nextText())
            guard case .data(_, feed, _, .ticker(let ticker)) = try SFOXServerMessage.decode(text) else {
                Issue.record("ticker: \(text)")
                return
            }
            #expect(ticker.pair == "ethusd")
            #expect(
                ticker.last != nil && ticker.open != nil && ticker.high != nil && ticker.low != nil
                    && ticker.volume != nil && ticker.vwap != nil)
            #expect(text.contains("\"last\":") && !text.contains("\"last\":\""))
            #expect(ticker.timestamp?.hasSuffix("Z") == true && ticker.timestamp?.count == 24)
            guard case .ticker = try await client.data(feed) else {
                Issue.record("a second ticker")
                return
            }
        }
    }

    @Test("skipSequenceNumber: exactly one gap of one")
    func skipSequence() async throws {
        try await withSimulator { simulator async throws in
            let client = try await WSClient.subscribed(simulator, to: btc)
            await simulator.step()
            await simulator.skipSequenceNumber()
            await simulator.step(3)
            var sequences: [Int64] = []
            for _ in 0..<4 { sequences.append(try #require(try await client.next().sequence)) }
            #expect(sequences == [3, 5, 6, 7])
        }
    }

    @Test(
        "malformed frames: the simulator can send one; a malformed request gets an error reply and the socket stays open"
    )
    func malformed() async throws {
        try await withSimulator { simulator async throws in
            let client = try await WSClient.subscribed(simulator, to: btc)
            await simulator.sendMalformedFrame()
            let text = try #require(await client.nextText())
            #expect(throws: SFOXDecodeError.self) { try SFOXServerMessage.decode(text) }

            client.sendRaw("{not json")
            let invalid = try await client.control()
            #expect(!invalid.success && invalid.sequence == 3)
            client.sendRaw(#"{"type":"dance"}"#)
            let unknown = try await client.control()
            #expect(!unknown.success && unknown.action == "dance")
            await simulator.step()
            guard case .orderBook = try await client.data(btc) else {
                Issue.record("still subscribed")
                return
            }
            #expect(simulator.stats.malformedFramesIn == 2)
        }
    }

    @Test("dropConnections closes every socket")
    func dropConnections() async throws {
        try await withSimulator { simulator async throws in
            let a = WSClient.connect(simulator)
            let b = WSClient.connect(simulator)
            try await a.subscribe([btc])
            try await b.subscribe([btc])
            #expect(await simulator.connectionCount() == 2)
            await simulator.dropConnections()
            #expect(await a.waitClosed(timeout: liveWait) != nil)
            #expect(await b.waitClosed(timeout: liveWait) != nil)
            #expect(await simulator.connectionCount() == 0)
        }
    }

    @Test("more requests per minute than allowed: error replies while blocked")
    func requestRateLimit() async throws {
        try await withSimulator({ $0.webSocketRequestsPerMinute = 3 }) { simulator async throws in
            let client = WSClient.connect(simulator)
            for _ in 0..<3 {
                client.send(.subscribe(feeds: ["ticker.sfox.btcusd"]))
                #expect(try await client.control().success)
            }
            client.send(.subscribe(feeds: ["ticker.sfox.btcusd"]))
            let refused = try await client.control()
            #expect(!refused.success && refused.action == "subscribe" && refused.message == "rate limit exceeded")
            client.send(.authenticate(apiKey: testKey, enterprise: false))
            let stillRefused = try await client.control()
            #expect(!stillRefused.success && stillRefused.message == "rate limit exceeded")
        }
    }

    @Test("a client that does not read is disconnected when its queue is full")
    func slowReader() async throws {
        try await withSimulator({ $0.maxOutboundQueue = 8 }) { simulator async throws in
            let port = try #require(
                Int(simulator.webSocketURL.split(separator: ":").last?.split(separator: "/").first ?? ""))
            let channel = try await connectNonReading(
                port: port, request: SFOXClientMessage.subscribe(feeds: [btc.name]).encoded())
            defer { channel.close(promise: nil) }
            var steps = 0
            while simulator.stats.slowClientDisconnects == 0, steps < 20_000 {
                await simulator.step(100)
                steps += 100
            }
            #expect(simulator.stats.slowClientDisconnects == 1)
            #expect(await simulator.connectionCount() == 0)
        }
    }

    @Test("setUpdatesPerSecond: the background walk publishes snapshots until set back to 0")
    func firehose() async throws {
        try await withSimulator { simulator async throws in
            let client = try await WSClient.subscribed(simulator, to: btc)
            await simulator.setUpdatesPerSecond(200)
            for _ in 0..<10 {
                guard case .orderBook(let book) = try await client.data(btc) else {
                    Issue.record("snapshot expected")
                    return
                }
                #expect(checkInvariants(book, pair: .btcUsd, depth: 20).isEmpty)
            }
            await simulator.setUpdatesPerSecond(0)
        }
    }

    @Test("at most webSocketConnectionsPerIP sockets per address")
    func connectionLimit() async throws {
        try await withSimulator({ $0.webSocketConnectionsPerIP = 2 }) { simulator async throws in
            let a = WSClient.connect(simulator)
            let b = WSClient.connect(simulator)
            try await a.subscribe([btc])
            try await b.subscribe([btc])
            let c = WSClient.connect(simulator)
            #expect(await c.waitClosed(timeout: liveWait) != nil)
            #expect(await simulator.connectionCount() == 2)
            #expect(simulator.stats.upgradesRefused == 1)
        }
    }

    @Test("the same seed gives the same books, step for step; another seed does not")
    func seeded() async throws {
        func books(seed: UInt64, steps: Int) async -> [[SFOXLevel]] {
            var configuration = SFOXSimulatorConfiguration(apiKeys: [testKey])
            configuration.seed = seed
            let simulator = SFOXSimulator(configuration: configuration, logger: testLogger("test.seed"))
            await simulator.step(steps)
            var result: [[SFOXLevel]] = []
            for pair in ["btcusd", "ethusd"] {
                let book = await simulator.book(pair: pair)
                result.append(book?.bids ?? [])
                result.append(book?.asks ?? [])
            }
            return result
        }
        let first = await books(seed: 7, steps: 3)
        #expect(first.allSatisfy { $0.count == 20 })
        #expect(await books(seed: 7, steps: 3) == first)
        #expect(await books(seed: 8, steps: 3) != first)
    }
}
