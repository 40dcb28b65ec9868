import FIWire
public import VenueConnector

/// What the FI connector needs: where, who, which instruments from which feeds.
public struct FIConnectorConfiguration: Sendable {
    /// Where books come from: the venue's external aggregated book of one destination (`book` with
    /// `dest`, e.g. `GEMI`) or its internal order-by-order book (`ibook`). Trades follow the same
    /// choice (`trade` with `dest`, or `itrade`).
    public enum Source: Sendable, Hashable {
        case external(destination: String)
        case `internal`
    }

    public var link: VenueLinkSettings
    public var userID: String
    /// Sent only RSA-encrypted with the key the venue hands out per connection; never logged.
    public var password: String
    /// Venue security (`BTCUSD`) ↔ normalized symbol.
    public var instruments: InstrumentMap
    public var source: Source = .internal
    public var subscribeTrades = true
    public var publishTicker = true
    /// Entries an instrument's book may hold; past it the session ends and the book is rebuilt.
    public var maxBookEntries = 100_000
    /// How long to wait before logging in again after the venue refused the login (a quick retry
    /// of a wrong password helps nobody).
    public var loginRetryDelay: Duration = .seconds(30)
    /// The account name on execution reports and positions (FI has one account per login: the
    /// userid, unless configured).
    public var account: String
    /// How long a cancel's answer waits for the venue's `order` push that shows the order done
    /// (past it the answer is `pending_cancel`).
    public var cancelConfirmationWait: Duration = .seconds(3)
    /// Finished orders kept answerable by `query`, and fill ids kept to drop replayed `sale`s.
    public var finishedOrderMemory = 10_000
    public var seenFillMemory = 100_000

    public init(url: String, userID: String, password: String, instruments: InstrumentMap) {
        link = VenueLinkSettings(url: url)
        link.pingInterval = FIHouseRules.pingInterval
        link.deadLinkTimeout = FIHouseRules.deadLinkTimeout
        self.userID = userID
        self.password = password
        account = userID
        self.instruments = instruments
    }

    /// The subscriptions of one session: each instrument's book and (optionally) its trades.
    var subscriptions: [FISubscription] {
        instruments.venueIds.flatMap { security -> [FISubscription] in
            switch source {
            case .external(let destination):
                [.init(feed: .book, security: security, destination: destination)]
                    + (subscribeTrades ? [.init(feed: .trade, security: security, destination: destination)] : [])
            case .internal:
                [.init(feed: .ibook, security: security)]
                    + (subscribeTrades ? [.init(feed: .itrade, security: security)] : [])
            }
        }
    }
}
