import OrderCommands
import VenueBridgeCore
import VenueBridgeService
import VenueCatalog

/// The fuzz harnesses: each takes one input of arbitrary bytes and must return for every one of
/// them, with no crash and no broken invariant (`fuzzCheck`). libFuzzer calls them through
/// `Fuzz/Runner` (`scripts/fuzz`); `FuzzHarnessTests` replays the committed corpora through them
/// in every `swift test`. Venue harnesses: `FineryHarness.swift` and its neighbours.
public enum FuzzHarness {
    /// Every harness by target name (`scripts/fuzz TARGET`, `Fuzz/corpus/TARGET`).
    public static let targets: [(name: String, run: @Sendable ([UInt8]) -> Void)] = [
        ("json", json), ("decimal", decimal), ("event", event), ("command", command), ("config", config),
        ("finery", finery), ("sfox", sfox), ("t4", t4), ("fi", fi), ("fig", fig),
    ]

    public static func target(named name: String) -> (@Sendable ([UInt8]) -> Void)? {
        targets.first { $0.name == name }?.run
    }

    /// `JSONValue.parse` (depth, duplicates, numbers, UTF-8): never crashes; the strict parse
    /// (duplicate keys refused) accepts nothing the lenient one refuses and agrees with it; the
    /// text and byte entry points agree.
    public static func json(_ data: [UInt8]) {
        let value = try? JSONValue.parse(data)
        if let strict = try? JSONValue.parse(data, rejectingDuplicateKeys: true) {
            fuzzCheck(strict == value, "strict and lenient parses differ")
        }
        if let text = String(validating: data, as: UTF8.self) {
            fuzzCheck((try? JSONValue.parse(text)) == value, "text and byte parses differ")
        }
    }

    /// `ExactDecimal`: text → value → text → value is the identity, and arithmetic keeps its
    /// algebra where it does not overflow (a + b − b = a, a × 1 = a, order agrees with subtraction).
    /// The input: up to three decimal texts separated by spaces.
    public static func decimal(_ data: [UInt8]) {
        let texts = String(decoding: data, as: UTF8.self).split(separator: " ", maxSplits: 3).prefix(3)
        let values = texts.compactMap { ExactDecimal(String($0)) }
        for value in values {
            let again = ExactDecimal(value.description)
            fuzzCheck(again == value, "\(value) does not survive its own text (\(String(describing: again)))")
            var bytes: [UInt8] = []
            value.write(to: &bytes)
            fuzzCheck(String(decoding: bytes, as: UTF8.self) == value.description, "write and description differ")
            fuzzCheck((try? value.multiplied(by: 1)) == value, "\(value) × 1")
            fuzzCheck(value.negated().negated() == value, "−−\(value)")
        }
        guard values.count >= 2 else { return }
        let (a, b) = (values[0], values[1])
        if let sum = try? a.adding(b), let back = try? sum.subtracting(b) {
            fuzzCheck(back == a, "\(a) + \(b) − \(b) = \(back)")
        }
        if let difference = try? a.subtracting(b) {
            fuzzCheck((a < b) == difference.isNegative, "order of \(a), \(b) against their difference \(difference)")
        }
    }

    /// `EventCodec.decode` (the bridge reads `exec.report` back during crash recovery): an event it
    /// accepts encodes and decodes to itself.
    public static func event(_ data: [UInt8]) {
        guard let event = try? EventCodec.decode(data) else { return }
        let again = try? EventCodec.decode(EventCodec.encode(event))
        fuzzCheck(again == event, "an event does not survive its own encoding")
    }

    /// The order command codec: a command it accepts encodes and decodes to itself, keeps its
    /// fingerprint, and derives its client id in every venue's format.
    public static func command(_ data: [UInt8]) {
        guard case .success(let command) = OrderCommandCodec.decode(data) else { return }
        let again = OrderCommandCodec.decode(OrderCommandCodec.encode(command))
        guard case .success(let decoded) = again else {
            fuzzCheck(false, "an accepted command is refused after its own encoding: \(again)")
            return
        }
        fuzzCheck(decoded == command, "a command does not survive its own encoding")
        for venue in VenueID.allCases {
            let id = ClientOrderIds.derive(
                VenueCatalog.clientOrderIdFormat(for: venue), venue: venue, idempotencyKey: command.idempotencyKey)
            fuzzCheck(VenueCatalog.clientOrderIdFormat(for: venue).accepts(id), "derived id \(id) for \(venue)")
        }
    }

    /// The config loader (YAML → `BridgeConfig`) with every venue: never crashes, and never echoes
    /// a secret from the environment or a secret file in an error or the printed summary.
    public static func config(_ data: [UInt8]) {
        let yaml = String(decoding: data, as: UTF8.self)
        let canary = "CANARY-SECRET-7f3a91"
        guard !yaml.contains(canary) else { return }  // a text that names it may be quoted back
        let environment = [
            "VB_FINERY_API_KEY": canary, "VB_FINERY_API_SECRET": canary, "VB_SFOX_API_KEY": canary,
            "VB_T4_API_KEY": canary, "VB_FI_PASSWORD": canary, "VB_FIG_CLIENT_SECRET": canary,
            "VB_REDIS_PASSWORD": canary, "VB_KAFKA_PROP_SASL_PASSWORD": canary,
        ]
        let loader = ConfigLoader(
            venues: VenueCatalog.all, environment: environment,
            readFile: { path in path == "fuzz.yaml" ? yaml : canary })
        do {
            let config = try loader.load(path: "fuzz.yaml")
            let printed = config.redactedSummary.map { "\($0.key)=\($0.value)" }.joined(separator: "\n")
            fuzzCheck(!printed.contains(canary), "a secret in the printed config")
        } catch {
            fuzzCheck(!error.description.contains(canary), "a secret in a config error")
        }
    }
}
