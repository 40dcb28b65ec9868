import OrderCommands
import Testing
import VenueBridgeCore

@testable import CommandPath

/// The pure pieces beside the state machine: which queried state answers a command, and the
/// checks of docs/commands.md §4.5 in their documented order. No Redis, Kafka or venue.
@Suite("command plan and checks")
struct CommandPlanTests {
    static let venue = CommandVenueFacts(
        instruments: ["BTC-USD"], accounts: ["main"], sessionState: .ready, capabilities: [.orderEntry],
        terms: OrderTerms(marketTimeInForce: .gtc))

    static func plan(
        _ type: CommandType = .newOrder, quantity: ExactDecimal? = 1, price: ExactDecimal? = 100,
        target: OrderTarget? = nil
    ) -> CommandPlan {
        let payload: OrderCommand.Payload =
            switch (type, target) {
            case (.cancelOrder, let target?): .cancelOrder(CancelOrder(target: target))
            case (.replaceOrder, let target?):
                .replaceOrder(ReplaceOrder(target: target, quantity: quantity, price: price))
            case (.createRFQ, _): .createRFQ(CreateRFQ(side: .buy, quantity: quantity ?? 1))
            case (.newOrder, _):
                .newOrder(NewOrder(side: .buy, orderType: .limit, quantity: quantity ?? 1, price: price))
            default:
                // Not a shape the tests use: fail loudly rather than test something else.
                preconditionFailure("no sample plan for \(type) with target \(String(describing: target))")
            }
        let command = OrderCommand(
            idempotencyKey: "k1", venue: .sfox, account: "main", instrument: "BTC-USD", payload)
        return CommandPlan(command, placed: nil, terms: OrderTerms(marketTimeInForce: .gtc))
    }

    @Test(
        "a queried state answers a new order always, a cancel when terminal or pending cancel, a replace when terminal or at its new values"
    )
    func answeredBy() {
        let cancel = Self.plan(.cancelOrder, quantity: nil, price: nil, target: .idempotencyKey("k0"))
        let replace = Self.plan(.replaceOrder, quantity: 2, price: nil, target: .idempotencyKey("k0"))
        for status in OrderStatus.allCases {
            let report = ExecutionReport(
                account: "main", clientOrderId: "c", side: .buy, orderType: .limit, status: status, quantity: 1,
                cumQty: .zero)
            var moved = report
            moved.quantity = 2
            #expect(Self.plan().isAnswered(by: report))
            #expect(cancel.isAnswered(by: report) == (status.isTerminal || status == .pendingCancel), "\(status)")
            #expect(replace.isAnswered(by: report) == status.isTerminal, "\(status)")
            #expect(replace.isAnswered(by: moved), "\(status)")
        }
    }

    @Test(
        "the checks in their documented order: the first failure is the answer",
        arguments: [
            (Self.plan(), nil),
            (Self.plan(.createRFQ), CommandError.Code.unsupported),
            (Self.plan(quantity: 0), .invalidQuantity),
            (Self.plan(price: -1), .invalidPrice),
            (Self.plan(price: nil), .invalidPrice),
            (Self.plan(.replaceOrder, target: .idempotencyKey("k0")), .unsupported),
            (Self.plan(quantity: 6), .limitExceeded),
            (Self.plan(quantity: 0, price: -1), .invalidQuantity),
        ] as [(CommandPlan, CommandError.Code?)])
    func checks(_ plan: CommandPlan, _ expected: CommandError.Code?) {
        var configuration = CommandPathConfiguration(instanceID: "me")
        configuration.limits = [InstrumentLimit(venue: .sfox, instrument: "BTC-USD", maxQuantity: 5)]
        #expect(
            CommandValidation.firstError(of: plan, venue: Self.venue, configuration: configuration, nowNanos: 0)?.code
                == expected)
    }

    @Test("venue facts: unknown venue, instrument, unlisted or unknown account; expiry comes first")
    func venueFacts() {
        let configuration = CommandPathConfiguration(instanceID: "me")
        func code(_ venue: CommandVenueFacts?, plan: CommandPlan = Self.plan(), now: Int64 = 0) -> CommandError.Code? {
            CommandValidation.firstError(of: plan, venue: venue, configuration: configuration, nowNanos: now)?.code
        }
        var unlisted = Self.venue
        unlisted.accounts = nil
        var otherAccount = Self.venue
        otherAccount.accounts = ["other"]
        var otherInstrument = Self.venue
        otherInstrument.instruments = ["ETH-USD"]
        #expect(code(nil) == .unknownVenue)
        #expect(code(otherInstrument) == .unknownInstrument)
        #expect(code(unlisted) == .venueUnavailable)
        #expect(code(otherAccount) == .unknownAccount)
        var expiring = Self.plan()
        expiring.address.expiresAt = 10
        #expect(code(nil, plan: expiring, now: 10) == .expired)
        #expect(code(Self.venue, plan: expiring, now: 9) == nil)
    }
}
