import OrderCommands
import Testing
import VenueBridgeCore

extension OrderCommand {
    /// A command of `type` carrying what that type takes, for tests that go over every type.
    static func of(
        _ type: CommandType, key: String, venue: VenueID, account: String, instrument: String, side: Side = .buy,
        quantity: ExactDecimal = 1, price: ExactDecimal? = 100, target: OrderTarget = .idempotencyKey("k0"),
        rfqId: String = "r1", quoteId: String = "q1"
    ) -> OrderCommand {
        let payload: Payload =
            switch type {
            case .newOrder:
                .newOrder(NewOrder(side: side, orderType: .limit, quantity: quantity, price: price))
            case .cancelOrder: .cancelOrder(CancelOrder(target: target))
            case .replaceOrder: .replaceOrder(ReplaceOrder(target: target, quantity: quantity, price: price))
            case .createRFQ: .createRFQ(CreateRFQ(side: side, quantity: quantity))
            case .cancelRFQ: .cancelRFQ(CancelRFQ(rfqId: rfqId))
            case .acceptQuote: .acceptQuote(AcceptQuote(quoteId: quoteId, rfqId: rfqId))
            }
        return OrderCommand(idempotencyKey: key, venue: venue, account: account, instrument: instrument, payload)
    }

    /// Changes a new_order's payload (tests make variants of one order).
    mutating func changeOrder(_ change: (inout NewOrder) -> Void, sourceLocation: SourceLocation = #_sourceLocation) {
        guard case .newOrder(var order) = payload else {
            Issue.record("not a new_order: \(type)", sourceLocation: sourceLocation)
            return
        }
        change(&order)
        payload = .newOrder(order)
    }
}
