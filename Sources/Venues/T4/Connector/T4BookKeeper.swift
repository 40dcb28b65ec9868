public import T4Wire
public import VenueBridgeCore
public import VenueConnector

/// What `MarketDetails` says about a market, kept for order validation and operators.
public struct T4InstrumentDetails: Sendable, Hashable {
    public var marketID: String
    /// `min_price_increment`: every order price is a multiple of it.
    public var tick: ExactDecimal?
    /// `point_value`: the cash value of one price unit for one contract.
    public var pointValue: ExactDecimal?
}

/// Turns T4 market data into normalized events. Pure (no I/O); one per session, so each new
/// connection starts from the venue's fresh `MarketSnapshot`.
///
/// - Every `MarketDepth` is the whole book up to the subscribed depth
///   (`T4HouseRules.marketDepthReplacesBook`): the first of a subscription (inside
///   `MarketSnapshot`) is published as a `book_snapshot`, each later one as the `book_delta` of
///   the levels that changed, plus a `ticker` when the top moved.
/// - Trades arrive twice: as `MarketDepthTrade` and as the `trade_data` repeated on every depth.
///   A trade is new only when `total_traded_volume` changed
///   (`T4HouseRules.tradesDedupedOnTotalTradedVolume`). The volume seen in a subscription's
///   snapshot is a baseline, not a trade (it is the market's last trade before we subscribed); a
///   snapshot without trade data sets the baseline to zero. The baseline survives reconnects, so a
///   trade is neither repeated across them nor, when it was the latest, lost.
public struct T4BookKeeper: Sendable {
    let markets: [String: T4Market]
    let publishTicker: Bool
    private var books: [String: LocalOrderBook] = [:]
    private var lastTradedVolume: [String: Int32]

    /// `tradeBaselines` carries the last `total_traded_volume` per market over from the previous
    /// session, so a reconnect neither repeats nor loses a trade.
    public init(markets: [T4Market], publishTicker: Bool, tradeBaselines: [String: Int32] = [:]) {
        self.markets = Dictionary(markets.map { ($0.marketID, $0) }, uniquingKeysWith: { first, _ in first })
        self.publishTicker = publishTicker
        lastTradedVolume = tradeBaselines
    }

    public var tradeBaselines: [String: Int32] { lastTradedVolume }
    public func book(marketID: String) -> LocalOrderBook? { books[marketID] }

    /// The details of a configured market (the connector keeps them across sessions).
    public func details(_ message: T4proto_V1_Market_MarketDetails) throws(VenueNormalizeError) -> T4InstrumentDetails {
        guard markets[message.marketID] != nil else {
            throw VenueNormalizeError(
                .unsubscribedInstrument, "market_details for \(message.marketID): market not configured")
        }
        var entry = T4InstrumentDetails(marketID: message.marketID)
        do {
            if message.hasMinPriceIncrement { entry.tick = try message.minPriceIncrement.exactDecimal() }
            if message.hasPointValue { entry.pointValue = try message.pointValue.exactDecimal() }
        } catch {
            throw VenueNormalizeError(.invalidValue, "market_details for \(message.marketID): \(error)")
        }
        return entry
    }

    /// A subscription's `MarketSnapshot`: the book starts again from its depth (a `book_snapshot`).
    public mutating func snapshot(_ message: T4proto_V1_Market_MarketSnapshot, tsRecv: Int64)
        throws(VenueNormalizeError) -> [NormalizedEvent]
    {
        let market = try configured(message.marketID, "market_snapshot")
        books[market.marketID] = nil
        var events: [NormalizedEvent] = []
        for entry in message.messages {
            switch entry.payload {
            case .marketDepth(let depth)?:
                events += try self.depth(depth, tsRecv: tsRecv)
            case .marketDepthTrade(let trade)?:
                if let event = try self.trade(trade, tsRecv: tsRecv) { events.append(event) }
            default:
                break  // high/low, limits, settlement: not published
            }
        }
        // A snapshot without trade data says the market has not traded: the next trade is new.
        if lastTradedVolume[market.marketID] == nil { lastTradedVolume[market.marketID] = 0 }
        return events
    }

    /// A `MarketDepth`: the whole book, plus the trade it may carry in `trade_data`.
    public mutating func depth(_ message: T4proto_V1_Market_MarketDepth, tsRecv: Int64) throws(VenueNormalizeError)
        -> [NormalizedEvent]
    {
        let market = try configured(message.marketID, "market_depth")
        let tsVenue =
            message.hasTime ? try Self.nanos(message.time.seconds, message.time.nanos, market, "market_depth") : nil
        let new = LocalOrderBook(
            bids: try Self.levels(message.bids, market, "bid"), asks: try Self.levels(message.offers, market, "offer"))
        // Everything in the message is checked before anything is kept: a refused message changes
        // neither the book nor the trade baseline.
        var tradeTime = tsVenue
        if message.hasTradeData {
            let data = message.tradeData
            if data.hasTime {
                tradeTime = try Self.nanos(data.time.seconds, data.time.nanos, market, "market_depth trade_data")
            }
            try Self.checkTradeVolumes(
                total: data.totalTradedVolume, volume: data.lastTradeVolume, market, "market_depth trade_data")
        }
        let old = books.updateValue(new, forKey: market.marketID)
        var events = LocalOrderBook.replacementPayloads(from: old, to: new, ticker: publishTicker).map {
            NormalizedEvent(
                venue: .t4, instrument: market.symbol, venueInstrument: market.marketID, tsVenue: tsVenue,
                tsRecv: tsRecv, payload: $0)
        }
        if message.hasTradeData {
            let data = message.tradeData
            if let trade = try newTrade(
                market, total: data.totalTradedVolume, volume: data.lastTradeVolume,
                price: data.hasLastTradePrice ? data.lastTradePrice : nil,
                atBidOrOffer: data.atBidOrOffer, tsVenue: tradeTime, tsRecv: tsRecv
            ) {
                events.append(trade)
            }
        }
        return events
    }

    /// A `MarketDepthTrade`: a trade when its `total_traded_volume` is new.
    public mutating func trade(_ message: T4proto_V1_Market_MarketDepthTrade, tsRecv: Int64) throws(VenueNormalizeError)
        -> NormalizedEvent?
    {
        let market = try configured(message.marketID, "market_depth_trade")
        let tsVenue =
            message.hasTime
            ? try Self.nanos(message.time.seconds, message.time.nanos, market, "market_depth_trade") : nil
        try Self.checkTradeVolumes(
            total: message.totalTradedVolume, volume: message.lastTradeVolume, market, "market_depth_trade")
        return try newTrade(
            market, total: message.totalTradedVolume, volume: message.lastTradeVolume,
            price: message.hasLastTradePrice ? message.lastTradePrice : nil,
            atBidOrOffer: message.atBidOrOffer, tsVenue: tsVenue, tsRecv: tsRecv
        )
    }

    // MARK: -

    private mutating func newTrade(
        _ market: T4Market, total: Int32, volume: Int32, price: T4Price?, atBidOrOffer: T4proto_V1_Common_BidOffer,
        tsVenue: Int64?, tsRecv: Int64
    ) throws(VenueNormalizeError) -> NormalizedEvent? {
        let previous = lastTradedVolume.updateValue(total, forKey: market.marketID)
        // No baseline yet: the first subscription's last trade happened before we subscribed. A
        // snapshot after a reconnect whose total moved does report the (latest) trade.
        guard let previous, previous != total, volume > 0, let price else { return nil }
        let exact: ExactDecimal
        do { exact = try price.exactDecimal() } catch {
            throw VenueNormalizeError(.invalidValue, "trade on \(market.marketID): \(error)")
        }
        return NormalizedEvent(
            venue: .t4, instrument: market.symbol, venueInstrument: market.marketID, tsVenue: tsVenue, tsRecv: tsRecv,
            payload: .trade(
                Trade(
                    price: exact, size: T4Volume.quantity(volume),
                    aggressor: T4HouseRules.aggressor(atBidOrOffer: atBidOrOffer), tradeId: nil))
        )
    }

    private func configured(_ marketID: String, _ what: String) throws(VenueNormalizeError) -> T4Market {
        guard let market = markets[marketID] else {
            throw VenueNormalizeError(.unsubscribedInstrument, "\(what) for \(marketID): market not configured")
        }
        return market
    }

    private static func levels(_ lines: [T4proto_V1_Market_MarketDepth.DepthLine], _ market: T4Market, _ side: String)
        throws(VenueNormalizeError) -> [PriceLevel]
    {
        var levels: [PriceLevel] = []
        levels.reserveCapacity(lines.count)
        for line in lines where line.volume != 0 {
            let price: ExactDecimal
            do { price = try line.price.exactDecimal() } catch {
                throw VenueNormalizeError(.invalidValue, "market_depth for \(market.marketID): \(side) \(error)")
            }
            guard line.volume > 0 else {
                throw VenueNormalizeError(
                    .invalidValue, "market_depth for \(market.marketID): \(side) at \(price) has volume \(line.volume)")
            }
            if let last = levels.last, side == "bid" ? !(price < last.price) : !(price > last.price) {
                throw VenueNormalizeError(
                    .invalidValue, "market_depth for \(market.marketID): \(side)s not best first at \(price)")
            }
            levels.append(PriceLevel(price: price, size: T4Volume.quantity(line.volume)))
        }
        return levels
    }

    /// A venue timestamp as nanoseconds since the epoch, checked: `seconds` is the venue's, and a
    /// product that overflows must be refused, not wrapped into a plausible-looking wrong time.
    /// Our timestamps are never negative (docs/events.md §2.2), nor are protobuf's `nanos`.
    static func nanos(_ seconds: Int64, _ nanos: Int32, _ market: T4Market, _ what: String) throws(VenueNormalizeError)
        -> Int64
    {
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        guard seconds >= 0, !overflow, (0..<1_000_000_000).contains(nanos) else {
            throw VenueNormalizeError(
                .invalidValue, "\(what) for \(market.marketID): time \(seconds) s + \(nanos) ns is out of range")
        }
        let (total, carry) = whole.addingReportingOverflow(Int64(nanos))
        guard !carry else {
            throw VenueNormalizeError(
                .invalidValue, "\(what) for \(market.marketID): time \(seconds) s + \(nanos) ns is out of range")
        }
        return total
    }

    /// Traded volumes are counts of contracts: a negative one cannot be published as a trade size
    /// nor kept as the dedupe baseline.
    static func checkTradeVolumes(total: Int32, volume: Int32, _ market: T4Market, _ what: String)
        throws(VenueNormalizeError)
    {
        guard total >= 0, volume >= 0 else {
            throw VenueNormalizeError(
                .invalidValue, "\(what) for \(market.marketID): negative volume (total \(total), last \(volume))")
        }
    }
}
