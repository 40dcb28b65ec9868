public import T4Wire
public import VenueBridgeCore

/// Everything a `T4Simulator` needs before it starts. Session timings default to the documented
/// ones (`T4HouseRules`); tests shorten them.
public struct T4SimulatorConfiguration: Sendable {
    /// One futures market, identified like the venue does by three ids.
    public struct Market: Sendable, Hashable {
        public var exchangeID: String
        public var contractID: String
        public var marketID: String
        /// The tick (`MarketDetails.min_price_increment`), in REAL (human) units: `0.25` for ES.
        public var minPriceIncrement: ExactDecimal
        /// Cash value of one point (`MarketDetails.point_value`).
        public var pointValue: ExactDecimal
        /// Where the random walk starts; rounded down to the tick.
        public var midPrice: ExactDecimal
        /// Decimal places of the raw exchange integers (`PRICE_FORMAT_DECIMAL`): ES `5954.75` is
        /// `595475` with 2.
        public var decimals: Int
        public var expiryDate: Int32

        public init(
            exchangeID: String, contractID: String, marketID: String, minPriceIncrement: ExactDecimal,
            pointValue: ExactDecimal,
            midPrice: ExactDecimal, decimals: Int? = nil, expiryDate: Int32 = 20_250_620
        ) {
            self.exchangeID = exchangeID
            self.contractID = contractID
            self.marketID = marketID
            self.minPriceIncrement = minPriceIncrement
            self.pointValue = pointValue
            self.midPrice = midPrice
            self.decimals = decimals ?? minPriceIncrement.fractionDigits
            self.expiryDate = expiryDate
        }

        /// E-mini S&P 500, tick 0.25, $50 a point.
        public static let es = Market(
            exchangeID: "CME_Eq", contractID: "ES", marketID: "XCME_Eq ES (M25)",
            minPriceIncrement: ExactDecimal(significand: 25, exponent: -2),
            pointValue: 50, midPrice: ExactDecimal(significand: 595_475, exponent: -2)
        )
        /// E-mini Nasdaq-100, tick 0.25, $20 a point.
        public static let nq = Market(
            exchangeID: "CME_Eq", contractID: "NQ", marketID: "XCME_Eq NQ (M25)",
            minPriceIncrement: ExactDecimal(significand: 25, exponent: -2),
            pointValue: 20, midPrice: ExactDecimal(significand: 2_151_050, exponent: -2)
        )
    }

    /// A login of the password form, and the accounts it may trade.
    public struct User: Sendable, Hashable {
        public var firm: String
        public var username: String
        public var password: String
        public var userID: String
        public var firmID: String
        public var accountIDs: [String]

        public init(
            firm: String, username: String, password: String, userID: String, firmID: String, accountIDs: [String]
        ) {
            self.firm = firm
            self.username = username
            self.password = password
            self.userID = userID
            self.firmID = firmID
            self.accountIDs = accountIDs
        }

        public static let demo = User(
            firm: "DEMO", username: "demo", password: "demo-password", userID: "U-1001", firmID: "F-100",
            accountIDs: ["SIM-001"])
    }

    public struct Account: Sendable, Hashable {
        public var accountID: String
        public var accountNumber: String
        public var name: String

        public init(accountID: String, accountNumber: String, name: String) {
            self.accountID = accountID
            self.accountNumber = accountNumber
            self.name = name
        }
    }

    /// API keys accepted by `login_request{api_key}`, each logging in as the user of that name.
    public var apiKeys: [String: String]
    public var users: [User] = [.demo]
    public var accounts: [Account] = [
        Account(accountID: "SIM-001", accountNumber: "SIM001", name: "Simulated account 1")
    ]
    /// The application name and license a password login must present (nil: any).
    public var appName: String? = nil
    public var appLicense: String? = nil
    public var host: String = "127.0.0.1"
    /// 0 lets the kernel pick; `start()` returns the bound port.
    public var port: Int = 0
    public var markets: [Market] = [.es, .nq]
    /// Seeds the books and the random walk: the same seed and calls give the same books.
    public var seed: UInt64 = 42
    /// Background random-walk steps per second over all markets (0: only `step()`).
    public var updatesPerSecond: Int = 10
    /// Levels per side of every book.
    public var depth: Int = 10
    /// The server sends a heartbeat after this long without sending anything.
    public var heartbeatInterval: Duration = T4HouseRules.heartbeatInterval
    /// A client silent for this long is dropped (3 intervals by default).
    public var deadAfter: Duration = T4HouseRules.deadAfter
    /// Frames queued for one socket beyond this disconnect it.
    public var maxOutboundQueue: Int = 10_000

    /// Every key logs in as the demo user.
    public init(apiKeys: Set<String>, host: String = "127.0.0.1", port: Int = 0) {
        var keys: [String: String] = [:]
        for key in apiKeys { keys[key] = User.demo.username }
        self.apiKeys = keys
        self.host = host
        self.port = port
    }

    /// Sets `heartbeatInterval` and `deadAfter` (3 intervals) together.
    public mutating func setHeartbeat(_ interval: Duration) {
        heartbeatInterval = interval
        deadAfter = interval * 3
    }
}

/// One price level of a simulated book.
public struct T4BookLevel: Sendable, Hashable {
    public var price: ExactDecimal
    public var volume: Int32

    public init(price: ExactDecimal, volume: Int32) {
        self.price = price
        self.volume = volume
    }
}

/// A client order as the venue holds it.
public struct T4SimulatedOrder: Sendable, Hashable {
    public var uniqueID: String
    public var accountID: String
    public var marketID: String
    public var buySell: T4BuySell
    public var priceType: T4PriceType
    public var timeType: T4TimeType
    /// The order's current volume (filled part included).
    public var volume: Int32
    public var limitPrice: ExactDecimal?
    public var filledVolume: Int32
    public var status: T4OrderStatus
    public var tag: String

    public var workingVolume: Int32 { status == .working ? volume - filledVolume : 0 }
}

/// Counters since the simulator was created.
public struct T4SimulatorStats: Sendable, Hashable {
    public var connectionsAccepted = 0
    public var upgradesRefused = 0
    public var framesIn = 0
    public var framesOut = 0
    public var malformedFramesIn = 0
    public var slowClientDisconnects = 0
    public var logins = 0
    public var loginFailures = 0
    public var heartbeatsSent = 0
    public var heartbeatDisconnects = 0
    public var depthUpdatesSent = 0
    public var ordersReceived = 0
    public var ordersRejected = 0
    public var fills = 0

    public init() {}
}
