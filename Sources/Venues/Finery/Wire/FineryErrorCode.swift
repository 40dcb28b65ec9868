/// Finery's numeric error codes (from the venue's documentation). Unknown codes are kept as they
/// come, so a new code is reported verbatim rather than lost.
public struct FineryErrorCode: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    public var rawValue: Int64
    public init(rawValue: Int64) { self.rawValue = rawValue }
    public init(_ rawValue: Int64) { self.rawValue = rawValue }

    public static let notConnected = Self(2)
    public static let notAuthorised = Self(3)
    public static let invalidNonce = Self(6)
    public static let invalidTimestamp = Self(7)
    public static let methodNotAvailable = Self(8)
    public static let parameterInvalid = Self(9)
    public static let internalError = Self(10)
    public static let invalidSignature = Self(14)
    public static let instrumentNotFound = Self(34)
    public static let instrumentForbidden = Self(36)
    public static let invalidOrderSize = Self(70)
    public static let invalidOrderPrice = Self(71)
    public static let orderTypeNotAllowed = Self(73)
    public static let clientOrderIdInUse = Self(74)
    public static let postOnlyWouldMatch = Self(75)
    public static let iocNothingToMatch = Self(76)
    public static let fokNotEnoughLiquidity = Self(77)
    public static let selfTradePrevention = Self(78)
    public static let limits = Self(79)
    public static let orderNotFound = Self(80)
    public static let tradingNotAllowed = Self(84)
    public static let bindingExists = Self(100)
    public static let bindingNotFound = Self(101)
    public static let invalidFeedName = Self(102)
    public static let invalidFeedId = Self(103)

    public var meaning: String {
        switch self {
        case .notConnected: "not connected"
        case .notAuthorised: "not authorised"
        case .invalidNonce: "invalid nonce"
        case .invalidTimestamp: "invalid timestamp"
        case .methodNotAvailable: "method not available"
        case .parameterInvalid: "parameter invalid"
        case .internalError: "internal error"
        case .invalidSignature: "invalid signature"
        case .instrumentNotFound: "instrument not found"
        case .instrumentForbidden: "instrument forbidden"
        case .invalidOrderSize: "invalid order size"
        case .invalidOrderPrice: "invalid order price"
        case .orderTypeNotAllowed: "order type not allowed"
        case .clientOrderIdInUse: "client order id already in use"
        case .postOnlyWouldMatch: "post-only order would match"
        case .iocNothingToMatch: "IOC: nothing to match"
        case .fokNotEnoughLiquidity: "FOK: not enough liquidity"
        case .selfTradePrevention: "self-trade prevention"
        case .limits: "limits"
        case .orderNotFound: "order not found"
        case .tradingNotAllowed: "trading not allowed"
        case .bindingExists: "binding already exists"
        case .bindingNotFound: "binding not found"
        case .invalidFeedName: "invalid feed name"
        case .invalidFeedId: "invalid feed id"
        default: "error \(rawValue)"
        }
    }

    public var description: String { "\(rawValue) (\(meaning))" }
}
