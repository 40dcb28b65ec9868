public import Hummingbird
// NIOCore comes in through Hummingbird: the response body buffer.
import NIOCore

/// `GET /sim/orders`: how many orders a simulator received per client order id, as one JSON
/// object `{"<client order id>": <count>, ...}`. Every simulator answers it on its own port, so
/// a test running the simulator in another process (scripts/crash-test) can check that each
/// client id reached the venue exactly once. Orders the venue refused (a duplicate client id,
/// a bad price) count too: the question is what was *sent*, not what was accepted.
public enum OrderCountsEndpoint {
    public static let path = "/sim/orders"

    /// The JSON body, keys sorted (a stable answer for the same counts).
    public static func body(_ counts: [String: Int]) -> String {
        var out = "{"
        for (index, key) in counts.keys.sorted().enumerated() {
            if index > 0 { out += "," }
            out += jsonString(key) + ":" + String(counts[key] ?? 0)
        }
        return out + "}"
    }

    static func jsonString(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}

extension OrderCountsEndpoint {
    /// `200 application/json` with `body(counts)`.
    public static func response(_ counts: [String: Int]) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: body(counts))))
    }
}
