import BridgeTestSupport
import CommandPath
import EventBus
import Foundation
import Logging
import OrderCommands
import SFOXWire
import Synchronization
import Testing
import VenueBridgeCore
import VenueConnector

/// The consumer runs different `<venue>:<account>` keys concurrently and one key's commands in
/// order. A venue stub stands in for the connector here (the path around it is real: mock
/// cluster, redis-server, publisher): it holds one account's first order until the test lets it
/// go, which no simulator can do on cue.
@Suite("commands: concurrent across keys, in order within a key", .serialized)
struct CommandConcurrencyTests {
    @Test("a held order of one account holds only that account: the other's commands are answered meanwhile")
    func otherKeysGoOn() async throws {
        let harness = try await VenueCommandHarness<GatedTestVenue>(prefix: "cc1-\(UUID().uuidString.prefix(6))") {
            _, _, _ in GatedTestVenue()
        }
        let gate = harness.venue.entry
        try await harness.waitUntilReady()
        let held = harness.order("held", account: GatedTestVenue.slowAccount)
        let after = harness.order("after-held", account: GatedTestVenue.slowAccount)
        try await harness.send(held)
        try await harness.send(after)
        try await eventually("the slow account's first order reaches the venue") { gate.placed.count == 1 }
        var others: [OrderCommand] = []
        for i in 0..<5 {
            let command = harness.order("other-\(i)", account: GatedTestVenue.account)
            others.append(command)
            try await harness.send(command)
        }
        for command in others {
            let answers = try await harness.waitForAnswers(command.idempotencyKey)
            #expect(answers.map(\.status) == [.new])
        }
        // Still held: the slow account's second command has not reached the venue.
        #expect(harness.answers(held.idempotencyKey).isEmpty)
        #expect(!gate.placed.contains(after.idempotencyKey))
        gate.release()
        _ = try await harness.waitForAnswers(after.idempotencyKey)
        #expect(harness.answers(held.idempotencyKey).map(\.status) == [.new])
        // In order within the key: the venue saw held, then after-held.
        let slow = gate.placed.filter { $0 == held.idempotencyKey || $0 == after.idempotencyKey }
        #expect(slow == [held.idempotencyKey, after.idempotencyKey])
        await harness.stop()
    }

    @Test("one key's commands reach the venue in the order they were sent, many keys at once")
    func orderWithinEachKey() async throws {
        let harness = try await VenueCommandHarness<GatedTestVenue>(prefix: "cc2-\(UUID().uuidString.prefix(6))") {
            _, _, _ in GatedTestVenue(holding: false)
        }
        let gate = harness.venue.entry
        try await harness.waitUntilReady()
        var sent: [String: [String]] = [:]
        for i in 0..<40 {
            let account = GatedTestVenue.accounts[i % GatedTestVenue.accounts.count]
            let command = harness.order("seq-\(i)", account: account)
            sent[account, default: []].append(command.idempotencyKey)
            try await harness.send(command)
        }
        for keys in sent.values {
            for key in keys { _ = try await harness.waitForAnswers(key) }
        }
        for (account, keys) in sent {
            let seen = gate.placed.filter { Set(keys).contains($0) }
            #expect(seen == keys, "venue order for \(account)")
        }
        await harness.stop()
    }
}

/// Order entry that answers `new` at once, except the first order of `slowAccount`, which it
/// holds until `release()`.
final class GatedOrderEntry: OrderEntry {
    private let state = Mutex<(placed: [String], held: CheckedContinuation<Void, Never>?, open: Bool)>(([], nil, false))

    init(holding: Bool) { state.withLock { $0.open = !holding } }

    var venue: VenueID { .sfox }
    var clientOrderIdFormat: ClientOrderIdFormat { SFOXHouseRules.clientOrderIdFormat }
    var marketTimeInForce: TimeInForce { .ioc }

    /// Idempotency keys in the order `place` was entered.
    var placed: [String] { state.withLock { $0.placed } }

    func release() {
        let held = state.withLock { s in
            s.open = true
            defer { s.held = nil }
            return s.held
        }
        held?.resume()
    }

    func place(_ order: OrderRequest) async throws(OrderEntryError) -> ExecutionReport {
        let hold = state.withLock { s -> Bool in
            s.placed.append(order.idempotencyKey ?? order.clientOrderId)
            return !s.open && order.account == GatedTestVenue.slowAccount
        }
        if hold {
            await withCheckedContinuation { continuation in
                let resumeNow = state.withLock { s -> Bool in
                    if s.open { return true }
                    s.held = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        }
        return ExecutionReport(
            account: order.account, clientOrderId: order.clientOrderId, venueOrderId: "v-\(order.clientOrderId)",
            side: order.side, orderType: order.orderType, timeInForce: order.timeInForce, status: .new,
            price: order.price, quantity: order.quantity, cumQty: .zero, leavesQty: order.quantity)
    }

    func cancel(_ request: CancelRequest) async throws(OrderEntryError) -> ExecutionReport {
        throw .invalid("not in these tests")
    }

    func query(clientOrderId: String, account: String) async throws(OrderEntryError) -> ExecutionReport? { nil }
}

struct GatedTestVenue: CommandTestVenue {
    static let id = VenueID.sfox
    static let clientOrderIdFormat = SFOXHouseRules.clientOrderIdFormat
    static let account = "fast-1"
    static let slowAccount = "slow-1"
    static let accounts = [account, slowAccount, "fast-2", "fast-3"]
    static let instrument = "BTC-USD"
    static let quantity = "0.01"

    let entry: GatedOrderEntry

    init(holding: Bool = true) { entry = GatedOrderEntry(holding: holding) }

    var commandVenue: CommandVenue {
        CommandVenue(
            entry: entry, instruments: [Self.instrument], accounts: { Set(Self.accounts) },
            sessionState: { .ready })
    }

    var sessionState: VenueConnectionState { .ready }
    func run() async throws { try await Task.sleep(for: .seconds(3600)) }
    func stopSimulator() async {}
}

extension VenueCommandHarness where Venue == GatedTestVenue {
    func order(_ name: String, account: String) -> OrderCommand {
        OrderCommand(
            idempotencyKey: key(name), venue: Venue.id, account: account, instrument: Venue.instrument,
            .newOrder(
                NewOrder(
                    side: .buy, orderType: .limit, timeInForce: .gtc, quantity: ExactDecimal("0.01")!,
                    price: ExactDecimal("1000"))))
    }
}
