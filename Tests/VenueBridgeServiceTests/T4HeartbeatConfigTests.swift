import FineryModule
import SFOXModule
import T4Module
import Testing
import VenueCatalog
import VenueModuleKit

@testable import VenueBridgeService

@Suite("T4 heartbeat config")
struct T4HeartbeatConfigTests {
    static let yaml = T4ConfigTests.section() + "    api_key_file: /key\n"

    @Test("heartbeat_interval_ms: the notes' 20 s by default, configurable, and never mistaken for the WebSocket ping")
    func heartbeatInterval() throws {
        let defaults = T4Module.connectorConfiguration(
            try loadVenueConfig(Self.yaml, env: [:], files: ["/key": "k"]).venues.t4)
        #expect(defaults.heartbeatInterval == .seconds(20))

        let tuned = try loadVenueConfig(
            Self.yaml
                + "    heartbeat_interval_ms: 5000\n    ping_interval_ms: 7000\n    dead_link_timeout_ms: 30000\n",
            env: [:], files: ["/key": "k"])
        let connector = T4Module.connectorConfiguration(tuned.venues.t4)
        #expect(connector.heartbeatInterval == .seconds(5))
        #expect(connector.link.pingInterval == .seconds(7), "the WebSocket ping keeps its own setting")
    }

    @Test("heartbeat_interval_ms out of range is refused with its key path")
    func outOfRange() {
        for value in ["0", "999", "600001", "soon"] {
            do {
                _ = try loadVenueConfig(
                    Self.yaml + "    heartbeat_interval_ms: \(value)\n", env: [:], files: ["/key": "k"])
                Issue.record("heartbeat_interval_ms: \(value) was accepted")
            } catch {
                #expect(error.issues.map(\.key) == ["venues.t4.heartbeat_interval_ms"])
            }
        }
    }
}
