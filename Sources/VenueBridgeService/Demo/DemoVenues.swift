public import Logging
public import VenueBridgeCore
public import VenueModuleKit

/// `venue-bridge demo`'s venues: every venue's simulator, with the real connector pointed at it.
public enum DemoVenues {
    /// Starts the simulator of every venue `config` was loaded with and points its settings at it.
    /// `updatesPerSecond` sets a simulator's pace by venue (missing: 10).
    public static func start(_ config: inout BridgeConfig, updatesPerSecond: [VenueID: Int], logger: Logger)
        async throws -> [DemoVenue]
    {
        var started: [DemoVenue] = []
        for module in config.venues.modules {
            started.append(
                try await module.startDemo(
                    in: &config.venues, updatesPerSecond: updatesPerSecond[module.id] ?? 10, logger: logger))
        }
        return started
    }
}
