import ArgumentParser
import VenueCatalog
import VenueModuleKit

/// `venue-sim <venue>`: each venue's simulator command comes from its module.
@main
struct VenueSimCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "venue-sim",
        abstract: "Runs a venue simulator standalone.",
        subcommands: VenueCatalog.all.map { $0.simulatorCommand }
    )
}
