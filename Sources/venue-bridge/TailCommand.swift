import ArgumentParser
import EventBus
import Foundation
import KafkaBus
import Logging
import VenueBridgeCore
import VenueBridgeService

/// `venue-bridge tail`: the bridge's topics as a person wants to watch them. It reads by
/// assignment, not as a group member, so the first message shows at once; a wrong broker or topic
/// is an error at once (with the nearest topic name), not a silent wait.
struct Tail: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Consume topics and print their events.",
        discussion: """
            Reads every partition of each --topic (repeat it; shell-style wildcards such as \
            'vb.md.*' match the cluster's topics). On a terminal each message is a summary line and \
            its JSON; piped, the same without colour; --raw prints only the message values. Messages \
            that are not events (the DLQ's copies) are shown with their headers.
            """)
    @OptionGroup var options: ConfigOption
    @Option(
        help:
            "Topic to read; repeat for several; wildcards allowed (default: <prefix>.exec.report, the command answers and execution reports)."
    )
    var topic: [String] = []
    @Option(help: "Topic prefix for the default topic (default: kafka.topic_prefix from config, vb).")
    var topicPrefix: String?
    @Option(help: "Kafka bootstrap servers (default: kafka.brokers from config / $VB_KAFKA_BROKERS).")
    var brokers: String?
    @Flag(help: "Start at the oldest retained message instead of the newest.")
    var fromBeginning = false
    @Option(help: "Stop after printing this many messages.")
    var count: Int?
    @Flag(help: "Print only the message values, one per line.")
    var raw = false
    @Option(help: "Only messages with this Kafka key, e.g. sfox:main or finery:BTC-USD.")
    var key: String?
    @Option(help: "Only events of this venue.")
    var venue: String?
    @Option(help: "Only events of this instrument (normalized symbol).")
    var instrument: String?
    @Option(help: "Only events of this type, e.g. trade or execution_report.")
    var type: String?
    @Option(help: "Seconds to wait for the brokers before giving up.")
    var connectTimeout: Int = 10

    func validate() throws {
        if let count, count <= 0 { throw ValidationError("--count must be positive") }
        if let type, EventType(rawValue: type) == nil {
            throw ValidationError(
                "unknown event type \"\(type)\"; one of \(EventType.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard (1...600).contains(connectTimeout) else { throw ValidationError("--connect-timeout must be 1…600") }
    }

    func run() async throws {
        var config = try options.load(checkingVenues: false)
        if let brokers { config.kafka.brokers = brokers }
        Observability.bootstrap(level: .error, format: config.log.format)
        let consumer = try KafkaConsumer.assignedReader(config: config, name: "tail")
        let timeout = Duration.seconds(connectTimeout)
        do {
            let topics = try await chosenTopics(consumer: consumer, prefix: topicPrefix ?? config.kafka.topicPrefix)
            try await consumer.assignAllPartitions(of: topics, from: fromBeginning ? .beginning : .end, within: timeout)
        } catch {
            await consumer.close()
            var said = "\(error)"
            if case KafkaError.unknownTopic(let name, let existing) = error {
                said = "topic '\(name)' does not exist"
                if let near = NearestName.nearest(to: name, among: existing) { said += "; did you mean '\(near)'?" }
            }
            FileHandle.standardError.write(Data("tail: \(said)\n".utf8))
            throw ExitCode(1)
        }
        let style = TailStyle(
            colour: isatty(STDOUT_FILENO) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil)
        var printed = 0
        while count.map({ printed < $0 }) ?? true {
            guard let message = try await consumer.poll(timeout: .milliseconds(200)) else { continue }
            let event = try? EventCodec.decode(message.value)
            guard matches(message, event) else { continue }
            printed += 1
            printLine(raw ? String(decoding: message.value, as: UTF8.self) : style.render(message, event))
        }
        await consumer.close()
    }

    /// The --topic names, wildcards expanded against the cluster's topics; the default topic when none.
    func chosenTopics(consumer: KafkaConsumer, prefix: String) async throws -> [String] {
        guard !topic.isEmpty else { return [TopicNames(prefix: prefix).execReport] }
        guard topic.contains(where: { $0.contains("*") || $0.contains("?") || $0.contains("[") }) else { return topic }
        let existing = try await consumer.topicPartitions(within: .seconds(connectTimeout)).keys.sorted()
        var chosen: [String] = []
        for pattern in topic {
            let matched = existing.filter { fnmatch(pattern, $0, 0) == 0 }
            guard !matched.isEmpty else {
                throw CLIFailure("no topic matches '\(pattern)' (topics: \(existing.joined(separator: ", ")))")
            }
            chosen += matched.filter { !chosen.contains($0) }
        }
        return chosen
    }

    func matches(_ message: KafkaMessage, _ event: NormalizedEvent?) -> Bool {
        if let key, message.key.map({ String(decoding: $0, as: UTF8.self) }) != key { return false }
        guard venue != nil || instrument != nil || type != nil else { return true }
        guard let event else { return false }  // filters on event fields skip what is not an event
        if let venue, event.venue.rawValue != venue { return false }
        if let instrument, event.instrument != instrument { return false }
        if let type, event.type.rawValue != type { return false }
        return true
    }
}

/// How `tail` prints a message: a summary line (time, topic, key, type, seq, what matters of the
/// event), then the JSON. Colour only on a terminal.
struct TailStyle {
    let colour: Bool

    func render(_ message: KafkaMessage, _ event: NormalizedEvent?) -> String {
        let key = message.key.map { String(decoding: $0, as: UTF8.self) } ?? "-"
        let json = String(decoding: message.value, as: UTF8.self)
        let place = dim("\(message.topic)[\(message.partition)]@\(message.offset)")
        guard let event else {
            // The DLQ's copies (and anything else that is not an event): the headers say why.
            let headers = message.headers.map { "\($0.name)=\(String(decoding: $0.value, as: UTF8.self))" }
            let time = message.timestampMs.map { Self.time(nanos: $0 * 1_000_000) } ?? "-"
            return "\(time) \(place) key=\(key) \(bold("(not an event)"))"
                + (headers.isEmpty ? "" : "\n  headers: \(headers.joined(separator: " "))") + "\n  \(json)"
        }
        var summary = "\(bold(event.type.rawValue)) \(event.venue.rawValue)"
        if let instrument = event.instrument { summary += " \(instrument)" }
        summary += " seq=\(event.seq)"
        switch event.payload {
        case .executionReport(let report): summary += " \(report.summary)"
        case .venueStatus(let status):
            summary += " state=\(status.state.rawValue)" + (status.reason.map { " reason=\"\($0)\"" } ?? "")
        default: break
        }
        return "\(Self.time(nanos: event.tsRecv)) \(place) key=\(key) \(summary)\n  \(json)"
    }

    /// `ts_recv` as UTC time of day with milliseconds: what a person reads; the JSON keeps the nanoseconds.
    static func time(nanos: Int64) -> String {
        let seconds = nanos / 1_000_000_000
        let millis = (nanos / 1_000_000) % 1000
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday,
            parts.tm_hour, parts.tm_min, parts.tm_sec, Int(millis))
    }

    private func bold(_ text: String) -> String { colour ? "\u{1B}[1m\(text)\u{1B}[0m" : text }
    private func dim(_ text: String) -> String { colour ? "\u{1B}[2m\(text)\u{1B}[0m" : text }
}

extension KafkaConsumer {
    /// A reader for the CLI (`tail`, `send-* --wait`): it assigns partitions itself, joins no
    /// group and commits nothing; `kafka.properties` apply, so SASL/TLS settings do.
    static func assignedReader(config: BridgeConfig, name: String) throws -> KafkaConsumer {
        try KafkaConsumer(
            configuration: .init(
                properties: config.kafka.producerProperties.merging([
                    // Not subscribed: the group id is only a name librdkafka wants.
                    "group.id": "venue-bridge-\(name)", "enable.auto.commit": "false",
                ]) { _, new in new },
                topics: []),
            logger: Logger(label: "venue-bridge.\(name)"))
    }
}
