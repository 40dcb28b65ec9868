public import CommandPath
public import FineryConnector
public import SFOXConnector
public import T4Connector
public import VenueBridgeCore
import VenueConnector

/// The venues the command path may send to: every enabled connector that has order entry.
public enum CommandVenues {
    public static func make(config: BridgeConfig, finery: FineryConnector?, sfox: SFOXConnector?, t4: T4Connector?) -> [VenueID: CommandVenue] {
        var venues: [VenueID: CommandVenue] = [:]
        if let finery {
            let account = config.venues.finery.account
            venues[.finery] = CommandVenue(
                entry: finery, instruments: Set(config.venues.finery.instruments.map(\.symbol)), accounts: { [account] },
                sessionState: { finery.control.state }, marketTimeInForce: .ioc
            )
        }
        // sFOX order entry needs the private session (API key and the account feed).
        if let sfox, let control = sfox.privateControl {
            let account = config.venues.sfox.account
            venues[.sfox] = CommandVenue(
                entry: sfox, instruments: Set(config.venues.sfox.instruments.map(\.symbol)), accounts: { [account] },
                sessionState: { control.state }, marketTimeInForce: .gtc
            )
        }
        if let t4, config.venues.t4.subscribeAccounts {
            venues[.t4] = CommandVenue(
                entry: t4, instruments: Set(config.venues.t4.markets.map(\.symbol)),
                // The login names the accounts; before it does, the session wait decides.
                accounts: { t4.accounts.isEmpty ? nil : Set(t4.accounts) },
                sessionState: { t4.control.state },
                replace: { clientOrderId, account, quantity, price async throws(OrderEntryError) in
                    try await t4.revise(clientOrderId: clientOrderId, account: account, quantity: quantity, price: price)
                },
                marketTimeInForce: .ioc
            )
        }
        return venues
    }
}
