import SFOXWire
import Testing
import VenueBridgeCore

@Suite("sFOX wire codec")
struct SFOXWireTests {
    @Test("documented control replies decode, sequence included")
    func controlReplies() throws {
        let auth = try SFOXServerMessage.decode(
            #"{"type":"success","sequence":2,"timestamp":1649898453577592461,"payload":{"action":"authenticate"},"action":"authenticate"}"#
        )
        #expect(
            auth
                == .control(
                    SFOXControlReply(
                        success: true, action: "authenticate", sequence: 2, timestamp: 1_649_898_453_577_592_461)))
        let sub = try SFOXServerMessage.decode(
            #"{"type":"success","sequence":1,"timestamp":1,"payload":{"action":"subscribe","feeds":["orderbook.sfox.btcusd"]},"action":"subscribe"}"#
        )
        guard case .control(let reply) = sub else {
            Issue.record("not a control reply")
            return
        }
        #expect(reply.feeds == ["orderbook.sfox.btcusd"])
        #expect(sub.sequence == 1)
        let refused = try SFOXServerMessage.decode(
            #"{"type":"error","sequence":3,"payload":{"action":"authenticate","error":"invalid api key"},"action":"authenticate"}"#
        )
        guard case .control(let error) = refused else {
            Issue.record("not a control reply")
            return
        }
        #expect(!error.success)
        #expect(error.message == "invalid api key")
    }

    @Test("order book levels are exact: JSON numbers never pass through Double")
    func bookExact() throws {
        let text =
            #"{"sequence":7,"recipient":"orderbook.sfox.btcusd","timestamp":1703708043968000000,"payload":{"bids":[[43222.05828009,0.0675,"ox"],[43222.05828009,1.1,"gemini"],[0.1,0.2,"ox"]],"asks":[[43234.16026124,0.0675,"ox"]],"market_making":{"bids":[],"asks":[]},"pair":"btcusd","lastupdated":1703708043963,"lastpublished":1703708043968}}"#
        let message = try SFOXServerMessage.decode(text)
        guard
            case .data(7, .orderBook(pair: "btcusd", net: false), 1_703_708_043_968_000_000, .orderBook(let book)) =
                message
        else {
            Issue.record("unexpected \(message)")
            return
        }
        #expect(book.bids[0].price == ExactDecimal("43222.05828009"))
        #expect(book.bids[0].source == "ox")
        // 0.1 and 0.2 are the classic binary-floating-point traps.
        #expect(book.bids[2].price.description == "0.1")
        #expect(book.bids[2].quantity.description == "0.2")
        #expect(book.asks[0].price == ExactDecimal("43234.16026124"))
        #expect(book.lastUpdated == 1_703_708_043_963)
        // Round trip through the simulator's encoder keeps every digit.
        #expect(try SFOXServerMessage.decode(message.encoded()) == message)
    }

    @Test("trades, tickers and private feeds decode; status is case- and space-insensitive")
    func feeds() throws {
        let trade = try SFOXServerMessage.decode(
            #"{"sequence":1,"recipient":"trades.sfox.btcusd","timestamp":1,"payload":{"id":"1062696823","quantity":"0.005","price":"41492","exchange":"bitfinex","side":"buy","pair":"btcusd","timestamp":"2022-04-14T01:57:21.521999872Z"}}"#
        )
        guard case .data(_, _, _, .trade(let t)) = trade else {
            Issue.record("not a trade")
            return
        }
        #expect(
            t.id == "1062696823" && t.side == .buy && t.price == ExactDecimal("41492")
                && t.quantity == ExactDecimal("0.005"))

        let orders = try SFOXServerMessage.decode(
            #"{"sequence":2,"recipient":"private.user.open-orders","timestamp":1,"payload":[{"id":693291242,"client_order_id":"577ab261","date_added":"2023-11-14T22:08:53.000Z","status":"Cancel pending","filled":"0.00035333","filled_amount":"14.61","vwap":"41367.24","price":"37227.82","quantity":"0.05","pair":"btcusd","action":"SELL","type":"Limit","algorithm_id":201,"fees":"0.02"}]}"#
        )
        guard case .data(_, .openOrders, _, .openOrders(let list)) = orders, let order = list.first else {
            Issue.record("not open orders")
            return
        }
        #expect(order.id == 693_291_242 && order.clientOrderId == "577ab261" && order.action == .sell)
        #expect(order.status == .cancelPending)
        #expect(order.filled == ExactDecimal("0.00035333"))

        let fills = try SFOXServerMessage.decode(
            #"{"sequence":3,"recipient":"private.user.trades","timestamp":1,"payload":[{"trade_id":830151520,"order_id":759514460,"date_updated":"x","action":"Sell","currency_pair":"btcusd","quantity":"1.65","amount":"99.47","price":"59.95","fees":"0.049","net_amount":"99.42"}]}"#
        )
        guard case .data(_, _, _, .privateTrades(let trades)) = fills else {
            Issue.record("not trades")
            return
        }
        #expect(
            trades.first?.tradeId == 830_151_520 && trades.first?.orderId == 759_514_460
                && trades.first?.price == ExactDecimal("59.95"))

        #expect(SFOXOrderStatus(wire: "CANCEL PENDING") == .cancelPending)
        #expect(SFOXOrderStatus(wire: "done") == .done)
        #expect(SFOXOrderStatus(wire: "Rejected") == .other("Rejected"))
    }

    @Test("malformed frames are typed errors, not crashes")
    func malformed() {
        #expect(throws: SFOXDecodeError.self) { try SFOXServerMessage.decode("not json") }
        #expect(throws: SFOXDecodeError.self) {
            try SFOXServerMessage.decode(
                #"{"sequence":1,"recipient":"orderbook.sfox.btcusd","payload":{"pair":"btcusd","bids":[["x",1,"ox"]],"asks":[]}}"#
            )
        }
        #expect(throws: SFOXDecodeError.self) {
            try SFOXServerMessage.decode(#"{"sequence":"nope","recipient":"ticker.sfox.btcusd","payload":{}}"#)
        }
        #expect(throws: SFOXDecodeError.self) { try SFOXServerMessage.decode("[1,2]") }
    }

    @Test("client requests: authenticate accepts enterprise as bool or string; description hides the key")
    func clientRequests() throws {
        #expect(
            try SFOXClientMessage.decode(#"{"type":"authenticate","apiKey":"k","enterprise":"true"}"#)
                == .authenticate(apiKey: "k", enterprise: true))
        let auth = SFOXClientMessage.authenticate(apiKey: "secret-key", enterprise: false)
        #expect(try SFOXClientMessage.decode(auth.encoded()) == auth)
        #expect(!auth.description.contains("secret-key"))
        let sub = SFOXClientMessage.subscribe(feeds: ["orderbook.sfox.btcusd", "trades.sfox.btcusd"])
        #expect(sub.encoded() == #"{"type":"subscribe","feeds":["orderbook.sfox.btcusd","trades.sfox.btcusd"]}"#)
    }

    @Test("create order body: decimals as exact strings, documented field names")
    func createBody() throws {
        let create = SFOXCreateOrder(
            action: .buy, currencyPair: "btcusd", algorithm: 201, price: ExactDecimal("37227.82"),
            quantity: ExactDecimal("0.05")!,
            clientOrderId: "abc", timeInForce: .goodTillCanceled)
        let body = String(decoding: create.body(), as: UTF8.self)
        #expect(
            body
                == #"{"currency_pair":"btcusd","algorithm_id":201,"price":"37227.82","quantity":"0.05","client_order_id":"abc","time_in_force":"GTC"}"#
        )
        #expect(try SFOXCreateOrder.decode(action: .buy, body: body) == create)
        #expect(create.path == "/orders/buy")
        #expect(
            SFOXErrorBody.decode(#"{"error":"invalid currency_pair: btcusda"}"#)?.error
                == "invalid currency_pair: btcusda")
        #expect(try SFOXCancelOutcome.decode(#"{"status":"cancel pending"}"#) == .cancelPending)
    }

    @Test("feed names parse both ways")
    func feedNames() {
        for name in [
            "orderbook.sfox.btcusd", "orderbook.net.ethusd", "trades.sfox.btcusd", "ticker.sfox.btcusd",
            "private.user.open-orders", "private.user.trades", "private.user.balances",
        ] {
            #expect(SFOXFeed(name).name == name)
        }
        #expect(SFOXFeed("private.user.balances").isPrivate)
        #expect(!SFOXFeed("orderbook.sfox.btcusd").isPrivate)
        #expect(SFOXFeed("orderbook.foo.btcusd") == .other("orderbook.foo.btcusd"))
    }
}
