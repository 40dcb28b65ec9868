import DequeModule
import FIWire
import Foundation
import Logging
import RSAPKCS1
import SimulatorKit
import VenueBridgeCore

/// The venue behind the FI simulator: logins by RSA challenge, entry-based books moved by a seeded
/// random walk (with IOI entries), trades, system status, and order entry (`FIVenue+Orders`). One
/// actor, so every socket sees one order of events.
actor FIVenue: SimulatedVenue {
    struct Session: VenueSession {
        var connection: SimConnection<String>
        /// The key handed out by this socket's challenge (a fresh one per connection).
        var key: RSAKeyPair?
        var userID: String?
        var books: Set<String> = []
        var trades: Set<String> = []
        var systemStatus = false
    }

    struct Entry {
        var side: FISide
        var price: ExactDecimal
        var quantity: ExactDecimal
        /// Indication of interest: shown, never executed.
        var ioi = false
    }

    let configuration: FISimulatorConfiguration
    let socketCounters: SocketCounters
    let logger: Logger
    private(set) var sessions: [SimConnection<String>.ID: Session] = [:]
    private var nextConnectionId = 1
    /// Security → entry id → entry. Ids are 64-bit and large, as the venue's are.
    var books: [String: [UInt64: Entry]] = [:]
    private var nextEntryId: UInt64 = 6_988_929_507_302_077_441
    private var nextTradeId = 1
    var random: SplitMix64
    private(set) var status: FIExchangeStatus.State = .open
    private(set) var loginsRefused = 0
    private(set) var loginsAccepted = 0
    /// Orders by refno, kept across disconnects (`FIHouseRules.ordersSurviveDisconnect`); finished
    /// ones are forgotten oldest first past `FISimulatorConfiguration.finishedOrderMemory`.
    var orders: [String: SimOrder] = [:]
    var finishedRefnos = Deque<String>()
    /// Each user's recent sale pushes, replayed at login (at most `replayedSales` each).
    var sales: [String: Deque<String>] = [:]
    /// userid → security → position.
    var positions: [String: [String: ExactDecimal]] = [:]
    var nextRefno = 1
    var nextTradeRefno = 1
    /// `addorder` requests per clientorderid (`GET /sim/orders`), refused ones too.
    var addOrderRequests: [String: Int] = [:]
    /// Test control: swallow this many `addorder` replies (the order is placed; its ack is lost).
    var addOrderRepliesToDrop = 0

    init(configuration: FISimulatorConfiguration, counters: SocketCounters, logger: Logger) {
        self.configuration = configuration
        socketCounters = counters
        self.logger = logger
        var random = SplitMix64(seed: configuration.seed)
        var nextEntryId = nextEntryId
        for security in configuration.securities {
            books[security.name] = Self.build(
                security, entriesPerSide: configuration.entriesPerSide, random: &random, nextId: &nextEntryId)
        }
        self.random = random
        self.nextEntryId = nextEntryId
    }

    func openSession(abort: @escaping @Sendable () -> Void) -> SimConnection<String> {
        let connection = SimConnection<String>(
            id: nextConnectionId, queueLimit: configuration.maxOutboundQueue, abort: abort)
        nextConnectionId += 1
        sessions[connection.id] = Session(connection: connection)
        return connection
    }

    func closeSession(_ id: SimConnection<String>.ID) {
        guard let session = sessions.removeValue(forKey: id) else { return }
        session.connection.outbox.finish()
    }

    /// True once the socket has asked for a challenge (the venue closes one that has not within
    /// `FIHouseRules.challengeWindow`).
    func challenged(_ id: SimConnection<String>.ID) -> Bool { sessions[id]?.key != nil }

    // MARK: - Requests

    func receive(_ text: String, from id: SimConnection<String>.ID) {
        guard let request = try? JSONValue.parse(text), let type = request["type"]?.string else {
            deliver(#"{"type":"error","result":"invalid request"}"#, to: id)
            return
        }
        switch type {
        case "challenge":
            guard let key = try? RSAKeyPair(bits: FIHouseRules.simulatorKeyBits) else {
                deliver(#"{"type":"challenge","result":"internal error"}"#, to: id)
                return
            }
            sessions[id]?.key = key
            deliver(
                #"{"result":"OK","type":"challenge","key":"\#(Data(key.publicKeyDER).base64EncodedString())"}"#, to: id)
        case "login":
            login(request, from: id)
        case "logout":
            refuseAndClose(id, #"{"type":"logout","result":"OK"}"#)
        default:
            guard sessions[id]?.userID != nil else {
                deliver(#"{"type":"\#(type)","result":"not logged in"}"#, to: id)
                return
            }
            loggedIn(type, request, from: id)
        }
    }

    private func login(_ request: JSONValue, from id: SimConnection<String>.ID) {
        guard let key = sessions[id]?.key else {
            refuseAndClose(id, #"{"type":"login","result":"no challenge"}"#)
            return
        }
        let user = request["userid"]?.string ?? ""
        guard let pass = request["pass"]?.string, let ciphertext = Data(base64Encoded: pass),
            let plaintext = try? key.decrypt(Array(ciphertext)),
            let expected = configuration.users[user], String(decoding: plaintext, as: UTF8.self) == expected
        else {
            loginsRefused += 1
            refuseAndClose(id, #"{"type":"login","result":"invalid user or password"}"#)
            return
        }
        sessions[id]?.userID = user
        loginsAccepted += 1
        deliver(#"{"result":"OK","type":"login","userid":"\#(user)","firm":"SIM","roles":"trader"}"#, to: id)
        replayAccount(of: user, to: id)
    }

    private func loggedIn(_ type: String, _ request: JSONValue, from id: SimConnection<String>.ID) {
        switch type {
        case "subscribesystemstatus":
            sessions[id]?.systemStatus = true
            deliver(statusFrame(), to: id)
        case "subscribe", "unsubscribe":
            let subscribe = type == "subscribe"
            for item in request["request"]?.array ?? [] {
                guard let feed = item["msg"]?.string.flatMap(FISubscription.Feed.init(rawValue:)),
                    let security = item["security"]?.string, books[security] != nil
                else { continue }
                if feed.needsDestination, item["dest"]?.string == nil { continue }
                switch (feed, subscribe) {
                case (.book, true), (.ibook, true):
                    sessions[id]?.books.insert(security)
                    deliver(snapshotFrame(security), to: id)
                case (.book, false), (.ibook, false): sessions[id]?.books.remove(security)
                case (.trade, true), (.itrade, true): sessions[id]?.trades.insert(security)
                case (.trade, false), (.itrade, false): sessions[id]?.trades.remove(security)
                }
            }
        case "addorder": addOrder(request, from: id)
        case "cancelorder": cancelOrder(request, from: id)
        case "openorderquery": openOrderQuery(request, from: id)
        case "queryorder": queryOrder(request, from: id)
        default:
            deliver(#"{"type":"\#(type)","result":"not supported by the simulator"}"#, to: id)
        }
    }

    /// The reply, then the close: the socket's writer sends what is queued (this reply last) and
    /// then closes the socket, so the client reads the venue's words before the close.
    private func refuseAndClose(_ id: SimConnection<String>.ID, _ frame: String) {
        deliver(frame, to: id)
        closeSession(id)
    }

    // MARK: - Books

    private static func build(
        _ security: FISimulatorConfiguration.Security, entriesPerSide: Int, random: inout SplitMix64,
        nextId: inout UInt64
    ) -> [UInt64: Entry] {
        var entries: [UInt64: Entry] = [:]
        for side in [FISide.buy, .sell] {
            for level in 1...max(1, entriesPerSide) {
                let offset = (try? security.tick.multiplied(by: ExactDecimal(level))) ?? security.tick
                let price = (side == .buy ? try? security.mid.subtracting(offset) : try? security.mid.adding(offset))
                guard let price, price.isPositive else { continue }
                entries[nextId] = Entry(side: side, price: price, quantity: quantity(&random))
                nextId &+= 1
            }
        }
        return entries
    }

    func nextId() -> UInt64 {
        defer { nextEntryId &+= 1 }
        return nextEntryId
    }

    /// 0.01 … 5.00.
    private static func quantity(_ random: inout SplitMix64) -> ExactDecimal {
        ExactDecimal(significand: Int128(1 + random.below(500)), exponent: -2)
    }

    func quantity() -> ExactDecimal { Self.quantity(&random) }

    /// One random change to one security's book, sent to its subscribers: an entry's size
    /// updated, an entry added behind the top, or one removed; now and then a trade.
    func randomWalk(steps: Int) {
        let names = configuration.securities.map(\.name)
        guard !names.isEmpty else { return }
        for _ in 0..<steps {
            let security = configuration.securities[Int(random.below(UInt64(names.count)))]
            guard var entries = books[security.name] else { continue }
            let ids = entries.keys.sorted()
            let change: String
            switch random.below(3) {
            case 0 where !ids.isEmpty:
                let id = ids[Int(random.below(UInt64(ids.count)))]
                entries[id]?.quantity = quantity()
                change = entryJSON(id, entries[id]!, act: "U")
            case 1 where ids.count > 2:
                let id = ids[Int(random.below(UInt64(ids.count)))]
                entries[id] = nil
                change = #"{"act":"R","id":\#(id)}"#
            default:
                let side: FISide = random.below(2) == 0 ? .buy : .sell
                let depth = ExactDecimal(Int(1 + random.below(UInt64(max(1, configuration.entriesPerSide)))))
                let offset = (try? security.tick.multiplied(by: depth)) ?? security.tick
                guard
                    let price = side == .buy ? try? security.mid.subtracting(offset) : try? security.mid.adding(offset),
                    price.isPositive
                else { continue }
                let id = nextId()
                // One entry in eight is an indication of interest: in the book, never executable.
                entries[id] = Entry(side: side, price: price, quantity: quantity(), ioi: random.below(8) == 0)
                change = entryJSON(id, entries[id]!, act: "A")
            }
            books[security.name] = entries
            expireOrders()
            let frame = #"{"security":"\#(security.name)","books":[\#(change)]}"#
            for id in sessions.keys.sorted() where sessions[id]?.books.contains(security.name) == true {
                deliver(frame, to: id)
            }
            if random.below(10) == 0 { trade(security) }
        }
    }

    private func trade(_ security: FISimulatorConfiguration.Security) {
        let side: FISide = random.below(2) == 0 ? .buy : .sell
        let frame =
            #"{"security":"\#(security.name)","trades":[{"price":\#(security.mid),"qty":\#(quantity()),"side":"\#(side.rawValue)","time":\#(wallClockMillis()),"id":"SIM-\#(nextTradeId)"}]}"#
        nextTradeId += 1
        for id in sessions.keys.sorted() where sessions[id]?.trades.contains(security.name) == true {
            deliver(frame, to: id)
        }
    }

    /// Every live entry with `A`: the first message after a subscription (house rule).
    private func snapshotFrame(_ security: String) -> String {
        let entries = (books[security] ?? [:]).sorted { $0.key < $1.key }.map { entryJSON($0.key, $0.value, act: "A") }
        return #"{"security":"\#(security)","books":[\#(entries.joined(separator: ","))]}"#
    }

    func entryJSON(_ id: UInt64, _ entry: Entry, act: String) -> String {
        #"{"side":"\#(entry.side.rawValue)","act":"\#(act)","src":"SIM","price":\#(entry.price),"qty":\#(entry.quantity),"id":\#(id)\#(entry.ioi ? #","ioi":true"# : "")}"#
    }

    // MARK: - System status

    func setStatus(_ state: FIExchangeStatus.State) {
        status = state
        let frame = statusFrame()
        for id in sessions.keys.sorted() where sessions[id]?.systemStatus == true { deliver(frame, to: id) }
    }

    private func statusFrame() -> String {
        #"{"type":"systemstatus","data":[{"exchange":"SIM","time":\#(wallClockMillis()),"status":"\#(status.rawValue)"}]}"#
    }
}
