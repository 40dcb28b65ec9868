public import VenueBridgeCore

/// What the FI simulator serves: who may log in, which securities it quotes, how fast books move.
public struct FISimulatorConfiguration: Sendable {
    public struct Security: Sendable, Hashable {
        public var name: String
        /// The middle of the book the random walk starts from.
        public var mid: ExactDecimal
        public var tick: ExactDecimal

        public init(name: String, mid: ExactDecimal, tick: ExactDecimal) {
            self.name = name
            self.mid = mid
            self.tick = tick
        }

        public static let btcUsd = Security(name: "BTCUSD", mid: 7000, tick: ExactDecimal("0.01")!)
        public static let ethUsd = Security(name: "ETHUSD", mid: 200, tick: ExactDecimal("0.01")!)
    }

    public var host = "127.0.0.1"
    public var port = 0
    /// userid → password.
    public var users: [String: String]
    public var securities: [Security] = [.btcUsd, .ethUsd]
    public var seed: UInt64 = 42
    /// Book changes per second over all securities.
    public var updatesPerSecond = 10
    /// Entries per side when a book is built.
    public var entriesPerSide = 10
    /// Finished orders remembered (for login replay and queries), oldest forgotten first.
    public var finishedOrderMemory = 10_000
    /// Sales per user replayed at login.
    public var replayedSales = 100
    /// Frames queued per socket before a slow client is cut.
    public var maxOutboundQueue = 10_000

    public init(users: [String: String], host: String = "127.0.0.1", port: Int = 0) {
        self.users = users
        self.host = host
        self.port = port
    }
}
