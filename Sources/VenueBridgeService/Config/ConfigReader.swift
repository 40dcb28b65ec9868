import Yams

/// Reads one YAML mapping, remembering which keys were used and collecting issues with full paths.
struct ConfigReader {
    let node: Node
    let path: String
    var issues: [ConfigIssue]
    private var used: Set<String> = []

    init(node: Node, path: String, issues: [ConfigIssue]) {
        self.node = node
        self.path = path
        self.issues = issues
        if node.mapping == nil {
            self.issues.append(ConfigIssue(key: path.isEmpty ? "config file" : path, problem: "must be a mapping"))
        }
    }

    func keyPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    func has(_ key: String) -> Bool { node.mapping?[key] != nil }

    mutating func markUsed(_ key: String) { used.insert(key) }

    private mutating func scalar(_ key: String) -> String? {
        guard let value = node.mapping?[key] else { return nil }
        used.insert(key)
        guard let scalar = value.scalar else {
            issues.append(ConfigIssue(key: keyPath(key), problem: "must be a single value"))
            return nil
        }
        return scalar.string
    }

    mutating func string(_ key: String, into target: inout String) {
        if let value = scalar(key) { target = value }
    }

    mutating func optionalString(_ key: String, into target: inout String?) {
        if let value = scalar(key) { target = value }
    }

    mutating func int(_ key: String, in range: ClosedRange<Int>, into target: inout Int) {
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

    mutating func optionalInt(_ key: String, in range: ClosedRange<Int>, into target: inout Int?) {
        guard has(key) else { return }
        var value = target ?? range.lowerBound
        let before = issues.count
        int(key, in: range, into: &value)
        if issues.count == before { target = value }
    }

    mutating func bool(_ key: String, into target: inout Bool) {
        guard let text = scalar(key) else { return }
        guard let value = ConfigLoader.parseBool(text) else {
            issues.append(ConfigIssue(key: keyPath(key), problem: "'\(text)' must be true or false"))
            return
        }
        target = value
    }

    mutating func enumValue<E: RawRepresentable & CaseIterable>(_ key: String, into target: inout E)
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

    mutating func stringList(_ key: String, into target: inout [String]) {
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
    mutating func stringMap(_ key: String) -> [(String, String, String)] {
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

    mutating func section(_ key: String, _ body: (inout ConfigReader) -> Void) {
        guard let value = node.mapping?[key] else { return }
        used.insert(key)
        read(value, path: keyPath(key), body)
    }

    /// A list of mappings, each read by `body` under its own path (`markets[1].symbol`).
    mutating func mappingList(_ key: String, _ body: (inout ConfigReader) -> Void) {
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
        var child = ConfigReader(node: value, path: path, issues: [])
        if value.mapping != nil {
            body(&child)
            child.rejectUnknownKeys()
        }
        issues += child.issues
    }

    mutating func rejectUnknownKeys() {
        guard let mapping = node.mapping else { return }
        for key in mapping.keys {
            let name = key.scalar?.string ?? "?"
            if !used.contains(name) {
                issues.append(ConfigIssue(key: keyPath(name), problem: "unknown key"))
            }
        }
    }
}
