import EventBus
import Logging
import SFOXWire
import Synchronization
import VenueBridgeCore
import VenueConnector

/// sFOX numbers every message on a connection with one counter, and documents that it may skip or
/// go backwards; either means a message may be lost, so the session ends and reconnects (with a
/// fresh subscription and fresh book snapshots).
struct SFOXSequenceCheck {
    private(set) var last: Int64?

    /// The break in the sequence, if `sequence` does not follow the previous one.
    mutating func check(_ sequence: Int64?) -> (expected: Int64, received: Int64)? {
        guard let sequence else { return nil }
        defer { last = sequence }
        guard let last, sequence != last &+ 1 else { return nil }
        return (last &+ 1, sequence)
    }
}

/// Which subscribed feeds the venue has answered. A reply that names its feeds settles those (the
/// venue may answer one request with an `error` for some feeds and a `success` for the rest); one
/// that names none settles the oldest request still open.
struct SFOXSubscriptionTracker {
    private var open: [Set<String>]
    private(set) var refused: Set<String> = []

    init(batches: [[String]]) { open = batches.map(Set.init).filter { !$0.isEmpty } }

    var isComplete: Bool { open.isEmpty }

    /// Settles what `reply` answers; returns the feeds it refused.
    mutating func record(_ reply: SFOXControlReply) -> [String] {
        var settled = Set(reply.feeds)
        if settled.isEmpty, !open.isEmpty { settled = open[0] }
        for index in open.indices { open[index].subtract(settled) }
        open.removeAll { $0.isEmpty }
        guard !reply.success else { return [] }
        refused.formUnion(settled)
        return settled.sorted()
    }
}

/// The market-data socket: public `orderbook`, `trades` and `ticker` feeds, no authentication
/// (`SFOXHouseRules.publicFeedsNeedAuthentication`). Pairs are subscribed in small batches: few
/// enough requests to stay far under the venue's 40 requests a minute even across reconnects, and
/// a refused pair takes only its batch down with it.
final class SFOXMarketDataSession: VenueSessionDriver {
    let venue: VenueID = .sfox
    private let connector: SFOXConnector
    /// Pairs that had a snapshot on an earlier connection: another one is a book resync.
    private let resyncs: BookResyncMemory

    /// 8 pairs (24 feeds) per request: 100 pairs take 13 requests.
    static let pairsPerSubscribe = 8

    init(connector: SFOXConnector) {
        self.connector = connector
        resyncs = BookResyncMemory(metrics: connector.metrics)
    }

    func upgradeHeaders() throws -> [(name: String, value: String)] { [] }

    func runSession(inbound: VenueInbound, writer: VenueLinkWriter, control: VenueSessionControl) async throws {
        let configuration = connector.configuration
        let pairs = configuration.instruments.venueIds
        let batches = stride(from: 0, to: pairs.count, by: Self.pairsPerSubscribe).map {
            Array(pairs[$0..<min($0 + Self.pairsPerSubscribe, pairs.count)])
        }
        try await connector.reserveWebSocketRequests(batches.count, session: "market_data")
        for batch in batches {
            try await writer.send(
                text: SFOXClientMessage.subscribe(feeds: batch.flatMap(configuration.marketFeeds(pair:))).encoded())
        }
        if pairs.isEmpty {
            await control.transition(to: .ready, reason: "no pairs configured")
        }
        // The subscriptions' deadline is the supervisor's handshake deadline (ready or degraded
        // within the connect timeout), watched there for every venue.
        var acknowledgement = SFOXSubscriptionTracker(
            batches: batches.map { $0.flatMap(configuration.marketFeeds(pair:)) })
        var sequence = SFOXSequenceCheck()
        var books = SFOXBookKeeper(
            instruments: configuration.instruments, publishTicker: configuration.publishTopOfBookTicker)
        var seenThisSession = Set<String>()
        for try await frame in inbound {
            guard let message = connector.decode(frame) else { continue }
            try connector.checkSequence(message, &sequence, session: "market_data")
            let tsRecv = wallClockNanos()
            switch message {
            case .control(let reply):
                guard reply.action == "subscribe", !acknowledgement.isComplete else { continue }
                let refusedNow = acknowledgement.record(reply)
                if !refusedNow.isEmpty {
                    connector.metrics.request(outcome: "error")
                    connector.logger.error(
                        "sFOX refused market-data feeds",
                        metadata: ["feeds": "\(refusedNow)", "error": "\(reply.message ?? "")"])
                }
                if acknowledgement.isComplete {
                    if acknowledgement.refused.isEmpty {
                        await control.transition(to: .ready, reason: "subscribed to \(pairs.count) pair(s)")
                    } else {
                        await control.transition(
                            to: .degraded,
                            reason:
                                "subscription refused for \(acknowledgement.refused.sorted().joined(separator: ","))")
                    }
                }
            case .data(let seq, _, let timestamp, let payload):
                do {
                    switch payload {
                    case .orderBook(let book):
                        // Every sFOX book message is a full snapshot: only a session's first can be a resync.
                        if seenThisSession.insert(book.pair).inserted { resyncs.snapshot(of: book.pair) }
                        try await connector.publish(
                            books.apply(book, tsVenue: timestamp, tsRecv: tsRecv), venueSeq: seq)
                    case .trade(let trade):
                        try await connector.publish(
                            [books.trade(trade, tsVenue: timestamp, tsRecv: tsRecv)], venueSeq: seq)
                    case .ticker(let ticker):
                        try await connector.publish(
                            [books.ticker(ticker, tsVenue: timestamp, tsRecv: tsRecv)], venueSeq: seq)
                    case .openOrders, .privateTrades, .balances, .other:
                        connector.rejected.record(
                            kind: "unexpected_feed", detail: "feed on the market-data socket: \(message)")
                    }
                } catch let error as VenueNormalizeError {
                    connector.rejected.record(error, countedAs: "normalize")
                }
            }
        }
    }

    func sessionEnded(reason: String) async {}
}

/// The account socket: `authenticate`, then `private.user.open-orders`, `private.user.trades` and
/// `private.user.balances`. The first open-orders message lists every open order: orders we thought
/// open that it does not list finished while we were away, and are queried over REST.
final class SFOXPrivateSession: VenueSessionDriver {
    let venue: VenueID = .sfox
    private let connector: SFOXConnector
    private let apiKey: String

    init(connector: SFOXConnector, apiKey: String) {
        self.connector = connector
        self.apiKey = apiKey
    }

    func upgradeHeaders() throws -> [(name: String, value: String)] { [] }

    func runSession(inbound: VenueInbound, writer: VenueLinkWriter, control: VenueSessionControl) async throws {
        let configuration = connector.configuration
        try await connector.reserveWebSocketRequests(2, session: "private")
        try await writer.send(
            text: SFOXClientMessage.authenticate(apiKey: apiKey, enterprise: configuration.enterprise).encoded())
        // The answers' deadline is the supervisor's handshake deadline (ready within the connect
        // timeout), watched there for every venue.
        var sequence = SFOXSequenceCheck()
        var sawOrderSnapshot = false
        for try await frame in inbound {
            guard let message = connector.decode(frame) else { continue }
            try connector.checkSequence(message, &sequence, session: "private")
            let tsRecv = wallClockNanos()
            switch message {
            case .control(let reply):
                switch (reply.action, reply.success) {
                case ("authenticate", true):
                    try await writer.send(
                        text: SFOXClientMessage.subscribe(feeds: SFOXConnectorConfiguration.privateFeeds).encoded())
                case ("authenticate", false):
                    throw VenueSessionError("sFOX refused authentication: \(reply.message ?? "no reason given")")
                case ("subscribe", true):
                    await control.transition(to: .ready, reason: "authenticated; private feeds subscribed")
                case ("subscribe", false):
                    throw VenueSessionError("sFOX refused the private feeds: \(reply.message ?? "no reason given")")
                default:
                    continue
                }
            case .data(let seq, _, let timestamp, let payload):
                switch payload {
                case .openOrders(let orders):
                    let source: SFOXOrderTracker.Source = sawOrderSnapshot ? .live : .snapshot
                    try await connector.track(tsVenue: timestamp, tsRecv: tsRecv, venueSeq: seq) { tracker in
                        orders.flatMap { tracker.update($0, source: source) }
                    }
                    if !sawOrderSnapshot {
                        sawOrderSnapshot = true
                        await connector.reconcile(missingFrom: orders)
                    }
                case .privateTrades(let trades):
                    try await connector.track(tsVenue: timestamp, tsRecv: tsRecv, venueSeq: seq) { tracker in
                        trades.flatMap { tracker.trade($0) }
                    }
                case .balances(let balances):
                    let events = balances.map { balance in
                        NormalizedEvent(
                            venue: .sfox, instrument: nil, venueInstrument: nil, venueSeq: UInt64(clamping: seq),
                            tsVenue: timestamp, tsRecv: tsRecv,
                            payload: .balance(
                                Balance(
                                    account: configuration.account, asset: balance.currency.uppercased(),
                                    total: balance.balance,
                                    available: balance.available, held: balance.held))
                        )
                    }
                    try await connector.publish(events, venueSeq: nil)
                case .orderBook, .trade, .ticker, .other:
                    connector.rejected.record(kind: "unexpected_feed", detail: "feed on the private socket: \(message)")
                }
            }
        }
    }

    func sessionEnded(reason: String) async {}
}
