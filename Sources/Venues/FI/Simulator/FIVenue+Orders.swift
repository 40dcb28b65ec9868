import FIWire
import Foundation
import SimulatorKit
import VenueBridgeCore

/// One order at the simulated venue.
struct SimOrder {
    var refno: String
    var clientOrderId: String
    var userID: String
    var security: String
    var side: FISide
    var price: ExactDecimal?
    var quantity: ExactDecimal
    var live: ExactDecimal
    var executed: ExactDecimal = .zero
    var executedAmount: ExactDecimal = .zero
    var timeInForce: FIAddOrder.TimeInForce
    var expiresAtMs: Int64?
    var updatedMs: Int64

    var isLive: Bool { live.isPositive }
}

/// Order entry at the simulated venue (`shared/venues/fundamental.md`, "Order entry" and "Pushes"):
/// `addorder` (LMT, MKT, POST; GTC, IOC, FOK, DAY, GTT with `exptime`) matched against the book's
/// executable entries (IOIs never trade) best price first, then oldest entry; `cancelorder` by
/// refno; `order`/`sale`/`position` pushes to every socket of the user; the account replayed at
/// login; `openorderquery` and `queryorder`. Replies come first, then the sales, then the order's
/// state. While the venue is `PreOpen` orders are accepted and nothing matches; `Halted` refuses.
extension FIVenue {
    static let pageSize = 100

    func addOrder(_ request: JSONValue, from id: SimConnection<String>.ID) {
        guard let userID = sessions[id]?.userID else { return }
        let clientOrderId = request["clientorderid"]?.string ?? ""
        addOrderRequests[clientOrderId, default: 0] += 1
        func refuse(_ reason: String) {
            deliver(
                #"{"type":"addorder","result":"\#(reason)","clientorderid":\#(json(clientOrderId)),"security":\#(json(request["security"]?.string ?? ""))}"#,
                to: id)
        }
        guard let security = request["security"]?.string, books[security] != nil else {
            return refuse("invalid security")
        }
        guard let side = request["side"]?.string.flatMap(FISide.init(rawValue:)) else { return refuse("invalid side") }
        guard let quantity = request["qty"]?.decimal, quantity.isPositive else { return refuse("invalid quantity") }
        let type = FIAddOrder.OrderType(rawValue: request["ordertype"]?.string ?? "LMT")
        let tif = FIAddOrder.TimeInForce(rawValue: request["tif"]?.string ?? "GTC")
        guard let type, let tif else { return refuse("invalid order type or time in force") }
        let price = request["price"]?.decimal
        if type != .market, !(price?.isPositive ?? false) { return refuse("invalid price") }
        var expiresAtMs: Int64?
        if tif == .gtt {
            guard let expiry = request["exptime"].flatMap({ $0.decimal }).flatMap({ Int64("\($0)") }),
                expiry > wallClockMillis()
            else { return refuse("invalid exptime") }
            expiresAtMs = expiry
        }
        guard status != .halted else { return refuse("market halted") }
        guard !clientOrderId.isEmpty, FIHouseRules.clientOrderIdFormat.accepts(clientOrderId) else {
            return refuse("invalid clientorderid")
        }
        if orders.values.contains(where: { $0.userID == userID && $0.clientOrderId == clientOrderId && $0.isLive }) {
            return refuse(FIHouseRules.duplicateClientOrderIdReason)
        }

        let matching = status == .open
        let reached = matching ? reachable(security, side: side, limit: type == .market ? nil : price) : []
        if type == .postOnly, !reached.isEmpty { return refuse("post only order would match") }
        var fills = Self.take(reached, quantity: quantity)
        if tif == .fok, Self.total(fills) < quantity { fills = [] }

        let refno = String(format: "SIM%011d", nextRefno)
        nextRefno += 1
        var order = SimOrder(
            refno: refno, clientOrderId: clientOrderId, userID: userID, security: security, side: side, price: price,
            quantity: quantity, live: quantity, timeInForce: tif, expiresAtMs: expiresAtMs, updatedMs: wallClockMillis()
        )
        if addOrderRepliesToDrop > 0 {
            addOrderRepliesToDrop -= 1
        } else {
            deliver(
                #"{"type":"addorder","result":"OK","clientorderid":\#(json(clientOrderId)),"refno":"\#(refno)","security":"\#(security)","side":"\#(side.rawValue)","price":\#(price.map { "\($0)" } ?? "null"),"qty":\#(quantity)}"#,
                to: id)
        }
        for fill in fills { execute(&order, against: fill.id, quantity: fill.quantity) }
        let rests = type != .market && (tif == .gtc || tif == .day || tif == .gtt)
        if !rests { order.live = .zero }
        order.updatedMs = wallClockMillis()
        record(order)
    }

    func cancelOrder(_ request: JSONValue, from id: SimConnection<String>.ID) {
        guard let userID = sessions[id]?.userID else { return }
        let refno = request["refno"]?.string ?? ""
        let security = request["security"]?.string ?? ""
        guard var order = orders[refno], order.userID == userID, order.isLive else {
            deliver(
                #"{"type":"cancelorder","result":"order not found","refno":\#(json(refno)),"security":\#(json(security))}"#,
                to: id)
            return
        }
        deliver(#"{"type":"cancelorder","result":"OK","refno":"\#(refno)","security":"\#(order.security)"}"#, to: id)
        order.live = .zero
        order.updatedMs = wallClockMillis()
        record(order)
    }

    /// The user's live orders, `security` one or `*`, at most 100 a message.
    func openOrderQuery(_ request: JSONValue, from id: SimConnection<String>.ID) {
        guard let userID = sessions[id]?.userID else { return }
        let security = request["security"]?.string ?? "*"
        let open = orders.values.filter {
            $0.userID == userID && $0.isLive && (security == "*" || $0.security == security)
        }
        .sorted { $0.refno < $1.refno }
        var start = 0
        repeat {
            let page = open[start..<min(start + Self.pageSize, open.count)]
            let rows = page.map(orderJSON).joined(separator: ",")
            deliver(
                #"{"type":"openorderquery","result":"OK","security":\#(json(security)),"total_rec":\#(open.count),"rec_no":\#(start + page.count),"data":[\#(rows)]}"#,
                to: id)
            start += Self.pageSize
        } while start < open.count
    }

    func queryOrder(_ request: JSONValue, from id: SimConnection<String>.ID) {
        guard let userID = sessions[id]?.userID else { return }
        let refno = request["refno"]?.string ?? ""
        guard let order = orders[refno], order.userID == userID else {
            deliver(#"{"type":"queryorder","result":"order not found","refno":\#(json(refno))}"#, to: id)
            return
        }
        deliver(
            #"{"type":"queryorder","result":"OK","refno":"\#(refno)","total_rec":1,"rec_no":1,"data":\#(orderJSON(order))}"#,
            to: id)
    }

    /// At login: the user's orders, recent sales and positions, as the venue pushes them.
    func replayAccount(of userID: String, to id: SimConnection<String>.ID) {
        for order in orders.values.filter({ $0.userID == userID }).sorted(by: { $0.refno < $1.refno }) {
            deliver(orderPush(order), to: id)
        }
        for sale in sales[userID] ?? [] { deliver(sale, to: id) }
        for (security, position) in (positions[userID] ?? [:]).sorted(by: { $0.key < $1.key }) {
            deliver(positionPush(security, position), to: id)
        }
    }

    /// GTT orders past their expiry end (checked on every random-walk step).
    func expireOrders() {
        let now = wallClockMillis()
        for refno in orders.keys.sorted() {
            guard var order = orders[refno], order.isLive, let expiry = order.expiresAtMs, expiry <= now else {
                continue
            }
            order.live = .zero
            order.updatedMs = now
            record(order)
        }
    }

    /// Test control: the next `count` `addorder` replies are lost (the orders are still placed).
    func dropAddOrderReplies(_ count: Int) { addOrderRepliesToDrop = count }

    func liveOrders(of userID: String) -> [SimOrder] {
        orders.values.filter { $0.userID == userID && $0.isLive }.sorted { $0.refno < $1.refno }
    }

    /// The book of `security` as price levels, IOI entries left out.
    func aggregatedBook(_ security: String) -> (
        bids: [(ExactDecimal, ExactDecimal)], asks: [(ExactDecimal, ExactDecimal)]
    )? {
        guard let entries = books[security] else { return nil }
        var bids: [ExactDecimal: ExactDecimal] = [:]
        var asks: [ExactDecimal: ExactDecimal] = [:]
        for entry in entries.values where !entry.ioi {
            if entry.side == .buy {
                bids[entry.price] = (try? (bids[entry.price] ?? .zero).adding(entry.quantity)) ?? entry.quantity
            } else {
                asks[entry.price] = (try? (asks[entry.price] ?? .zero).adding(entry.quantity)) ?? entry.quantity
            }
        }
        return (
            bids.sorted { $0.key > $1.key }.map { ($0.key, $0.value) },
            asks.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        )
    }

    // MARK: - Matching

    /// The executable entries of the other side the order reaches, best price first, then oldest.
    private func reachable(_ security: String, side: FISide, limit: ExactDecimal?) -> [(id: UInt64, entry: Entry)] {
        let opposite = (books[security] ?? [:]).filter { $0.value.side != side && !$0.value.ioi }
            .map { (id: $0.key, entry: $0.value) }
        let sorted = opposite.sorted { a, b in
            a.entry.price != b.entry.price
                ? (side == .buy ? a.entry.price < b.entry.price : a.entry.price > b.entry.price) : a.id < b.id
        }
        return BookWalk.reachable(sorted, takerBuys: side == .buy, limit: limit, price: \.entry.price)
    }

    private static func take(_ entries: [(id: UInt64, entry: Entry)], quantity: ExactDecimal) -> [(
        id: UInt64, quantity: ExactDecimal, price: ExactDecimal
    )] {
        var fills: [(id: UInt64, quantity: ExactDecimal, price: ExactDecimal)] = []
        var wanted = quantity
        for (id, entry) in entries where wanted.isPositive {
            let take = min(wanted, entry.quantity)
            fills.append((id, take, entry.price))
            wanted = (try? wanted.subtracting(take)) ?? .zero
        }
        return fills
    }

    private static func total(_ fills: [(id: UInt64, quantity: ExactDecimal, price: ExactDecimal)]) -> ExactDecimal {
        fills.reduce(.zero) { (try? $0.adding($1.quantity)) ?? $0 }
    }

    /// One fill: the entry shrinks (or goes), the book's subscribers see it, the user gets a `sale`,
    /// the trade feed a trade, and the position moves.
    private func execute(_ order: inout SimOrder, against entryId: UInt64, quantity: ExactDecimal) {
        guard var entry = books[order.security]?[entryId] else { return }
        entry.quantity = (try? entry.quantity.subtracting(quantity)) ?? .zero
        let change: String
        if entry.quantity.isPositive {
            books[order.security]?[entryId] = entry
            change = entryJSON(entryId, entry, act: "U")
        } else {
            books[order.security]?[entryId] = nil
            change = #"{"act":"R","id":\#(entryId)}"#
        }
        let bookFrame = #"{"security":"\#(order.security)","books":[\#(change)]}"#
        for id in sessions.keys.sorted() where sessions[id]?.books.contains(order.security) == true {
            deliver(bookFrame, to: id)
        }
        order.executed = (try? order.executed.adding(quantity)) ?? order.executed
        order.live = (try? order.live.subtracting(quantity)) ?? .zero
        let amount = (try? entry.price.multiplied(by: quantity)) ?? .zero
        order.executedAmount = (try? order.executedAmount.adding(amount)) ?? order.executedAmount
        let traderefno = "T\(nextTradeRefno)"
        nextTradeRefno += 1
        let now = wallClockMillis()
        // Numbers as strings here, as the venue sometimes sends them.
        let sale =
            #"{"type":"sale","refno":"\#(order.refno)","traderefno":"\#(traderefno)","security":"\#(order.security)","side":"\#(order.side.rawValue)","execqty":"\#(quantity)","execprice":"\#(entry.price)","execamount":"\#(amount)","trdtime":"\#(now)","category":"SIM","ismaker":false}"#
        sales[order.userID, default: []].append(sale)
        while (sales[order.userID]?.count ?? 0) > configuration.replayedSales { sales[order.userID]?.removeFirst() }
        deliver(toUser: order.userID, sale)
        let tradeFrame =
            #"{"security":"\#(order.security)","trades":[{"price":\#(entry.price),"qty":\#(quantity),"side":"\#(order.side.rawValue)","time":\#(now),"src":"SIM","id":"\#(traderefno)"}]}"#
        for id in sessions.keys.sorted() where sessions[id]?.trades.contains(order.security) == true {
            deliver(tradeFrame, to: id)
        }
        let signed = order.side == .buy ? quantity : ((try? ExactDecimal.zero.subtracting(quantity)) ?? .zero)
        let position = (try? (positions[order.userID]?[order.security] ?? .zero).adding(signed)) ?? .zero
        positions[order.userID, default: [:]][order.security] = position
        deliver(toUser: order.userID, positionPush(order.security, position))
    }

    // MARK: - Pushes

    /// Stores the order's new state and pushes it; finished orders beyond the memory are forgotten.
    private func record(_ order: SimOrder) {
        // An order finishes once (nothing revives it), so it joins the queue once.
        orders[order.refno] = order
        if !order.isLive {
            finishedRefnos.append(order.refno)
            while finishedRefnos.count > configuration.finishedOrderMemory, let oldest = finishedRefnos.popFirst() {
                orders[oldest] = nil
            }
        }
        deliver(toUser: order.userID, orderPush(order))
    }

    private func deliver(toUser userID: String, _ frame: String) {
        for id in sessions.keys.sorted() where sessions[id]?.userID == userID { deliver(frame, to: id) }
    }

    private func orderPush(_ order: SimOrder) -> String { orderJSON(order) }

    private func orderJSON(_ order: SimOrder) -> String {
        #"{"type":"order","refno":"\#(order.refno)","clientorderid":\#(json(order.clientOrderId)),"security":"\#(order.security)","side":"\#(order.side.rawValue)","price":\#(order.price.map { "\($0)" } ?? "null"),"qty":\#(order.quantity),"liveqty":\#(order.live),"execqty":\#(order.executed),"execamount":\#(order.executedAmount),"tif":"\#(order.timeInForce.rawValue)","updtime":"\#(order.updatedMs)","category":"SIM"}"#
    }

    private func positionPush(_ security: String, _ position: ExactDecimal) -> String {
        #"{"type":"position","security":"\#(security)","curpos":"\#(position)"}"#
    }

    /// A JSON string literal (the shared writer's escaping).
    private func json(_ text: String) -> String { JSONWriter.quoted(text) }
}
