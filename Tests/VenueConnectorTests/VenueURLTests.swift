import Logging
import Testing
import VenueBridgeCore
import VenueConnector

@Suite("Venue URLs")
struct VenueURLTests {
    func problem(_ text: String, _ schemes: [String] = VenueURL.webSocketSchemes) -> VenueURL.Problem? {
        do {
            _ = try VenueURL(text, schemes: schemes)
            return nil
        } catch {
            return error
        }
    }

    @Test("host and port come from the parse, with the scheme's default port")
    func parses() throws {
        let url = try VenueURL("ws://127.0.0.1:9200/ws", schemes: VenueURL.webSocketSchemes)
        #expect(url.host == "127.0.0.1" && url.port == 9200 && !url.isTLS && url.isLoopback)
        let tls = try VenueURL("wss://ws.sfox.com/ws", schemes: VenueURL.webSocketSchemes)
        #expect(tls.host == "ws.sfox.com" && tls.port == 443 && tls.isTLS && !tls.isLoopback)
        #expect(try VenueURL("https://api.sfox.com/v1", schemes: VenueURL.httpSchemes).port == 443)
        #expect(try VenueURL("ws://[::1]:9/ws", schemes: VenueURL.webSocketSchemes).isLoopback)
        #expect(try VenueURL("ws://localhost:9/ws", schemes: VenueURL.webSocketSchemes).isLoopback)
    }

    @Test("credentials, foreign or upper-case schemes, a missing host and a bad port are refused")
    func refuses() {
        #expect(problem("ws://vb:secret@127.0.0.1:9000/ws") == .credentials)
        #expect(problem("ws://vb@127.0.0.1:9000/ws") == .credentials)
        #expect(problem("ws://127.0.0.1:1@evil.example/ws") == .credentials, "what looks like a port is a password")
        #expect(problem("https://wrong") == .scheme(allowed: ["wss", "ws"]))
        // The WebSocket client compares schemes case-sensitively and would dial this in clear text.
        #expect(problem("WSS://ws.sfox.com/ws") == .scheme(allowed: ["wss", "ws"]))
        #expect(problem("ws:///ws") == .missingHost)
        #expect(problem("ws://host:70000/ws") == .portOutOfRange)
        #expect(problem("ws://host:0/ws") == .portOutOfRange)
        #expect(problem("ftp://nope", VenueURL.httpSchemes) == .scheme(allowed: ["https", "http"]))
        #expect(problem("not a url at all") != nil)
    }

    @Test("a host that only starts like a loopback address is not loopback")
    func loopbackByParse() throws {
        // The old substring test (`contains("://127.0.0.1")`) took both of these for loopback.
        #expect(try !VenueURL("ws://127.0.0.1.example.com/ws", schemes: VenueURL.webSocketSchemes).isLoopback)
        #expect(try !VenueURL("ws://localhost.example.com/ws", schemes: VenueURL.webSocketSchemes).isLoopback)
        #expect(try VenueURL("ws://127.1.2.3/ws", schemes: VenueURL.webSocketSchemes).isLoopback)
    }

    @Test("userinfo is replaced in any text holding URLs; the rest is left alone")
    func redactsUserinfo() {
        #expect(VenueURL.redactingCredentials(in: "ws://vb:hunter2@127.0.0.1:9/ws") == "ws://***@127.0.0.1:9/ws")
        #expect(VenueURL.redactingCredentials(in: "SASL_SSL://u:p@k1:9092,k2:9092") == "SASL_SSL://***@k1:9092,k2:9092")
        #expect(
            VenueURL.redactingCredentials(in: "a http://x:y@h/ and https://z@h2")
                == "a http://***@h/ and https://***@h2")
        #expect(
            VenueURL.redactingCredentials(in: "https://idp.example/token?login=a@b")
                == "https://idp.example/token?login=a@b")
        #expect(VenueURL.redactingCredentials(in: "k1:9092,k2:9092") == "k1:9092,k2:9092")
    }
}

@Suite("VenueLink dial check")
struct VenueLinkURLTests {
    @Test("a URL with user:password@ is refused before dialling, without echoing the password")
    func refusesCredentialsAtDial() async {
        // Before the check the client split this at the first ':' and dialled host `vb`, port 80.
        var settings = VenueLinkSettings(url: "ws://vb:CANARY-link-pw-5b1c@127.0.0.1:9/ws")
        settings.connectTimeout = .seconds(2)
        let sessionRan = Latch()
        do {
            try await VenueLink.run(
                settings: settings, headers: [], metrics: VenueConnectorMetrics(venue: .sfox),
                logger: Logger(label: "test")
            ) { _, _ in sessionRan.set() }
            Issue.record("a URL with credentials was dialled")
        } catch let error as VenueLinkError {
            guard case .invalidConfiguration = error else {
                Issue.record("expected invalidConfiguration, got \(error.kind): \(error)")
                return
            }
            #expect(error.description.contains("must not carry credentials"))
            #expect(error.description.contains("127.0.0.1:9"), "the redacted URL still says where")
            #expect(!error.description.contains("CANARY-link-pw-5b1c"))
        } catch {
            Issue.record("expected a VenueLinkError, got \(error)")
        }
        #expect(!sessionRan.isSet)
    }
}
