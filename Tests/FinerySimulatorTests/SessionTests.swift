import BridgeTestSupport
import FinerySimulator
import FineryWire
import HummingbirdWSClient
import SimulatorTestSupport
import Testing
import VenueBridgeCore

@Suite("Finery simulator: sessions")
struct SessionTests {
    func restingBid(_ simulator: FinerySimulator, _ client: SimClient, reqId: Int64, id: Int64, cod: Bool) async throws
    {
        let price = try #require(await simulator.book("BTC-USD").bids.last?.price) - 100_000_000
        let reply = try await client.request(
            reqId, "add", addContent(id: id, price: price, size: 1_000_000, side: .bid, type: .limit, cod: cod))
        #expect(reply.body != nil)
    }

    @Test("cancel-on-disconnect: dropConnections cancels the socket's cod orders; the next O snapshot is empty")
    func cancelOnDrop() async throws {
        try await withSimulator { simulator async throws in
            let client = try await SimClient.ready(simulator)
            try await restingBid(simulator, client, reqId: 1, id: 41, cod: true)
            #expect(await simulator.activeOrders().count == 1)

            await simulator.dropConnections()
            #expect(await client.waitClosed(timeout: liveWait) != nil)
            #expect(await simulator.activeOrders().isEmpty)

            let again = try await SimClient.ready(simulator)
            again.send(.bind(feed: "O", feedId: .number(0)))
            #expect(try await again.next() == .orders(action: .snapshot, feedId: .number(0), orders: []))
            #expect(await simulator.acceptedOrderCount(clientOrderId: 41) == 1)
        }
    }

    @Test(
        "cancel-on-disconnect applies to the closing socket's cod orders only; the key's other sockets see - with reason 4"
    )
    func cancelOnClose() async throws {
        try await withSimulator { simulator async throws in
            let watcher = try await SimClient.ready(simulator)
            watcher.send(.bind(feed: "O", feedId: .number(0)))
            _ = try await watcher.next()
            let trader = try await SimClient.ready(simulator)
            try await restingBid(simulator, trader, reqId: 1, id: 51, cod: true)
            try await restingBid(simulator, trader, reqId: 2, id: 52, cod: false)
            try await restingBid(simulator, watcher, reqId: 3, id: 53, cod: true)

            trader.close()
            let cancelled = try await watcher.expect("- with reason 4") { message -> FineryOrder? in
                if case .orders(.removed, _, let orders) = message, orders.first?.cancelReason == 4 {
                    return orders.first
                }
                return nil
            }
            #expect(cancelled.clientOrderId == 51)
            #expect(await simulator.activeOrders().map(\.clientOrderId) == [52, 53])
        }
    }

    @Test("backend status: X broadcast, requests and binds fail with 2, bindings are dropped, X 0 restores")
    func backendStatus() async throws {
        try await withSimulator { simulator async throws in
            let client = try await SimClient.ready(simulator)
            client.send(.bind(feed: "B", feedId: .name("BTC-USD")))
            _ = try await client.next()

            await simulator.setBackendStatus(5)
            #expect(try await client.next() == .status(code: 5))
            #expect(try await client.request(1, "delAll", .object([:])) == .error(.notConnected))
            client.send(.bind(feed: "K", feedId: .number(0)))
            #expect(try await client.next() == .feedFailure(feed: "K", feedId: .number(0), code: .notConnected))
            await simulator.step(20)
            let late = await SimClient.connect(simulator)
            #expect(try await late.next() == .status(code: 5))

            await simulator.setBackendStatus(0)
            #expect(try await client.next() == .status(code: 0), "no B update while the binding was dropped")
            client.send(.bind(feed: "B", feedId: .name("BTC-USD")))
            guard case .bookSnapshot = try await client.next() else {
                Issue.record("rebind gives a snapshot")
                return
            }
            #expect(try await client.request(2, "delAll", .object([:])) == .body(.object(["removed": .number("0")])))
        }
    }

    @Test("idle timeout closes a silent socket; pings alone keep a socket open")
    func idleTimeout() async throws {
        // Four pings per idle period. The client's auto-ping also closes the socket itself when a
        // pong is later than one period, so the period must stay well above scheduling delays on a
        // CI machine busy with a build (100 ms was not, nor was 500 ms): both are derived from it.
        let pingPeriod = Duration.seconds(2)
        let idle = pingPeriod * 4
        try await withSimulator({ $0.idleTimeout = idle }) { simulator async throws in
            let silent = try await SimClient.ready(simulator)
            let pinging = await SimClient.connect(simulator, autoPing: .enabled(timePeriod: pingPeriod))
            #expect(try await pinging.next() == .status(code: 0))

            #expect(await silent.waitClosed(timeout: idle + liveWait) != nil)
            #expect(await simulator.stats().idleDisconnects == 1)
            // Longer than an idle period after the silent one went: only pings kept this one open.
            try await Task.sleep(for: idle + .milliseconds(500))
            #expect(
                await pinging.waitClosed(timeout: .milliseconds(10)) == nil, "the pinging client is still connected")
            #expect(await simulator.connectionCount() == 1)
        }
    }

    @Test("a client that falls maxOutboundQueue frames behind is disconnected and counted")
    func slowClient() async throws {
        try await withSimulator({
            $0.maxOutboundQueue = 8
            $0.snapshotOnly = true
        }) { simulator async throws in
            let client = try await SimClient.ready(simulator)
            client.send(.bind(feed: "B", feedId: .name("BTC-USD")))
            client.send(.bind(feed: "B", feedId: .name("ETH-USD")))
            _ = try await client.next()
            _ = try await client.next()
            // One actor turn queues far more than 8 frames before the writer can drain them.
            await simulator.step(2_000)
            #expect(await client.waitClosed(timeout: liveWait) != nil)
            #expect(await simulator.stats().slowClientDisconnects == 1)
            #expect(await simulator.connectionCount() == 0)
        }
    }

    @Test("background random walk at updatesPerSecond, stopped with setUpdatesPerSecond(0)")
    func firehose() async throws {
        try await withSimulator({ $0.updatesPerSecond = 2_000 }) { simulator async throws in
            let client = try await SimClient.ready(simulator)
            client.send(.bind(feed: "B", feedId: .name("BTC-USD")))
            _ = try await client.next()
            // Behaviour, not rate (rates are benchmarks): updates flow on their own, and stop when asked.
            let deadline = ContinuousClock.now + .seconds(10)
            while await simulator.stats().bookUpdatesSent <= 10, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(await simulator.stats().bookUpdatesSent > 10, "background updates flow")
            await simulator.setUpdatesPerSecond(0)
            try await Task.sleep(for: .milliseconds(300))
            let sent = await simulator.stats().bookUpdatesSent
            try await Task.sleep(for: .milliseconds(300))
            #expect(await simulator.stats().bookUpdatesSent == sent)
        }
    }
}
