import BridgeTestSupport
import Testing
import VenueBridgeCore
import VenueConnector

/// Fault scenario 6 (issue 17) at a venue link: a frame over `max_frame_bytes` cannot be skipped
/// (the rest of it is never read), so the link is closed and dialled again; the reason names the
/// limit and the frame is counted. The simulator's first book snapshot is about 1.3 kB: over the
/// 700-byte limit here, and under the WebSocket layer's own limit (twice ours), which would end the
/// link without a word.
@Suite("Finery: a frame over max_frame_bytes")
struct FineryOversizedFrameTests {
    @Test("the session ends with a reason naming max_frame_bytes, counted as frame_too_large, and is dialled again")
    func oversizedFrame() async throws {
        let harness = try await FineryBridgeHarness(prefix: "fo1") { $0.link.maxFrameSize = 700 }
        try await eventually("two sessions ended by an oversized frame") {
            _ = await harness.producer.flush(timeout: .milliseconds(200))
            return harness.reader.statuses.filter { $0.state == .disconnected }.count >= 2
        }
        let reasons = harness.reader.statuses.filter { $0.state == .disconnected }.compactMap(\.reason)
        #expect(reasons.allSatisfy { $0.contains("max_frame_bytes") }, "\(reasons)")
        let counted = harness.metrics.counters.filter {
            $0.label == "vb_venue_decode_errors_total" && $0.dimensions.contains { $0 == ("kind", "frame_too_large") }
        }.reduce(0) { $0 + $1.totalValue }
        #expect(counted >= 2)
        await harness.stop()
    }
}
