import FineryConnector
import FineryWire
import VenueBridgeCore
import VenueConnector

extension FuzzHarness {
    /// Finery: each 0x1E-separated frame through `FineryServerMessage.decode`, then where
    /// `FineryConnector.handle` sends it: `B` snapshots and updates to one `FineryBookKeeper` (a
    /// non-zero `X` resets it), `O` (all or nothing: `S`, `+`, `-`; deals) to one
    /// `FineryOrderTracker`, and a refused `add` (reqId 1 or 2: client order ids 1 and 2, placed
    /// before the first frame) to the tracker's rejection. Checks docs/events.md on every event
    /// and report they return.
    public static func finery(_ data: [UInt8]) {
        guard let instruments = try? InstrumentMap(identity: ["BTC-USD", "ETH-USD"]) else { return }
        var books = FineryBookKeeper(instruments: instruments, publishTicker: true)
        let orders = FineryOrderTracker(account: "acct-1", finishedMemory: 1_000)
        // What `place` does before sending `add` (reqId = client order id here): note the placement,
        // then wait for the reply.
        var adds: [Int64: FineryAddRequest] = [:]
        for (id, side) in [(Int64(1), FinerySide.bid), (Int64(2), FinerySide.ask)] {
            orders.notePlacement(
                clientOrderId: id, FineryOrderTracker.Placement(idempotencyKey: "key-\(id)", cancelOnDisconnect: true))
            adds[id] = FineryAddRequest(
                instrument: "BTC-USD", clientOrderId: id, price: 5_000_000_000_000, size: 100_000_000, side: side,
                type: .limit)
        }
        // Finery's tracker does not promise a `cum_qty` that only grows (a deal of an order it no longer
        // holds starts a new count).
        var contract = VenueContract(cumQtyOnlyGrows: false)
        for (index, text) in FuzzFrames.text(data).enumerated() {
            guard let message = try? FineryServerMessage.decode(text) else { continue }
            let tsRecv = Int64(index)
            var reports: [ExecutionReport] = []
            switch message {
            case .status(let code):
                if code != 0 { books.reset() }
            case .bookSnapshot(.name(let instrument), let bids, let asks):
                contract.events(
                    (try? books.snapshot(venueInstrument: instrument, bids: bids, asks: asks, tsRecv: tsRecv)) ?? [])
            case .bookUpdate(.name(let instrument), let bids, let asks):
                contract.events(
                    (try? books.update(venueInstrument: instrument, bids: bids, asks: asks, tsRecv: tsRecv)) ?? [])
            case .orders(let action, _, let list):
                do throws(VenueNormalizeError) {
                    for order in list { _ = try FineryOrderTracker.filledSize(order) }
                    switch action {
                    case .snapshot: reports = try orders.snapshot(list)
                    case .added:
                        for order in list { if let report = try orders.added(order) { reports.append(report) } }
                    case .removed:
                        for order in list { if let report = try orders.removed(order) { reports.append(report) } }
                    default: break
                    }
                } catch {
                    reports = []
                }
            case .deal(_, let deal):
                guard FineryUnits.nanoseconds(milliseconds: deal.moment) != nil else { continue }
                if let report = try? orders.deal(deal) { reports = [report] }
            case .reply(let reqId, _):
                adds[reqId] = nil
            case .replyError(let reqId, let code, let param):
                // Error 74 is not a refusal (the order exists); any other code rejects the add.
                guard let request = adds.removeValue(forKey: reqId), code != .clientOrderIdInUse else { continue }
                reports = [orders.rejection(request, idempotencyKey: "key-\(reqId)", code: code, param: param)]
            case .bookSnapshot, .bookUpdate, .instruments, .positions, .feedFailure, .unsubscribed:
                break
            }
            contract.reports(reports)
        }
    }
}

/// What docs/events.md promises of the events and reports a book keeper or order tracker returns:
/// the invariants every venue harness checks (Finery, sFOX, T4, FI, Fig), one per harness run.
struct VenueContract {
    /// For trackers whose doc comment promises it (sFOX, T4, FI): `cum_qty` of one client order
    /// id never decreases.
    let cumQtyOnlyGrows: Bool
    /// The first terminal status reported per client order id.
    private var terminal: [String: OrderStatus] = [:]
    private var cumQty: [String: ExactDecimal] = [:]

    init(cumQtyOnlyGrows: Bool) { self.cumQtyOnlyGrows = cumQtyOnlyGrows }

    /// §3.3, §4.1–4.4: sizes ≥ 0; a snapshot best first (so each price once); a delta lists each
    /// price once per side.
    func events(_ events: [NormalizedEvent]) {
        for event in events {
            switch event.payload {
            case .bookSnapshot(let book):
                Self.sizes(book)
                fuzzCheck(zip(book.bids, book.bids.dropFirst()).allSatisfy { $0.price > $1.price }, "snapshot bids")
                fuzzCheck(zip(book.asks, book.asks.dropFirst()).allSatisfy { $0.price < $1.price }, "snapshot asks")
            case .bookDelta(let book):
                Self.sizes(book)
                fuzzCheck(Set(book.bids.map(\.price)).count == book.bids.count, "book_delta lists a bid price twice")
                fuzzCheck(Set(book.asks.map(\.price)).count == book.asks.count, "book_delta lists an ask price twice")
            case .trade(let trade):
                fuzzCheck(!trade.size.isNegative, "trade size \(trade.size)")
            case .ticker(let ticker):
                for size in [ticker.bidSize, ticker.askSize, ticker.lastSize, ticker.volume] {
                    if let size { fuzzCheck(!size.isNegative, "ticker size \(size)") }
                }
            default:
                break
            }
        }
    }

    private static func sizes(_ book: BookLevels) {
        for level in book.bids + book.asks {
            fuzzCheck(!level.size.isNegative, "level \(level.price) has size \(level.size)")
        }
    }

    /// §2.3, §4.7: a client order id; quantities ≥ 0; nothing left open once terminal; after a
    /// terminal report only that same status (nothing after terminal but the same state).
    mutating func reports(_ reports: [ExecutionReport]) {
        for report in reports {
            let id = report.clientOrderId
            fuzzCheck(!id.isEmpty, "report without a client order id")
            let quantities = [
                ("cum_qty", Optional(report.cumQty)), ("leaves_qty", report.leavesQty), ("last_qty", report.lastQty),
                ("quantity", report.quantity),
            ]
            for (name, value) in quantities {
                if let value { fuzzCheck(!value.isNegative, "\(id): \(name) \(value)") }
            }
            if report.status.isTerminal, let leaves = report.leavesQty {
                fuzzCheck(leaves.isZero, "\(id): \(report.status.rawValue) with leaves_qty \(leaves)")
            }
            if let final = terminal[id] {
                fuzzCheck(report.status == final, "\(id): \(report.status.rawValue) after \(final.rawValue)")
            } else if report.status.isTerminal {
                terminal[id] = report.status
            }
            if cumQtyOnlyGrows {
                if let before = cumQty[id] {
                    fuzzCheck(!(report.cumQty < before), "\(id): cum_qty \(before) then \(report.cumQty)")
                }
                cumQty[id] = report.cumQty
            }
        }
    }
}
