import ArgumentParser
import OrderCommands

// `send-rfq`, `send-cancel-rfq`, `send-accept-quote`: the RFQ commands (docs/commands.md, RFQ commands), for
// a venue where the bridge is the taker (Fig). The RFQ and its quotes arrive on `<prefix>.md.rfq`
// (`venue-bridge tail --topic <prefix>.md.rfq`); answers and fills on `<prefix>.exec.report`.

struct SendRFQ: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send-rfq",
        abstract:
            "Produce one create_rfq command: ask the venue's makers for quotes. Its id and quotes arrive on <prefix>.md.rfq."
    )
    @OptionGroup var address: CommandAddressOptions
    @Option(help: "Quantity to quote, a decimal such as 25.")
    var qty: String
    @Option(
        help:
            "The side the firm wants to trade (absent: a two-way request, which Fig refuses: its RFQ legs have a direction)."
    )
    var side: CLISide?

    func validate() throws {
        guard let quantity = try parseDecimal(qty, option: "--qty"), quantity.isPositive else {
            throw ValidationError("--qty must be positive")
        }
    }

    func run() async throws {
        guard let quantity = try parseDecimal(qty, option: "--qty") else { throw ValidationError("--qty is required") }
        try await address.send(.createRFQ(CreateRFQ(side: side?.side, quantity: quantity)))
    }
}

struct SendCancelRFQ: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send-cancel-rfq",
        abstract: "Produce one cancel_rfq command for an open RFQ, named by the venue's RFQ id."
    )
    @OptionGroup var address: CommandAddressOptions
    @Option(help: "The venue's RFQ id (the create_rfq answer's venue_order_id, or rfq_id on <prefix>.md.rfq).")
    var rfqId: String

    func run() async throws { try await address.send(.cancelRFQ(CancelRFQ(rfqId: rfqId))) }
}

struct SendAcceptQuote: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send-accept-quote",
        abstract: "Produce one accept_quote command: trade against a live quote (quote_id on <prefix>.md.rfq)."
    )
    @OptionGroup var address: CommandAddressOptions
    @Option(help: "The quote to accept.")
    var quoteId: String
    @Option(help: "The RFQ the quote answers (optional; the venue knows it from the quote).")
    var rfqId: String?

    func run() async throws { try await address.send(.acceptQuote(AcceptQuote(quoteId: quoteId, rfqId: rfqId))) }
}
