import SFOXWire
public import VenueConnector

/// Everything the sFOX connector needs. The API key comes from the environment or a secret file
/// (see the service's config loader), never from the YAML file.
public struct SFOXConnectorConfiguration: Sendable {
    /// The WebSocket both sessions dial (`wss://ws.sfox.com/ws`). The venue advises one socket for
    /// market data and another for account feeds; each has its own link settings.
    public var marketDataLink: VenueLinkSettings
    public var privateLink: VenueLinkSettings
    /// REST base including the version (`https://api.sfox.com/v1`).
    public var restBaseURL: String
    /// nil: public market data only (no private feeds, no order entry).
    public var apiKey: String?
    /// Connect (enterprise) partners authenticate with `"enterprise": true`.
    public var enterprise = false
    /// The account name our reports and balances carry (sFOX has one account per API key).
    public var account: String
    /// sFOX pair (`btcusd`) ↔ normalized symbol (`BTC-USD`).
    public var instruments: InstrumentMap
    /// `orderbook.net.<pair>` (fee-adjusted prices) instead of `orderbook.sfox.<pair>`.
    public var netPriceBooks = false
    public var subscribeBooks = true
    public var subscribeTrades = true
    public var subscribeTicker = true
    /// Publish a `ticker` whenever the top of a book changes (besides the venue's own ~3 s ticker).
    public var publishTopOfBookTicker = true
    /// Client-side pacing under the venue's documented REST limits, so the bridge slows itself
    /// down before the venue answers 429.
    public var restRequestsPerWindow = SFOXHouseRules.restRequestsPerWindow
    public var restWindow = SFOXHouseRules.restWindow
    public var orderCreatesPerSecond = SFOXHouseRules.orderCreatesPerSecond
    /// After a 429 no REST request is sent for this long (the venue's documented wait).
    public var backoffAfter429 = SFOXHouseRules.restBackoffAfter429
    /// Finished orders remembered for reports and `query` after they leave the open-orders feed.
    public var finishedOrderMemory = 10_000
    /// Private trades for orders the connector has not seen yet, held until the order shows up.
    public var pendingTradeCapacity = 1_000

    public init(
        url: String, restBaseURL: String, apiKey: String?, account: String = "default", instruments: InstrumentMap
    ) {
        var link = VenueLinkSettings(url: url)
        link.pingInterval = SFOXHouseRules.pingInterval
        link.deadLinkTimeout = SFOXHouseRules.deadLinkTimeout
        marketDataLink = link
        privateLink = link
        self.restBaseURL = restBaseURL
        self.apiKey = apiKey
        self.account = account
        self.instruments = instruments
    }

    /// The WebSocket feeds of the market-data session, for one pair.
    func marketFeeds(pair: String) -> [String] {
        var feeds: [String] = []
        if subscribeBooks { feeds.append(SFOXFeed.orderBook(pair: pair, net: netPriceBooks).name) }
        if subscribeTrades { feeds.append(SFOXFeed.trades(pair: pair).name) }
        if subscribeTicker { feeds.append(SFOXFeed.ticker(pair: pair).name) }
        return feeds
    }

    static let privateFeeds = [SFOXFeed.openOrders.name, SFOXFeed.privateTrades.name, SFOXFeed.balances.name]
}
