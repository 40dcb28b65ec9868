import FIModule
import FigModule
import FineryModule
import SFOXModule
import T4Module
public import VenueBridgeCore
public import VenueModuleKit

/// The venues this build of the bridge knows, in the order they are read, printed and started.
/// The one list of venues: the executables (`venue-bridge`, `venue-bench`) hand it to the config
/// loader, and everything else loops over what the loader was given. Adding a venue: its folder
/// under `Sources/Venues/`, its targets in `Package.swift`, one line here (docs/adding-a-venue.md).
public enum VenueCatalog {
    public static let all: [any VenueModule.Type] = [
        FineryModule.self, SFOXModule.self, T4Module.self, FIModule.self, FigModule.self,
    ]

    public static func module(for venue: VenueID) -> (any VenueModule.Type)? {
        all.first { $0.id == venue }
    }

    /// The venue's client order id format; the standard one for a venue this build does not know
    /// (its commands are refused as `UNKNOWN_VENUE` anyway).
    public static func clientOrderIdFormat(for venue: VenueID) -> ClientOrderIdFormat {
        module(for: venue)?.clientOrderIdFormat ?? .standard
    }
}
