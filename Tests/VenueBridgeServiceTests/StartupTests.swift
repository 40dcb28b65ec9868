import MetricsTestKit
import Testing

@testable import VenueBridgeService

@Suite("build info")
struct BuildInfoTests {
    @Test("vb_build_info is 1, labelled with the version and the commit; --version says the same")
    func buildInfo() throws {
        let metrics = TestMetrics()
        BuildInfo.record(factory: metrics)
        let gauge = try metrics.expectGauge(
            "vb_build_info", [("version", BuildInfo.version), ("commit", BuildInfo.commit)])
        #expect(gauge.lastValue == 1)
        #expect(BuildInfo.description.contains(BuildInfo.version))
        #expect(!BuildInfo.commit.isEmpty)
    }
}

@Suite("command service start-up checks")
struct CommandServiceStartupTests {
    @Test("a Redis policy that may evict idempotency records is warned about; noeviction is not")
    func evictionWarning() {
        #expect(CommandService.evictionWarning(policy: "noeviction") == nil)
        #expect(CommandService.evictionWarning(policy: nil) == nil)
        for policy in ["allkeys-lru", "volatile-ttl", "volatile-lru", "allkeys-random"] {
            #expect(CommandService.evictionWarning(policy: policy)?.contains(policy) == true, "\(policy)")
        }
    }
}
