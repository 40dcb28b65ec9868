import FineryWire
import SimulatorKit
import VenueBridgeCore

/// A request refused with a venue error code (`{"event":"request","reqId":N,"error":code,"param":...}`).
struct RequestFailure: Error {
    var code: FineryErrorCode
    var param: String?

    init(_ code: FineryErrorCode, _ param: String? = nil) {
        self.code = code
        self.param = param
    }
}

/// Order entry: `add`, `del`, `delAll`, `mod`. Client orders trade against the public book (the
/// simulated counterparties): a taker consumes the visible levels its limit reaches, best first.
extension FineryVenue {
    func request(method: String, content: JSONValue, from session: Session) throws(RequestFailure) -> JSONValue {
        guard backendStatus == 0 else { throw RequestFailure(.notConnected) }
        switch method {
        case "add": return try add(content, from: session)
        case "del": return try del(content, apiKey: session.apiKey)
        case "delAll": return try delAll(content, apiKey: session.apiKey)
        case "mod": return try mod(content, apiKey: session.apiKey)
        default: throw RequestFailure(.methodNotAvailable)
        }
    }

    // MARK: - add

    private func add(_ content: JSONValue, from session: Session) throws(RequestFailure) -> JSONValue {
        let request: FineryAddRequest
        do {
            request = try FineryAddRequest(content: content)
        } catch {
            // FineryAddRequest names the offending field in `detail`. A negative price is a bad
            // price (71), not a malformed one.
            if error.detail == "price", content["price"]?.int64 != nil {
                throw RequestFailure(.invalidOrderPrice, "price")
            }
            throw RequestFailure(.parameterInvalid, error.detail)
        }
        addRequests[request.clientOrderId, default: 0] += 1
        guard let instrument = instruments[request.instrument], let book = books[request.instrument] else {
            throw RequestFailure(.instrumentNotFound, "instrument")
        }
        guard request.clientOrderId > 0 else { throw RequestFailure(.parameterInvalid, "clientOrderId") }
        guard request.size > 0 else { throw RequestFailure(.invalidOrderSize, "size") }
        let limit: UInt64? = request.type.isMarket ? nil : request.price
        if !request.type.isMarket, (limit ?? 0) == 0 { throw RequestFailure(.invalidOrderPrice, "price") }

        let apiKey = session.apiKey
        // From here on the id counts as used, whether or not an order results (IOC/FOK refusals).
        guard accounts[apiKey, default: Account()].usedClientOrderIds.insert(request.clientOrderId).inserted else {
            throw RequestFailure(.clientOrderIdInUse, "clientOrderId")
        }

        let walk = BookWalk.fills(
            book.crossingLevels(takerSide: request.side, limit: limit), quantity: request.size, available: \.size)
        let fills = walk.fills.map { FineryLevel(price: $0.level.price, size: $0.quantity) }
        let unfilled = walk.unfilled
        switch request.type {
        case .postOnly where !fills.isEmpty: throw RequestFailure(.postOnlyWouldMatch)
        case .limitIOC, .marketIOC: if fills.isEmpty { throw RequestFailure(.iocNothingToMatch) }
        case .limitFOK, .marketFOK: if unfilled > 0 { throw RequestFailure(.fokNotEnoughLiquidity) }
        case .limit, .postOnly: break
        case .manualTrade, .pendingLimit, .rfq: throw RequestFailure(.orderTypeNotAllowed, "type")
        }

        var order = FineryOrder(
            instrument: request.instrument, type: request.type, side: request.side, cancelReason: 0,
            orderId: nextOrderId,
            clientOrderId: request.clientOrderId, price: limit ?? 0, initialSize: request.size, sizeLeft: request.size,
            createdAt: unsignedWallClockMillis()
        )
        nextOrderId += 1
        accounts[apiKey, default: Account()].createdOrders[request.clientOrderId, default: 0] += 1
        emit(.order(apiKey: apiKey, action: .added, order: order))

        var replyDeals: [FineryReplyDeal] = []
        for fill in fills {
            order.sizeLeft -= fill.size
            let deal = recordDeal(
                order: order, apiKey: apiKey, instrument: instrument, price: fill.price, size: fill.size,
                aggressor: request.side)
            replyDeals.append(
                FineryReplyDeal(
                    id: deal.dealId, counterpartyId: deal.counterpartyId, price: deal.price, size: deal.size,
                    volume: deal.volume, delta: deal.delta))
        }
        if !fills.isEmpty {
            emit(
                .positions(
                    apiKey: apiKey,
                    positions: positions(of: apiKey, [instrument.assetCurrency, instrument.balanceCurrency])))
            if let change = books[request.instrument]?.consume(takerSide: request.side, fills: fills, rng: &rng) {
                emitBook(request.instrument, change)
            }
        }

        var cancelReason = FineryCancelReason.inPlaceOrFilled
        if order.sizeLeft == 0 {
            emit(.order(apiKey: apiKey, action: .removed, order: order))
        } else if request.type.isTaker {
            cancelReason = .asNonBookOrder
            order.cancelReason = cancelReason.rawValue
            emit(.order(apiKey: apiKey, action: .removed, order: order))
        } else {
            accounts[apiKey, default: Account()].activeOrders[order.orderId] = ClientOrder(
                order: order, connectionId: session.connection.id, cancelOnDisconnect: request.cancelOnDisconnect
            )
        }
        // The refilled book may now reach other resting orders.
        if !fills.isEmpty { fillCrossedOrders(instrument: request.instrument) }
        return FineryOrderReply(
            id: order.orderId, clientOrderId: order.clientOrderId, remainingSize: order.sizeLeft,
            cancelReason: cancelReason.rawValue, deals: replyDeals
        ).body
    }

    /// Books one deal for `order` (already carrying its size left after the deal): `D` on feed O
    /// and the key's positions. Volume = price × size / 1e8, truncated, in exact integer arithmetic.
    private func recordDeal(
        order: FineryOrder, apiKey: String, instrument: FinerySimulatorConfiguration.Instrument,
        price: UInt64, size: Int64, aggressor: FinerySide
    ) -> FineryDeal {
        let volume = Int64(clamping: Int128(price) * Int128(size) / 100_000_000)
        let deal = FineryDeal(
            order: order, moment: unsignedWallClockMillis(), dealId: nextDealId, aggressorSide: aggressor, price: price,
            size: size, volume: volume, delta: 0, counterpartyId: configuration.counterpartyId)
        nextDealId += 1
        let bought = order.side == .bid
        accounts[apiKey, default: Account()].positions[instrument.assetCurrency, default: 0] += bought ? size : -size
        accounts[apiKey, default: Account()].positions[instrument.balanceCurrency, default: 0] +=
            bought ? -volume : volume
        emit(.deal(apiKey: apiKey, deal: deal))
        return deal
    }

    /// Resting client orders the book has moved through are filled in full at their limit, the
    /// client being the maker.
    func fillCrossedOrders(instrument name: String) {
        guard let book = books[name], let instrument = instruments[name] else { return }
        let bestBid = book.bids.first?.price
        let bestAsk = book.asks.first?.price
        for apiKey in accounts.keys.sorted() {
            let crossed = (accounts[apiKey]?.activeOrders.values ?? [:].values)
                .filter { entry in
                    guard entry.order.instrument == name else { return false }
                    if entry.order.side == .bid { return bestAsk.map { entry.order.price >= $0 } ?? false }
                    return bestBid.map { entry.order.price <= $0 } ?? false
                }
                .sorted { $0.order.orderId < $1.order.orderId }
            for entry in crossed {
                var order = entry.order
                let size = order.sizeLeft
                order.sizeLeft = 0
                accounts[apiKey]?.activeOrders[order.orderId] = nil
                _ = recordDeal(
                    order: order, apiKey: apiKey, instrument: instrument, price: order.price, size: size,
                    aggressor: order.side == .bid ? .ask : .bid)
                emit(
                    .positions(
                        apiKey: apiKey,
                        positions: positions(of: apiKey, [instrument.assetCurrency, instrument.balanceCurrency])))
                emit(.order(apiKey: apiKey, action: .removed, order: order))
            }
        }
    }

    // MARK: - del / delAll / mod

    private func del(_ content: JSONValue, apiKey: String) throws(RequestFailure) -> JSONValue {
        let request: FineryDelRequest
        do { request = try FineryDelRequest(content: content) } catch {
            throw RequestFailure(.parameterInvalid, error.detail)
        }
        let found = accounts[apiKey]?.activeOrders.values.first { entry in
            switch request {
            case .orderId(let id): entry.order.orderId == id
            case .clientOrderId(let id): entry.order.clientOrderId == id
            }
        }
        guard var order = found?.order else { throw RequestFailure(.orderNotFound) }
        accounts[apiKey]?.activeOrders[order.orderId] = nil
        order.cancelReason = FineryCancelReason.byClient.rawValue
        emit(.order(apiKey: apiKey, action: .removed, order: order))
        return FineryOrderReply(
            id: order.orderId, clientOrderId: order.clientOrderId, remainingSize: order.sizeLeft,
            cancelReason: order.cancelReason, deals: []
        ).body
    }

    private func delAll(_ content: JSONValue, apiKey: String) throws(RequestFailure) -> JSONValue {
        var filter: String?
        if let value = content["instrument"], !value.isNull {
            guard let name = value.string else { throw RequestFailure(.parameterInvalid, "instrument") }
            filter = name
        }
        let cancelled = (accounts[apiKey]?.activeOrders.values.map(\.order) ?? [])
            .filter { filter == nil || $0.instrument == filter }
            .sorted { $0.orderId < $1.orderId }
        for var order in cancelled {
            accounts[apiKey]?.activeOrders[order.orderId] = nil
            order.cancelReason = FineryCancelReason.byClient.rawValue
            emit(.order(apiKey: apiKey, action: .removed, order: order))
        }
        return .object(["removed": .number("\(cancelled.count)")])
    }

    /// Replaces a resting order: the old one leaves (cancel reason 0, "in place"), a new one with
    /// a new id takes its place and inherits its socket and cancel-on-disconnect flag.
    private func mod(_ content: JSONValue, apiKey: String) throws(RequestFailure) -> JSONValue {
        guard let orderId = content["orderId"]?.int64 else { throw RequestFailure(.parameterInvalid, "orderId") }
        var newPrice: UInt64?
        if let value = content["price"], !value.isNull {
            guard let price = value.uint64, price > 0 else {
                throw RequestFailure(value.int64 != nil ? .invalidOrderPrice : .parameterInvalid, "price")
            }
            newPrice = price
        }
        var newSize: Int64?
        if let value = content["size"], !value.isNull {
            guard let size = value.int64 else { throw RequestFailure(.parameterInvalid, "size") }
            guard size > 0 else { throw RequestFailure(.invalidOrderSize, "size") }
            newSize = size
        }
        guard let old = accounts[apiKey]?.activeOrders[orderId] else { throw RequestFailure(.orderNotFound) }
        accounts[apiKey]?.activeOrders[orderId] = nil
        emit(.order(apiKey: apiKey, action: .removed, order: old.order))

        var order = old.order
        order.orderId = nextOrderId
        nextOrderId += 1
        order.price = newPrice ?? order.price
        order.initialSize = newSize ?? order.sizeLeft
        order.sizeLeft = order.initialSize
        order.createdAt = unsignedWallClockMillis()
        accounts[apiKey]?.activeOrders[order.orderId] = ClientOrder(
            order: order, connectionId: old.connectionId,
            cancelOnDisconnect: old.cancelOnDisconnect)
        emit(.order(apiKey: apiKey, action: .added, order: order))
        fillCrossedOrders(instrument: order.instrument)
        let left = accounts[apiKey]?.activeOrders[order.orderId]?.order.sizeLeft ?? 0
        return FineryOrderReply(
            id: order.orderId, clientOrderId: order.clientOrderId, remainingSize: left,
            cancelReason: 0, origId: orderId, deals: []
        ).body
    }
}
