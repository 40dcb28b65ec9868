public import VenueBridgeCore

/// A JSON-RPC request id. We send numbers; a venue may echo an id as a number or as a string
/// (Fig's notes allow both), and a reply is matched either way.
public enum JSONRPCID: Sendable, Hashable, CustomStringConvertible {
    case number(Int64)
    case string(String)

    /// The correlator's id this reply answers: a number, or a string holding one.
    public var requestID: Int64? {
        switch self {
        case .number(let value): value
        case .string(let text): Int64(text)
        }
    }

    public var description: String {
        switch self {
        case .number(let value): String(value)
        case .string(let text): "\"\(text)\""
        }
    }
}

/// One message from a JSON-RPC venue, with or without `"jsonrpc":"2.0"` (both are accepted, as
/// venues differ). A reply may echo its `method` (Fig does; standard JSON-RPC does not).
public enum JSONRPCMessage: Sendable, Hashable {
    case result(id: JSONRPCID, method: String?, result: JSONValue)
    case error(id: JSONRPCID?, method: String?, error: JSONRPCError)
    /// No id: a push (`v1/subscription`) or a server-initiated call.
    case notification(method: String, params: JSONValue)

    /// Reads one frame; every shape that is none of the three is a `FrameDecodeError`.
    public static func decode(_ text: String) throws(FrameDecodeError) -> JSONRPCMessage {
        let value: JSONValue
        do {
            value = try JSONValue.parse(text)
        } catch {
            throw FrameDecodeError(.invalidJSON, "JSON-RPC frame: \(error)")
        }
        guard value.object != nil else { throw FrameDecodeError(.unexpectedShape, "JSON-RPC frame is not an object") }
        if let version = value["jsonrpc"], version.string != "2.0" {
            throw FrameDecodeError(.invalidValue, "unsupported jsonrpc version \(version)")
        }
        let id = try decodeID(value["id"])
        let method = value["method"]?.string
        if let error = value["error"], !error.isNull {
            guard let code = error["code"]?.int64, let message = error["message"]?.string else {
                throw FrameDecodeError(.unexpectedShape, "JSON-RPC error without an integer code and a message")
            }
            return .error(
                id: id, method: method, error: JSONRPCError(code: code, message: message, data: error["data"]))
        }
        if let id {
            guard let result = value["result"] else {
                throw FrameDecodeError(.unexpectedShape, "JSON-RPC reply \(id) without result")
            }
            return .result(id: id, method: method, result: result)
        }
        guard let method else {
            throw FrameDecodeError(.unexpectedShape, "JSON-RPC message with neither id nor method")
        }
        return .notification(method: method, params: value["params"] ?? .null)
    }

    private static func decodeID(_ value: JSONValue?) throws(FrameDecodeError) -> JSONRPCID? {
        switch value {
        case nil, .null?: return nil
        case .string(let text)?: return .string(text)
        case .number?:
            guard let number = value?.int64 else {
                throw FrameDecodeError(.invalidValue, "JSON-RPC id is not a 64-bit integer")
            }
            return .number(number)
        default: throw FrameDecodeError(.unexpectedShape, "JSON-RPC id must be a number or a string")
        }
    }

    /// `{"jsonrpc":"2.0","id":<id>,"method":<method>,"params":<params>}`.
    public static func request(id: Int64, method: String, params: JSONValue = .object([:])) -> String {
        var writer = JSONWriter(capacity: 128)
        writer.beginObject()
        writer.field("jsonrpc", "2.0")
        writer.field("id", id)
        writer.field("method", method)
        writer.key("params")
        writer.value(params)
        writer.endObject()
        return String(decoding: writer.bytes, as: UTF8.self)
    }
}

/// The `error` member of a JSON-RPC reply: the venue's code and words.
public struct JSONRPCError: Error, Sendable, Hashable, CustomStringConvertible {
    public var code: Int64
    public var message: String
    public var data: JSONValue?

    public init(code: Int64, message: String, data: JSONValue? = nil) {
        self.code = code
        self.message = message
        self.data = data
    }

    public var description: String { "JSON-RPC error \(code): \(message)" }
}

/// A JSON-RPC reply as a session waits for it: the result, or the venue's error.
public typealias JSONRPCReply = Result<JSONValue, JSONRPCError>

/// Calls over one JSON-RPC socket: ids from a `RequestCorrelator` (bounded, with a deadline per
/// call), written through the session's writer, answered when the session hands each inbound
/// reply to `deliver`. The session owns the socket; a new session makes a new `JSONRPCCalls`
/// (and `failAll` when the link drops), so no reply is ever matched across connections.
public final class JSONRPCCalls: Sendable {
    private let correlator: RequestCorrelator<JSONRPCReply, String>

    public init(capacity: Int = 1_000) {
        correlator = RequestCorrelator(capacity: capacity)
    }

    public var inFlight: Int { correlator.inFlight }

    /// Sends `method` and waits for its reply. No reply in time, or the link lost first, is an
    /// ambiguous `RequestFailure` (the venue may have acted); a full table or a failed write is
    /// `notSent`.
    public func call(
        _ method: String, params: JSONValue = .object([:]), timeout: Duration,
        write: (String) async throws -> Void
    ) async throws(RequestFailure) -> JSONRPCReply {
        guard let id = correlator.register(context: method, timeout: timeout) else {
            throw .notSent(reason: "\(correlator.capacity) JSON-RPC calls in flight")
        }
        do {
            try await write(JSONRPCMessage.request(id: id, method: method, params: params))
        } catch {
            correlator.abandon(id)
            throw .disconnected(reason: "write failed: \(error)")
        }
        return try await correlator.reply(to: id)
    }

    /// Hands an inbound message to the call it answers. Returns false for a message that answers
    /// none (a notification, an unknown or late id): the session handles or counts it.
    public func deliver(_ message: JSONRPCMessage) -> Bool {
        switch message {
        case .result(let id, _, let result):
            guard let request = id.requestID else { return false }
            return correlator.resolve(request, with: .success(result)) != nil
        case .error(let id?, _, let error):
            guard let request = id.requestID else { return false }
            return correlator.resolve(request, with: .failure(error)) != nil
        case .error(nil, _, _), .notification:
            return false
        }
    }

    /// Ends every call whose deadline passed (the session calls this on a timer).
    public func expire(now: ContinuousClock.Instant = .now) { _ = correlator.expire(now: now) }

    /// The link is gone: every waiting call fails as disconnected.
    public func failAll(reason: String) { _ = correlator.failAll(reason: reason) }
}
