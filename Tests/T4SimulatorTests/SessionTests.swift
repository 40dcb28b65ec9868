import SimulatorTestSupport
import T4Simulator
import T4Wire
import Testing

@Suite("T4 simulator: session")
struct SessionTests {
    @Test("api_key login: SUCCESS with session, user, firm and the user's accounts")
    func apiKeyLogin() async throws {
        try await withSimulator { simulator async throws in
            let client = T4Client(simulator)
            client.send(.login(apiKey: "test-key"))
            guard case .loginResponse(let response) = try await client.nextPayload() else {
                Issue.record("expected login_response")
                return
            }
            #expect(response.result == .success)
            #expect(!response.sessionID.isEmpty)
            #expect(response.userID == "U-1001")
            #expect(response.firmID == "F-100")
            #expect(response.accounts.map(\.accountID) == [accountID])
            #expect(response.exchanges.map(\.exchangeID) == ["CME_Eq"])
            #expect(await simulator.connectionCount() == 1)
        }
    }

    @Test("password login: SUCCESS with the configured user")
    func passwordLogin() async throws {
        try await withSimulator { simulator async throws in
            let client = T4Client(simulator)
            client.send(
                .login(firm: "DEMO", username: "demo", password: "demo-password", appName: "bridge", appLicense: "lic"))
            guard case .loginResponse(let response) = try await client.nextPayload() else {
                Issue.record("expected login_response")
                return
            }
            #expect(response.result == .success)
            #expect(response.accounts.map(\.accountID) == [accountID])
        }
    }

    @Test("unknown api key: UNAUTHORIZED with a message, then the socket closes")
    func unknownKey() async throws {
        try await withSimulator { simulator async throws in
            let client = T4Client(simulator)
            client.send(.login(apiKey: "wrong"))
            guard case .loginResponse(let response) = try await client.nextPayload() else {
                Issue.record("expected login_response")
                return
            }
            #expect(response.result == .unauthorized)
            #expect(!response.errorMessage.isEmpty)
            #expect(await client.socket.waitClosed(timeout: .seconds(20)) != nil)
            #expect(await simulator.stats().loginFailures == 1)
        }
    }

    @Test("bad password: FAILED with a message, then the socket closes")
    func badPassword() async throws {
        try await withSimulator { simulator async throws in
            let client = T4Client(simulator)
            client.send(.login(firm: "DEMO", username: "demo", password: "nope", appName: "bridge", appLicense: "lic"))
            guard case .loginResponse(let response) = try await client.nextPayload() else {
                Issue.record("expected login_response")
                return
            }
            #expect(response.result == .failed)
            #expect(!response.errorMessage.isEmpty)
            #expect(await client.socket.waitClosed(timeout: .seconds(20)) != nil)
        }
    }

    @Test("a first message other than login_request closes the socket without a reply")
    func nonLoginFirst() async throws {
        try await withSimulator { simulator async throws in
            let client = T4Client(simulator)
            client.send(.accountSubscribeAll())
            #expect(await client.socket.waitClosed(timeout: .seconds(20)) != nil)
            #expect(await client.socket.nextBinary(timeout: .milliseconds(10)) == nil)
        }
    }

    @Test("the server sends heartbeats when it has nothing else to send")
    func serverHeartbeat() async throws {
        try await withSimulator({
            $0.heartbeatInterval = .milliseconds(200)
            $0.deadAfter = .seconds(120)
        }) { simulator async throws in
            let client = try await T4Client.loggedIn(simulator)
            let heartbeat = try await client.expect("heartbeat", timeout: .seconds(20)) {
                if case .heartbeat(let h) = $0 { h } else { nil }
            }
            #expect(heartbeat.timestamp > 1_600_000_000_000)
            #expect(await simulator.stats().heartbeatsSent >= 1)
        }
    }

    @Test("a silent client is dropped after the dead interval; one that sends heartbeats stays")
    func silentClientDropped() async throws {
        try await withSimulator({
            $0.heartbeatInterval = .seconds(1)
            $0.deadAfter = .seconds(3)
        }) { simulator async throws in
            let talker = try await T4Client.loggedIn(simulator)
            let keepAlive = Task {
                while !Task.isCancelled {
                    talker.send(.heartbeat(timestampMilliseconds: 1))
                    try? await Task.sleep(for: .milliseconds(100))
                }
            }
            defer { keepAlive.cancel() }
            let silent = try await T4Client.loggedIn(simulator)
            #expect(await silent.socket.waitClosed(timeout: .seconds(30)) != nil)
            #expect(await simulator.stats().heartbeatDisconnects >= 1)
            #expect(await simulator.connectionCount() == 1)
            #expect(await talker.socket.waitClosed(timeout: .zero) == nil)
        }
    }

    @Test("dropConnections closes every socket")
    func dropConnections() async throws {
        try await withSimulator { simulator async throws in
            let client = try await T4Client.loggedIn(simulator)
            await simulator.dropConnections()
            #expect(await client.socket.waitClosed(timeout: .seconds(20)) != nil)
            #expect(await simulator.connectionCount() == 0)
        }
    }
}
