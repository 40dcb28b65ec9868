import HTTPTypes
import Hummingbird
import Logging
import NIOHTTP1
import Synchronization
import Testing

@testable import VenueConnector

@Suite("request pacing")
struct RequestPacerTests {
    static let create = RequestPacer.RequestClass("create")

    @Test("a limit over every request, one over a class, and the pause after a 429")
    func pacing() {
        var pacer = RequestPacer(limits: [
            .init(requests: 3, per: .seconds(10)), .init(requests: 2, per: .seconds(1), only: Self.create),
        ])
        let t0 = ContinuousClock.now
        #expect(pacer.admit(Self.create, now: t0) == .go)
        #expect(pacer.admit(Self.create, now: t0) == .go)
        #expect(pacer.admit(Self.create, now: t0) == .wait(.seconds(1)))
        #expect(pacer.admit(now: t0) == .go)
        #expect(pacer.admit(now: t0 + .seconds(2)) == .wait(.seconds(8)))
        #expect(pacer.admit(now: t0 + .seconds(10)) == .go)
        pacer.pause(for: .seconds(60), now: t0 + .seconds(10))
        #expect(pacer.admit(now: t0 + .seconds(30)) == .blocked(.seconds(40)))
        // A shorter pause does not cut a longer one short.
        pacer.pause(for: .seconds(1), now: t0 + .seconds(30))
        #expect(pacer.admit(now: t0 + .seconds(31)) == .blocked(.seconds(39)))
        #expect(pacer.admit(now: t0 + .seconds(71)) == .go)
    }

    @Test("a refused request takes no slot; the longest wait of the limits it falls under is the answer")
    func refusedTakesNoSlot() {
        var pacer = RequestPacer(limits: [.init(requests: 1, per: .seconds(5)), .init(requests: 1, per: .seconds(1))])
        let t0 = ContinuousClock.now
        #expect(pacer.admit(now: t0) == .go)
        for _ in 0..<10 { #expect(pacer.admit(now: t0 + .seconds(2)) == .wait(.seconds(3))) }
        #expect(pacer.admit(now: t0 + .seconds(5)) == .go)
    }
}

/// The shared HTTP transport against a real HTTP server on loopback.
@Suite("venue HTTP client", .serialized)
struct VenueHTTPClientTests {
    /// Counts the requests that reached it; answers by path.
    final class TestServer: Sendable {
        final class Hits: Sendable {
            let paths = Mutex<[String]>([])
            func append(_ path: String) { paths.withLock { $0.append(path) } }
            var all: [String] { paths.withLock { $0 } }
        }
        let hits = Hits()
        let task: Task<Void, any Error>
        let port: Int

        init() async throws {
            let hits = self.hits
            let router = Router()
            router.get("/echo") { request, _ -> String in
                hits.append("echo")
                return request.headers[.authorization] ?? "-"
            }
            router.post("/limited") { _, _ -> Response in
                hits.append("limited")
                var headers = HTTPFields()
                headers[HTTPField.Name("X-RateLimit-Reset")!] = "30"
                return Response(status: .tooManyRequests, headers: headers)
            }
            router.get("/slow") { _, _ -> String in
                hits.append("slow")
                try await Task.sleep(for: .seconds(3))
                return "late"
            }
            router.get("/big") { _, _ -> String in
                hits.append("big")
                return String(repeating: "x", count: 10_000)
            }
            let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
            let app = Application(
                router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? 0) },
                logger: Logger(label: "test.http"))
            task = Task { try await app.runService() }
            var bound = 0
            for await port in ports {
                bound = port
                break
            }
            port = bound
        }

        func stop() async {
            task.cancel()
            _ = await task.result
        }
    }

    func client(_ port: Int, limits: [RequestPacer.Limit] = []) -> VenueHTTPClient {
        var configuration = VenueHTTPClient.Configuration(baseURL: "http://127.0.0.1:\(port)/")
        configuration.requestTimeout = .milliseconds(500)
        configuration.maxBodyBytes = 1024
        configuration.limits = limits
        return VenueHTTPClient(
            configuration: configuration, logger: Logger(label: "test.http-client"),
            pauseAfter429: { response in
                .seconds(Int(response.headers.first(name: "X-RateLimit-Reset") ?? "") ?? 60)
            },
            sign: { request in request.headers.replaceOrAdd(name: "Authorization", value: "Bearer t0ken") }
        )
    }

    @Test("the signer's headers reach the venue; a 429 pauses every later request for the venue's reset, nothing sent")
    func signAnd429() async throws {
        let server = try await TestServer()
        let http = client(server.port)
        let echo = try await http.send(VenueHTTPRequest(method: .GET, path: "/echo"))
        #expect(echo.status == 200 && echo.body == "Bearer t0ken")
        let limited = try await http.send(VenueHTTPRequest(method: .POST, path: "/limited", body: Array("{}".utf8)))
        #expect(limited.status == 429)
        await #expect(throws: VenueHTTPFailure.self) {
            try await http.send(VenueHTTPRequest(method: .GET, path: "/echo"))
        }
        do {
            _ = try await http.send(VenueHTTPRequest(method: .GET, path: "/echo"))
        } catch {
            guard case .rateLimited(let retryAfter) = error else {
                Issue.record("expected rateLimited, got \(error)")
                return
            }
            #expect(retryAfter > .seconds(25) && retryAfter <= .seconds(30))
        }
        #expect(server.hits.all == ["echo", "limited"])
        await http.shutdown()
        await server.stop()
    }

    @Test(
        "no reply within the deadline is an ambiguous timeout; a body over the bound is a failure, not a partial read")
    func timeoutAndBodyBound() async throws {
        let server = try await TestServer()
        let http = client(server.port)
        await #expect(throws: VenueHTTPFailure.transport("no reply within 0.5 seconds", timedOut: true)) {
            try await http.send(VenueHTTPRequest(method: .GET, path: "/slow"))
        }
        do {
            _ = try await http.send(VenueHTTPRequest(method: .GET, path: "/big"))
            Issue.record("a 10 KB body was read under a 1 KB bound")
        } catch {
            guard case .transport(_, let timedOut) = error else {
                Issue.record("expected a transport failure, got \(error)")
                return
            }
            #expect(!timedOut)
        }
        await http.shutdown()
        await server.stop()
    }

    @Test("pacing holds a request over the limit for at most maxPacingWait, then answers rateLimited without sending")
    func pacingRefusesLongWaits() async throws {
        let server = try await TestServer()
        let http = client(server.port, limits: [.init(requests: 1, per: .seconds(30))])
        _ = try await http.send(VenueHTTPRequest(method: .GET, path: "/echo"))
        await #expect(throws: VenueHTTPFailure.self) {
            try await http.send(VenueHTTPRequest(method: .GET, path: "/echo"))
        }
        #expect(server.hits.all == ["echo"])
        await http.shutdown()
        await server.stop()
    }
}
