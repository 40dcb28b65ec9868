import FineryModule
import SFOXModule
import T4Module
import Testing
import VenueBridgeCore
import VenueCatalog
import VenueModuleKit

@testable import VenueBridgeService

/// What each venue states about itself through its module.
@Suite("venue modules")
struct VenueModuleTests {
    /// The formats `ClientOrderIdsTests` pins derived ids for: a venue moving to another format
    /// would make a restarted bridge derive other ids for keys it already sent.
    @Test("each venue keeps the client order id format its pinned ids were derived in")
    func clientOrderIdFormats() {
        #expect(VenueCatalog.clientOrderIdFormat(for: .finery) == .positiveInt64)
        #expect(VenueCatalog.clientOrderIdFormat(for: .sfox) == .standard)
        #expect(VenueCatalog.clientOrderIdFormat(for: .t4) == .standard)
    }

    @Test("the venue list names each venue once")
    func uniqueIds() {
        let ids = VenueCatalog.all.map { $0.id }
        #expect(Set(ids).count == ids.count)
    }
}
