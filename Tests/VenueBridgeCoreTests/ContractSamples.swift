import VenueBridgeCore

/// One event of every type, fully populated and minimal, as the code produces them. Used by the
/// round-trip test and written out for the JSON Schema contract check (scripts/validate-contract.py).
enum ContractSamples {
    static let ts: Int64 = 1_767_225_600_123_456_789
    static func d(_ s: String) -> ExactDecimal { ExactDecimal(s)! }

    static let all: [(name: String, event: NormalizedEvent)] = [
        (
            "book_snapshot",
            .init(
                venue: .finery, instrument: "BTC-USD", venueInstrument: "BTC-USD", seq: 1,
                venueSeq: 18_446_744_073_709_551_615, tsVenue: ts, tsRecv: ts + 1,
                payload: .bookSnapshot(
                    .init(
                        bids: [
                            .init(price: d("65000.5"), size: d("1.25")),
                            .init(price: d("65000"), size: d("0.00000001")),
                        ],
                        asks: [.init(price: d("65001"), size: d("3"))], depth: 20)))
        ),
        (
            "book_snapshot-empty",
            .init(
                venue: .t4, instrument: "ESM5", venueInstrument: "XCME_Eq ES (M25)", seq: 2, tsRecv: ts,
                payload: .bookSnapshot(.init(bids: [], asks: [])))
        ),
        (
            "book_delta",
            .init(
                venue: .finery, instrument: "BTC-USD", venueInstrument: "BTC-USD", seq: 3, tsRecv: ts,
                payload: .bookDelta(
                    .init(
                        bids: [.init(price: d("65000.5"), size: d("0"))],
                        asks: [.init(price: d("65002"), size: d("7.5"))])))
        ),
        (
            "trade",
            .init(
                venue: .sfox, instrument: "ETH-USD", venueInstrument: "ethusd", seq: 9, venueSeq: 77, tsVenue: ts,
                tsRecv: ts,
                payload: .trade(
                    .init(price: d("3021.17"), size: d("0.5"), aggressor: .sell, tradeId: "1234567890123456789")))
        ),
        (
            "trade-minimal",
            .init(
                venue: .fi, instrument: "BTC-USD", venueInstrument: "BTC/USD", seq: 1, tsRecv: ts,
                payload: .trade(.init(price: d("1"), size: d("1"), aggressor: .unknown, tradeId: nil)))
        ),
        (
            "ticker",
            .init(
                venue: .sfox, instrument: "BTC-USD", venueInstrument: "btcusd", seq: 4, tsRecv: ts,
                payload: .ticker(
                    .init(
                        bid: d("65000"), bidSize: d("1"), ask: d("65001"), askSize: d("2"), last: d("65000.5"),
                        lastSize: d("0.1"),
                        open: d("64000"), high: d("66000"), low: d("63000"), volume: d("1234.5"), vwap: d("64999.99"))))
        ),
        (
            "ticker-top",
            .init(
                venue: .finery, instrument: "BTC-USD", venueInstrument: "BTC-USD", seq: 5, tsRecv: ts,
                payload: .ticker(.init(bid: d("65000"), ask: d("65001"))))
        ),
        (
            "rfq",
            .init(
                venue: .fig, instrument: "BTC-USD", venueInstrument: "BTC-USD", seq: 1, tsRecv: ts,
                payload: .rfq(
                    .init(
                        rfqId: "rfq-1", status: .open, side: .buy, quantity: d("10"), account: "acct-1",
                        expiresAt: ts + 30_000_000_000)))
        ),
        (
            "rfq-minimal",
            .init(
                venue: .fig, instrument: "BTC-USD", venueInstrument: "BTC-USD", seq: 2, tsRecv: ts,
                payload: .rfq(.init(rfqId: "rfq-2", status: .expired)))
        ),
        (
            "quote",
            .init(
                venue: .fig, instrument: "BTC-USD", venueInstrument: "BTC-USD", seq: 3, tsRecv: ts,
                payload: .quote(
                    .init(
                        rfqId: "rfq-1", quoteId: "q-9", status: .active, side: .sell, price: d("65010.25"),
                        quantity: d("10"), expiresAt: ts)))
        ),
        (
            "execution_report",
            .init(
                venue: .finery, instrument: "BTC-USD", venueInstrument: "BTC-USD", seq: 12, tsVenue: ts, tsRecv: ts,
                payload: .executionReport(
                    .init(
                        account: "main", clientOrderId: "4611686018427387904", idempotencyKey: "k-\"quoted\"\n",
                        venueOrderId: "9001",
                        side: .buy, orderType: .limit, timeInForce: .gtc, status: .partiallyFilled, price: d("65000"),
                        quantity: d("2"),
                        lastQty: d("0.5"), lastPx: d("64999.5"), cumQty: d("0.5"), leavesQty: d("1.5"),
                        avgPx: d("64999.5"),
                        fillId: "f-1", liquidity: .taker, reason: nil, rejectCode: nil, duplicate: false)))
        ),
        (
            "execution_report-reject",
            .init(
                venue: .sfox, instrument: "BTC-USD", venueInstrument: "btcusd", seq: 13, tsRecv: ts,
                payload: .executionReport(
                    .init(
                        account: "main", clientOrderId: "c-2", side: .sell, orderType: .market, status: .rejected,
                        cumQty: d("0"), reason: "insufficient funds", rejectCode: "400")))
        ),
        (
            // FI: a fill from a `sale` push (traderefno as fill id), and a refusal in the venue's
            // words with the bridge's slug as reject_code.
            "execution_report-fi-fill",
            .init(
                venue: .fi, instrument: "BTC-USD", venueInstrument: "BTCUSD", seq: 15, tsVenue: ts, tsRecv: ts,
                payload: .executionReport(
                    .init(
                        account: "trader1", clientOrderId: "vb-0123456789abcdef0123456789abc",
                        idempotencyKey: "order-43", venueOrderId: "5FS8TX5EDN0WA0", side: .buy, orderType: .limit,
                        timeInForce: .gtc, status: .partiallyFilled, price: d("7014.2"), quantity: d("0.5"),
                        lastQty: d("0.2"), lastPx: d("7014.19"), cumQty: d("0.2"), leavesQty: d("0.3"),
                        fillId: "T123", liquidity: .taker)))
        ),
        (
            "execution_report-fi-reject",
            .init(
                venue: .fi, instrument: "BTC-USD", venueInstrument: "BTCUSD", seq: 16, tsRecv: ts,
                payload: .executionReport(
                    .init(
                        account: "trader1", clientOrderId: "vb-0123456789abcdef0123456789abd", side: .sell,
                        orderType: .limit, status: .rejected, price: d("7100"), quantity: d("1"), cumQty: d("0"),
                        leavesQty: d("0"), reason: "not enough fund", rejectCode: "not_enough_fund")))
        ),
        (
            "execution_report-answer",
            .init(
                venue: .sfox, instrument: "BTC-USD", venueInstrument: nil, seq: 14, tsRecv: ts,
                payload: .executionReport(
                    .init(
                        account: "main", clientOrderId: "vb-0123456789abcdef0123456789abcdef",
                        idempotencyKey: "order-42", side: .buy, orderType: .limit, status: .unknown,
                        cumQty: d("0"), reason: "outcome unknown", duplicate: true, command: .newOrder)))
        ),
        (
            "position",
            .init(
                venue: .t4, instrument: "ESM5", venueInstrument: "XCME_Eq ES (M25)", seq: 1, tsRecv: ts,
                payload: .position(
                    .init(
                        account: "t4-acct", quantity: d("-3"), avgPrice: d("5301.25"), realizedPnl: d("-125.5"),
                        unrealizedPnl: d("37.5"))))
        ),
        (
            "position-minimal",
            .init(
                venue: .finery, instrument: "BTC-USD", venueInstrument: "BTC-USD", seq: 2, tsRecv: ts,
                payload: .position(.init(account: "main", quantity: d("0"))))
        ),
        (
            "balance",
            .init(
                venue: .sfox, instrument: nil, venueInstrument: nil, seq: 1, tsRecv: ts,
                payload: .balance(
                    .init(
                        account: "main", asset: "USD", total: d("1000000.01"), available: d("999000"),
                        held: d("1000.01"))))
        ),
        (
            "venue_status",
            .init(
                venue: .finery, instrument: nil, venueInstrument: nil, seq: 1, tsRecv: ts,
                payload: .venueStatus(.init(state: .degraded, reason: "X status 1: backend unavailable", reconnects: 3))
            )
        ),
        (
            "venue_status-session",
            .init(
                venue: .sfox, instrument: nil, venueInstrument: nil, seq: 3, tsRecv: ts,
                payload: .venueStatus(
                    .init(
                        state: .ready, reason: "authenticated; private feeds subscribed", reconnects: 0,
                        session: "private")))
        ),
        (
            "venue_status-minimal",
            .init(
                venue: .t4, instrument: nil, venueInstrument: nil, seq: 2, tsRecv: ts,
                payload: .venueStatus(.init(state: .ready)))
        ),
    ]
}
