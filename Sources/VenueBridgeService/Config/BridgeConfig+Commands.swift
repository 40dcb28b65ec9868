public import VenueBridgeCore
import VenueModuleKit

extension BridgeConfig {
    /// The account an order command names when the sender gives none (`venue-bridge send-order`).
    /// The venue's module says (Finery and sFOX: the configured account; T4: none, its accounts
    /// are whatever the login lists, so the sender must name one).
    public func defaultOrderAccount(for venue: VenueID) -> String? {
        venues.module(for: venue)?.defaultOrderAccount(in: venues)
    }
}
