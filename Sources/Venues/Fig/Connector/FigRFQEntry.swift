import FigWire
import NIOHTTP1
public import VenueBridgeCore
public import VenueConnector

/// RFQ entry over signed REST, for the command path (`create_rfq`, `cancel_rfq`, `accept_quote`).
///
/// Exactly once per command (docs/venues/fig.md): the create's client id travels as the RFQ's
/// `label`, so an ambiguous create is resolved by finding the RFQ by label (pushes seen, then the
/// venue's list of open RFQs), never by creating again; an ambiguous accept is resolved by reading
/// the RFQ (`GET /rfq/{id}`): its trades are there or not.
extension FigConnector: RFQEntry {
    public var clientOrderIdFormat: ClientOrderIdFormat { FigHouseRules.clientOrderIdFormat }

    public func createRFQ(_ request: RFQRequest) async throws(OrderEntryError) -> ExecutionReport {
        guard let instrument = configuration.instrument(symbol: request.instrument) else {
            throw .invalid("instrument \(request.instrument) is not configured for Fig")
        }
        guard request.quantity.isPositive else { throw .invalid("quantity \(request.quantity) must be positive") }
        // A Fig RFQ leg has a direction; the contract's side-less (two-way) request has no Fig form.
        guard let side = request.side else {
            throw .invalid("Fig RFQs name a direction: create_rfq needs side (buy or sell)")
        }
        try requireSession()
        let create = FigCreateRFQ(
            baseCurrency: instrument.baseCurrency, quoteCurrency: instrument.quoteCurrency, amount: request.quantity,
            label: request.clientRFQId,
            legs: [.init(direction: side == .sell ? .sell : .buy, instrumentId: instrument.instrumentId)])
        var report = ExecutionReport(
            account: request.account, clientOrderId: request.clientRFQId, idempotencyKey: request.idempotencyKey,
            side: side, orderType: .limit, status: .new, quantity: request.quantity, cumQty: .zero,
            leavesQty: request.quantity)
        do {
            let body = try await signedCall(.POST, FigCreateRFQ.path, body: create.body())
            let rfqId: Int64
            do { rfqId = try JSONFields(JSONValue.parse(body)).integer("rfqId") } catch {
                // Created, but the answer cannot be read: resolve by label like a lost answer.
                throw OrderEntryError.ambiguous(
                    .serverError(status: 200, message: "create answer unreadable: \(error)"))
            }
            book.withLock { $0.created(label: request.clientRFQId, rfqId: rfqId) }
            report.venueOrderId = "\(rfqId)"
            return report
        } catch let failure as FigRest.Failure {
            return try refusal(failure, report)
        } catch let error as OrderEntryError {
            throw error
        } catch {
            throw .ambiguous(.disconnected(reason: "\(error)"))
        }
    }

    public func cancelRFQ(rfqId: String, account: String, instrument: String) async throws(OrderEntryError)
        -> ExecutionReport
    {
        guard let id = Int64(rfqId) else { throw .invalid("Fig RFQ ids are integers, got \(rfqId)") }
        try requireSession()
        let known = book.withLock { $0.rfq(id: id) }
        var report = ExecutionReport(
            account: account, clientOrderId: known?.label ?? "fig-rfq-\(id)", venueOrderId: rfqId,
            side: known?.legs.first.map { $0.direction == .buy ? .buy : .sell } ?? .buy, orderType: .limit,
            status: .canceled, quantity: known?.amount, cumQty: .zero, leavesQty: .zero)
        do {
            let body = try await signedCall(.DELETE, "/v1/rfq/\(id)")
            if let rfq = try? FigDecoding.rfq(text: body) { _ = book.withLock { $0.rfq(rfq) } }
            return report
        } catch {
            report.status = .rejected
            return try refusal(error, report)
        }
    }

    public func acceptQuote(_ request: AcceptQuoteRequest) async throws(OrderEntryError) -> ExecutionReport {
        guard let quoteId = Int64(request.quoteId) else {
            throw .invalid("Fig quote ids are integers, got \(request.quoteId)")
        }
        try requireSession()
        book.withLock { $0.willAccept(request) }
        let rfqId = book.withLock { $0.acceptRFQ(clientOrderId: request.clientOrderId) }
        let report = ExecutionReport(
            account: request.account, clientOrderId: request.clientOrderId, idempotencyKey: request.idempotencyKey,
            venueOrderId: rfqId.map { "\($0)" }, side: .buy, orderType: .limit, status: .rejected, cumQty: .zero,
            leavesQty: .zero)
        do {
            let body = try await signedCall(
                .POST, FigTradeRequest.path, body: FigTradeRequest.body(rfqQuoteId: quoteId))
            let result: FigTradeRequest.Result
            do { result = try FigTradeRequest.Result.decode(body) } catch {
                throw OrderEntryError.ambiguous(.serverError(status: 200, message: "trade answer unreadable: \(error)"))
            }
            // The fills are published before the answer: it never runs ahead of the stream.
            var fills: [ExecutionReport] = []
            do {
                fills = try await track(rfqId: result.rfqId) {
                    $0.traded(clientOrderId: request.clientOrderId, result: result)
                }
            } catch {
                logger.warning("Fig fills not published", metadata: ["error": "\(error)"])
            }
            if let known = book.withLock({ $0.report(clientOrderId: request.clientOrderId) }) ?? fills.last {
                return known
            }
            // A 2xx trade answer without trades says neither filled nor refused: the RFQ says which.
            throw OrderEntryError.ambiguous(.serverError(status: 200, message: "trade answer lists no trades"))
        } catch let failure as FigRest.Failure {
            return try refusal(failure, report)
        } catch let error as OrderEntryError {
            throw error
        } catch {
            throw .ambiguous(.disconnected(reason: "\(error)"))
        }
    }

    /// An RFQ command whose answer was lost, from what the command names: a cancel by reading its
    /// RFQ, an accept by reading the RFQ its quote (or its `rfq_id`) is on, a create by its label.
    /// The command's facts make this work for a bridge that restarted and remembers nothing.
    public func resolve(_ command: RFQCommandFacts) async throws(OrderEntryError) -> ExecutionReport? {
        switch command.kind {
        case .create:
            return try await query(clientOrderId: command.clientOrderId, account: command.account)
        case .cancel(let rfqId):
            guard let id = Int64(rfqId) else { return nil }
            // The RFQ's state answers the cancel, as an order's does an order cancel's: cancelled,
            // or still open (the cancel did not take), or what else it became.
            let rfq = try await read("/v1/rfq/\(id)", FigDecoding.rfq(text:))
            _ = book.withLock { $0.rfq(rfq) }
            return rfqReport(rfq, account: command.account)
        case .accept(let quoteId, let rfqId):
            book.withLock {
                $0.willAccept(
                    AcceptQuoteRequest(
                        account: command.account, instrument: command.instrument, quoteId: quoteId, rfqId: rfqId,
                        clientOrderId: command.clientOrderId))
            }
            return try await query(clientOrderId: command.clientOrderId, account: command.account)
        }
    }

    /// What a command with this client id made: an accept (read from the RFQ it traded on), or an
    /// RFQ created with it as label (seen on a push, else found among the open RFQs).
    public func query(clientOrderId: String, account: String) async throws(OrderEntryError) -> ExecutionReport? {
        if book.withLock({ $0.isAccept(clientOrderId: clientOrderId) }) {
            if let known = book.withLock({ $0.report(clientOrderId: clientOrderId) }), known.status.isTerminal {
                return known
            }
            guard let rfqId = book.withLock({ $0.acceptRFQ(clientOrderId: clientOrderId) }) else { return nil }
            let rfq = try await read("/v1/rfq/\(rfqId)", FigDecoding.rfq(text:))
            do { try await track(rfqId: rfqId) { $0.rfq(rfq) } } catch {
                logger.warning("Fig fills not published", metadata: ["error": "\(error)"])
            }
            if let traded = book.withLock({ $0.report(clientOrderId: clientOrderId) }) { return traded }
            return untraded(rfq, clientOrderId: clientOrderId, account: account)
        }
        if let rfq = book.withLock({ $0.rfq(label: clientOrderId) }) { return rfqReport(rfq, account: account) }
        var cursor: String?
        var pages = 0
        repeat {
            let page = try await read(FigRFQPage.path(status: .open, cursor: cursor), FigRFQPage.decode)
            if let rfq = page.results.first(where: { $0.label == clientOrderId }) {
                _ = book.withLock { $0.rfq(rfq) }
                return rfqReport(rfq, account: account)
            }
            cursor = page.cursor
            pages += 1
        } while cursor != nil && pages < 50
        return nil
    }

    // MARK: - Helpers

    /// A signed REST call, timed (`vb_venue_request_duration_seconds`, answered calls) and counted
    /// by outcome (`vb_venue_requests_total`: ok, refused, rate_limited, not_sent, ambiguous).
    func signedCall(_ method: HTTPMethod, _ path: String, body: String? = nil) async throws(FigRest.Failure) -> String {
        let started = ContinuousClock.now
        do {
            let answer = try await rest.call(method, path, body: body)
            metrics.requestLatency.record(duration: ContinuousClock.now - started)
            metrics.request(outcome: "ok")
            return answer
        } catch {
            switch error {
            case .refused:
                metrics.requestLatency.record(duration: ContinuousClock.now - started)
                metrics.request(outcome: "refused")
            case .rateLimited: metrics.request(outcome: "rate_limited")
            case .notSent: metrics.request(outcome: "not_sent")
            case .ambiguous: metrics.request(outcome: "ambiguous")
            }
            throw error
        }
    }

    private func requireSession() throws(OrderEntryError) {
        let state = control.state
        guard state == .ready else { throw .unavailable(state) }
    }

    /// A GET for a query: a refusal or an unreadable answer is an ambiguous failure (the query
    /// could not say), never a guess.
    func read<T>(_ path: String, _ decode: (String) throws(FrameDecodeError) -> T)
        async throws(OrderEntryError) -> T
    {
        let body: String
        do { body = try await signedCall(.GET, path) } catch {
            throw .ambiguous(.serverError(status: 0, message: "query \(path): \(error)"))
        }
        do { return try decode(body) } catch {
            throw .ambiguous(.serverError(status: 200, message: "query \(path): \(error)"))
        }
    }

    /// An accept whose RFQ shows no trade: refused for certain once the RFQ is over or the quote
    /// is gone from it; nil (ask again) while the quote is still live, the accept perhaps in flight.
    private func untraded(_ rfq: FigRFQ, clientOrderId: String, account: String) -> ExecutionReport? {
        guard rfq.trades.isEmpty else { return nil }
        let quoteId = book.withLock { $0.acceptQuote(clientOrderId: clientOrderId) }
        let quoteLive = rfq.status == .open && rfq.quotes.contains { $0.rfqQuoteId == quoteId }
        guard !quoteLive else { return nil }
        return ExecutionReport(
            account: account, clientOrderId: clientOrderId, venueOrderId: "\(rfq.rfqId)",
            side: rfq.legs.first.map { $0.direction == .buy ? .buy : .sell } ?? .buy, orderType: .limit,
            status: .rejected, cumQty: .zero, leavesQty: .zero,
            reason: "the quote was not traded: RFQ \(rfq.rfqId) is \(rfq.status.rawValue) without trades")
    }

    private func rfqReport(_ rfq: FigRFQ, account: String) -> ExecutionReport {
        let status: OrderStatus =
            switch rfq.status {
            case .open: .new
            case .filled, .filledPartial: .filled
            case .cancelled: .canceled
            case .expired: .expired
            }
        return ExecutionReport(
            account: account, clientOrderId: rfq.label ?? "fig-rfq-\(rfq.rfqId)", venueOrderId: "\(rfq.rfqId)",
            side: rfq.legs.first.map { $0.direction == .buy ? .buy : .sell } ?? .buy, orderType: .limit,
            status: status, quantity: rfq.amount, cumQty: .zero, leavesQty: status.isTerminal ? .zero : rfq.amount)
    }

    /// The venue's refusal as a rejected report (its words; the HTTP status as the code); a call
    /// that may have reached the venue stays ambiguous; one that did not is unavailable.
    private func refusal(_ failure: FigRest.Failure, _ report: ExecutionReport) throws(OrderEntryError)
        -> ExecutionReport
    {
        switch failure {
        case .notSent(let reason):
            throw .ambiguous(.notSent(reason: reason))
        case .rateLimited(let retryAfter):
            throw .rateLimited(retryAfter: retryAfter)
        case .ambiguous(let reason):
            throw .ambiguous(.serverError(status: 0, message: reason))
        case .refused(let error):
            var rejected = report
            rejected.status = .rejected
            rejected.leavesQty = .zero
            rejected.reason = error.description
            rejected.rejectCode = "\(error.status)"
            return rejected
        }
    }
}
