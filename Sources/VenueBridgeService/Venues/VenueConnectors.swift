public import FineryConnector
public import SFOXConnector
public import T4Connector
public import VenueConnector

/// Turns validated config sections into connector configurations.
public enum VenueConnectors {
    public static func linkSettings(_ link: BridgeConfig.VenueLink) -> VenueLinkSettings {
        var settings = VenueLinkSettings(url: link.url)
        settings.tlsVerify = link.tlsVerify
        settings.caFile = link.caFile
        settings.tlsServerName = link.tlsServerName
        settings.maxFrameSize = link.maxFrameBytes
        settings.pingInterval = .milliseconds(link.pingIntervalMs)
        settings.deadLinkTimeout = .milliseconds(link.deadLinkTimeoutMs)
        settings.connectTimeout = .milliseconds(link.connectTimeoutMs)
        settings.requestTimeout = .milliseconds(link.requestTimeoutMs)
        settings.reconnect.initialDelay = .milliseconds(link.reconnectInitialMs)
        settings.reconnect.maxDelay = .milliseconds(link.reconnectMaxMs)
        settings.reconnect.maxAttempts = link.reconnectMaxAttempts == 0 ? nil : link.reconnectMaxAttempts
        return settings
    }

    /// The loader has validated the section (instruments unique, credentials present); a config
    /// built in code without the loader gets the mapping error rather than an empty instrument list.
    public static func fineryConfiguration(_ finery: BridgeConfig.Finery) throws(InstrumentMap.DuplicateMapping) -> FineryConnectorConfiguration {
        let instruments = try InstrumentMap(finery.instruments.map { ($0.venueId, $0.symbol) })
        var configuration = FineryConnectorConfiguration(
            url: finery.link.url, apiKey: finery.apiKey ?? "", apiSecret: finery.apiSecret ?? "", account: finery.account, instruments: instruments
        )
        configuration.link = linkSettings(finery.link)
        configuration.bindBooks = finery.feeds.contains(.books)
        configuration.bindInstruments = finery.feeds.contains(.instruments)
        configuration.bindOrders = finery.feeds.contains(.orders)
        configuration.bindPositions = finery.feeds.contains(.positions)
        configuration.publishTicker = finery.publishTicker
        configuration.cancelOnDisconnectByDefault = finery.cancelOnDisconnect
        return configuration
    }

    /// The loader has validated the section (pairs unique, a key when the account feed is on); a
    /// config built in code without the loader gets the mapping error.
    public static func sfoxConfiguration(_ sfox: BridgeConfig.SFOX) throws(InstrumentMap.DuplicateMapping) -> SFOXConnectorConfiguration {
        let instruments = try InstrumentMap(sfox.instruments.map { ($0.venueId, $0.symbol) })
        let apiKey = sfox.feeds.contains(.account) ? sfox.apiKey : nil
        var configuration = SFOXConnectorConfiguration(url: sfox.link.url, restBaseURL: sfox.restURL, apiKey: apiKey, account: sfox.account, instruments: instruments)
        configuration.marketDataLink = linkSettings(sfox.link)
        configuration.privateLink = linkSettings(sfox.link)
        configuration.subscribeBooks = sfox.feeds.contains(.books)
        configuration.subscribeTrades = sfox.feeds.contains(.trades)
        configuration.subscribeTicker = sfox.feeds.contains(.ticker)
        configuration.netPriceBooks = sfox.netPriceBooks
        configuration.publishTopOfBookTicker = sfox.publishTicker
        configuration.enterprise = sfox.enterprise
        return configuration
    }

    /// The loader has validated the section (markets unique, exactly one complete login form).
    public static func t4Configuration(_ t4: BridgeConfig.T4) -> T4ConnectorConfiguration {
        let credentials: T4Credentials = if let apiKey = t4.apiKey, !apiKey.isEmpty {
            .apiKey(apiKey)
        } else {
            .password(firm: t4.firm ?? "", username: t4.username ?? "", password: t4.password ?? "", appName: t4.appName ?? "", appLicense: t4.appLicense ?? "")
        }
        var configuration = T4ConnectorConfiguration(url: t4.link.url, credentials: credentials, markets: t4.markets)
        configuration.link = linkSettings(t4.link)
        configuration.subscribeAccounts = t4.subscribeAccounts
        configuration.publishTicker = t4.publishTicker
        configuration.loginRetryDelay = .milliseconds(t4.loginRetryDelayMs)
        if let heartbeat = t4.heartbeatIntervalMs { configuration.heartbeatInterval = .milliseconds(heartbeat) }
        return configuration
    }
}
