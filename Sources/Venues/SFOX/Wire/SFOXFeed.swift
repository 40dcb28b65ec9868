/// A WebSocket feed name (`recipient` of data messages, entries of `feeds` in subscribe).
public enum SFOXFeed: Sendable, Hashable, CustomStringConvertible {
    /// `orderbook.sfox.<pair>` (raw) or, with `net`, `orderbook.net.<pair>` (fee-adjusted).
    case orderBook(pair: String, net: Bool)
    case trades(pair: String)
    case ticker(pair: String)
    case openOrders
    case privateTrades
    case balances
    /// A feed this codec does not model; kept so it can be reported, not dropped silently.
    case other(String)

    public init(_ name: String) {
        switch name {
        case "private.user.open-orders": self = .openOrders
        case "private.user.trades": self = .privateTrades
        case "private.user.balances": self = .balances
        default:
            let parts = name.split(separator: ".", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 3, !parts[2].isEmpty else {
                self = .other(name)
                return
            }
            switch (parts[0], parts[1]) {
            case ("orderbook", "sfox"): self = .orderBook(pair: parts[2], net: false)
            case ("orderbook", "net"): self = .orderBook(pair: parts[2], net: true)
            case ("trades", "sfox"): self = .trades(pair: parts[2])
            case ("ticker", "sfox"): self = .ticker(pair: parts[2])
            default: self = .other(name)
            }
        }
    }

    public var name: String {
        switch self {
        case .orderBook(let pair, let net): "orderbook.\(net ? "net" : "sfox").\(pair)"
        case .trades(let pair): "trades.sfox.\(pair)"
        case .ticker(let pair): "ticker.sfox.\(pair)"
        case .openOrders: "private.user.open-orders"
        case .privateTrades: "private.user.trades"
        case .balances: "private.user.balances"
        case .other(let name): name
        }
    }

    /// `private.*` feeds need an authenticated socket.
    public var isPrivate: Bool {
        switch self {
        case .openOrders, .privateTrades, .balances: true
        case .other(let name): name.hasPrefix("private.")
        case .orderBook, .trades, .ticker: false
        }
    }

    public var description: String { name }
}
