import SFOXConnector
import SFOXWire
import VenueBridgeCore
import VenueConnector

extension FuzzHarness {
    /// sFOX: each 0x1E-separated frame through `SFOXServerMessage.decode`, then where the two
    /// sessions (SFOXSessions.swift) send it: `orderbook`/`trades`/`ticker` to one `SFOXBookKeeper`,
    /// `private.user.open-orders` (the first of a session as `.snapshot`) and `private.user.trades`
    /// to one `SFOXOrderTracker`. A frame that is no socket message but an order object is a REST
    /// create or cancel reply (`tracker.update(order, source: .live)`). Each data message goes
    /// through its session's sequence check: a break ends that session, and the next connection
    /// starts afresh (new book keeper; the next open-orders message is a snapshot again). Orders
    /// `c1` and `c2` are placed (`willPlace`) before the first frame. Checks docs/events.md on
    /// every event and report.
    public static func sfox(_ data: [UInt8]) {
        guard let instruments = try? InstrumentMap([("btcusd", "BTC-USD"), ("ethusd", "ETH-USD")]) else { return }
        var books = SFOXBookKeeper(instruments: instruments, publishTicker: true)
        var tracker = SFOXOrderTracker(account: "main")
        // 1.5 at 100.25 and 0.5 at 101, as the connector remembers them before the REST create.
        let placed: [(id: String, side: Side, quantity: ExactDecimal, price: ExactDecimal)] = [
            ("c1", .buy, ExactDecimal(significand: 15, exponent: -1), ExactDecimal(significand: 10025, exponent: -2)),
            ("c2", .sell, ExactDecimal(significand: 5, exponent: -1), ExactDecimal(101)),
        ]
        for order in placed {
            let request = OrderRequest(
                account: "main", instrument: "BTC-USD", clientOrderId: order.id, idempotencyKey: "key-\(order.id)",
                side: order.side, orderType: .limit, timeInForce: .gtc, quantity: order.quantity, price: order.price)
            tracker.willPlace(request, pair: "btcusd")
        }
        var marketData = SFOXLink()
        var account = SFOXLink()
        var sawOrderSnapshot = false
        var contract = VenueContract(cumQtyOnlyGrows: true)
        for (index, text) in FuzzFrames.text(data).enumerated() {
            let tsRecv = Int64(index)
            guard let message = try? SFOXServerMessage.decode(text) else {
                if let json = try? JSONValue.parse(text), let order = try? SFOXOrder.decode(json) {
                    contract.reports(tracker.update(order, source: .live))
                }
                continue
            }
            // Control replies only settle subscriptions and logins: nothing for the keeper or tracker.
            guard case .data(let sequence, _, let timestamp, let payload) = message else { continue }
            switch payload {
            case .orderBook, .trade, .ticker:
                guard marketData.follows(sequence) else {
                    books = SFOXBookKeeper(instruments: instruments, publishTicker: true)
                    continue
                }
            case .openOrders, .privateTrades, .balances:
                guard account.follows(sequence) else {
                    sawOrderSnapshot = false
                    continue
                }
            case .other:
                continue
            }
            switch payload {
            case .orderBook(let book):
                contract.events((try? books.apply(book, tsVenue: timestamp, tsRecv: tsRecv)) ?? [])
            case .trade(let trade):
                if let event = try? books.trade(trade, tsVenue: timestamp, tsRecv: tsRecv) {
                    contract.events([event])
                }
            case .ticker(let ticker):
                if let event = try? books.ticker(ticker, tsVenue: timestamp, tsRecv: tsRecv) {
                    contract.events([event])
                }
            case .openOrders(let orders):
                let source: SFOXOrderTracker.Source = sawOrderSnapshot ? .live : .snapshot
                for order in orders { contract.reports(tracker.update(order, source: source)) }
                if !sawOrderSnapshot {
                    sawOrderSnapshot = true
                    // The connector queries these over REST (not modelled); the question itself is pure.
                    _ = tracker.missing(from: orders)
                }
            case .privateTrades(let trades):
                for trade in trades { contract.reports(tracker.trade(trade)) }
            case .balances, .other:
                break
            }
        }
    }
}

/// One sFOX connection's message counter, as `SFOXSequenceCheck` keeps it: a message that does not
/// follow the previous one ends the session (and is not handled); the next connection counts
/// from its own first message.
private struct SFOXLink {
    var last: Int64?

    mutating func follows(_ sequence: Int64) -> Bool {
        if let last, sequence != last &+ 1 {
            self.last = nil
            return false
        }
        last = sequence
        return true
    }
}
