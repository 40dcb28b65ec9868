import VenueBridgeCore
import VenueConnector
public import Yams

/// One problem with the configuration, naming where it is.
public struct ConfigIssue: Error, Sendable, Equatable, CustomStringConvertible {
    /// `kafka.brokers`, `env VB_HTTP_PORT`, …
    public var key: String
    public var problem: String

    public init(key: String, problem: String) {
        self.key = key
        self.problem = problem
    }

    /// A URL's `user:password@` is replaced even if a problem text quotes one: the last net
    /// before an error reaches a terminal or a log.
    public var description: String { VenueURL.redactingCredentials(in: "\(key): \(problem)") }
}

/// Reads a secret file (trailing newlines dropped); the loader's, so tests can give files in memory.
public struct SecretFileReader {
    let readFile: (String) throws -> String

    public init(readFile: @escaping (String) throws -> String) { self.readFile = readFile }

    /// The secret, or nil with the problem reported under `key` (the file's name, never its text).
    public func read(file: String, key: String, issues: inout [ConfigIssue]) -> String? {
        do {
            // Trailing newlines are an artefact of `echo > file` and Kubernetes secret mounts.
            let text = try readFile(file)
            return String(text.reversed().drop { $0 == "\n" || $0 == "\r" }.reversed())
        } catch {
            issues.append(ConfigIssue(key: key, problem: "cannot read secret file \(file)"))
            return nil
        }
    }
}

/// `true/1/yes/on`, `false/0/no/off`, any case.
public func parseConfigBool(_ text: String) -> Bool? {
    switch text.lowercased() {
    case "true", "1", "yes", "on": true
    case "false", "0", "no", "off": false
    default: nil
    }
}

/// Reads one YAML mapping, remembering which keys were used and collecting issues with full paths.
public struct ConfigReader {
    public let node: Node
    public let path: String
    public var issues: [ConfigIssue]
    /// Reads the files `*_file` keys name.
    public let secrets: SecretFileReader
    private var used: Set<String> = []

    public init(node: Node, path: String, issues: [ConfigIssue], secrets: SecretFileReader) {
        self.node = node
        self.path = path
        self.issues = issues
        self.secrets = secrets
        if node.mapping == nil {
            self.issues.append(ConfigIssue(key: path.isEmpty ? "config file" : path, problem: "must be a mapping"))
        }
    }

    public func keyPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    public func has(_ key: String) -> Bool { node.mapping?[key] != nil }

    public mutating func markUsed(_ key: String) { used.insert(key) }

    private mutating func scalar(_ key: String) -> String? {
        guard let value = node.mapping?[key] else { return nil }
        used.insert(key)
        guard let scalar = value.scalar else {
            issues.append(ConfigIssue(key: keyPath(key), problem: "must be a single value"))
            return nil
        }
        return scalar.string
    }

    public mutating func string(_ key: String, into target: inout String) {
        if let value = scalar(key) { target = value }
    }

    public mutating func optionalString(_ key: String, into target: inout String?) {
        if let value = scalar(key) { target = value }
    }

    public mutating func int(_ key: String, in range: ClosedRange<Int>, into target: inout Int) {
        guard let text = scalar(key) else { return }
        guard let value = Int(text), range.contains(value) else {
            issues.append(
                ConfigIssue(
                    key: keyPath(key),
                    problem: "'\(text)' must be an integer in \(range.lowerBound)…\(range.upperBound)"))
            return
        }
        target = value
    }

    public mutating func optionalInt(_ key: String, in range: ClosedRange<Int>, into target: inout Int?) {
        guard has(key) else { return }
        var value = target ?? range.lowerBound
        let before = issues.count
        int(key, in: range, into: &value)
        if issues.count == before { target = value }
    }

    public mutating func bool(_ key: String, into target: inout Bool) {
        guard let text = scalar(key) else { return }
        guard let value = parseConfigBool(text) else {
            issues.append(ConfigIssue(key: keyPath(key), problem: "'\(text)' must be true or false"))
            return
        }
        target = value
    }

    public mutating func enumValue<E: RawRepresentable & CaseIterable>(_ key: String, into target: inout E)
    where E.RawValue == String {
        guard let text = scalar(key) else { return }
        guard let value = E(rawValue: text) else {
            issues.append(
                ConfigIssue(
                    key: keyPath(key),
                    problem: "'\(text)' must be one of \(E.allCases.map(\.rawValue).joined(separator: ", "))"))
            return
        }
        target = value
    }

    public mutating func stringList(_ key: String, into target: inout [String]) {
        guard let value = node.mapping?[key] else { return }
        used.insert(key)
        guard let sequence = value.sequence else {
            issues.append(ConfigIssue(key: keyPath(key), problem: "must be a list"))
            return
        }
        var result: [String] = []
        for (i, item) in sequence.enumerated() {
            guard let text = item.scalar?.string, !text.isEmpty else {
                issues.append(ConfigIssue(key: "\(keyPath(key))[\(i)]", problem: "must be a non-empty string"))
                continue
            }
            result.append(text)
        }
        target = result
    }

    /// A mapping of free-form string values (librdkafka properties).
    /// Entries as (name, value, full key path).
    public mutating func stringMap(_ key: String) -> [(String, String, String)] {
        guard let value = node.mapping?[key] else { return [] }
        used.insert(key)
        guard let mapping = value.mapping else {
            issues.append(ConfigIssue(key: keyPath(key), problem: "must be a mapping"))
            return []
        }
        var entries: [(String, String, String)] = []
        for (k, v) in mapping {
            guard let name = k.scalar?.string, let text = v.scalar?.string else {
                issues.append(ConfigIssue(key: keyPath(key), problem: "entries must be name: value"))
                continue
            }
            entries.append((name, text, "\(keyPath(key)).\(name)"))
        }
        return entries
    }

    public mutating func section(_ key: String, _ body: (inout ConfigReader) -> Void) {
        guard let value = node.mapping?[key] else { return }
        used.insert(key)
        read(value, path: keyPath(key), body)
    }

    /// A list of mappings, each read by `body` under its own path (`markets[1].symbol`).
    public mutating func mappingList(_ key: String, _ body: (inout ConfigReader) -> Void) {
        guard let value = node.mapping?[key] else { return }
        used.insert(key)
        guard let sequence = value.sequence else {
            issues.append(ConfigIssue(key: keyPath(key), problem: "must be a list"))
            return
        }
        for (i, item) in sequence.enumerated() {
            read(item, path: "\(keyPath(key))[\(i)]", body)
        }
    }

    private mutating func read(_ value: Node, path: String, _ body: (inout ConfigReader) -> Void) {
        var child = ConfigReader(node: value, path: path, issues: [], secrets: secrets)
        if value.mapping != nil {
            body(&child)
            child.rejectUnknownKeys()
        }
        issues += child.issues
    }

    public mutating func rejectUnknownKeys() {
        guard let mapping = node.mapping else { return }
        for key in mapping.keys {
            let name = key.scalar?.string ?? "?"
            if !used.contains(name) {
                let near = NearestName.nearest(to: name, among: used).map { "; did you mean '\($0)'?" } ?? ""
                issues.append(ConfigIssue(key: keyPath(name), problem: "unknown key\(near)"))
            }
        }
    }
}
