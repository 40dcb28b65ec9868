public import VenueBridgeCore

// Builders for the messages the connector sends (and the simulator's heartbeat), so the shapes
// t4.md prescribes live in one place. Every builder returns a complete envelope, ready for
// `T4Frame.encode`.

extension T4proto_V1_Service_ClientMessage {
    /// `Heartbeat{timestamp}`: UTC milliseconds since the epoch.
    public static func heartbeat(timestampMilliseconds: Int64) -> Self {
        var heartbeat = T4proto_V1_Service_Heartbeat()
        heartbeat.timestamp = timestampMilliseconds
        var message = Self()
        message.payload = .heartbeat(heartbeat)
        return message
    }

    /// `LoginRequest` in the API-key form: `api_key` (+ the price format, REAL for the bridge).
    public static func login(apiKey: String, priceFormat: T4proto_V1_Common_PriceFormat = T4HouseRules.priceFormat)
        -> Self
    {
        var login = T4proto_V1_Auth_LoginRequest()
        login.apiKey = apiKey
        login.priceFormat = priceFormat
        var message = Self()
        message.payload = .loginRequest(login)
        return message
    }

    /// `LoginRequest` in the user form: firm, username, password, application name and license
    /// (+ the price format, REAL for the bridge).
    public static func login(
        firm: String,
        username: String,
        password: String,
        appName: String,
        appLicense: String,
        priceFormat: T4proto_V1_Common_PriceFormat = T4HouseRules.priceFormat
    ) -> Self {
        var login = T4proto_V1_Auth_LoginRequest()
        login.firm = firm
        login.username = username
        login.password = password
        login.appName = appName
        login.appLicense = appLicense
        login.priceFormat = priceFormat
        var message = Self()
        message.payload = .loginRequest(login)
        return message
    }

    /// `MarketDepthSubscribe` for one market with the house buffer and depth
    /// (`DEPTH_BUFFER_SMART_TRADE`, `DEPTH_LEVELS_NORMAL`).
    public static func marketDepthSubscribe(exchangeID: String, contractID: String, marketID: String) -> Self {
        depthSubscription(
            exchangeID, contractID, marketID, buffer: T4HouseRules.depthBuffer, levels: T4HouseRules.depthLevels)
    }

    /// The unsubscribe form: the same ids with `DEPTH_BUFFER_NO_SUBSCRIPTION` and
    /// `DEPTH_LEVELS_UNDEFINED` (both 0, so neither field is on the wire).
    public static func marketDepthUnsubscribe(exchangeID: String, contractID: String, marketID: String) -> Self {
        depthSubscription(exchangeID, contractID, marketID, buffer: .noSubscription, levels: .undefined)
    }

    private static func depthSubscription(
        _ exchangeID: String,
        _ contractID: String,
        _ marketID: String,
        buffer: T4proto_V1_Common_DepthBuffer,
        levels: T4proto_V1_Common_DepthLevels
    ) -> Self {
        var subscribe = T4proto_V1_Market_MarketDepthSubscribe()
        subscribe.exchangeID = exchangeID
        subscribe.contractID = contractID
        subscribe.marketID = marketID
        subscribe.buffer = buffer
        subscribe.depthLevels = levels
        var message = Self()
        message.payload = .marketDepthSubscribe(subscribe)
        return message
    }

    /// `AccountSubscribe{subscribe = ACCOUNT_SUBSCRIBE_TYPE_ALL_UPDATES, subscribe_all_accounts = true}`.
    public static func accountSubscribeAll() -> Self {
        var subscribe = T4proto_V1_Account_AccountSubscribe()
        subscribe.subscribe = .allUpdates
        subscribe.subscribeAllAccounts = true
        var message = Self()
        message.payload = .accountSubscribe(subscribe)
        return message
    }

    /// `OrderSubmit{account_id, market_id, manual_order_indicator = true, orders: [order]}`.
    public static func orderSubmit(
        accountID: String, marketID: String, order: T4proto_V1_Orderrouting_OrderSubmit.Order
    ) -> Self {
        var submit = T4proto_V1_Orderrouting_OrderSubmit()
        submit.accountID = accountID
        submit.marketID = marketID
        submit.manualOrderIndicator = true
        submit.orders = [order]
        var message = Self()
        message.payload = .orderSubmit(submit)
        return message
    }

    /// `OrderPull{account_id, market_id, manual_order_indicator = true, pulls: [Pull{unique_id}]}`
    /// (the venue requires `market_id`).
    public static func orderPull(accountID: String, marketID: String, uniqueID: String) -> Self {
        var pull = T4proto_V1_Orderrouting_OrderPull.Pull()
        pull.uniqueID = uniqueID
        var orderPull = T4proto_V1_Orderrouting_OrderPull()
        orderPull.accountID = accountID
        orderPull.marketID = marketID
        orderPull.manualOrderIndicator = true
        orderPull.pulls = [pull]
        var message = Self()
        message.payload = .orderPull(orderPull)
        return message
    }

    /// `OrderRevise{account_id, market_id, manual_order_indicator = true,
    /// revisions: [Revise{unique_id, volume?, limit_price?}]}`; nil leaves a value unchanged.
    public static func orderRevise(
        accountID: String,
        marketID: String,
        uniqueID: String,
        volume: Int32? = nil,
        limitPrice: ExactDecimal? = nil
    ) -> Self {
        var revise = T4proto_V1_Orderrouting_OrderRevise.Revise()
        revise.uniqueID = uniqueID
        if let volume { revise.volume = volume }
        if let limitPrice { revise.limitPrice = T4proto_V1_Common_Price(limitPrice) }
        var orderRevise = T4proto_V1_Orderrouting_OrderRevise()
        orderRevise.accountID = accountID
        orderRevise.marketID = marketID
        orderRevise.manualOrderIndicator = true
        orderRevise.revisions = [revise]
        var message = Self()
        message.payload = .orderRevise(orderRevise)
        return message
    }
}

extension T4proto_V1_Orderrouting_OrderSubmit.Order {
    /// One order of an `OrderSubmit`. Optional prices and the tag are left off the wire when nil.
    /// The bridge puts its client order id in `tag` (see `T4HouseRules.clientOrderIdTravelsInTag`).
    public init(
        buySell: T4proto_V1_Common_BuySell,
        priceType: T4proto_V1_Common_PriceType,
        timeType: T4proto_V1_Common_TimeType,
        volume: Int32,
        limitPrice: ExactDecimal? = nil,
        stopPrice: ExactDecimal? = nil,
        tag: String? = nil
    ) {
        self.init()
        self.buySell = buySell
        self.priceType = priceType
        self.timeType = timeType
        self.volume = volume
        if let limitPrice { self.limitPrice = T4proto_V1_Common_Price(limitPrice) }
        if let stopPrice { self.stopPrice = T4proto_V1_Common_Price(stopPrice) }
        if let tag { self.tag = tag }
    }
}

extension T4proto_V1_Service_ServerMessage {
    /// The venue's (simulator's) `Heartbeat{timestamp}`: UTC milliseconds since the epoch.
    public static func heartbeat(timestampMilliseconds: Int64) -> Self {
        var heartbeat = T4proto_V1_Service_Heartbeat()
        heartbeat.timestamp = timestampMilliseconds
        var message = Self()
        message.payload = .heartbeat(heartbeat)
        return message
    }
}

// MARK: - Normalized ↔ venue enums

extension T4proto_V1_Common_BuySell {
    /// `BUY_SELL_BUY` (1) / `BUY_SELL_SELL` (−1).
    public init(_ side: Side) {
        self = side == .buy ? .buy : .sell
    }

    /// The normalized side; nil for undefined or unrecognized values.
    public var side: Side? {
        switch self {
        case .buy: .buy
        case .sell: .sell
        default: nil
        }
    }
}

extension T4proto_V1_Common_PriceType {
    /// `PRICE_TYPE_MARKET`, `LIMIT`, `STOP_MARKET`, `STOP_LIMIT`.
    public init(_ type: OrderType) {
        switch type {
        case .market: self = .market
        case .limit: self = .limit
        case .stop: self = .stopMarket
        case .stopLimit: self = .stopLimit
        }
    }
}

extension T4proto_V1_Common_TimeType {
    /// `TIME_TYPE_NORMAL` (day), `IMMEDIATE_AND_CANCEL`, `GOOD_TILL_CANCELLED`,
    /// `COMPLETE_VOLUME` (fill-or-kill); nil for good-till-date, which T4 has no time type for.
    public init?(_ timeInForce: TimeInForce) {
        switch timeInForce {
        case .day: self = .normal
        case .ioc: self = .immediateAndCancel
        case .gtc: self = .goodTillCancelled
        case .fok: self = .completeVolume
        case .gtd: return nil
        }
    }
}
