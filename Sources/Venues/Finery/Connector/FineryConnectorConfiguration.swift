import FineryWire
public import VenueConnector

/// Everything one Finery connection needs. Credentials come from the environment or secret files
/// (see the service's config loader), never from the YAML file.
public struct FineryConnectorConfiguration: Sendable {
    public var link: VenueLinkSettings
    public var apiKey: String
    public var apiSecret: String
    /// The account name our reports carry (Finery has one book per API key).
    public var account: String
    public var instruments: InstrumentMap
    /// Feeds to bind: `B` books, `I` instrument metadata, `O` own orders, `K` positions.
    public var bindBooks = true
    public var bindInstruments = true
    public var bindOrders = true
    public var bindPositions = true
    /// Publish a `ticker` whenever the top of a book changes.
    public var publishTicker = true
    /// `cod` on every order unless the request says otherwise (the bridge's default).
    public var cancelOnDisconnectByDefault = true
    /// Finished orders remembered for `query(clientOrderId:)` after they leave the `O` feed.
    public var finishedOrderMemory = 10_000

    public init(url: String, apiKey: String, apiSecret: String, account: String = "default", instruments: InstrumentMap)
    {
        var link = VenueLinkSettings(url: url)
        link.pingInterval = FineryHouseRules.pingInterval
        link.deadLinkTimeout = FineryHouseRules.deadLinkTimeout
        self.link = link
        self.apiKey = apiKey
        self.apiSecret = apiSecret
        self.account = account
        self.instruments = instruments
    }
}
