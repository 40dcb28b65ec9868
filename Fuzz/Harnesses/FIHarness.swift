import FIConnector
import FIWire
import VenueBridgeCore
import VenueConnector

extension FuzzHarness {
    /// Fundamental Interactions: each 0x1E-separated frame through `FIServerMessage.decode`, then
    /// where `FIConnector.handle` sends it in a live session: `books` to one `FIBookKeeper` (64
    /// entries: a full book or an overflowing level ends the session), `addorder` replies, `order`
    /// and `sale` pushes to one `FIOrderTracker`, and the pages of `openorderquery` to its
    /// reconciliation once complete. The challenge is skipped; a successful `login` (and a session
    /// the book ended) starts a new session: fresh books, and the open orders queried again.
    /// Orders `c1` (buy 2) and `c2` (sell 2) are placed (`willPlace`) before the first frame, which
    /// comes right after a login. Last-sale `trades` are not normalized here (`FIBookKeeper.trade`
    /// is internal). Checks docs/events.md on every event and report.
    public static func fi(_ data: [UInt8]) {
        guard let instruments = try? InstrumentMap([("BTCUSD", "BTC-USD"), ("ETHUSD", "ETH-USD")]) else { return }
        func newBooks() -> FIBookKeeper { FIBookKeeper(instruments: instruments, publishTicker: true, capacity: 64) }
        var books = newBooks()
        var orders = FIOrderTracker(account: "fi")
        for (id, side) in [("c1", Side.buy), ("c2", Side.sell)] {
            let request = OrderRequest(
                account: "fi", instrument: "BTC-USD", clientOrderId: id, idempotencyKey: "key-\(id)", side: side,
                orderType: .limit, timeInForce: .gtc, quantity: ExactDecimal(2),
                price: ExactDecimal(significand: 70_005, exponent: -1))
            _ = orders.willPlace(request, security: "BTCUSD")
        }
        // After each login the connector asks `openorderquery`: the pages so far, and the mark
        // before which the orders it judges were known.
        var reconciliation: (mark: UInt64, orders: [FIOrder])? = (orders.reconciliationMark, [])
        var contract = VenueContract(cumQtyOnlyGrows: true)
        for (index, text) in FuzzFrames.text(data).enumerated() {
            guard let message = try? FIServerMessage.decode(text) else { continue }
            let tsRecv = Int64(index)
            var reports: [ExecutionReport] = []
            switch message {
            case .login(let result, _, _) where result == FIServerMessage.ok:
                books = newBooks()
                reconciliation = (orders.reconciliationMark, [])
            case .book(let security, let changes):
                do {
                    let outcome = try books.apply(security: security, changes: changes, tsRecv: tsRecv)
                    contract.events(outcome.events)
                } catch {
                    // The session ends; the next one (after its login) rebuilds every book.
                    books = newBooks()
                    reconciliation = (orders.reconciliationMark, [])
                }
            case .order(let order):
                reports = orders.order(order).reports
            case .sale(let sale):
                reports = orders.sale(sale).reports
            case .addOrderReply(let result, let clientOrderId?, let refno, _):
                reports = orders.addReply(result: result, clientOrderId: clientOrderId, refno: refno).outcome.reports
            case .openOrders(let result, let total, let page):
                // `FIConnector.reconcile`: pages add up until `total_rec`; a refusal abandons it.
                guard var pending = reconciliation else { continue }
                guard result == FIServerMessage.ok || FIVenueError(result: result) == .orderNotFound else {
                    reconciliation = nil
                    continue
                }
                pending.orders += page
                guard result != FIServerMessage.ok || pending.orders.count >= total ?? 0 else {
                    reconciliation = pending
                    continue
                }
                reconciliation = nil
                reports = orders.reconcile(openOrders: pending.orders, mark: pending.mark).reports
            case .challenge, .login, .addOrderReply, .cancelOrderReply, .trades, .position, .systemStatus, .other:
                break
            }
            contract.reports(reports)
        }
    }
}
