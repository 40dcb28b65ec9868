import T4Connector
import T4Wire
import VenueBridgeCore
import VenueConnector

extension FuzzHarness {
    /// T4: the input as length-prefixed binary WebSocket messages (`FuzzFrames.lengthPrefixed`),
    /// each through `T4Frame.decodeServer`, then where `T4Connector.handle` sends it: market
    /// details, snapshots, depth and depth trades to one `T4BookKeeper`; order updates (top level,
    /// in `OrderUpdateMulti`, and in an `AccountSnapshot`, followed by its reconciliation) to one
    /// `T4OrderTracker`. The login is not enforced; a `login_response` starts a new session (a
    /// fresh book keeper carrying the trade baselines over, as `read` does). Orders `c1` (buy 5)
    /// and `c2` (sell 5) of account `acct-1` are submitted (`willSubmit`) before the first message.
    /// Checks docs/events.md on every event and report.
    public static func t4(_ data: [UInt8]) {
        let market = T4Market(symbol: "ES-M25", exchangeID: "CME_Eq", contractID: "ES", marketID: "XCME_Eq ES (M25)")
        var books = T4BookKeeper(markets: [market], publishTicker: true)
        var orders = T4OrderTracker()
        for (id, side) in [("c1", Side.buy), ("c2", Side.sell)] {
            let request = OrderRequest(
                account: "acct-1", instrument: market.symbol, clientOrderId: id, idempotencyKey: "key-\(id)",
                side: side, orderType: .limit, timeInForce: .day, quantity: ExactDecimal(5),
                price: ExactDecimal(significand: 500_025, exponent: -2))
            orders.willSubmit(request, accountID: "acct-1", marketID: market.marketID)
        }
        var contract = VenueContract(cumQtyOnlyGrows: true)
        for (index, frame) in FuzzFrames.lengthPrefixed(data).enumerated() {
            guard let message = try? T4Frame.decodeServer(frame) else { continue }
            let tsRecv = Int64(index)
            var reports: [ExecutionReport] = []
            switch message.payload {
            case .loginResponse?:
                books = T4BookKeeper(markets: [market], publishTicker: true, tradeBaselines: books.tradeBaselines)
            case .marketDetails(let details)?:
                _ = try? books.details(details)
            case .marketSnapshot(let snapshot)?:
                contract.events((try? books.snapshot(snapshot, tsRecv: tsRecv)) ?? [])
            case .marketDepth(let depth)?:
                contract.events((try? books.depth(depth, tsRecv: tsRecv)) ?? [])
            case .marketDepthTrade(let trade)?:
                if let event = try? books.trade(trade, tsRecv: tsRecv) { contract.events([event]) }
            case .accountSnapshot(let snapshot)?:
                // `T4Connector.accountSnapshot`: every listed update as `.snapshot`, then the orders
                // we held working that it does not list are reconciled.
                var working = Set<String>()
                for entry in snapshot.messages {
                    guard case .orderUpdateMulti(let multi)? = entry.payload else { continue }
                    for update in multi.updates {
                        if case .orderUpdate(let record)? = update.payload,
                            record.status == .working || record.status == .held
                        {
                            working.insert(record.uniqueID)
                        }
                        reports += orders.apply(
                            update, accountID: multi.accountID, marketID: multi.marketID, source: .snapshot
                        ).reports
                    }
                }
                reports += orders.reconcile(accountID: snapshot.accountID, working: working).reports
            case .orderUpdateMulti(let multi)?:
                for update in multi.updates {
                    reports += orders.apply(
                        update, accountID: multi.accountID, marketID: multi.marketID, source: .live
                    ).reports
                }
            case .orderUpdate(let update)?:
                reports = orders.update(update, source: .live).reports
            case .orderUpdateStatus(let status)?:
                reports = orders.status(status).reports
            case .orderUpdateTrade(let trade)?:
                reports = orders.trade(trade).reports
            case .orderUpdateFailed(let failed)?:
                reports = orders.failed(failed).reports
            case .heartbeat?, .marketDepthSubscribeReject?, .accountSubscribeResponse?, .accountPosition?,
                .accountUpdate?, nil:
                break
            }
            contract.reports(reports)
        }
    }
}
