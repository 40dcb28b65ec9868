import T4Wire
import Testing
import VenueBridgeCore

func price(_ text: String) -> T4Price {
    var price = T4Price()
    price.value = text
    return price
}

/// Every client message the connector sends, as its builders make them.
let clientMessages: [T4ClientMessage] = [
    .heartbeat(timestampMilliseconds: 1_767_225_600_123),
    .login(apiKey: "api-key"),
    .login(firm: "FIRM", username: "user", password: "p@ss w0rd", appName: "VenueBridge", appLicense: "LIC-1"),
    .marketDepthSubscribe(exchangeID: "CME_Eq", contractID: "ES", marketID: "XCME_Eq ES (M25)"),
    .marketDepthUnsubscribe(exchangeID: "CME_Eq", contractID: "ES", marketID: "XCME_Eq ES (M25)"),
    .accountSubscribeAll(),
    .orderSubmit(
        accountID: "ACC-1", marketID: "XCME_Eq ES (M25)",
        order: .init(buySell: .buy, priceType: .market, timeType: .immediateAndCancel, volume: 1, tag: "vb-1")
    ),
    .orderSubmit(
        accountID: "ACC-1", marketID: "XCME_Eq ES (M25)",
        order: .init(
            buySell: .sell, priceType: .stopLimit, timeType: .goodTillCancelled, volume: 5,
            limitPrice: ExactDecimal("5954.75")!, stopPrice: ExactDecimal("5955")!, tag: "vb-2"
        )
    ),
    .orderPull(accountID: "ACC-1", marketID: "XCME_Eq ES (M25)", uniqueID: "3f1c0a52-0000-4000-8000-000000000001"),
    .orderRevise(
        accountID: "ACC-1", marketID: "XCME_Eq ES (M25)", uniqueID: "u-1", volume: 3,
        limitPrice: ExactDecimal("5950.25")!),
    .orderRevise(accountID: "ACC-1", marketID: "XCME_Eq ES (M25)", uniqueID: "u-1", volume: 0),
]

/// One server message per envelope case of the subset, with nested messages filled in.
func serverMessages() -> [T4ServerMessage] {
    var out: [T4ServerMessage] = []
    func add(_ payload: T4ServerMessage.OneOf_Payload) {
        var message = T4ServerMessage()
        message.payload = payload
        out.append(message)
    }
    let marketID = "XCME_Eq ES (M25)"

    add(.heartbeat(.with { $0.timestamp = 1_767_225_600_000 }))

    var login = T4proto_V1_Auth_LoginResponse()
    login.result = .success
    login.sessionID = "S-1"
    login.userID = "U-1"
    login.firmID = "F-1"
    login.roles = ["trader", "viewer"]
    login.exchanges = [
        .with {
            $0.exchangeID = "CME_Eq"
            $0.marketDataType = .notSet
            $0.extraDetail = ["k": "v", "k2": "v2"]
        }
    ]
    login.accounts = [
        .with {
            $0.accountID = "ACC-1"
            $0.displayName = "Main"
            $0.mode = .unknown
        }
    ]
    login.authenticationToken = .with {
        $0.requestID = "r"
        $0.token = "jwt"
        $0.expireTime.seconds = 1_767_229_200
    }
    add(.loginResponse(login))

    add(
        .marketDepthSubscribeReject(
            .with {
                $0.marketID = marketID
                $0.time.seconds = 1
                $0.mode = .closed
            }))

    var details = T4proto_V1_Market_MarketDetails()
    details.marketID = marketID
    details.exchangeID = "CME_Eq"
    details.contractID = "ES"
    details.pointValue.value = "50"
    details.minPriceIncrement = price("0.25")
    details.strikePrice = price("6000")
    details.legs = [
        .with {
            $0.marketID = "leg"
            $0.volume = -1
            $0.price = price("1.5")
        }
    ]
    details.strategyType = .any
    add(.marketDetails(details))

    var depth = T4proto_V1_Market_MarketDepth()
    depth.marketID = marketID
    depth.depthLevels = .normal
    depth.depthBuffer = .smartTrade
    depth.time.seconds = 1_767_225_600
    depth.time.nanos = 123_000_000
    depth.bids = [
        .with {
            $0.price = price("5954.75")
            $0.volume = 12
            $0.numOrders = 3
        }
    ]
    depth.offers = [
        .with {
            $0.price = price("5955")
            $0.volume = 7
            $0.numOrders = 2
        },
        .with {
            $0.price = price("5955.25")
            $0.volume = 40
            $0.numOrders = 9
        },
    ]
    depth.tradeData = .with {
        $0.totalTradedVolume = 1000
        $0.lastTradePrice = price("5955")
        $0.lastTradeVolume = 2
        $0.atBidOrOffer = .offer
    }
    add(.marketDepth(depth))

    var trade = T4proto_V1_Market_MarketDepthTrade()
    trade.marketID = marketID
    trade.totalTradedVolume = 1002
    trade.lastTradeVolume = 2
    trade.lastTradePrice = price("5954.75")
    trade.atBidOrOffer = .bid
    trade.orderVolumes = [1, 1]
    add(.marketDepthTrade(trade))

    var snapshot = T4proto_V1_Market_MarketSnapshot()
    snapshot.marketID = marketID
    snapshot.messages = [
        .with { $0.marketDepth = depth },
        .with { $0.marketDepthTrade = trade },
        .with {
            $0.marketHighLow = .with {
                $0.highPrice = price("5990")
                $0.lowPrice = price("5901.5")
            }
        },
        .with { $0.marketSettlement = .with { $0.settlementPrice = price("5940.25") } },
    ]
    add(.marketSnapshot(snapshot))

    add(
        .accountSubscribeResponse(
            .with {
                $0.success = false
                $0.errors = ["no such account"]
            }))

    var position = T4proto_V1_Account_AccountPosition()
    position.accountID = "ACC-1"
    position.marketID = marketID
    position.buys = 3
    position.sells = 1
    position.rpl = -12.5
    position.averageOpenPrice = price("5950.125")
    add(.accountPosition(position))

    add(
        .accountUpdate(
            .with {
                $0.accountID = "ACC-1"
                $0.balance = 100_000.25
                $0.status = .ok
            }))

    var update = T4proto_V1_Orderrouting_OrderUpdate()
    update.uniqueID = "3f1c0a52-0000-4000-8000-000000000001"
    update.accountID = "ACC-1"
    update.marketID = marketID
    update.status = .working
    update.change = .submissionSuccess
    update.buySell = .sell
    update.priceType = .limit
    update.timeType = .normal
    update.currentVolume = 5
    update.currentLimitPrice = price("5960")
    update.workingVolume = 3
    update.totalFillVolume = 2
    update.tag = "vb-2"
    update.instructionExtra = ["a": "b"]
    update.trades = [
        .with {
            $0.volume = 2
            $0.price = price("5960")
            $0.exchangeTradeID = "X-1"
        }
    ]
    add(.orderUpdate(update))

    var failed = T4proto_V1_Orderrouting_OrderUpdateFailed()
    failed.uniqueID = "u-2"
    failed.change = .submissionRejected
    failed.status = .rejected
    failed.statusDetail = "Insufficient margin"

    var status = T4proto_V1_Orderrouting_OrderUpdateStatus()
    status.uniqueID = update.uniqueID
    status.status = .finished
    status.change = .pullSuccess
    status.currentLimitPrice = price("5960")
    status.tag = "vb-2"

    var fill = T4proto_V1_Orderrouting_OrderUpdateTrade()
    fill.uniqueID = update.uniqueID
    fill.status = .finished
    fill.change = .tradeCompleted
    fill.volume = 3
    fill.price = price("5960")
    fill.exchangeTradeID = "X-2"
    fill.totalFillVolume = 5
    fill.time.seconds = 1_767_225_601

    var multi = T4proto_V1_Orderrouting_OrderUpdateMulti()
    multi.marketID = marketID
    multi.accountID = "ACC-1"
    multi.updates = [
        .with { $0.orderUpdate = update },
        .with { $0.orderUpdateStatus = status },
        .with { $0.orderUpdateTrade = fill },
        .with { $0.orderUpdateFailed = failed },
        .with {
            $0.orderUpdateTradeLeg = .with {
                $0.legIndex = 1
                $0.price = price("1")
            }
        },
    ]
    add(.orderUpdateMulti(multi))
    add(.orderUpdateFailed(failed))
    add(.orderUpdateStatus(status))
    add(.orderUpdateTrade(fill))

    var accountSnapshot = T4proto_V1_Account_AccountSnapshot()
    accountSnapshot.accountID = "ACC-1"
    accountSnapshot.messages = [
        .with { $0.accountPosition = position },
        .with {
            $0.accountDetails = .with {
                $0.accountID = "ACC-1"
                $0.mode = .unknown
            }
        },
        .with {
            $0.accountCurrency = .with {
                $0.currency = "USD"
                $0.rate = 1
            }
        },
        .with { $0.marketDetails = details },
        .with { $0.orderUpdateMulti = multi },
    ]
    add(.accountSnapshot(accountSnapshot))
    return out
}

@Suite struct RoundTripTests {
    @Test(arguments: clientMessages)
    func clientMessage(_ message: T4ClientMessage) throws {
        #expect(message.payload != nil)
        let decoded = try T4Frame.decodeClient(T4Frame.encode(message))
        #expect(decoded == message)
    }

    @Test func everyServerCase() throws {
        let messages = serverMessages()
        #expect(messages.count == 16)  // every ServerMessage case of the subset
        for message in messages {
            let decoded = try T4Frame.decodeServer(T4Frame.encode(message))
            #expect(decoded == message)
        }
    }

    @Test func builderFields() {
        let login = T4ClientMessage.login(firm: "F", username: "u", password: "p", appName: "a", appLicense: "l")
            .loginRequest
        #expect(login.apiKey.isEmpty)
        #expect(
            (login.firm, login.username, login.password, login.appName, login.appLicense) == ("F", "u", "p", "a", "l"))
        #expect(login.priceFormat == .real)

        let subscribe = T4ClientMessage.marketDepthSubscribe(exchangeID: "E", contractID: "C", marketID: "M")
            .marketDepthSubscribe
        #expect(subscribe.buffer == .smartTrade)
        #expect(subscribe.depthLevels == .normal)

        let revise = T4ClientMessage.orderRevise(
            accountID: "A", marketID: "M", uniqueID: "u", limitPrice: ExactDecimal("1.50")!
        ).orderRevise
        #expect(revise.manualOrderIndicator)
        #expect(revise.revisions.count == 1)
        #expect(revise.revisions[0].hasVolume == false)
        #expect(revise.revisions[0].limitPrice.value == "1.5")

        let order = T4proto_V1_Orderrouting_OrderSubmit.Order(
            buySell: .buy, priceType: .market, timeType: .normal, volume: 1)
        #expect(!order.hasLimitPrice && !order.hasStopPrice && !order.hasTag)

        let pull = T4ClientMessage.orderPull(accountID: "A", marketID: "M", uniqueID: "u").orderPull
        #expect(pull.marketID == "M")
        #expect(pull.pulls.map(\.uniqueID) == ["u"])
    }

    @Test func normalizedEnums() {
        #expect(T4BuySell(.buy) == .buy)
        #expect(T4BuySell(.sell) == .sell)
        #expect(T4BuySell.sell.side == .sell)
        #expect(T4BuySell.undefined.side == nil)
        #expect(T4PriceType(.stop) == .stopMarket)
        #expect(T4PriceType(.stopLimit) == .stopLimit)
        #expect(T4TimeType(.day) == .normal)
        #expect(T4TimeType(.fok) == .completeVolume)
        #expect(T4TimeType(.gtd) == nil)
    }
}
