/// The instruments one venue connection trades: the venue's own id ↔ our normalized symbol.
/// Only mapped instruments are subscribed to, published or ordered.
public struct InstrumentMap: Sendable, Equatable {
    public private(set) var bySymbol: [String: String] = [:]
    public private(set) var byVenueId: [String: String] = [:]

    public struct DuplicateMapping: Error, Sendable, CustomStringConvertible {
        public var name: String
        public var description: String { "instrument \(name) is mapped twice" }
    }

    public init(_ pairs: [(venueId: String, symbol: String)]) throws(DuplicateMapping) {
        for (venueId, symbol) in pairs {
            guard bySymbol[symbol] == nil else { throw DuplicateMapping(name: symbol) }
            guard byVenueId[venueId] == nil else { throw DuplicateMapping(name: venueId) }
            bySymbol[symbol] = venueId
            byVenueId[venueId] = symbol
        }
    }

    /// Venues whose ids already are our symbols (`BTC-USD` on both sides).
    public init(identity symbols: [String]) throws(DuplicateMapping) {
        try self.init(symbols.map { ($0, $0) })
    }

    public func symbol(forVenueId venueId: String) -> String? { byVenueId[venueId] }
    public func venueId(forSymbol symbol: String) -> String? { bySymbol[symbol] }
    public var venueIds: [String] { byVenueId.keys.sorted() }
}
