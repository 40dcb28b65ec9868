import OrderCommands
import VenueBridgeCore

/// One command of every type, fully populated and minimal. Used by the round-trip tests and
/// written out for the JSON Schema contract check (scripts/validate-contract.py).
enum CommandSamples {
    static let expiry: Int64 = 1_767_225_600_123_456_789
    static func d(_ s: String) -> ExactDecimal { ExactDecimal(s)! }

    static let all: [(name: String, command: OrderCommand)] = [
        (
            "new_order",
            OrderCommand(
                type: .newOrder, idempotencyKey: "ord-2026-01-01-0001", venue: .sfox, account: "main",
                instrument: "BTC-USD",
                side: .buy, orderType: .limit, timeInForce: .gtc, quantity: d("0.01"), price: d("65000.25"),
                clientOrderId: "my-order-1", expiresAt: expiry
            )
        ),
        (
            "new_order-market",
            OrderCommand(
                type: .newOrder, idempotencyKey: "m-1", venue: .finery, account: "demo", instrument: "ETH-USD",
                side: .sell, orderType: .market, quantity: d("2")
            )
        ),
        (
            "new_order-t4",
            OrderCommand(
                type: .newOrder, idempotencyKey: "t4:SIM-001:42", venue: .t4, account: "SIM-001", instrument: "ES-M25",
                side: .buy, orderType: .limit, timeInForce: .day, quantity: d("1"), price: d("5301.25")
            )
        ),
        (
            "cancel_order",
            OrderCommand(
                type: .cancelOrder, idempotencyKey: "cxl-1", venue: .sfox, account: "main", instrument: "BTC-USD",
                target: .idempotencyKey("ord-2026-01-01-0001")
            )
        ),
        (
            "cancel_order-client-id",
            OrderCommand(
                type: .cancelOrder, idempotencyKey: "cxl-2", venue: .finery, account: "demo", instrument: "BTC-USD",
                expiresAt: expiry, target: .clientOrderId("4611686018427387904")
            )
        ),
        (
            "cancel_order-venue-id",
            OrderCommand(
                type: .cancelOrder, idempotencyKey: "cxl-3", venue: .t4, account: "SIM-001", instrument: "ES-M25",
                target: .venueOrderId("T4-ORD-77")
            )
        ),
        (
            "replace_order",
            OrderCommand(
                type: .replaceOrder, idempotencyKey: "rpl-1", venue: .t4, account: "SIM-001", instrument: "ES-M25",
                quantity: d("3"), price: d("5300.5"), target: .idempotencyKey("t4:SIM-001:42")
            )
        ),
        (
            "replace_order-price",
            OrderCommand(
                type: .replaceOrder, idempotencyKey: "rpl-2", venue: .t4, account: "SIM-001", instrument: "ES-M25",
                price: d("-1.25"), target: .clientOrderId("vb-0123456789abcdef0123456789abcdef")
            )
        ),
        (
            "create_rfq",
            OrderCommand(
                type: .createRFQ, idempotencyKey: "rfq-new-1", venue: .fig, account: "acct-1", instrument: "BTC-USD",
                side: .buy, quantity: d("10"), expiresAt: expiry
            )
        ),
        (
            "cancel_rfq",
            OrderCommand(
                type: .cancelRFQ, idempotencyKey: "rfq-cxl-1", venue: .fig, account: "acct-1", instrument: "BTC-USD",
                rfqId: "rfq-1"
            )
        ),
        (
            "accept_quote",
            OrderCommand(
                type: .acceptQuote, idempotencyKey: "q-acc-1", venue: .fig, account: "acct-1", instrument: "BTC-USD",
                rfqId: "rfq-1", quoteId: "q-9"
            )
        ),
    ]
}
