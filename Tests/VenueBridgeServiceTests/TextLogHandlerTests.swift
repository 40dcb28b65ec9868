import Logging
import Synchronization
import Testing
import VenueBridgeService

@Suite("TextLogHandler")
struct TextLogHandlerTests {
    @Test("message first, then sorted key=value metadata (quoted when needed), then the source")
    func messageFirst() throws {
        let lines = Mutex<[String]>([])
        var logger = Logger(label: "test") { _ in
            TextLogHandler(level: .info) { bytes in
                lines.withLock { $0.append(String(decoding: bytes, as: UTF8.self)) }
            }
        }
        logger[metadataKey: "venue"] = "finery"
        logger.info(
            "venue state ready", metadata: ["reason": "backend connected", "reconnects": "0", "q": "say \"hi\""])
        logger.debug("not at info")
        let logged = lines.withLock { $0 }
        #expect(logged.count == 1)
        let line = try #require(logged.first)
        let afterTime = line.split(separator: " ", maxSplits: 1).last.map(String.init) ?? ""
        #expect(
            afterTime
                == "info venue state ready q=\"say \\\"hi\\\"\" reason=\"backend connected\" reconnects=0 venue=finery [VenueBridgeServiceTests]\n"
        )
    }
}
