public import VenueBridgeCore

/// A client → server WebSocket request.
public enum SFOXClientMessage: Sendable, Hashable, CustomStringConvertible {
    /// `{"type":"authenticate","apiKey":…}`; Connect (enterprise) partners add `"enterprise":true`.
    case authenticate(apiKey: String, enterprise: Bool)
    case subscribe(feeds: [String])
    case unsubscribe(feeds: [String])

    public func encoded() -> String {
        var writer = JSONWriter(capacity: 128)
        writer.beginObject()
        switch self {
        case .authenticate(let apiKey, let enterprise):
            writer.field("type", "authenticate")
            writer.field("apiKey", apiKey)
            if enterprise { writer.field("enterprise", true) }
        case .subscribe(let feeds), .unsubscribe(let feeds):
            writer.field("type", isSubscribe ? "subscribe" : "unsubscribe")
            writer.key("feeds")
            writer.beginArray()
            for feed in feeds { writer.string(feed) }
            writer.endArray()
        }
        writer.endObject()
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    private var isSubscribe: Bool {
        if case .subscribe = self { return true }
        return false
    }

    /// The simulator's side. `enterprise` is accepted as `true` or `"true"` (both seen in samples).
    public static func decode(_ text: String) throws(SFOXDecodeError) -> SFOXClientMessage {
        let json: JSONValue
        do { json = try JSONValue.parse(text) } catch { throw SFOXDecodeError(.invalidJSON, error.description) }
        let fields = try SFOXFields(json, "request")
        let type = try fields.string("type")
        switch type {
        case "authenticate":
            let enterprise = fields.members["enterprise"]
            return .authenticate(
                apiKey: try fields.string("apiKey"),
                enterprise: enterprise?.bool == true || enterprise?.string?.lowercased() == "true")
        case "subscribe", "unsubscribe":
            guard let list = fields.members["feeds"]?.array else {
                throw SFOXDecodeError(.unexpectedShape, "\(type) without a feeds list")
            }
            var feeds: [String] = []
            for entry in list {
                guard let name = entry.string else {
                    throw SFOXDecodeError(.invalidValue, "\(type): a feed name is not a string")
                }
                feeds.append(name)
            }
            return type == "subscribe" ? .subscribe(feeds: feeds) : .unsubscribe(feeds: feeds)
        default:
            throw SFOXDecodeError(.unknownMessage, "request type \(type)")
        }
    }

    /// Never shows the API key.
    public var description: String {
        switch self {
        case .authenticate(_, let enterprise): "authenticate(enterprise: \(enterprise))"
        case .subscribe(let feeds): "subscribe(\(feeds.joined(separator: ",")))"
        case .unsubscribe(let feeds): "unsubscribe(\(feeds.joined(separator: ",")))"
        }
    }
}
