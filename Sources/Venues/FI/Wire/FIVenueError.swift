import Foundation

/// FI's errors are words without codes (`"not enough fund"`, `"order not found"`): the one table
/// of the ones we know, each with a stable slug the bridge publishes as `reject_code` (the venue's
/// words stay in `reason`). Words we do not know pass through as `other`, slug `venue_error`.
public enum FIVenueError: Sendable, Hashable {
    case notEnoughFund
    case orderNotFound
    case duplicateClientOrderId
    case notLoggedIn
    case invalidSecurity
    case invalidQuantity
    case invalidPrice
    case postOnlyWouldMatch
    case marketHalted
    case other(String)

    /// Known words, compared without case or surrounding space.
    static let known: [String: FIVenueError] = [
        "not enough fund": .notEnoughFund,
        "not enough funds": .notEnoughFund,
        "order not found": .orderNotFound,
        "duplicate clientorderid": .duplicateClientOrderId,
        "not logged in": .notLoggedIn,
        "invalid security": .invalidSecurity,
        "invalid quantity": .invalidQuantity,
        "invalid price": .invalidPrice,
        "post only order would match": .postOnlyWouldMatch,
        "market halted": .marketHalted,
    ]

    public init(result: String) {
        let normalized = result.trimmingCharacters(in: .whitespaces).lowercased()
        self = Self.known[normalized] ?? .other(result)
    }

    /// The slug published as `reject_code`.
    public var code: String {
        switch self {
        case .notEnoughFund: "not_enough_fund"
        case .orderNotFound: "order_not_found"
        case .duplicateClientOrderId: "duplicate_clientorderid"
        case .notLoggedIn: "not_logged_in"
        case .invalidSecurity: "invalid_security"
        case .invalidQuantity: "invalid_quantity"
        case .invalidPrice: "invalid_price"
        case .postOnlyWouldMatch: "post_only_would_match"
        case .marketHalted: "market_halted"
        case .other: "venue_error"
        }
    }
}
