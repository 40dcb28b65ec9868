import OrderCommands
import VenueBridgeCore

/// One command of every type, fully populated and minimal. Used by the round-trip tests and
/// written out for the JSON Schema contract check (scripts/validate-contract.py).
enum CommandSamples {
    static let expiry: Int64 = 1_767_225_600_123_456_789
    static func d(_ s: String) -> ExactDecimal { ExactDecimal(s)! }

    static func command(
        _ key: String, _ venue: VenueID, _ account: String, _ instrument: String, expiresAt: Int64? = nil,
        _ payload: OrderCommand.Payload
    ) -> OrderCommand {
        OrderCommand(
            idempotencyKey: key, venue: venue, account: account, instrument: instrument, expiresAt: expiresAt, payload)
    }

    static let all: [(name: String, command: OrderCommand)] = [
        (
            "new_order",
            command(
                "ord-2026-01-01-0001", .sfox, "main", "BTC-USD", expiresAt: expiry,
                .newOrder(
                    NewOrder(
                        side: .buy, orderType: .limit, timeInForce: .gtc, quantity: d("0.01"), price: d("65000.25"),
                        clientOrderId: "my-order-1")))
        ),
        (
            "new_order-market",
            command(
                "m-1", .finery, "demo", "ETH-USD",
                .newOrder(NewOrder(side: .sell, orderType: .market, quantity: d("2"))))
        ),
        (
            "new_order-t4",
            command(
                "t4:SIM-001:42", .t4, "SIM-001", "ES-M25",
                .newOrder(
                    NewOrder(side: .buy, orderType: .limit, timeInForce: .day, quantity: d("1"), price: d("5301.25"))))
        ),
        (
            "cancel_order",
            command(
                "cxl-1", .sfox, "main", "BTC-USD",
                .cancelOrder(CancelOrder(target: .idempotencyKey("ord-2026-01-01-0001"))))
        ),
        (
            "cancel_order-client-id",
            command(
                "cxl-2", .finery, "demo", "BTC-USD", expiresAt: expiry,
                .cancelOrder(CancelOrder(target: .clientOrderId("4611686018427387904"))))
        ),
        (
            "cancel_order-venue-id",
            command("cxl-3", .t4, "SIM-001", "ES-M25", .cancelOrder(CancelOrder(target: .venueOrderId("T4-ORD-77"))))
        ),
        (
            "replace_order",
            command(
                "rpl-1", .t4, "SIM-001", "ES-M25",
                .replaceOrder(
                    ReplaceOrder(target: .idempotencyKey("t4:SIM-001:42"), quantity: d("3"), price: d("5300.5"))))
        ),
        (
            "replace_order-price",
            command(
                "rpl-2", .t4, "SIM-001", "ES-M25",
                .replaceOrder(
                    ReplaceOrder(target: .clientOrderId("vb-0123456789abcdef0123456789abcdef"), price: d("-1.25"))))
        ),
        (
            "create_rfq",
            command(
                "rfq-new-1", .fig, "acct-1", "BTC-USD", expiresAt: expiry,
                .createRFQ(CreateRFQ(side: .buy, quantity: d("10"))))
        ),
        (
            "cancel_rfq",
            command("rfq-cxl-1", .fig, "acct-1", "BTC-USD", .cancelRFQ(CancelRFQ(rfqId: "rfq-1")))
        ),
        (
            "accept_quote",
            command("q-acc-1", .fig, "acct-1", "BTC-USD", .acceptQuote(AcceptQuote(quoteId: "q-9", rfqId: "rfq-1")))
        ),
    ]
}
