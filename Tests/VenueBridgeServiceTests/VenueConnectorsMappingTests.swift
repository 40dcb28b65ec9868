import FineryModule
import SFOXModule
import T4Module
import Testing
import VenueCatalog
import VenueConnector
import VenueModuleKit

@testable import VenueBridgeService

@Suite("Config → connector mapping")
struct VenueConnectorsMappingTests {
    /// A config built in code, past the loader's checks: the mapping error reaches the caller
    /// instead of being swallowed into a connector with no instruments.
    @Test("an instrument mapped twice is an error, not an empty instrument list")
    func duplicateInstrument() {
        var finery = FinerySettings()
        finery.instruments = [
            .init(venueId: "BTC-USD", symbol: "BTC-USD"), .init(venueId: "XBT-USD", symbol: "BTC-USD"),
        ]
        #expect(throws: InstrumentMap.DuplicateMapping.self) { try FineryModule.connectorConfiguration(finery) }
        var sfox = SFOXSettings()
        sfox.instruments = [.init(venueId: "btcusd", symbol: "BTC-USD"), .init(venueId: "btcusd", symbol: "XBT-USD")]
        #expect(throws: InstrumentMap.DuplicateMapping.self) { try SFOXModule.connectorConfiguration(sfox) }
    }
}
