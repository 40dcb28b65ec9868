import BridgeTestSupport
import Synchronization
import Testing
import VenueBridgeCore

@testable import VenueConnector

@Suite("JSON-RPC over a socket")
struct JSONRPCTests {
    @Test(
        "replies with or without jsonrpc, ids as numbers or strings, the method echoed or not",
        arguments: [
            (#"{"id":1,"method":"auth","result":{"success":true}}"#, JSONRPCID.number(1), "auth"),
            (
                #"{"jsonrpc":"2.0","id":"7","method":"v1/subscribe","result":{"status":"subscribed"}}"#, .string("7"),
                "v1/subscribe"
            ),
            (#"{"jsonrpc":"2.0","id":2,"result":{"time":1640995200000}}"#, .number(2), nil),
        ] as [(String, JSONRPCID, String?)])
    func replies(text: String, id: JSONRPCID, method: String?) throws {
        guard case .result(let decodedID, let decodedMethod, _) = try JSONRPCMessage.decode(text) else {
            Issue.record("not a result: \(text)")
            return
        }
        #expect(decodedID == id && decodedMethod == method)
    }

    @Test("errors keep the venue's code and words; a push without id is a notification")
    func errorsAndPushes() throws {
        let error = try JSONRPCMessage.decode(
            #"{"jsonrpc":"2.0","id":123,"error":{"code":-32601,"message":"Method not found","data":{"m":"x"}}}"#)
        #expect(
            error
                == .error(
                    id: .number(123), method: nil,
                    error: JSONRPCError(code: -32601, message: "Method not found", data: .object(["m": .string("x")]))))
        let push = try JSONRPCMessage.decode(
            #"{"jsonrpc":"2.0","method":"v1/subscription","params":{"channel":"rfq.taker","data":{"rfqId":1}}}"#)
        guard case .notification(let method, let params) = push else {
            Issue.record("not a notification")
            return
        }
        #expect(method == "v1/subscription" && params["channel"]?.string == "rfq.taker")
    }

    @Test(
        "hostile frames are decode errors, never a crash",
        arguments: [
            "", "[]", "42", #"{"id":1}"#, #"{"id":1e30,"result":1}"#, #"{"id":1.5,"result":1}"#,
            #"{"id":true,"result":1}"#, #"{"jsonrpc":"1.0","id":1,"result":1}"#, #"{"params":{}}"#,
            #"{"id":1,"error":{"code":"x","message":"m"}}"#, #"{"id":1,"error":{"code":1}}"#,
        ])
    func hostile(text: String) {
        #expect(throws: FrameDecodeError.self) { try JSONRPCMessage.decode(text) }
    }

    @Test("a request is written as JSON-RPC 2.0 with our numeric id")
    func request() throws {
        let text = JSONRPCMessage.request(id: 9, method: "heartbeat")
        let value = try JSONValue.parse(text)
        #expect(value["jsonrpc"]?.string == "2.0" && value["id"]?.int64 == 9 && value["method"]?.string == "heartbeat")
        #expect(value["params"] == .object([:]))
    }

    /// What the session writes, as the venue reads it.
    final class Wire: Sendable {
        let written = Mutex<[String]>([])
        func write(_ text: String) { written.withLock { $0.append(text) } }
        func lastID() -> Int64? {
            written.withLock { $0.last }.flatMap { try? JSONValue.parse($0)["id"]?.int64 }
        }
    }

    /// A call in its own task, its outcome (reply or failure) as a value.
    func start(_ calls: JSONRPCCalls, _ method: String, timeout: Duration = .seconds(30), wire: Wire)
        -> Task<Result<JSONRPCReply, RequestFailure>, Never>
    {
        Task {
            do throws(RequestFailure) {
                return .success(try await calls.call(method, timeout: timeout) { wire.write($0) })
            } catch {
                return .failure(error)
            }
        }
    }

    @Test(
        "a call is answered by the reply with its id, echoed as a number or a string; an error reply is the venue's error"
    )
    func calls() async throws {
        let calls = JSONRPCCalls()
        let wire = Wire()
        let first = start(calls, "auth", wire: wire)
        try await eventually("the auth request written") { wire.lastID() != nil }
        let id = try #require(wire.lastID())
        #expect(!calls.deliver(.result(id: .number(id + 100), method: "auth", result: .null)), "an unknown id")
        #expect(calls.deliver(.result(id: .string(String(id)), method: "auth", result: .bool(true))))
        #expect(await first.value == .success(.success(.bool(true))))

        let second = start(calls, "v1/subscribe", wire: wire)
        try await eventually("the subscribe request written") { wire.lastID() != id }
        let secondID = try #require(wire.lastID())
        #expect(
            calls.deliver(
                .error(id: .number(secondID), method: nil, error: JSONRPCError(code: -32602, message: "invalid params"))
            ))
        #expect(await second.value == .success(.failure(JSONRPCError(code: -32602, message: "invalid params"))))
        #expect(!calls.deliver(.notification(method: "v1/subscription", params: .null)))
        #expect(calls.inFlight == 0)
    }

    @Test("no reply by the deadline, or the link lost, is ambiguous; a full table sends nothing")
    func failures() async throws {
        let calls = JSONRPCCalls(capacity: 1)
        let wire = Wire()
        let lost = start(calls, "heartbeat", wire: wire)
        try await eventually("written") { wire.lastID() != nil }
        await #expect(throws: RequestFailure.notSent(reason: "1 JSON-RPC calls in flight")) {
            try await calls.call("heartbeat", timeout: .seconds(30)) { wire.write($0) }
        }
        calls.failAll(reason: "socket closed")
        #expect(await lost.value == .failure(.disconnected(reason: "socket closed")))

        let late = start(calls, "heartbeat", timeout: .milliseconds(10), wire: wire)
        try await eventually("the late request written") { calls.inFlight == 1 }
        try await Task.sleep(for: .milliseconds(50))
        calls.expire()
        guard case .failure(let failure) = await late.value else {
            Issue.record("answered without a reply")
            return
        }
        #expect(failure.isAmbiguous)
    }
}
