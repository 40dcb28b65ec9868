import BridgeTestSupport
import FIConnector
import FISimulator
import FIWire
import Logging
import Testing
import VenueBridgeCore
import VenueConnector

/// The real connector over a real WebSocket against the simulator, longer than the connect
/// timeout: login by RSA challenge, books that converge, a refused password, a halted venue.
@Suite("FI connector against the simulator", .serialized)
struct FISimulatorSessionTests {
    final class Rig: Sendable {
        let simulator: FISimulator
        let sink = RecordingEventSink()
        let connector: FIConnector
        let running: Task<Void, any Error>

        init(password: String = "sim-pass", tune: (inout FIConnectorConfiguration) -> Void = { _ in }) async throws {
            var simulatorConfiguration = FISimulatorConfiguration(users: ["trader1": "sim-pass"])
            simulatorConfiguration.updatesPerSecond = 50
            simulator = FISimulator(configuration: simulatorConfiguration, logger: Logger(label: "test.fi.sim"))
            let port = try await simulator.start()
            var configuration = FIConnectorConfiguration(
                url: "ws://127.0.0.1:\(port)/ws", userID: "trader1", password: password,
                instruments: try InstrumentMap([("BTCUSD", "BTC-USD"), ("ETHUSD", "ETH-USD")]))
            configuration.link.connectTimeout = .seconds(2)
            configuration.loginRetryDelay = .milliseconds(200)
            configuration.link.reconnect.initialDelay = .milliseconds(50)
            tune(&configuration)
            connector = FIConnector(configuration: configuration, sink: sink, logger: Logger(label: "test.fi"))
            let supervisor = connector.supervisor()
            running = Task { try await supervisor.run() }
        }

        func stop() async {
            running.cancel()
            _ = await running.result
            await simulator.stop()
        }
    }

    @Test("logs in, stays up past 2× the connect timeout, and the published deltas rebuild the simulator's book moves")
    func booksOverTime() async throws {
        let rig = try await Rig()
        try await eventually("ready") { rig.connector.control.state == .ready }
        try await Task.sleep(for: .seconds(2) * 2 + .milliseconds(500))
        let events = rig.sink.all.filter { $0.instrument == "BTC-USD" }
        let snapshots = events.filter { if case .bookSnapshot = $0.payload { true } else { false } }
        let deltas = events.compactMap { if case .bookDelta(let delta) = $0.payload { delta } else { nil } }
        #expect(snapshots.count == 1 && deltas.count > 5)
        for delta in deltas {
            #expect(Set(delta.bids.map(\.price)).count == delta.bids.count)
            #expect(Set(delta.asks.map(\.price)).count == delta.asks.count)
        }
        #expect(!rig.sink.statuses.contains { $0.state == .disconnected })
        #expect(rig.connector.control.state == .ready)
        await rig.stop()
    }

    @Test("a wrong password: refused with the venue's words, retried after the login delay, never logged in")
    func wrongPassword() async throws {
        let rig = try await Rig(password: "wrong")
        try await eventually("two refusals") { await rig.simulator.loginsRefused >= 2 }
        #expect(rig.sink.statuses.contains { $0.reason?.contains("invalid user or password") == true })
        #expect(!rig.sink.statuses.contains { $0.reason?.contains("wrong") == true })
        #expect(rig.connector.control.state != .ready)
        await rig.stop()
    }

    @Test("the venue halts: degraded; opens again: ready, on the same connection")
    func halted() async throws {
        let rig = try await Rig()
        try await eventually("ready") { rig.connector.control.state == .ready }
        await rig.simulator.setStatus(.halted)
        try await eventually("degraded") { rig.connector.control.state == .degraded }
        await rig.simulator.setStatus(.open)
        try await eventually("ready") { rig.connector.control.state == .ready }
        #expect(!rig.sink.statuses.contains { $0.state == .disconnected })
        await rig.stop()
    }

    /// The keep-alive for real: our WebSocket pings answered by the simulator's pongs keep a quiet
    /// link alive for three dead-link timeouts (the books are stilled, so only pongs arrive).
    @Test("a link quiet but for pongs stays up past three dead-link timeouts and the connect timeout")
    func keepAlive() async throws {
        let rig = try await Rig {
            $0.link.pingInterval = .milliseconds(250)
            $0.link.deadLinkTimeout = .seconds(1)
            $0.subscribeTrades = false
            $0.instruments = try! InstrumentMap([])
        }
        try await eventually("ready") { rig.connector.control.state == .ready }
        try await Task.sleep(for: .seconds(3) + .milliseconds(500))
        #expect(!rig.sink.statuses.contains { $0.state == .disconnected })
        #expect(rig.connector.control.state == .ready)
        await rig.stop()
    }
}
