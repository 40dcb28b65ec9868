import BridgeTestSupport
import EventBus
import Logging
import MetricsTestKit
import OrderCommands
import Synchronization
import Testing
import VenueBridgeCore
import VenueConnector

@testable import CommandPath

/// Capabilities as protocols: the command path asks a venue's entry for the capability a command
/// needs and answers `UNSUPPORTED` from one place (`CommandValidation.missingCapability`).
@Suite("command capabilities")
struct CommandCapabilityTests {
    static func facts(_ capabilities: Set<CommandCapability>) -> CommandVenueFacts {
        CommandVenueFacts(
            instruments: ["BTC-USD"], accounts: ["main"], sessionState: .ready, capabilities: capabilities,
            terms: OrderTerms())
    }

    static func command(_ type: CommandType) -> OrderCommand {
        OrderCommand.of(type, key: "k1", venue: .fig, account: "main", instrument: "BTC-USD")
    }

    @Test("each command type needs its capability; a venue without it is UNSUPPORTED, whatever else is wrong")
    func everyTypeAgainstEveryCapabilitySet() {
        let sets: [Set<CommandCapability>] = [[], [.orderEntry], [.orderEntry, .replace], [.rfqEntry]]
        for type in CommandType.allCases {
            for capabilities in sets {
                let venue = Self.facts(capabilities)
                let error = CommandValidation.missingCapability(type, of: .fig, venue)
                let has = capabilities.contains(CommandCapability(type))
                #expect((error == nil) == has, "\(type) with \(capabilities)")
                if let error { #expect(error.code == .unsupported) }
                // It comes before the instrument check: an unknown instrument does not hide it.
                var plan = CommandPlan(Self.command(type), placed: nil, terms: OrderTerms())
                plan.address.instrument = "NOPE"
                let first = CommandValidation.firstError(
                    of: plan, venue: venue, configuration: CommandPathConfiguration(instanceID: "me"), nowNanos: 0)
                if !has { #expect(first?.code == .unsupported, "\(type) with \(capabilities)") }
                if has { #expect(first?.code == .unknownInstrument, "\(type) with \(capabilities)") }
            }
        }
    }

    @Test("a venue the bridge does not run: RFQ commands UNSUPPORTED, order commands UNKNOWN_VENUE")
    func unknownVenue() {
        for type in CommandType.allCases {
            let plan = CommandPlan(Self.command(type), placed: nil, terms: .unknownVenue)
            let code = CommandValidation.firstError(
                of: plan, venue: nil, configuration: CommandPathConfiguration(instanceID: "me"), nowNanos: 0)?.code
            let isRFQ = CommandCapability(type) == .rfqEntry
            #expect(code == (isRFQ ? .unsupported : .unknownVenue), "\(type)")
        }
    }

    @Test("the venue's capabilities are the protocols its entry conforms to")
    func capabilitiesFromConformance() {
        let rfq = CommandVenue(
            entry: RecordingRFQEntry(), instruments: [], accounts: { nil }, sessionState: { .ready })
        #expect(rfq.capabilities == [.rfqEntry])
        #expect(rfq.terms.marketTimeInForce == nil)
        #expect(rfq.terms.clientOrderIds == RecordingRFQEntry.format)
    }

    @Test("the plan derives client ids in the venue's format and market orders take its time in force")
    func termsShapeThePlan() {
        var command = Self.command(.newOrder)
        command.changeOrder {
            $0.orderType = .market
            $0.price = nil
        }
        let int64 = CommandPlan(
            command, placed: nil, terms: OrderTerms(clientOrderIds: .positiveInt64, marketTimeInForce: .gtc))
        #expect(Int64(int64.clientOrderId ?? "") != nil)
        #expect(int64.timeInForce == .gtc)
        let short = CommandPlan(command, placed: nil, terms: OrderTerms(clientOrderIds: RecordingRFQEntry.format))
        #expect(short.clientOrderId?.utf8.count == 32)
        #expect(short.timeInForce == .ioc)
    }
}

/// RFQ commands end to end through the command consumer (Kafka mock cluster, real Redis) to a
/// venue whose entry has only the RFQ capability. The entry records what it is asked; it stands
/// in for an RFQ venue's connector until one exists (Fig, issue 16).
@Suite("RFQ commands through the command path", .serialized, .enabled(if: testRedisPort != nil))
struct RFQCommandPathTests {
    @Test(
        "create, cancel and accept reach the RFQ entry once each; a replay is answered, not resent; orders are UNSUPPORTED"
    )
    func rfqCommands() async throws {
        let harness = try await VenueCommandHarness(prefix: "rfq1", venue: RFQTestVenue.start)
        try await harness.waitUntilReady()
        let entry = harness.venue.entry
        func command(_ type: CommandType, _ name: String) -> OrderCommand {
            OrderCommand.of(
                type, key: harness.key(name), venue: .fig, account: RFQTestVenue.account,
                instrument: RFQTestVenue.instrument, quantity: 2, rfqId: "rfq-7", quoteId: "quote-9")
        }
        let create = command(.createRFQ, "create")
        try await harness.send(create)
        try await harness.send(create)
        try await harness.send(command(.cancelRFQ, "cancel"))
        try await harness.send(command(.acceptQuote, "accept"))
        var order = command(.newOrder, "order")
        order.changeOrder {
            $0.orderType = .limit
            $0.price = 100
        }
        try await harness.send(order)

        let created = try await harness.waitForAnswers(create.idempotencyKey, count: 2)
        #expect(created.map(\.status) == [.new, .new])
        #expect(created.allSatisfy { $0.venueOrderId == "rfq-1" })
        let expectedId = ClientOrderIds.derive(
            RecordingRFQEntry.format, venue: .fig, idempotencyKey: create.idempotencyKey)
        #expect(created.first?.clientOrderId == expectedId)
        #expect(try await harness.waitForAnswers(harness.key("cancel")).first?.status == .canceled)
        #expect(try await harness.waitForAnswers(harness.key("accept")).first?.status == .filled)
        let refused = try #require(try await harness.waitForAnswers(harness.key("order")).first)
        #expect(refused.status == .rejected)
        #expect(refused.rejectCode == "UNSUPPORTED")

        let calls = entry.calls
        #expect(calls.filter { $0.hasPrefix("create ") } == ["create \(expectedId)"])
        #expect(calls.contains("cancel rfq-7"))
        #expect(calls.contains("accept quote-9"))
        await harness.stop()
    }
}

/// An RFQ-only entry that records its calls and answers at once.
final class RecordingRFQEntry: RFQEntry {
    static let format = ClientOrderIdFormat.text(maxLength: 32, alphabet: .lettersDigitsDashUnderscore)
    let venue = VenueID.fig
    var clientOrderIdFormat: ClientOrderIdFormat { Self.format }
    private let recorded = Mutex<[String]>([])
    var calls: [String] { recorded.withLock { $0 } }

    func createRFQ(_ request: RFQRequest) async throws(OrderEntryError) -> ExecutionReport {
        recorded.withLock { $0.append("create \(request.clientRFQId)") }
        return ExecutionReport(
            account: request.account, clientOrderId: request.clientRFQId, venueOrderId: "rfq-1",
            side: request.side ?? .buy, orderType: .limit, status: .new, quantity: request.quantity, cumQty: 0)
    }

    func cancelRFQ(rfqId: String, account: String, instrument: String) async throws(OrderEntryError)
        -> ExecutionReport
    {
        recorded.withLock { $0.append("cancel \(rfqId)") }
        return ExecutionReport(
            account: account, clientOrderId: rfqId, venueOrderId: rfqId, side: .buy, orderType: .limit,
            status: .canceled, cumQty: 0)
    }

    func acceptQuote(_ request: AcceptQuoteRequest) async throws(OrderEntryError) -> ExecutionReport {
        recorded.withLock { $0.append("accept \(request.quoteId)") }
        return ExecutionReport(
            account: request.account, clientOrderId: request.clientOrderId, venueOrderId: request.quoteId,
            side: .buy, orderType: .limit, status: .filled, cumQty: 2, leavesQty: 0)
    }

    func query(clientOrderId: String, account: String) async throws(OrderEntryError) -> ExecutionReport? { nil }
}

struct RFQTestVenue: CommandTestVenue {
    static let id = VenueID.fig
    static let clientOrderIdFormat = RecordingRFQEntry.format
    static let account = "main"
    static let instrument = "BTC-USD"
    static let quantity = "2"

    let entry = RecordingRFQEntry()

    static func start(sink: EventPublisher, metrics: TestMetrics, logger: Logger) async throws -> RFQTestVenue {
        RFQTestVenue()
    }

    var commandVenue: CommandVenue {
        CommandVenue(
            entry: entry, instruments: [Self.instrument], accounts: { [Self.account] }, sessionState: { .ready })
    }

    var sessionState: VenueConnectionState { .ready }
    func run() async throws {
        while !Task.isCancelled { try await Task.sleep(for: .seconds(1)) }
    }
    func stopSimulator() async {}
}
