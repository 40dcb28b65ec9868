import Testing
import VenueBridgeCore

@Suite("NearestName: did you mean")
struct NearestNameTests {
    @Test("a typo gets the closest name; a name far from all gets none; the name itself is not suggested")
    func suggestions() {
        let topics = ["vb.md.book", "vb.md.ticker", "vb.md.trade", "vb.exec.report"]
        #expect(NearestName.nearest(to: "vb.md.tickr", among: topics) == "vb.md.ticker")
        #expect(NearestName.nearest(to: "vb.exec.reports", among: topics) == "vb.exec.report")
        #expect(NearestName.nearest(to: "orders", among: topics) == nil)
        #expect(
            NearestName.nearest(to: "backpresure", among: ["brokers", "backpressure", "properties"]) == "backpressure")
        #expect(NearestName.nearest(to: "vb.md.book", among: ["vb.md.book"]) == nil)
        #expect(NearestName.nearest(to: "", among: topics) == nil)
    }
}
