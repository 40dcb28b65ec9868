import BridgeTestSupport
import FinerySimulator
import FineryWire
import Foundation
import HummingbirdWSClient
import SimulatorTestSupport
import Testing

@Suite("Finery simulator: upgrade authentication")
struct UpgradeAuthTests {
    @Test("valid EFX headers: the upgrade succeeds and the first frame is [\"X\",0,\"Z\",0]")
    func goodAuth() async throws {
        try await withSimulator { simulator async throws in
            let client = await SimClient.connect(simulator)
            #expect(try await client.next() == .status(code: 0))
            #expect(await simulator.connectionCount() == 1)
            #expect(await simulator.stats().connectionsAccepted == 1)
            client.close()
            #expect(await client.waitClosed(timeout: liveWait) != nil)
        }
    }

    @Test("bad signature: the upgrade is refused, 401 with body 14")
    func badSignature() async throws {
        try await withSimulator { simulator async throws in
            var headers = FineryAuth.upgradeHeaders(
                key: testKey, secret: "wrong-secret", nonce: nextNonce(), timestamp: nowMillis())
            let client = SimClient(url: await simulator.url, headers: headers)
            let outcome = await client.waitClosed(timeout: liveWait)
            #expect(throws: WebSocketClientError.webSocketUpgradeFailed) { try outcome?.get() }

            headers = FineryAuth.upgradeHeaders(
                key: testKey, secret: "wrong-secret", nonce: nextNonce(), timestamp: nowMillis())
            let response = try await rawUpgradeResponse(port: simulator.port, headers: headers)
            #expect(response.hasPrefix("HTTP/1.1 401"))
            #expect(response.hasSuffix("\r\n\r\n14"))
            #expect(await simulator.stats().upgradesRefused == 2)
            #expect(await simulator.connectionCount() == 0)
        }
    }

    @Test("the signature covers EFX-Content exactly as sent (spaces included)")
    func exactContentBytes() async throws {
        try await withSimulator { simulator async throws in
            let content = "{\"nonce\": \(nextNonce()), \"timestamp\": \(nowMillis())}"
            let signed = [
                ("EFX-Key", testKey), ("EFX-Content", content),
                ("EFX-Sign", FineryAuth.signature(of: content, secret: testSecret)),
            ]
            let client = SimClient(url: await simulator.url, headers: signed.map { (name: $0.0, value: $0.1) })
            #expect(try await client.next() == .status(code: 0))

            // Same values, re-serialised without the spaces: the signature no longer matches.
            let compact = content.replacingOccurrences(of: " ", with: "")
            let tampered = [
                ("EFX-Key", testKey), ("EFX-Content", compact),
                ("EFX-Sign", FineryAuth.signature(of: content, secret: testSecret)),
            ]
            let response = try await rawUpgradeResponse(
                port: simulator.port, headers: tampered.map { (name: $0.0, value: $0.1) })
            #expect(response.hasSuffix("\r\n\r\n14"))
        }
    }

    @Test("replayed nonce → 6, stale timestamp → 7, unknown key → 3")
    func replayAndTimestampAndKey() async throws {
        try await withSimulator { simulator async throws in
            let headers = FineryAuth.upgradeHeaders(
                key: testKey, secret: testSecret, nonce: nextNonce(), timestamp: nowMillis())
            let first = SimClient(url: await simulator.url, headers: headers)
            #expect(try await first.next() == .status(code: 0))

            let replay = SimClient(url: await simulator.url, headers: headers)
            let replayOutcome = await replay.waitClosed(timeout: liveWait)
            #expect(throws: WebSocketClientError.webSocketUpgradeFailed) { try replayOutcome?.get() }
            let replayResponse = try await rawUpgradeResponse(port: simulator.port, headers: headers)
            #expect(replayResponse.hasPrefix("HTTP/1.1 403"))
            #expect(replayResponse.hasSuffix("\r\n\r\n6"))

            let stale = FineryAuth.upgradeHeaders(
                key: testKey, secret: testSecret, nonce: nextNonce(), timestamp: nowMillis() - 60_000)
            #expect(try await rawUpgradeResponse(port: simulator.port, headers: stale).hasSuffix("\r\n\r\n7"))

            let unknown = FineryAuth.upgradeHeaders(
                key: "nobody", secret: testSecret, nonce: nextNonce(), timestamp: nowMillis())
            #expect(try await rawUpgradeResponse(port: simulator.port, headers: unknown).hasSuffix("\r\n\r\n3"))

            // A lower nonce than the last accepted one is refused too (the "strictly increasing" rule).
            let lower = FineryAuth.upgradeHeaders(key: testKey, secret: testSecret, nonce: 1, timestamp: nowMillis())
            #expect(try await rawUpgradeResponse(port: simulator.port, headers: lower).hasSuffix("\r\n\r\n6"))
            #expect(await simulator.connectionCount() == 1)
        }
    }
}

extension FinerySimulator {
    /// The bound port, read back from `url`.
    var port: Int {
        get async {
            let url = await url
            return Int(url.split(separator: ":").last?.split(separator: "/").first ?? "") ?? 0
        }
    }
}
