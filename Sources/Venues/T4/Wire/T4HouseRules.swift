public import VenueBridgeCore

/// Every rule of ours for Plus500 Futures (T4): the `[house]` lines of `shared/venues/t4.md`
/// (where the venue's documentation is silent) plus the documented session constants the
/// connector and the simulator must agree on. Both read them from here, so a rule changes in one
/// place once the real venue is seen.
public enum T4HouseRules {
    /// Our client order id travels in the order's `tag`: ≤ 64 printable ASCII.
    public static let clientOrderIdFormat = ClientOrderIdFormat.standard
    /// A market order is IOC unless the command says otherwise: nothing of it should rest.
    public static let marketTimeInForce = TimeInForce.ioc

    // MARK: Session (documented)

    /// Both sides send `Heartbeat{timestamp}` this often when they had nothing else to send.
    /// Heartbeats are not echoed.
    public static let heartbeatInterval: Duration = .seconds(20)
    /// The venue drops a client it heard nothing from for 3 intervals; the connector treats the
    /// same silence from the venue as a dead link, and the simulator drops silent clients after it.
    public static let deadAfter: Duration = .seconds(60)
    /// The bridge logs in with human decimals (`5954.75`), never raw exchange integers.
    public static let priceFormat: T4proto_V1_Common_PriceFormat = .real
    /// The first message after a login request must be `login_response`; anything else is a
    /// protocol error (the connector closes the socket).
    public static let loginResponseMustComeFirst = true

    // MARK: Market data (documented choices)

    /// Depth subscriptions ask for the smart buffer with trades (`DEPTH_BUFFER_SMART_TRADE`)…
    public static let depthBuffer: T4proto_V1_Common_DepthBuffer = .smartTrade
    /// …and the normal depth (`DEPTH_LEVELS_NORMAL`, 10 levels).
    public static let depthLevels: T4proto_V1_Common_DepthLevels = .normal
    /// Each `MarketDepth` is the whole book up to the subscribed depth, best first: the connector
    /// replaces its book with it (never merges).
    public static let marketDepthReplacesBook = true
    /// A new trade is a change of `total_traded_volume`; trades are deduplicated on it.
    public static let tradesDedupedOnTotalTradedVolume = true

    /// [house] The aggressor of a trade from `at_bid_or_offer`: `BID_OFFER_BID` (1) is a trade at
    /// the bid, so the seller took liquidity; `BID_OFFER_OFFER` (−1) a trade at the offer, so the
    /// buyer did. Anything else (undefined, unrecognized) is unknown.
    public static func aggressor(atBidOrOffer value: T4proto_V1_Common_BidOffer) -> AggressorSide {
        switch value {
        case .bid: .sell
        case .offer: .buy
        default: .unknown
        }
    }

    // MARK: Orders

    /// [house] There is no client order id on T4: the bridge puts its client order id in
    /// `OrderSubmit.Order.tag`, the venue echoes it in `OrderUpdate.tag` (field 47), and the
    /// connector matches updates to its orders on it (later updates by the server's `unique_id`).
    public static let clientOrderIdTravelsInTag = true
    /// [house] After a reconnect the working orders inside each `AccountSnapshot` (as
    /// `OrderUpdateMulti`, with their tags) are the reconciliation source.
    public static let reconcileFromAccountSnapshot = true
    /// Fills are deduplicated on `exchange_trade_id`.
    public static let fillsDedupedOnExchangeTradeId = true

    /// [house] The net position of an `AccountPosition` in contracts: the overnight position plus
    /// the day's buys minus its sells (positive long, negative short). The notes do not define
    /// it; this is our reading of the fields, in one place until the real venue is seen.
    public static func netPosition(overnight: Int32, buys: Int32, sells: Int32) -> Int64 {
        Int64(overnight) + Int64(buys) - Int64(sells)
    }

    // MARK: Simulator reply shapes [house]

    /// [house] What the simulator sends for each order event. Every reply is a `ServerMessage`
    /// `order_update_multi` (field 301) whose `updates` carry one entry of the given kind.
    /// t4.md fixes `submitted`, `fill`, `pulled` and `submitRejected` (entry kind, and status /
    /// change where it names them); the statuses of fills and rejects and the pull / revise
    /// refusal shapes are chosen here, from the venue's enums.
    public enum SimulatorReply: Sendable, Hashable {
        /// Accepted submit: a full `order_update` (status WORKING, change SUBMISSION_SUCCESS, a
        /// UUID `unique_id` chosen by the server, the client's `tag`, volumes and prices).
        case submitted
        /// A fill: `order_update_trade` (unique_id, volume, price, exchange_trade_id,
        /// total_fill_volume, working_volume, time); status WORKING / change TRADE while volume
        /// remains, FINISHED / TRADE_COMPLETED on the last fill.
        case fill(complete: Bool)
        /// Accepted pull: `order_update_status` (status FINISHED, change PULL_SUCCESS).
        case pulled
        /// Refused submit: `order_update_failed` (status REJECTED, change SUBMISSION_REJECTED,
        /// `status_detail` = the reason).
        case submitRejected
        /// Refused pull (unknown or finished order): `order_update_failed` (change PULL_REJECTED,
        /// `status_detail` = the reason).
        case pullRejected
        /// Accepted revise: `order_update_status` (status WORKING, change REVISION_SUCCESS, the
        /// new volume / limit price).
        case revised
        /// Refused revise: `order_update_failed` (change REVISION_REJECTED).
        case reviseRejected

        /// The `status` the reply carries.
        public var status: T4proto_V1_Common_OrderStatus {
            switch self {
            case .submitted, .revised: .working
            case .fill(let complete): complete ? .finished : .working
            case .pulled: .finished
            case .submitRejected: .rejected
            // The order itself is unchanged by a refused pull / revise: still working.
            case .pullRejected, .reviseRejected: .working
            }
        }

        /// The `change` the reply carries.
        public var change: T4proto_V1_Common_OrderChange {
            switch self {
            case .submitted: .submissionSuccess
            case .fill(let complete): complete ? .tradeCompleted : .trade
            case .pulled: .pullSuccess
            case .submitRejected: .submissionRejected
            case .pullRejected: .pullRejected
            case .revised: .revisionSuccess
            case .reviseRejected: .revisionRejected
            }
        }
    }
}
