import FIWire
import Testing
import VenueBridgeCore

/// The wire format against the examples in shared/venues/fundamental.md, and what the notes allow
/// either way (numbers as JSON numbers or strings, `jsonrpc`-free flat objects, book messages
/// recognised by `books` without a `type`).
@Suite("FI wire")
struct FIWireTests {
    @Test("the notes' book update: entries kept by their 64-bit ids exactly, A/U with the whole entry, R with the id")
    func bookUpdate() throws {
        let message = try FIServerMessage.decode(
            #"{"security":"BTCUSD","books":[{"side":"S","act":"U","src":"GEMI","price":7014.19,"qty":0.02014047,"id":6988929507302077441,"key":"NA"},{"act":"R","id":6988929507302077442},{"side":"B","act":"A","price":"7000.5","qty":"1","id":"x-1","ioi":true}]}"#
        )
        #expect(
            message
                == .book(
                    security: "BTCUSD",
                    changes: [
                        .put(
                            id: "6988929507302077441", add: false, side: .sell, price: ExactDecimal("7014.19")!,
                            quantity: ExactDecimal("0.02014047")!, ioi: false, source: "GEMI"),
                        .remove(id: "6988929507302077442"),
                        .put(
                            id: "x-1", add: true, side: .buy, price: ExactDecimal("7000.5")!, quantity: 1, ioi: true,
                            source: nil),
                    ]))
    }

    @Test("login replies, order pushes with derived status, sales, positions and system status")
    func pushes() throws {
        #expect(
            try FIServerMessage.decode(#"{"result":"OK","type":"challenge","key":"MIGfMA0G"}"#)
                == .challenge(result: "OK", key: "MIGfMA0G"))
        #expect(
            try FIServerMessage.decode(#"{"result":"invalid password","type":"login"}"#)
                == .login(result: "invalid password", userID: nil, firm: nil))
        func order(live: String, exec: String) throws -> FIOrder.Status? {
            guard
                case .order(let order) = try FIServerMessage.decode(
                    #"{"type":"order","refno":"5FS8TX5EDN0WA0","clientorderid":"ID1","security":"BTCUSD","side":"B","price":1.01,"qty":"0.1","liveqty":\#(live),"execqty":\#(exec),"updtime":"1557323619303"}"#
                )
            else { return nil }
            #expect(order.updatedMs == 1_557_323_619_303)
            return order.status
        }
        #expect(try order(live: "0.1", exec: "0") == .open)
        #expect(try order(live: "0.05", exec: "0.05") == .partiallyFilled)
        #expect(try order(live: "0", exec: "0.1") == .filled)
        #expect(try order(live: "0", exec: "0.04") == .canceled)
        guard
            case .sale(let sale) = try FIServerMessage.decode(
                #"{"type":"sale","refno":"R1","traderefno":"T9","security":"BTCUSD","side":"S","execqty":0.04,"execprice":"7014.2","trdtime":1557323619303,"ismaker":true}"#
            )
        else {
            Issue.record("not a sale")
            return
        }
        #expect(sale.tradeRefno == "T9" && sale.price == ExactDecimal("7014.2")! && sale.isMaker == true)
        #expect(
            try FIServerMessage.decode(#"{"type":"position","security":"MSFT","curpos":"500"}"#)
                == .position(security: "MSFT", position: 500))
        #expect(
            try FIServerMessage.decode(
                #"{"type":"systemstatus","data":[{"exchange":"STAGE","time":1697693198141,"status":"Halted"}]}"#)
                == .systemStatus([FIExchangeStatus(exchange: "STAGE", state: .halted, timeMs: 1_697_693_198_141)]))
        #expect(
            try FIServerMessage.decode(#"{"type":"openorderquery","result":"OK","total_rec":0}"#)
                == .openOrders(result: "OK", total: 0, orders: []))
    }

    @Test("requests as the notes write them; prices and quantities as exact JSON numbers")
    func requests() throws {
        let add = FIClientMessage.addOrder(
            FIAddOrder(
                security: "BTCUSD", side: .buy, price: ExactDecimal("1.01")!, quantity: ExactDecimal("0.1")!,
                orderType: .limit, timeInForce: .gtc, clientOrderId: "ID1"))
        #expect(
            add.encoded()
                == #"{"type":"addorder","security":"BTCUSD","side":"B","price":1.01,"qty":0.1,"ordertype":"LMT","tif":"GTC","clientorderid":"ID1"}"#
        )
        #expect(
            FIClientMessage.subscribe([.init(feed: .book, security: "BTCUSD", destination: "GEMI")]).encoded()
                == #"{"type":"subscribe","request":[{"msg":"book","security":"BTCUSD","dest":"GEMI"}]}"#)
        #expect(FIClientMessage.challenge.encoded() == #"{"type":"challenge"}"#)
        #expect(
            FIClientMessage.login(userID: "u", encryptedPassword: "b64==").encoded()
                == #"{"type":"login","userid":"u","pass":"b64=="}"#)
        #expect(
            FIClientMessage.cancelOrder(security: "BTCUSD", refno: "5FS8TX5EDN0WA0").encoded()
                == #"{"type":"cancelorder","security":"BTCUSD","refno":"5FS8TX5EDN0WA0"}"#)
    }

    @Test(
        "hostile frames are decode errors, never a crash",
        arguments: [
            "", "[]", "{}", #"{"type":1}"#, #"{"security":"X","books":{}}"#,
            #"{"security":"X","books":[{"act":"A","id":1,"side":"B","price":1e999999,"qty":1}]}"#,
            #"{"security":"X","books":[{"act":"A","id":1.5,"side":"B","price":1,"qty":1}]}"#,
            #"{"security":"X","books":[{"act":"A","id":99999999999999999999999,"side":"B","price":1,"qty":1}]}"#,
            #"{"security":"X","books":[{"act":"Z","id":1}]}"#,
            #"{"security":"X","books":[{"act":"A","id":1,"side":"Q","price":1,"qty":1}]}"#,
            #"{"type":"order","refno":"R","security":"X","side":"B","qty":"abc","liveqty":0,"execqty":0}"#,
            #"{"type":"sale","refno":"R","traderefno":"T","security":"X","side":"B","execqty":1,"execprice":1,"trdtime":"soon"}"#,
            #"{"type":"systemstatus","data":[{"exchange":"E","status":"Sleeping"}]}"#,
        ])
    func hostile(text: String) {
        #expect(throws: FrameDecodeError.self) { try FIServerMessage.decode(text) }
    }

    @Test("the house client id format: at most 32 characters of letters, digits, - and _")
    func clientIds() {
        #expect(FIHouseRules.clientOrderIdFormat == .text(maxLength: 32, alphabet: .lettersDigitsDashUnderscore))
    }

    @Test(
        "openorderquery: data as one object (the published example) or as a list, numbers as strings; no data is none")
    func openOrders() throws {
        let one = try FIServerMessage.decode(
            #"{"result":"OK","refno":"3XXF0329A0B0","data":{"updtime":"1559505235085","tif":"GTC","execamount":"10000","qty":"1000","security":"BTCUSD","type":"order","clientorderid":"CLIENTID1","liveqty":"900","category":"CROX","refno":"3XXF0329A0B0","price":"100","execqty":"100","side":"S"},"security":"BTCUSD","type":"openorderquery"}"#
        )
        guard case .openOrders(let result, let total, let orders) = one else {
            Issue.record("not an openorderquery reply: \(one)")
            return
        }
        #expect(result == "OK" && total == nil && orders.count == 1)
        #expect(orders.first?.liveQuantity == 900 && orders.first?.status == .partiallyFilled)
        #expect(orders.first?.updatedMs == 1_559_505_235_085 && orders.first?.clientOrderId == "CLIENTID1")

        let page = try FIServerMessage.decode(
            #"{"type":"openorderquery","result":"OK","total_rec":2,"rec_no":2,"data":[{"refno":"A","security":"BTCUSD","side":"B","price":1.5,"qty":2,"liveqty":2,"execqty":0},{"refno":"B","security":"BTCUSD","side":"S","qty":"3","liveqty":"1","execqty":"2"}]}"#
        )
        guard case .openOrders(_, let pageTotal, let rows) = page else {
            Issue.record("not an openorderquery reply: \(page)")
            return
        }
        #expect(pageTotal == 2 && rows.map(\.refno) == ["A", "B"] && rows.first?.price == ExactDecimal("1.5"))
        #expect(
            try FIServerMessage.decode(#"{"type":"openorderquery","result":"order not found","security":"*"}"#)
                == .openOrders(result: "order not found", total: nil, orders: []))
        #expect(throws: FrameDecodeError.self) {
            try FIServerMessage.decode(#"{"type":"openorderquery","result":"OK","total_rec":-1,"data":[]}"#)
        }
    }

    @Test("the venue's words: known ones get a stable code whatever their case, unknown ones pass through")
    func venueErrors() {
        #expect(FIVenueError(result: "not enough fund").code == "not_enough_fund")
        #expect(FIVenueError(result: " Order Not Found ") == .orderNotFound)
        #expect(FIVenueError(result: FIHouseRules.duplicateClientOrderIdReason) == .duplicateClientOrderId)
        #expect(FIVenueError(result: "price band exceeded") == .other("price band exceeded"))
        #expect(FIVenueError(result: "price band exceeded").code == "venue_error")
    }
}
