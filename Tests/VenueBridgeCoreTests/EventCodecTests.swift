import Foundation
import Testing
import VenueBridgeCore

@Suite("EventCodec")
struct EventCodecTests {
    @Test("every sample survives encode → decode unchanged")
    func roundTrip() throws {
        for (name, event) in ContractSamples.all {
            let decoded = try EventCodec.decode(EventCodec.encode(event))
            #expect(decoded == event, "\(name)")
        }
    }

    @Test("the samples cover every event type")
    func coverage() {
        let covered = Set(ContractSamples.all.map(\.event.type))
        #expect(covered == Set(EventType.allCases))
    }

    @Test("the wire form has the documented envelope, decimals as strings and no nulls")
    func wireForm() throws {
        let (_, event) = ContractSamples.all.first { $0.name == "trade" }!
        let text = String(decoding: EventCodec.encode(event), as: UTF8.self)
        #expect(
            text
                == #"{"schema":"venuebridge.v1","type":"trade","venue":"sfox","instrument":"ETH-USD","venue_instrument":"ethusd","seq":9,"venue_seq":77,"ts_venue":1767225600123456789,"ts_recv":1767225600123456789,"data":{"price":"3021.17","size":"0.5","aggressor":"sell","trade_id":"1234567890123456789"}}"#
        )
        let minimal = String(
            decoding: EventCodec.encode(ContractSamples.all.first { $0.name == "venue_status-minimal" }!.event),
            as: UTF8.self)
        #expect(!minimal.contains("null"))
        #expect(!minimal.contains("instrument"))
    }

    @Test("strings are escaped so any venue text stays valid JSON")
    func escaping() throws {
        var event = ContractSamples.all.first { $0.name == "venue_status-minimal" }!.event
        event.payload = .venueStatus(
            .init(state: .disconnected, reason: "quote \" backslash \\ newline \n tab \t bell \u{07} é 😀"))
        let bytes = EventCodec.encode(event)
        #expect(try JSONSerialization.jsonObject(with: Data(bytes)) is [String: Any])
        #expect(try EventCodec.decode(bytes) == event)
    }

    @Test("64-bit sequence numbers are kept exactly")
    func bigIntegers() throws {
        let event = ContractSamples.all.first { $0.name == "book_snapshot" }!.event
        #expect(try EventCodec.decode(EventCodec.encode(event)).venueSeq == .max)
    }

    @Test(
        "bad input is a typed error, not a crash",
        arguments: [
            "", "not json", "{}", #"{"schema":"venuebridge.v2","type":"trade"}"#,
            #"{"schema":"venuebridge.v1","type":"trade","venue":"sfox","seq":1,"ts_recv":1,"data":{"price":1.5,"size":"1","aggressor":"buy"}}"#,
            #"{"schema":"venuebridge.v1","type":"nope","venue":"sfox","seq":1,"ts_recv":1,"data":{}}"#,
        ])
    func badInput(text: String) {
        #expect(throws: EventDecodingError.self) { try EventCodec.decode(Array(text.utf8)) }
    }

    /// Writes the samples for scripts/validate-contract.py (run by scripts/test).
    @Test(
        "contract samples are written for the schema check",
        .enabled(if: ProcessInfo.processInfo.environment["VB_CONTRACT_SAMPLES_DIR"] != nil))
    func writeSamples() throws {
        let dir = URL(fileURLWithPath: ProcessInfo.processInfo.environment["VB_CONTRACT_SAMPLES_DIR"]!)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        for (name, event) in ContractSamples.all {
            try Data(EventCodec.encode(event)).write(to: dir.appendingPathComponent("\(name).json"))
        }
    }
}
