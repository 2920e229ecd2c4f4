@_exported import Yams

/// Reads typed values out of a YAML tree, collecting every problem with its position instead of
/// stopping at the first one.
public struct NodeReader {
    /// The file name used in diagnostics.
    public let file: String
    /// Problems found so far.
    public private(set) var diagnostics: [Diagnostic] = []

    /// A reader whose diagnostics name `file`.
    public init(file: String) { self.file = file }

    /// A mapping entry whose key is a plain string.
    public struct Entry {
        /// The key's text.
        public let key: String
        /// The key's node (its position).
        public let keyNode: Node
        /// The value.
        public let value: Node
    }

    /// Where a node starts.
    public func position(_ node: Node?) -> SourcePosition? {
        guard let mark = node?.mark else { return nil }
        return SourcePosition(line: mark.line, column: mark.column)
    }

    /// Records a problem at `node`. For a problem between keys, `node` is the key the message names
    /// first, and the message names where the `related` keys are written (those not written, at their
    /// defaults, are left out).
    public mutating func error(_ node: Node?, _ message: String, related: [(key: String, node: Node?)] = [], suggestion: String? = nil) {
        let others = related.compactMap { other in
            other.node.map { RelatedKey(key: other.key, file: file, position: position($0)) }
        }
        diagnostics.append(Diagnostic(file: file, position: position(node), message: message, suggestion: suggestion, related: others))
    }

    /// A short description of what a node is, for "found …" in messages.
    public func describe(_ node: Node) -> String {
        switch node {
        case .scalar(let scalar):
            if scalar.string.isEmpty && scalar.style == .plain { return "nothing" }
            let text = scalar.string.count > 40 ? String(scalar.string.prefix(40)) + "…" : scalar.string
            return "'\(text)'"
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }

    /// The entries of a mapping, or nil (with an error) when the node is something else.
    public mutating func mapping(_ node: Node, _ what: String) -> [Entry]? {
        guard case .mapping(let mapping) = node else {
            error(node, "\(what) must be a mapping of keys to values, found \(describe(node))")
            return nil
        }
        var entries: [Entry] = []
        for (keyNode, value) in mapping {
            guard case .scalar(let key) = keyNode else {
                error(keyNode, "keys of \(what) must be plain names, found \(describe(keyNode))")
                continue
            }
            entries.append(Entry(key: key.string, keyNode: keyNode, value: value))
        }
        return entries
    }

    /// Reports every key that is not among `allowed`, with a suggestion.
    public mutating func checkKeys(_ entries: [Entry], allowed: [String], in what: String) {
        for entry in entries where !allowed.contains(entry.key) {
            error(entry.keyNode, "unknown key '\(entry.key)' in \(what)",
                  suggestion: Suggest.hint(for: entry.key, in: allowed))
        }
    }

    /// The plain text of a scalar, or nil (with an error) for lists and mappings.
    public mutating func scalarText(_ node: Node, _ what: String, expected: String) -> String? {
        guard case .scalar(let scalar) = node else {
            error(node, "\(what) must be \(expected), found \(describe(node))")
            return nil
        }
        return scalar.string
    }

    /// An integer in `range`, or nil (with an error).
    public mutating func int(_ node: Node, _ what: String, in range: ClosedRange<Int>) -> Int? {
        guard let text = scalarText(node, what, expected: "an integer") else { return nil }
        guard let value = Int(text.replacingOccurrences(of: "_", with: "")) else {
            if let double = Double(text), double.isFinite, double == double.rounded(), abs(double) < 1e15 {
                return checkRange(Int(double), node, what, range)
            }
            if let double = Double(text), double == double.rounded() || !double.isFinite {
                // A whole number too large for any count: say so rather than "not an integer".
                error(node, "\(what) must be \(rangeText(range)), found \(describe(node)), which is out of range")
                return nil
            }
            error(node, "\(what) must be an integer, found \(describe(node))")
            return nil
        }
        return checkRange(value, node, what, range)
    }

    private mutating func checkRange(_ value: Int, _ node: Node, _ what: String, _ range: ClosedRange<Int>) -> Int? {
        guard range.contains(value) else {
            error(node, "\(what) must be \(rangeText(range)), found \(value)")
            return nil
        }
        return value
    }

    private func rangeText(_ range: ClosedRange<Int>) -> String {
        range.upperBound == Int.max ? "at least \(range.lowerBound)" : "between \(range.lowerBound) and \(range.upperBound)"
    }

    /// A finite number satisfying `valid`, which is described by `requirement` ("greater than 0").
    public mutating func double(_ node: Node, _ what: String, requirement: String, _ valid: (Double) -> Bool) -> Double? {
        guard let text = scalarText(node, what, expected: "a number") else { return nil }
        let lowered = text.lowercased()
        let special: [String: Double] = [".nan": .nan, ".inf": .infinity, "+.inf": .infinity, "-.inf": -.infinity]
        guard let value = special[lowered] ?? Double(text.replacingOccurrences(of: "_", with: "")) else {
            error(node, "\(what) must be a number, found \(describe(node))")
            return nil
        }
        guard value.isFinite, valid(value) else {
            error(node, "\(what) must be a finite number \(requirement), found \(text)")
            return nil
        }
        return value
    }

    /// true or false, or nil (with an error).
    public mutating func bool(_ node: Node, _ what: String) -> Bool? {
        guard let text = scalarText(node, what, expected: "true or false") else { return nil }
        switch text {
        case "true", "True", "TRUE": return true
        case "false", "False", "FALSE": return false
        default:
            error(node, "\(what) must be true or false, found \(describe(node))")
            return nil
        }
    }

    /// One of a fixed set of names, with a suggestion when misspelt.
    public mutating func choice<T: RawRepresentable & CaseIterable>(_ node: Node, _ what: String, as type: T.Type) -> T?
    where T.RawValue == String {
        let names = T.allCases.map(\.rawValue)
        guard let text = scalarText(node, what, expected: "one of: " + names.joined(separator: ", ")) else { return nil }
        if let value = T(rawValue: text) { return value }
        error(node, "\(what) cannot be \(describe(node))", suggestion: Suggest.hint(for: text, in: names))
        return nil
    }
}
