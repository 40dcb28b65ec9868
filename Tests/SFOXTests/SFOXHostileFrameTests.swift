import SFOXWire
import Testing
import VenueBridgeCore

// sFOX messages with numbers no venue should send: negative quantities (published as negative
// sizes on the old code) and negative timestamps (published as a negative ts_venue). The decoder
// refuses them; the connector counts the refusal and goes on.

private func refusal(_ text: String) -> FrameDecodeError.Kind? {
    do {
        _ = try SFOXServerMessage.decode(text)
        return nil
    } catch {
        return error.kind
    }
}

@Suite("sFOX hostile frames")
struct SFOXHostileFrameTests {
    @Test("negative quantities are refused in books, trades, tickers, orders and fills")
    func negativeQuantities() {
        #expect(
            refusal(
                #"{"sequence":1,"recipient":"orderbook.sfox.btcusd","payload":{"bids":[[100,-0.5,"ox"]],"asks":[],"pair":"btcusd"}}"#
            ) == .invalidValue)
        #expect(
            refusal(
                #"{"sequence":1,"recipient":"orderbook.sfox.btcusd","payload":{"bids":[[0,0.5,"ox"]],"asks":[],"pair":"btcusd"}}"#
            ) == .invalidValue)
        #expect(
            refusal(
                #"{"sequence":1,"recipient":"trades.sfox.btcusd","payload":{"id":"1","quantity":"-0.005","price":"41492","pair":"btcusd"}}"#
            ) == .invalidValue)
        #expect(
            refusal(
                #"{"sequence":1,"recipient":"ticker.sfox.btcusd","payload":{"pair":"btcusd","last":1,"volume":-3}}"#)
                == .invalidValue)
        #expect(
            refusal(
                #"{"sequence":1,"recipient":"private.user.open-orders","payload":[{"id":1,"status":"Started","quantity":"-1","pair":"btcusd","action":"Buy"}]}"#
            ) == .invalidValue)
        #expect(
            refusal(
                #"{"sequence":1,"recipient":"private.user.open-orders","payload":[{"id":1,"status":"Started","filled":"-0.1","quantity":"1","pair":"btcusd","action":"Buy"}]}"#
            ) == .invalidValue)
        #expect(
            refusal(
                #"{"sequence":1,"recipient":"private.user.trades","payload":[{"trade_id":1,"order_id":2,"action":"Buy","currency_pair":"btcusd","quantity":"-1.65","price":"59.95"}]}"#
            ) == .invalidValue)
        // Zero is a quantity, and signed fields (fees, balances) stay signed.
        #expect(
            refusal(
                #"{"sequence":1,"recipient":"orderbook.sfox.btcusd","payload":{"bids":[[100,0,"ox"]],"asks":[],"pair":"btcusd"}}"#
            ) == nil)
        #expect(
            refusal(
                #"{"sequence":1,"recipient":"private.user.balances","payload":[{"currency":"usd","balance":"-5"}]}"#)
                == nil)
    }

    @Test("a negative data timestamp is refused (ts_venue is never negative)")
    func negativeTimestamp() {
        #expect(
            refusal(
                #"{"sequence":1,"recipient":"trades.sfox.btcusd","timestamp":-1,"payload":{"id":"1","quantity":"1","price":"1","pair":"btcusd"}}"#
            ) == .invalidValue)
        #expect(
            refusal(
                #"{"sequence":1,"recipient":"trades.sfox.btcusd","timestamp":1649898453577592461,"payload":{"id":"1","quantity":"1","price":"1","pair":"btcusd"}}"#
            ) == nil)
    }
}
