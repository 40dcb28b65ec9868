// File length: the simulated order lifecycle (submit, revise, pull, fills) against the live book; one set of rules.
import T4Wire
import VenueBridgeCore

extension T4Venue {
    typealias UpdateEntry = T4proto_V1_Orderrouting_OrderUpdateMultiMessage

    /// Sends `OrderUpdateMulti{market, account, updates}` to every session subscribed to the account.
    func publish(account: String, market: String, _ build: (T4proto_V1_Common_PriceFormat) -> [UpdateEntry]) {
        for id in sessions.keys.sorted() {
            guard let session = sessions[id], session.accounts.contains(account) else { continue }
            send(multi(account: account, market: market, build(session.priceFormat)), to: id)
        }
    }

    func multi(account: String, market: String, _ updates: [UpdateEntry]) -> T4ServerMessage {
        var multi = T4proto_V1_Orderrouting_OrderUpdateMulti()
        multi.accountID = account
        multi.marketID = market
        multi.updates = updates
        return T4ServerMessage.with { $0.payload = .orderUpdateMulti(multi) }
    }

    func failed(
        _ reply: T4HouseRules.SimulatorReply, uniqueID: String, account: String, market: String, tag: String,
        reason: String
    ) -> UpdateEntry {
        var failed = T4proto_V1_Orderrouting_OrderUpdateFailed()
        failed.uniqueID = uniqueID
        failed.accountID = account
        failed.marketID = market
        (failed.time.seconds, failed.time.nanos) = now()
        failed.change = reply.change
        failed.status = reply.status
        failed.statusDetail = reason
        failed.tagClOrdID = tag
        return .with { $0.payload = .orderUpdateFailed(failed) }
    }

    func fullUpdate(_ order: Order, format: T4proto_V1_Common_PriceFormat) -> UpdateEntry {
        let record = order.record
        var update = T4proto_V1_Orderrouting_OrderUpdate()
        update.uniqueID = record.uniqueID
        update.accountID = record.accountID
        update.marketID = record.marketID
        (update.time.seconds, update.time.nanos) = now()
        update.change = T4HouseRules.SimulatorReply.submitted.change
        update.status = record.status
        update.exchangeOrderID = "X\(order.sequence)"
        update.exchangeID = markets[record.marketID]?.market.exchangeID ?? ""
        update.buySell = record.buySell
        update.priceType = record.priceType
        update.timeType = record.timeType
        update.currentVolume = record.volume
        if let ticks = order.limitTicks, let codec = markets[record.marketID]?.codec {
            update.currentLimitPrice = codec.price(ticks, format)
        }
        update.totalFillVolume = record.filledVolume
        update.workingVolume = record.workingVolume
        update.tag = record.tag
        return .with { $0.payload = .orderUpdate(update) }
    }

    func statusUpdate(
        _ order: Order, _ reply: T4HouseRules.SimulatorReply, detail: String, format: T4proto_V1_Common_PriceFormat
    ) -> UpdateEntry {
        let record = order.record
        var status = T4proto_V1_Orderrouting_OrderUpdateStatus()
        status.uniqueID = record.uniqueID
        status.accountID = record.accountID
        status.marketID = record.marketID
        (status.time.seconds, status.time.nanos) = now()
        status.change = reply.change
        status.status = record.status
        status.statusDetail = detail
        status.exchangeOrderID = "X\(order.sequence)"
        status.currentVolume = record.volume
        if let ticks = order.limitTicks, let codec = markets[record.marketID]?.codec {
            status.currentLimitPrice = codec.price(ticks, format)
        }
        status.priceType = record.priceType
        status.timeType = record.timeType
        status.workingVolume = record.workingVolume
        status.tag = record.tag
        return .with { $0.payload = .orderUpdateStatus(status) }
    }

    // MARK: - Accounts

    func accountSubscribe(_ request: T4proto_V1_Account_AccountSubscribe, id: T4Connection.ID) {
        guard let user = sessions[id]?.user else { return }
        var response = T4proto_V1_Account_AccountSubscribeResponse()
        let requested = request.subscribeAllAccounts ? user.accountIDs : request.accountID
        let allowed = requested.filter { user.accountIDs.contains($0) }
        response.errors = requested.filter { !user.accountIDs.contains($0) }.map { "unknown account \($0)" }
        guard request.subscribe != .none else {
            for account in allowed { sessions[id]?.accounts.remove(account) }
            response.success = response.errors.isEmpty
            send(T4ServerMessage.with { $0.payload = .accountSubscribeResponse(response) }, to: id)
            return
        }
        response.success = response.errors.isEmpty && !allowed.isEmpty
        send(T4ServerMessage.with { $0.payload = .accountSubscribeResponse(response) }, to: id)
        guard let format = sessions[id]?.priceFormat else { return }
        for account in allowed {
            sessions[id]?.accounts.insert(account)
            var snapshot = T4proto_V1_Account_AccountSnapshot()
            snapshot.accountID = account
            snapshot.status = .ok
            if let details = configuration.accounts.first(where: { $0.accountID == account }) {
                var entry = T4proto_V1_Account_AccountDetails()
                entry.accountID = details.accountID
                entry.accountName = details.name
                entry.account = details.accountNumber
                entry.firmID = user.firmID
                entry.firm = user.firm
                entry.displayName = details.name
                snapshot.messages.append(.with { $0.payload = .accountDetails(entry) })
            }
            for marketID in marketIDs where positions[account]?[marketID] != nil {
                snapshot.messages.append(
                    .with { $0.payload = .accountPosition(position(account: account, market: marketID)) })
            }
            for order in orders.values.sorted(by: { $0.sequence < $1.sequence })
            where order.record.accountID == account && order.record.status == .working {
                let message = multi(
                    account: account, market: order.record.marketID, [fullUpdate(order, format: format)])
                if case .orderUpdateMulti(let multi)? = message.payload {
                    snapshot.messages.append(.with { $0.payload = .orderUpdateMulti(multi) })
                }
            }
            send(T4ServerMessage.with { $0.payload = .accountSnapshot(snapshot) }, to: id)
        }
    }

    func position(account: String, market: String) -> T4proto_V1_Account_AccountPosition {
        var message = T4proto_V1_Account_AccountPosition()
        message.accountID = account
        message.marketID = market
        message.exchangeID = markets[market]?.market.exchangeID ?? ""
        message.contractID = markets[market]?.market.contractID ?? ""
        let held = positions[account]?[market] ?? Position()
        message.buys = held.buys
        message.sells = held.sells
        message.dayBuys = held.buys
        message.daySells = held.sells
        for order in orders.values where order.record.accountID == account && order.record.marketID == market {
            if order.record.buySell == .buy {
                message.workingBuys += order.record.workingVolume
            } else {
                message.workingSells += order.record.workingVolume
            }
        }
        return message
    }

    func publishPosition(account: String, market: String) {
        let message = T4ServerMessage.with { $0.payload = .accountPosition(position(account: account, market: market)) }
        for id in sessions.keys.sorted() where sessions[id]?.accounts.contains(account) == true {
            send(message, to: id)
        }
    }

    // MARK: - Orders

    func submit(_ request: T4proto_V1_Orderrouting_OrderSubmit, id: T4Connection.ID) {
        guard let session = sessions[id] else { return }
        let account = request.accountID
        let marketID = request.marketID
        for wire in request.orders {
            counters.ordersReceived.add(1, ordering: .relaxed)
            submittedByTag[wire.tag, default: 0] += 1
            let uniqueID = uuid()
            func reject(_ reason: String) {
                counters.ordersRejected.add(1, ordering: .relaxed)
                let reply = T4HouseRules.SimulatorReply.submitRejected
                send(
                    multi(
                        account: account, market: marketID,
                        [
                            failed(
                                reply, uniqueID: uniqueID, account: account, market: marketID, tag: wire.tag,
                                reason: reason)
                        ]), to: id)
            }
            guard session.accounts.contains(account) else {
                reject("account \(account) is not subscribed")
                continue
            }
            guard let state = markets[marketID] else {
                reject("unknown market \(marketID)")
                continue
            }
            guard wire.volume > 0 else {
                reject("volume must be positive")
                continue
            }
            var limitTicks: Int64?
            switch wire.priceType {
            case .market:
                break
            case .limit:
                guard wire.hasLimitPrice, let ticks = state.codec.ticks(wire.limitPrice, session.priceFormat), ticks > 0
                else {
                    reject("invalid limit price")
                    continue
                }
                limitTicks = ticks
            default:
                reject("unsupported price type")
                continue
            }
            switch wire.timeType {
            case .normal, .immediateAndCancel, .goodTillCancelled, .completeVolume: break
            default:
                reject("unsupported time type")
                continue
            }
            let record = T4SimulatedOrder(
                uniqueID: uniqueID, accountID: account, marketID: marketID,
                buySell: wire.buySell == .sell ? .sell : .buy,
                priceType: wire.priceType, timeType: wire.timeType, volume: wire.volume,
                limitPrice: limitTicks.map(state.codec.real),
                filledVolume: 0, status: .working, tag: wire.tag
            )
            let order = Order(record: record, limitTicks: limitTicks, sequence: nextSequence)
            nextSequence += 1
            orders[uniqueID] = order
            publish(account: account, market: marketID) { [fullUpdate(order, format: $0)] }

            let immediate =
                wire.priceType == .market || wire.timeType == .immediateAndCancel || wire.timeType == .completeVolume
            if wire.timeType == .completeVolume, available(for: order) < wire.volume {
                finish(uniqueID, detail: "fill or kill: not enough volume")
                continue
            }
            let filled = match(uniqueID)
            if immediate, orders[uniqueID]?.record.status == .working {
                finish(uniqueID, detail: "unfilled volume cancelled")
            }
            if filled { publishDepth(marketID, traded: true) }
        }
    }

    /// Ends a working order without a client pull (IOC remainder, unfillable FOK).
    func finish(_ uniqueID: String, detail: String) {
        guard var order = orders[uniqueID] else { return }
        order.record.status = .finished
        orders[uniqueID] = order
        publish(account: order.record.accountID, market: order.record.marketID) {
            [statusUpdate(order, .pulled, detail: detail, format: $0)]
        }
        publishPosition(account: order.record.accountID, market: order.record.marketID)
    }

    /// Volume the book offers an order at its limit.
    func available(for order: Order) -> Int32 {
        guard let book = markets[order.record.marketID]?.book else { return 0 }
        let levels = order.record.buySell == .buy ? book.offers : book.bids
        var total: Int32 = 0
        for level in levels {
            if let limit = order.limitTicks, order.record.buySell == .buy ? level.ticks > limit : level.ticks < limit {
                break
            }
            total &+= level.volume
        }
        return total
    }

    /// Fills a working order against the book as far as its limit allows; true when it traded. Level
    /// by level on the live book, not `BookWalk`: taking a whole level shifts a new one in at the back.
    @discardableResult
    func match(_ uniqueID: String) -> Bool {
        guard var order = orders[uniqueID], order.record.status == .working, var state = markets[order.record.marketID]
        else { return false }
        let buy = order.record.buySell == .buy
        var traded = false
        while order.record.workingVolume > 0 {
            let best = buy ? state.book.offers[0] : state.book.bids[0]
            if let limit = order.limitTicks, buy ? best.ticks > limit : best.ticks < limit { break }
            let volume = min(order.record.workingVolume, best.volume)
            state.book.record(BookTrade(ticks: best.ticks, volume: volume, atBidOrOffer: buy ? .offer : .bid))
            state.book.consume(bid: !buy, volume: volume, rng: &rng)
            order.record.filledVolume += volume
            let complete = order.record.filledVolume >= order.record.volume
            if complete { order.record.status = .finished }
            traded = true
            counters.fills.add(1, ordering: .relaxed)
            var position = positions[order.record.accountID]?[order.record.marketID] ?? Position()
            if buy { position.buys += volume } else { position.sells += volume }
            positions[order.record.accountID, default: [:]][order.record.marketID] = position
            let tradeID = "T\(nextTradeID)"
            nextTradeID += 1
            let snapshot = order
            let codec = state.codec
            publish(account: order.record.accountID, market: order.record.marketID) { format in
                var trade = T4proto_V1_Orderrouting_OrderUpdateTrade()
                trade.uniqueID = snapshot.record.uniqueID
                trade.accountID = snapshot.record.accountID
                trade.marketID = snapshot.record.marketID
                (trade.time.seconds, trade.time.nanos) = now()
                let reply = T4HouseRules.SimulatorReply.fill(complete: complete)
                trade.change = reply.change
                trade.status = reply.status
                trade.volume = volume
                trade.price = codec.price(best.ticks, format)
                trade.exchangeTradeID = tradeID
                trade.totalFillVolume = snapshot.record.filledVolume
                trade.workingVolume = snapshot.record.workingVolume
                return [.with { $0.payload = .orderUpdateTrade(trade) }]
            }
        }
        orders[uniqueID] = order
        markets[order.record.marketID] = state
        if traded { publishPosition(account: order.record.accountID, market: order.record.marketID) }
        return traded
    }

    /// Fills resting orders the book now crosses; true when any traded.
    func matchResting(_ marketID: String) -> Bool {
        var traded = false
        for order in orders.values.sorted(by: { $0.sequence < $1.sequence })
        where order.record.marketID == marketID && order.record.status == .working {
            if match(order.record.uniqueID) { traded = true }
        }
        return traded
    }

    func pull(_ request: T4proto_V1_Orderrouting_OrderPull, id: T4Connection.ID) {
        for pull in request.pulls {
            guard var order = orders[pull.uniqueID], order.record.status == .working,
                order.record.accountID == request.accountID,
                order.record.marketID == request.marketID, sessions[id]?.accounts.contains(request.accountID) == true
            else {
                let reason =
                    orders[pull.uniqueID] == nil ? "unknown order" : "order is not working in this account and market"
                send(
                    multi(
                        account: request.accountID, market: request.marketID,
                        [
                            failed(
                                .pullRejected, uniqueID: pull.uniqueID, account: request.accountID,
                                market: request.marketID,
                                tag: orders[pull.uniqueID]?.record.tag ?? "", reason: reason)
                        ]), to: id)
                continue
            }
            order.record.status = .finished
            orders[pull.uniqueID] = order
            publish(account: order.record.accountID, market: order.record.marketID) {
                [statusUpdate(order, .pulled, detail: "", format: $0)]
            }
            publishPosition(account: order.record.accountID, market: order.record.marketID)
        }
    }

    func revise(_ request: T4proto_V1_Orderrouting_OrderRevise, id: T4Connection.ID) {
        let format = sessions[id]?.priceFormat ?? .real
        for revise in request.revisions {
            func reject(_ reason: String) {
                send(
                    multi(
                        account: request.accountID, market: request.marketID,
                        [
                            failed(
                                .reviseRejected, uniqueID: revise.uniqueID, account: request.accountID,
                                market: request.marketID,
                                tag: orders[revise.uniqueID]?.record.tag ?? "", reason: reason)
                        ]), to: id)
            }
            guard var order = orders[revise.uniqueID], order.record.status == .working,
                order.record.accountID == request.accountID,
                order.record.marketID == request.marketID, sessions[id]?.accounts.contains(request.accountID) == true,
                let codec = markets[request.marketID]?.codec
            else {
                reject("unknown order or not working")
                continue
            }
            if revise.hasVolume {
                guard revise.volume > order.record.filledVolume else {
                    reject("volume must exceed the filled volume")
                    continue
                }
                order.record.volume = revise.volume
            }
            if revise.hasLimitPrice {
                guard order.record.priceType == .limit, let ticks = codec.ticks(revise.limitPrice, format), ticks > 0
                else {
                    reject("invalid limit price")
                    continue
                }
                order.limitTicks = ticks
                order.record.limitPrice = codec.real(ticks)
            }
            orders[revise.uniqueID] = order
            publish(account: order.record.accountID, market: order.record.marketID) {
                [statusUpdate(order, .revised, detail: "", format: $0)]
            }
            if match(revise.uniqueID) {
                publishDepth(order.record.marketID, traded: true)
            } else {
                publishPosition(account: order.record.accountID, market: order.record.marketID)
            }
        }
    }
}
