import ArgumentParser
import EventBus
import Foundation
import KafkaBus
import Logging
import OrderCommands
import VenueBridgeCore
import VenueBridgeService
import VenueCatalog

// `send-order`, `send-cancel`, `send-replace` (and the RFQ commands, RFQCommandCLI.swift):
// produce one command (docs/commands.md) to `<prefix>.orders.command`. The answer arrives on `<prefix>.exec.report` (`venue-bridge tail`).

/// What every command-producing subcommand shares: where the command goes and whom it is for.
struct CommandAddressOptions: ParsableArguments {
    @OptionGroup var config: ConfigOption
    @Option(help: "Kafka bootstrap servers (default: kafka.brokers from config / $VB_KAFKA_BROKERS).")
    var brokers: String?
    @Option(help: "Topic prefix (default: kafka.topic_prefix from config, vb).")
    var topicPrefix: String?
    @Option(help: "Venue: \(VenueID.allCases.map(\.rawValue).joined(separator: ", ")).")
    var venue: String
    @Option(help: "Account at the venue (default: venues.<venue>.account from config; T4 has none, pass it).")
    var account: String?
    @Option(help: "Normalized instrument symbol, e.g. BTC-USD or ES-M25.")
    var instrument: String
    @Option(
        help:
            "Idempotency key, 1…128 printable ASCII characters (default: cli- and a random UUID). The same key again is answered as a duplicate, never sent twice."
    )
    var key: String?
    @Option(help: "The bridge rejects the command (EXPIRED) if it reads it later than this many milliseconds from now.")
    var expiresInMs: Int64?
    @Flag(
        help:
            "Wait for the bridge's answer on <prefix>.exec.report and print it. Exit status: 0 answered, 2 rejected, 3 unknown (the bridge cannot tell whether the venue has it), 4 no answer within --wait-timeout."
    )
    var wait = false
    @Option(help: "Seconds --wait waits for the answer.")
    var waitTimeout: Int = 30

    func validate() throws {
        _ = try venueID()
        if let expiresInMs, expiresInMs <= 0 { throw ValidationError("--expires-in-ms must be positive") }
        guard (1...3600).contains(waitTimeout) else { throw ValidationError("--wait-timeout must be 1…3600 seconds") }
        if let key {
            do throws(CommandError) { try OrderCommandCodec.checkIdempotencyKey(key) } catch {
                throw ValidationError("--key: \(error.message)")
            }
        }
    }

    func venueID() throws -> VenueID {
        guard let venue = VenueID(rawValue: venue) else {
            throw ValidationError(
                "unknown venue \"\(venue)\"; one of \(VenueID.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return venue
    }

    /// Config (with `--brokers` applied), venue and account, or a message naming what is missing.
    func resolve() throws -> (config: BridgeConfig, venue: VenueID, account: String) {
        let venue = try venueID()
        var loaded = try config.load(checkingVenues: false)
        if let brokers { loaded.kafka.brokers = brokers }
        if let topicPrefix { loaded.kafka.topicPrefix = topicPrefix }
        guard let account = account ?? loaded.defaultOrderAccount(for: venue) else {
            throw CLIFailure("\(venue) has no configured default account: pass --account")
        }
        return (loaded, venue, account)
    }

    var idempotencyKey: String { key ?? "cli-\(UUID().uuidString)" }

    /// The command these options address, carrying `payload`, checked and produced
    /// (`CommandSender.send`).
    func send(_ payload: OrderCommand.Payload) async throws {
        let (config, venue, account) = try resolve()
        let command = OrderCommand(
            idempotencyKey: idempotencyKey, venue: venue, account: account, instrument: instrument,
            expiresAt: try expiresAt(), payload)
        guard wait else {
            try await CommandSender.send(command, config: config)
            return
        }
        // Where the answers' topic ends before the command is sent: its answer comes after.
        let reader = try await AnswerReader(config: config, timeout: .seconds(waitTimeout))
        try await CommandSender.send(command, config: config)
        try await reader.awaitAnswer(to: command)
    }

    func expiresAt() throws -> Int64? {
        guard let expiresInMs else { return nil }
        let now = wallClockNanos()
        let (nanos, overflow) = expiresInMs.multipliedReportingOverflow(by: 1_000_000)
        guard !overflow, now <= Int64.max - nanos else { throw CLIFailure("--expires-in-ms is too large") }
        return now + nanos
    }
}

/// Which order a cancel or replace acts on: exactly one of three.
struct OrderTargetOptions: ParsableArguments {
    @Option(help: "The idempotency key of the new_order that placed the order.")
    var targetKey: String?
    @Option(help: "The order's client order id.")
    var targetClientOrderId: String?
    @Option(help: "The venue's order id.")
    var targetVenueOrderId: String?

    func validate() throws {
        guard [targetKey, targetClientOrderId, targetVenueOrderId].compactMap({ $0 }).count == 1 else {
            throw ValidationError(
                "name the order once: --target-key, --target-client-order-id or --target-venue-order-id")
        }
    }

    /// The one target `validate` let through.
    func orderTarget() throws -> OrderTarget {
        if let targetKey { return .idempotencyKey(targetKey) }
        if let targetClientOrderId { return .clientOrderId(targetClientOrderId) }
        if let targetVenueOrderId { return .venueOrderId(targetVenueOrderId) }
        throw ValidationError("name the order: --target-key, --target-client-order-id or --target-venue-order-id")
    }
}

enum CLISide: String, ExpressibleByArgument, CaseIterable {
    case buy, sell
    var side: Side { self == .buy ? .buy : .sell }
}

/// The contract has no stop price, so the CLI offers the two order types it can express fully.
enum CLIOrderType: String, ExpressibleByArgument, CaseIterable {
    case limit, market
    var orderType: OrderType { self == .limit ? .limit : .market }
}

/// gtd needs an expiry the contract does not carry.
enum CLITimeInForce: String, ExpressibleByArgument, CaseIterable {
    case gtc, ioc, fok, day
    var timeInForce: TimeInForce {
        switch self {
        case .gtc: .gtc
        case .ioc: .ioc
        case .fok: .fok
        case .day: .day
        }
    }
}

/// A failure after the arguments were accepted: printed as "Error: …" without the usage text,
/// which would only bury the message.
struct CLIFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

func parseDecimal(_ text: String?, option: String) throws -> ExactDecimal? {
    guard let text else { return nil }
    guard let value = ExactDecimal(text) else {
        throw ValidationError("\(option) \"\(text)\" is not a decimal number such as 0.01")
    }
    return value
}

struct SendOrder: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send-order",
        abstract: "Produce one new_order command; the answer arrives on <prefix>.exec.report (venue-bridge tail)."
    )
    @OptionGroup var address: CommandAddressOptions
    @Option(help: "Order side.")
    var side: CLISide
    @Option(help: "Order type.")
    var type: CLIOrderType = .limit
    @Option(help: "Time in force (default: the bridge's: gtc for limit, ioc for market; gtc for sFOX market orders).")
    var tif: CLITimeInForce?
    @Option(help: "Quantity, a decimal such as 0.01.")
    var qty: String
    @Option(help: "Limit price, a decimal (required for limit orders).")
    var price: String?
    @Option(help: "The venue-format client order id (default: derived from the idempotency key).")
    var clientOrderId: String?

    /// The bridge would reject these too, but only after a round trip through Kafka.
    func validate() throws {
        guard let quantity = try parseDecimal(self.qty, option: "--qty"), quantity.isPositive else {
            throw ValidationError("--qty must be positive")
        }
        let price = try parseDecimal(self.price, option: "--price")
        if type == .limit, price == nil { throw ValidationError("a limit order needs --price (or --type market)") }
        if type == .market, price != nil { throw ValidationError("a market order takes no --price") }
        if let price, !price.isPositive { throw ValidationError("--price must be positive") }
        if let clientOrderId {
            let venue = try address.venueID()
            do throws(CommandError) {
                try ClientOrderIds.validate(
                    clientOrderId, format: VenueCatalog.clientOrderIdFormat(for: venue), venue: venue)
            } catch {
                throw ValidationError("--client-order-id: \(error.message)")
            }
        }
    }

    func run() async throws {
        guard let quantity = try parseDecimal(self.qty, option: "--qty") else {
            throw ValidationError("--qty is required")
        }
        let price = try parseDecimal(self.price, option: "--price")
        try await address.send(
            .newOrder(
                NewOrder(
                    side: side.side, orderType: type.orderType, timeInForce: tif?.timeInForce, quantity: quantity,
                    price: price, clientOrderId: clientOrderId)))
    }
}

struct SendCancel: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send-cancel",
        abstract: "Produce one cancel_order command for an order named by key, client order id or venue order id."
    )
    @OptionGroup var address: CommandAddressOptions
    @OptionGroup var target: OrderTargetOptions

    func run() async throws {
        try await address.send(.cancelOrder(CancelOrder(target: try target.orderTarget())))
    }
}

struct SendReplace: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send-replace",
        abstract:
            "Produce one replace_order command (T4 only; other venues answer UNSUPPORTED): a new quantity and/or price."
    )
    @OptionGroup var address: CommandAddressOptions
    @OptionGroup var target: OrderTargetOptions
    @Option(help: "New quantity.")
    var qty: String?
    @Option(help: "New limit price.")
    var price: String?

    func validate() throws {
        // A replace goes by the order's client id (docs/commands.md §4.5): a venue order id alone
        // cannot name it.
        if target.targetVenueOrderId != nil {
            throw ValidationError("a replace names its order by --target-key or --target-client-order-id")
        }
        let quantity = try parseDecimal(self.qty, option: "--qty")
        let price = try parseDecimal(self.price, option: "--price")
        guard quantity != nil || price != nil else { throw ValidationError("pass --qty, --price or both") }
        if let quantity, !quantity.isPositive { throw ValidationError("--qty must be positive") }
        if let price, !price.isPositive { throw ValidationError("--price must be positive") }
    }

    func run() async throws {
        let quantity = try parseDecimal(self.qty, option: "--qty")
        let price = try parseDecimal(self.price, option: "--price")
        try await address.send(
            .replaceOrder(ReplaceOrder(target: try target.orderTarget(), quantity: quantity, price: price)))
    }
}

enum CommandSender {
    /// A CLI should not sit for librdkafka's two-minute default when the brokers are wrong.
    static let deliveryTimeoutMs = "15000"

    /// Checks the command the way the bridge will read it, produces it and waits for the broker's
    /// acknowledgement: printing "sent" means it is in the topic.
    static func send(_ command: OrderCommand, config: BridgeConfig) async throws {
        let bytes = OrderCommandCodec.encode(command)
        switch OrderCommandCodec.decode(bytes) {
        case .success(let decoded) where decoded == command:
            break
        case .success(let decoded):
            throw CLIFailure("the command does not survive its own wire form (\(decoded)); please report this")
        case .failure(let failure):
            throw CLIFailure("not a valid command: \(failure.error)")
        }
        Observability.bootstrap(level: .warning, format: config.log.format)
        var properties = config.kafka.producerProperties
        if properties["message.timeout.ms"] == nil { properties["message.timeout.ms"] = deliveryTimeoutMs }
        let producer = try KafkaProducer(
            configuration: .init(properties: properties), logger: Logger(label: "venue-bridge.send"))
        defer { producer.close(flushTimeout: .seconds(1)) }
        let topic = TopicNames(prefix: config.kafka.topicPrefix).ordersCommand
        do {
            try await producer.produceAndConfirm(
                KafkaRecord(topic: topic, key: Array(command.kafkaKey.utf8), value: bytes))
        } catch {
            FileHandle.standardError.write(Data("not sent: \(topic) at \(config.kafka.brokers): \(error)\n".utf8))
            throw ExitCode(1)
        }
        // Commands that create something at the venue get a client id (an RFQ's label, an
        // accepted quote's order); print the one the bridge will use.
        let createsSomething = [.newOrder, .createRFQ, .acceptQuote].contains(command.type)
        let clientOrderId =
            createsSomething
            ? command.clientOrderId
                ?? ClientOrderIds.derive(
                    VenueCatalog.clientOrderIdFormat(for: command.venue), venue: command.venue,
                    idempotencyKey: command.idempotencyKey)
            : nil
        printLine("sent \(command.type.rawValue) to \(topic)")
        printLine("  key: \(command.kafkaKey)")
        printLine("  idempotency_key: \(command.idempotencyKey)")
        if let clientOrderId { printLine("  client_order_id: \(clientOrderId)") }
        printLine("  \(String(decoding: bytes, as: UTF8.self))")
    }
}

/// `send-* --wait`: reads `<prefix>.exec.report` from where it ended before the command was sent
/// (by assignment, no group to join) until the command's answer arrives, prints it, and ends with
/// the exit status `--wait` documents.
struct AnswerReader {
    let consumer: KafkaConsumer
    let topic: String
    let ends: [String: [Int64]]
    let timeout: Duration

    init(config: BridgeConfig, timeout: Duration) async throws {
        consumer = try KafkaConsumer.assignedReader(config: config, name: "send")
        topic = TopicNames(prefix: config.kafka.topicPrefix).execReport
        self.timeout = timeout
        do {
            ends = try await consumer.endOffsets(of: [topic], within: min(timeout, .seconds(10)))
        } catch {
            await consumer.close()
            FileHandle.standardError.write(Data("not sent: cannot read \(topic) for the answer: \(error)\n".utf8))
            throw ExitCode(4)
        }
    }

    func awaitAnswer(to command: OrderCommand) async throws {
        let deadline = ContinuousClock.now + timeout
        do {
            try await consumer.assignAllPartitions(of: [topic], from: .positions(ends), within: .seconds(10))
        } catch {
            await consumer.close()
            FileHandle.standardError.write(Data("sent, but cannot read \(topic) for the answer: \(error)\n".utf8))
            throw ExitCode(4)
        }
        let key = Array(command.kafkaKey.utf8)
        while ContinuousClock.now < deadline {
            guard let message = try await consumer.poll(timeout: .milliseconds(200)), message.key == key,
                let event = try? EventCodec.decode(message.value),
                case .executionReport(let report) = event.payload,
                report.command != nil, report.idempotencyKey == command.idempotencyKey
            else { continue }
            await consumer.close()
            printLine("answer: \(report.summary)")
            printLine("  \(String(decoding: message.value, as: UTF8.self))")
            switch report.status {
            case .rejected: throw ExitCode(2)
            case .unknown: throw ExitCode(3)
            default: return
            }
        }
        await consumer.close()
        FileHandle.standardError.write(
            Data("no answer on \(topic) within \(timeout) (is the bridge running with commands enabled?)\n".utf8))
        throw ExitCode(4)
    }
}

extension ExecutionReport {
    /// One line for `tail`: what a person watching commands wants first.
    var summary: String {
        var parts = ["status=\(status.rawValue)", "client_order_id=\(clientOrderId)"]
        if let idempotencyKey { parts.append("idempotency_key=\(idempotencyKey)") }
        if let command { parts.append("command=\(command.rawValue)") }
        if let duplicate { parts.append("duplicate=\(duplicate)") }
        if let rejectCode { parts.append("reject_code=\(rejectCode)") }
        if let reason { parts.append("reason=\"\(reason)\"") }
        return parts.joined(separator: " ")
    }
}
