import Testing
import VenueBridgeCore
import VenueConnector

@Suite struct ReconnectPolicyTests {
    @Test func growsExponentiallyUpToTheCap() {
        var policy = ReconnectPolicy()
        policy.initialDelay = .milliseconds(100)
        policy.maxDelay = .seconds(2)
        policy.jitter = 0.5
        // unit 0 = no jitter reduction: the raw exponential figure.
        #expect(policy.delay(attempt: 1, unit: 0) == .milliseconds(100))
        #expect(policy.delay(attempt: 2, unit: 0) == .milliseconds(200))
        #expect(policy.delay(attempt: 4, unit: 0) == .milliseconds(800))
        #expect(policy.delay(attempt: 10, unit: 0) == .seconds(2))
        #expect(policy.delay(attempt: 10_000, unit: 0) == .seconds(2))
    }

    @Test func jitterStaysWithinItsBand() {
        var policy = ReconnectPolicy()
        policy.initialDelay = .seconds(1)
        policy.jitter = 0.5
        #expect(policy.delay(attempt: 1, unit: 0.999_999) > .milliseconds(499))
        #expect(policy.delay(attempt: 1, unit: 0.999_999) < .milliseconds(501))
        #expect(policy.delay(attempt: 1, unit: 0.5) == .milliseconds(750))
    }
}

@Suite struct SessionStateMachineTests {
    @Test func followsTheDocumentedPath() throws {
        var machine = VenueSessionStateMachine()
        #expect(try machine.transition(to: .connecting, reason: nil)?.state == .connecting)
        #expect(try machine.transition(to: .authenticating, reason: nil)?.reconnects == 0)
        #expect(try machine.transition(to: .ready, reason: nil)?.state == .ready)
        #expect(try machine.transition(to: .degraded, reason: "X 1")?.reason == "X 1")
        #expect(try machine.transition(to: .ready, reason: nil) != nil)
        #expect(try machine.transition(to: .ready, reason: nil) == nil, "no event when the state does not change")
        _ = try machine.transition(to: .disconnected, reason: "dead link")
        _ = try machine.transition(to: .connecting, reason: nil)
        #expect(try machine.transition(to: .authenticating, reason: nil)?.reconnects == 1)
    }

    @Test func refusesSkippingAuthentication() {
        var machine = VenueSessionStateMachine()
        #expect(throws: VenueSessionStateMachine.InvalidTransition.self) {
            try machine.transition(to: .ready, reason: nil)
        }
        #expect(!VenueSessionStateMachine.isAllowed(from: .connecting, to: .ready))
        #expect(!VenueSessionStateMachine.isAllowed(from: .disconnected, to: .disconnected))
    }
}

@Suite struct LocalOrderBookTests {
    func level(_ price: String, _ size: String) -> PriceLevel {
        PriceLevel(price: ExactDecimal(price)!, size: ExactDecimal(size)!)
    }

    @Test func keepsSidesSortedAndReportsChanges() {
        var book = LocalOrderBook(
            bids: [level("99", "1"), level("100", "2")], asks: [level("102", "1"), level("101", "3")])
        #expect(book.bestBid == level("100", "2"))
        #expect(book.bestAsk == level("101", "3"))
        #expect(book.set(.bid, price: ExactDecimal("99.5")!, size: 4) == level("99.5", "4"))
        #expect(book.bids.map(\.price) == [100, ExactDecimal("99.5")!, 99])
        #expect(book.set(.bid, price: 100, size: 2) == nil, "same size: no change")
        #expect(book.set(.ask, price: 101, size: .zero) == level("101", "0"))
        #expect(book.set(.ask, price: 105, size: .zero) == nil, "removing an absent level changes nothing")
        #expect(book.bestAsk == level("102", "1"))
    }

    @Test func truncateRemovesEverythingBetterThanTheNewTop() {
        var book = LocalOrderBook(bids: [level("100", "1"), level("99", "1"), level("98", "1")], asks: [])
        let changes = book.truncate(.bid, newTop: 99, size: 5)
        #expect(changes == [level("100", "0"), level("99", "5")])
        #expect(book.bids == [level("99", "5"), level("98", "1")])
        #expect(book.clear(.bid).count == 2)
        #expect(book.bids.isEmpty)
    }

    @Test func diffOfTwoSnapshots() {
        let old = LocalOrderBook(bids: [level("100", "1"), level("99", "1")], asks: [level("101", "1")])
        let new = LocalOrderBook(bids: [level("100", "2"), level("98", "1")], asks: [level("101", "1")])
        let changes = LocalOrderBook.changes(from: old, to: new)
        #expect(Set(changes.bids) == [level("100", "2"), level("98", "1"), level("99", "0")])
        #expect(changes.asks.isEmpty)
        var replayed = old
        for change in changes.bids { replayed.set(.bid, price: change.price, size: change.size) }
        #expect(replayed == new)
    }

    @Test func detectsACrossedBook() {
        let book = LocalOrderBook(bids: [level("101", "1")], asks: [level("101", "1")])
        #expect(book.isCrossed)
    }
}

@Suite struct RequestCorrelatorTests {
    @Test func matchesRepliesToRequests() async throws {
        let correlator = RequestCorrelator<String, String>()
        let first = try #require(correlator.register(context: "a", timeout: .seconds(5)))
        let second = try #require(correlator.register(context: "b", timeout: .seconds(5)))
        // A reply that arrives before anyone waits is kept.
        #expect(correlator.resolve(second, with: "reply-b") == "b")
        async let a = correlator.reply(to: first)
        try await Task.sleep(for: .milliseconds(20))
        #expect(correlator.resolve(first, with: "reply-a") == "a")
        #expect(try await a == "reply-a")
        #expect(try await correlator.reply(to: second) == "reply-b")
        #expect(correlator.resolve(first, with: "late") == nil, "a second reply is ignored")
        #expect(correlator.inFlight == 0)
    }

    @Test func expiresAndFailsAmbiguously() async throws {
        let correlator = RequestCorrelator<String, String>()
        let id = try #require(correlator.register(context: "slow", timeout: .milliseconds(10)))
        let reply = Task { try await correlator.reply(to: id) }
        try await Task.sleep(for: .milliseconds(50))
        #expect(correlator.expire() == ["slow"])
        await #expect(throws: RequestFailure.timeout(after: .milliseconds(10))) { try await reply.value }

        let lost = try #require(correlator.register(context: "lost", timeout: .seconds(5)))
        #expect(correlator.failAll(reason: "link down") == ["lost"])
        await #expect(throws: RequestFailure.disconnected(reason: "link down")) { try await correlator.reply(to: lost) }
    }

    @Test func isBounded() {
        let correlator = RequestCorrelator<String, Int>(capacity: 2)
        #expect(correlator.register(context: 1, timeout: .seconds(1)) != nil)
        #expect(correlator.register(context: 2, timeout: .seconds(1)) != nil)
        #expect(correlator.register(context: 3, timeout: .seconds(1)) == nil)
    }
}
