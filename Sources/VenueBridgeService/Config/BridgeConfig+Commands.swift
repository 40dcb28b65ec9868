public import VenueBridgeCore

extension BridgeConfig {
    /// The account an order command names when the sender gives none (`venue-bridge send-order`).
    /// Finery and sFOX have one configured account each. T4 has none in the configuration: its
    /// accounts are whatever the login lists after it subscribes, so the sender must name one.
    public func defaultOrderAccount(for venue: VenueID) -> String? {
        switch venue {
        case .finery: venues.finery.account.isEmpty ? nil : venues.finery.account
        case .sfox: venues.sfox.account.isEmpty ? nil : venues.sfox.account
        case .t4, .fi, .fig: nil
        }
    }
}
