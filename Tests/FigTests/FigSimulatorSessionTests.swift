import BridgeTestSupport
import FigConnector
import FigSimulator
import FigWire
import Foundation
import Logging
import Testing
import VenueBridgeCore
import VenueConnector

/// The real Fig connector over real REST and WebSocket against the simulator, as taker: RFQs,
/// quotes, trades, and the ways a create or an accept can get lost.
@Suite("Fig connector against the simulator", .serialized)
struct FigSimulatorSessionTests {
    static let client = "fig-client"
    static let secret = "fig-secret"

    final class Rig: Sendable {
        let simulator: FigSimulator
        let sink = RecordingEventSink()
        let connector: FigConnector
        let running: Task<Void, any Error>
        let port: Int

        init(
            secret: String = FigSimulatorSessionTests.secret,
            tuneSimulator: (inout FigSimulatorConfiguration) -> Void = { _ in },
            tune: (inout FigConnectorConfiguration) -> Void = { _ in }
        ) async throws {
            var simulatorConfiguration = FigSimulatorConfiguration(clients: [
                FigSimulatorSessionTests.client: FigSimulatorSessionTests.secret
            ])
            simulatorConfiguration.makerTicksPerSecond = 0
            tuneSimulator(&simulatorConfiguration)
            simulator = FigSimulator(configuration: simulatorConfiguration, logger: Logger(label: "test.fig.sim"))
            let port = try await simulator.start()
            self.port = port
            var configuration = FigConnectorConfiguration(
                wsURL: "ws://127.0.0.1:\(port)\(FigSimulator.webSocketPath)", restURL: "http://127.0.0.1:\(port)",
                clientId: FigSimulatorSessionTests.client, clientSecret: secret, account: "fig-1",
                instruments: [
                    .init(symbol: "BTC-26SEP25-116000-C", instrumentId: 6451, baseCurrency: "BTC", quoteCurrency: "USD")
                ])
            configuration.link.connectTimeout = .seconds(2)
            configuration.link.requestTimeout = .seconds(1)
            configuration.link.reconnect.initialDelay = .milliseconds(50)
            configuration.loginRetryDelay = .milliseconds(200)
            tune(&configuration)
            connector = FigConnector(configuration: configuration, sink: sink, logger: Logger(label: "test.fig"))
            let supervisor = connector.supervisor()
            running = Task { try await supervisor.run() }
        }

        func stop() async {
            running.cancel()
            _ = await running.result
            await connector.shutdown()
            await simulator.stop()
        }

        func rfqEvents(_ id: Int64) -> [RFQ] {
            sink.all.compactMap { if case .rfq(let rfq) = $0.payload, rfq.rfqId == "\(id)" { rfq } else { nil } }
        }

        func quoteEvents(_ id: Int64) -> [Quote] {
            sink.all.compactMap {
                if case .quote(let quote) = $0.payload, quote.quoteId == "\(id)" { quote } else { nil }
            }
        }

        /// Every event the connector published, as contract samples for scripts/validate-contract.py
        /// (run by scripts/test with VB_CONTRACT_SAMPLES_DIR set): the schema check sees what the
        /// real connector writes, not a hand-made copy of it.
        func writeContractSamples() throws {
            guard let path = ProcessInfo.processInfo.environment["VB_CONTRACT_SAMPLES_DIR"] else { return }
            let dir = URL(fileURLWithPath: path)
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            for (n, recorded) in sink.all.enumerated() {
                // The publisher numbers what it publishes; the recording sink stands in for it.
                var event = recorded
                event.seq = UInt64(n + 1)
                let name = "\(event.type.rawValue)-fig-\(n).json"
                try Data(EventCodec.encode(event)).write(to: dir.appendingPathComponent(name))
            }
        }

        func reports(_ clientOrderId: String) -> [ExecutionReport] {
            sink.all.compactMap {
                if case .executionReport(let report) = $0.payload, report.clientOrderId == clientOrderId {
                    report
                } else {
                    nil
                }
            }
        }
    }

    static func create(_ label: String, side: Side? = .buy) -> RFQRequest {
        RFQRequest(account: "fig-1", instrument: "BTC-26SEP25-116000-C", clientRFQId: label, side: side, quantity: 25)
    }

    @Test(
        "create → rfq event; a maker quotes → quote event; accept → fills once, then the RFQ traded; nothing after the fill"
    )
    func createQuoteAccept() async throws {
        let rig = try await Rig()
        try await eventually("ready") { rig.connector.control.state == .ready }
        let created = try await rig.connector.createRFQ(Self.create("vb-create-1"))
        let rfqId = try #require(created.venueOrderId.flatMap(Int64.init))
        #expect(created.status == .new && created.clientOrderId == "vb-create-1")
        try await eventually("the rfq event") { rig.rfqEvents(rfqId).first?.status == .open }
        let quoteId = try #require(await rig.simulator.quoteNow(rfqId: rfqId))
        try await eventually("the quote event") { rig.quoteEvents(quoteId).first?.status == .active }
        let accepted = try await rig.connector.acceptQuote(
            AcceptQuoteRequest(
                account: "fig-1", instrument: "BTC-26SEP25-116000-C", quoteId: "\(quoteId)",
                clientOrderId: "vb-accept-1"))
        #expect(accepted.status == .filled && accepted.cumQty == 25 && accepted.venueOrderId == "\(rfqId)")
        try await eventually("the RFQ traded") { rig.rfqEvents(rfqId).last?.status == .traded }
        let fills = rig.reports("vb-accept-1").filter { $0.fillId != nil }
        #expect(fills.count == 1 && fills.first?.status == .filled && fills.first?.lastQty == 25)
        #expect(fills.first?.side == .sell, "a maker's buy quote lets the taker sell")
        try await eventually("the traded quote accepted") { rig.quoteEvents(quoteId).last?.status == .accepted }
        try rig.writeContractSamples()
        await rig.stop()
    }

    @Test("cancel_rfq: canceled, the rfq event says so; cancelling again is the venue's refusal")
    func cancel() async throws {
        let rig = try await Rig()
        try await eventually("ready") { rig.connector.control.state == .ready }
        let created = try await rig.connector.createRFQ(Self.create("vb-cancel-1"))
        let rfqId = try #require(created.venueOrderId)
        let canceled = try await rig.connector.cancelRFQ(
            rfqId: rfqId, account: "fig-1", instrument: "BTC-26SEP25-116000-C")
        #expect(canceled.status == .canceled && canceled.clientOrderId == "vb-cancel-1")
        try await eventually("canceled on the stream") { rig.rfqEvents(Int64(rfqId)!).last?.status == .canceled }
        let again = try await rig.connector.cancelRFQ(
            rfqId: rfqId, account: "fig-1", instrument: "BTC-26SEP25-116000-C")
        #expect(again.status == .rejected && again.rejectCode == "400" && again.reason?.contains("cancelled") == true)
        await rig.stop()
    }

    @Test("an RFQ expires: the rfq event says expired and its quotes are withdrawn")
    func expiry() async throws {
        let rig = try await Rig()
        try await eventually("ready") { rig.connector.control.state == .ready }
        let rfqId = try #require(
            try await rig.connector.createRFQ(Self.create("vb-expire-1")).venueOrderId.flatMap(Int64.init))
        let quoteId = try #require(await rig.simulator.quoteNow(rfqId: rfqId))
        await rig.simulator.expire(rfqId: rfqId)
        try await eventually("expired") { rig.rfqEvents(rfqId).last?.status == .expired }
        try await eventually("quote withdrawn") { rig.quoteEvents(quoteId).last?.status == .canceled }
        await rig.stop()
    }

    @Test("a lost create answer: ambiguous, then found by its label; the venue got one create")
    func lostCreate() async throws {
        let rig = try await Rig()
        try await eventually("ready") { rig.connector.control.state == .ready }
        await rig.simulator.dropReplies(1)
        await #expect(throws: OrderEntryError.self) { try await rig.connector.createRFQ(Self.create("vb-lost-1")) }
        let found = try #require(try await rig.connector.query(clientOrderId: "vb-lost-1", account: "fig-1"))
        #expect(found.status == .new && found.venueOrderId != nil)
        #expect(await rig.simulator.requestCounts["vb-lost-1"] == 1)
        #expect(try await rig.connector.query(clientOrderId: "vb-never-sent", account: "fig-1") == nil)
        await rig.stop()
    }

    @Test("a lost accept answer: resolved by reading the RFQ (its trades are there), fills reported once")
    func lostAccept() async throws {
        let rig = try await Rig()
        try await eventually("ready") { rig.connector.control.state == .ready }
        let rfqId = try #require(
            try await rig.connector.createRFQ(Self.create("vb-la-1")).venueOrderId.flatMap(Int64.init))
        let quoteId = try #require(await rig.simulator.quoteNow(rfqId: rfqId))
        try await eventually("the quote event") { !rig.quoteEvents(quoteId).isEmpty }
        await rig.simulator.dropReplies(1)
        let accept = AcceptQuoteRequest(
            account: "fig-1", instrument: "BTC-26SEP25-116000-C", quoteId: "\(quoteId)", clientOrderId: "vb-la-accept")
        await #expect(throws: OrderEntryError.self) { try await rig.connector.acceptQuote(accept) }
        let resolved = try #require(try await rig.connector.query(clientOrderId: "vb-la-accept", account: "fig-1"))
        #expect(resolved.status == .filled && resolved.cumQty == 25)
        #expect(await rig.simulator.requestCounts["trade:\(quoteId)"] == 1)
        try await eventually("the RFQ push") { rig.rfqEvents(rfqId).last?.status == .traded }
        #expect(rig.reports("vb-la-accept").filter { $0.fillId != nil }.count == 1, "the push and the query: one fill")
        await rig.stop()
    }

    @Test(
        "a bridge that restarted resolves lost RFQ commands from what they name: the accept by its rfq_id, the cancel by its RFQ"
    )
    func resolveAfterRestart() async throws {
        let rig = try await Rig()
        try await eventually("ready") { rig.connector.control.state == .ready }
        let traded = try #require(
            try await rig.connector.createRFQ(Self.create("vb-rr-1")).venueOrderId.flatMap(Int64.init))
        let quoteId = try #require(await rig.simulator.quoteNow(rfqId: traded))
        try await eventually("the quote event") { !rig.quoteEvents(quoteId).isEmpty }
        await rig.simulator.dropReplies(1)
        let accept = AcceptQuoteRequest(
            account: "fig-1", instrument: "BTC-26SEP25-116000-C", quoteId: "\(quoteId)", clientOrderId: "vb-rr-accept")
        await #expect(throws: OrderEntryError.self) { try await rig.connector.acceptQuote(accept) }
        let canceled = try #require(
            try await rig.connector.createRFQ(Self.create("vb-rr-2")).venueOrderId.flatMap(Int64.init))
        _ = try await rig.connector.cancelRFQ(
            rfqId: "\(canceled)", account: "fig-1", instrument: "BTC-26SEP25-116000-C")

        // A second connector with an empty memory: the restarted bridge.
        let fresh = FigConnector(
            configuration: FigConnectorConfiguration(
                wsURL: "ws://127.0.0.1:\(rig.port)\(FigSimulator.webSocketPath)",
                restURL: "http://127.0.0.1:\(rig.port)",
                clientId: Self.client, clientSecret: Self.secret, account: "fig-1",
                instruments: [
                    .init(symbol: "BTC-26SEP25-116000-C", instrumentId: 6451, baseCurrency: "BTC", quoteCurrency: "USD")
                ]),
            sink: RecordingEventSink(), logger: Logger(label: "test.fig.fresh"))
        func facts(_ kind: RFQCommandFacts.Kind, _ clientId: String) -> RFQCommandFacts {
            RFQCommandFacts(kind: kind, clientOrderId: clientId, account: "fig-1", instrument: "BTC-26SEP25-116000-C")
        }
        // Asked first without the RFQ (what a command without rfq_id gives), then with it.
        let withoutRFQ = await outcome { () async throws(OrderEntryError) -> ExecutionReport? in
            try await fresh.resolve(facts(.accept(quoteId: "\(quoteId)", rfqId: nil), "vb-rr-accept"))
        }
        let accepted = await outcome { () async throws(OrderEntryError) -> ExecutionReport? in
            try await fresh.resolve(facts(.accept(quoteId: "\(quoteId)", rfqId: "\(traded)"), "vb-rr-accept"))
        }
        let cancel = await outcome { () async throws(OrderEntryError) -> ExecutionReport? in
            try await fresh.resolve(facts(.cancel(rfqId: "\(canceled)"), "vb-rr-cancel"))
        }
        let untraded = await outcome { () async throws(OrderEntryError) -> ExecutionReport? in
            try await fresh.resolve(facts(.accept(quoteId: "1", rfqId: "\(canceled)"), "vb-rr-accept-2"))
        }
        await fresh.shutdown()

        #expect(try withoutRFQ.get() == nil, "the quote alone names no RFQ to a bridge that never saw it")
        let filled = try #require(try accepted.get())
        #expect(filled.status == .filled && filled.cumQty == 25 && filled.clientOrderId == "vb-rr-accept")
        let canceledAnswer = try #require(try cancel.get())
        #expect(canceledAnswer.status == .canceled && canceledAnswer.venueOrderId == "\(canceled)")
        // An accept on an RFQ that ended without trades was refused, for certain.
        let refused = try #require(try untraded.get())
        #expect(refused.status == .rejected && refused.reason?.contains("not traded") == true)
        #expect(await rig.simulator.requestCounts["trade:\(quoteId)"] == 1)
        await rig.stop()
    }

    @Test(
        "a quote of an RFQ this connector never saw (a restart): its RFQ is read once, the quote published under its instrument"
    )
    func quoteOfUnknownRFQ() async throws {
        let rig = try await Rig()
        try await eventually("ready") { rig.connector.control.state == .ready }
        let rfqId = try #require(
            try await rig.connector.createRFQ(Self.create("vb-unknown-1")).venueOrderId.flatMap(Int64.init))
        // The restarted bridge: a second connector of the same client, with an empty memory.
        let sink = RecordingEventSink()
        var configuration = FigConnectorConfiguration(
            wsURL: "ws://127.0.0.1:\(rig.port)\(FigSimulator.webSocketPath)", restURL: "http://127.0.0.1:\(rig.port)",
            clientId: Self.client, clientSecret: Self.secret, account: "fig-1",
            instruments: [
                .init(symbol: "BTC-26SEP25-116000-C", instrumentId: 6451, baseCurrency: "BTC", quoteCurrency: "USD")
            ])
        configuration.link.reconnect.initialDelay = .milliseconds(50)
        let fresh = FigConnector(configuration: configuration, sink: sink, logger: Logger(label: "test.fig.fresh"))
        let running = Task { try await fresh.run() }
        let ready = await outcome { () async throws(OrderEntryError) -> Bool in
            for _ in 0..<200 where fresh.control.state != .ready { try? await Task.sleep(for: .milliseconds(25)) }
            return fresh.control.state == .ready
        }
        let quoteId = await rig.simulator.quoteNow(rfqId: rfqId)
        let published = await outcome { () async throws(OrderEntryError) -> Quote? in
            for _ in 0..<200 {
                let found = sink.all.first { event in
                    if case .quote(let quote) = event.payload { return quote.quoteId == quoteId.map { "\($0)" } }
                    return false
                }
                if let found, case .quote(let quote) = found.payload {
                    #expect(
                        found.instrument == "BTC-26SEP25-116000-C" && found.venueInstrument == "BTC-26SEP25-116000-C")
                    return quote
                }
                try? await Task.sleep(for: .milliseconds(25))
            }
            return nil
        }
        running.cancel()
        _ = await running.result
        await fresh.shutdown()
        #expect(try ready.get())
        let quote = try #require(try published.get(), "the quote of the unknown RFQ on the fresh connector's stream")
        #expect(quote.rfqId == "\(rfqId)" && quote.status == .active)
        await rig.stop()
    }

    @Test(
        "tokens that expire every 3 s: re-authenticated on the same socket past three expiries, never disconnected, no push lost"
    )
    func tokenExpiry() async throws {
        let rig = try await Rig(
            tuneSimulator: { $0.tokenLifetime = .seconds(3) },
            tune: {
                $0.heartbeatInterval = .milliseconds(300)
                $0.tokenRefreshMargin = .seconds(1)
            })
        try await eventually("ready") { rig.connector.control.state == .ready }
        // An RFQ and a quote every half second for 10 s (three token lifetimes and more): each
        // create goes over REST with the current token, each push must reach the stream.
        var rfqIds: [Int64] = []
        var quoteIds: [Int64] = []
        for n in 0..<20 {
            let created = try await rig.connector.createRFQ(Self.create("vb-expiry-\(n)"))
            #expect(created.status == .new, "create \(n) across token expiries: \(created.reason ?? "")")
            if let id = created.venueOrderId.flatMap(Int64.init) {
                rfqIds.append(id)
                if let quote = await rig.simulator.quoteNow(rfqId: id) { quoteIds.append(quote) }
            }
            try await Task.sleep(for: .milliseconds(500))
        }
        #expect(rfqIds.count == 20 && quoteIds.count == 20)
        try await eventually("every RFQ and quote push on the stream") {
            rfqIds.allSatisfy { !rig.rfqEvents($0).isEmpty } && quoteIds.allSatisfy { !rig.quoteEvents($0).isEmpty }
        }
        #expect(!rig.sink.statuses.contains { $0.state == .disconnected })
        #expect(rig.connector.control.state == .ready)
        await rig.stop()
    }

    @Test(
        "the venue's clock five minutes off: a signed call refused with its words (401), nothing created; in line again, the next works"
    )
    func signatureRefused() async throws {
        let rig = try await Rig()
        try await eventually("ready") { rig.connector.control.state == .ready }
        await rig.simulator.skewClock(seconds: 300)
        let refused = try await rig.connector.createRFQ(Self.create("vb-skewed-1"))
        #expect(refused.status == .rejected && refused.rejectCode == "401")
        #expect(refused.reason?.contains("invalid signature or timestamp") == true, "\(refused.reason ?? "")")
        #expect(refused.reason?.contains(FigSimulatorSessionTests.secret) == false)
        #expect(await rig.simulator.requestCounts["vb-skewed-1"] == nil)
        await rig.simulator.skewClock(seconds: 0)
        let created = try await rig.connector.createRFQ(Self.create("vb-skewed-2"))
        #expect(created.status == .new && created.venueOrderId != nil)
        await rig.stop()
    }

    @Test("the venue's 429: the create waits for X-RateLimit-Reset instead of failing, and goes once")
    func rateLimited() async throws {
        let rig = try await Rig(tuneSimulator: {
            $0.requestsPerMinute = 2
            $0.rateLimitWindow = .seconds(2)
        })
        try await eventually("ready") { rig.connector.control.state == .ready }
        _ = try await rig.connector.createRFQ(Self.create("vb-rl-1"))
        _ = try await rig.connector.createRFQ(Self.create("vb-rl-2"))
        // The window is full: the venue answers 429, and the connector says when to come back.
        do {
            let answer = try await rig.connector.createRFQ(Self.create("vb-rl-3"))
            Issue.record("a create into a full window answered \(answer.status)")
        } catch {
            if case .rateLimited = error {
            } else {
                Issue.record("want rateLimited (nothing done, come back later), got \(error)")
            }
        }
        #expect(await rig.simulator.rateLimitedRequests == 1)
        #expect(await rig.simulator.requestCounts["vb-rl-3"] == nil)
        do {
            _ = try await rig.connector.createRFQ(Self.create("vb-rl-4"))
        } catch {
            // Within the pause every request is held back by the connector, not sent.
            #expect(error.nothingSent, "\(error)")
        }
        #expect(await rig.simulator.rateLimitedRequests == 1, "nothing sent into a known-full window")
        try await Task.sleep(for: .seconds(2) + .milliseconds(500))
        let later = try await rig.connector.createRFQ(Self.create("vb-rl-3"))
        #expect(later.status == .new)
        #expect(await rig.simulator.requestCounts["vb-rl-3"] == 1)
        await rig.stop()
    }

    @Test("a wrong secret: the token request is refused with the venue's words, retried, never ready")
    func wrongSecret() async throws {
        let rig = try await Rig(secret: "not-the-secret")
        try await eventually("a refusal") {
            rig.sink.statuses.contains { $0.reason?.contains("invalid client credentials") == true }
        }
        #expect(rig.connector.control.state != .ready)
        #expect(!rig.sink.statuses.contains { $0.reason?.contains("not-the-secret") == true })
        await rig.stop()
    }

    @Test("the venue's silence limit: heartbeats keep a quiet socket open past three limits")
    func heartbeats() async throws {
        let rig = try await Rig(
            tuneSimulator: { $0.silenceLimit = .seconds(1) }, tune: { $0.heartbeatInterval = .milliseconds(400) })
        try await eventually("ready") { rig.connector.control.state == .ready }
        try await Task.sleep(for: .seconds(3) + .milliseconds(500))
        #expect(!rig.sink.statuses.contains { $0.state == .disconnected })
        await rig.stop()
    }

    /// Stopped in the middle of a 30 s wait after a refused login: the stop does not wait it out
    /// (a stop that did would hang this test until its time limit).
    @Test("stopped while waiting to log in again after a refusal: stops at once, never ready")
    func stopDuringBackoff() async throws {
        let rig = try await Rig(secret: "not-the-secret", tune: { $0.loginRetryDelay = .seconds(30) })
        try await eventually("the first refusal") {
            rig.sink.statuses.contains { $0.reason?.contains("invalid client credentials") == true }
        }
        await rig.stop()
        #expect(rig.running.isCancelled && rig.connector.control.state != .ready)
    }
}

/// The outcome of a call, kept so that cleanup runs before anything is asserted on it.
func outcome<T>(_ body: () async throws(OrderEntryError) -> T) async -> Result<T, OrderEntryError> {
    do { return .success(try await body()) } catch { return .failure(error) }
}
