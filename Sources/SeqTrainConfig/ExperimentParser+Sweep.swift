import Foundation
import SeqTrainCore
import SeqTrainModel
import SeqTrainOptimizers

/// The optional `sweep:` block: config paths and the values each takes, as `--grid` gives them.
///
/// ```yaml
/// sweep:
///   train.optimizer.learning_rate: [0.001, 0.005, 0.01]
///   model.0.units: [10, 20]
/// ```
///
/// `seqtrain sweep FILE` runs its cartesian product; `seqtrain FILE` trains the base values and
/// ignores it. It is not part of a run's resolved config: each run is one point of the grid.
extension ExperimentParser {
    /// The axes of the `sweep:` block of the experiment file at `path` (empty without one).
    public static func sweepAxes(path: String) throws -> [SweepGrid.Axis] {
        let text = try readText(path)
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: text) else {
                throw ConfigErrors([Diagnostic(file: path, position: nil, message: "the file is empty",
                                               suggestion: "an experiment needs at least a model: section")])
            }
            root = node
        } catch let error as YamlError {
            throw ConfigErrors([diagnostic(for: error, file: path)])
        }
        var reader = NodeReader(file: path)
        let axes = sweepNode(root).map { parseSweep($0, reader: &reader) } ?? []
        if !reader.diagnostics.isEmpty { throw ConfigErrors(reader.diagnostics) }
        return axes ?? []
    }

    static func sweepNode(_ root: Node) -> Node? {
        guard case .mapping(let mapping) = root else { return nil }
        return mapping.first { $0.key.string == "sweep" }?.value
    }

    /// The axes, each value with its position for messages; nil (with errors) when malformed.
    static func parseSweep(_ node: Node, reader: inout NodeReader) -> [SweepGrid.Axis]? {
        guard let entries = reader.mapping(node, "sweep") else { return nil }
        if entries.isEmpty {
            reader.error(node, "sweep has no axes", suggestion: "write e.g. sweep: {train.optimizer.learning_rate: [0.001, 0.01]}")
            return nil
        }
        var axes: [SweepGrid.Axis] = []
        let sections = ["name", "seed", "data", "model", "train"]
        for entry in entries {
            let first = String(entry.key.split(separator: ".").first ?? "")
            guard sections.contains(first), !entry.key.hasSuffix("."), !entry.key.contains("..") else {
                reader.error(entry.keyNode, "sweep path '\(entry.key)' does not start with a section of the experiment",
                             suggestion: Suggest.closest(to: first, in: sections).map { "did you mean '\($0)\(entry.key.dropFirst(first.count))'?" }
                                 ?? "paths are dotted keys such as train.optimizer.learning_rate or model.0.units")
                return nil
            }
            guard case .sequence(let items) = entry.value, !items.isEmpty else {
                reader.error(entry.value, "sweep.\(entry.key) must be a non-empty list of values, found \(reader.describe(entry.value))",
                             suggestion: "write \(entry.key): [a, b, c]")
                return nil
            }
            let origins = items.map { item -> String in
                let mark = item.mark
                return mark.map { "\(reader.file):\($0.line):\($0.column) (sweep)" } ?? "\(reader.file) (sweep)"
            }
            axes.append(SweepGrid.Axis(path: entry.key, values: items.map(flowText), origins: origins))
        }
        let count = SweepGrid(axes: axes).pointCount
        if count > SweepGrid.maxPoints {
            reader.error(node, "sweep has \(count == Int.max ? "too many" : "\(count)") runs, more than \(SweepGrid.maxPoints)",
                         suggestion: "sweep fewer values at once")
            return nil
        }
        return axes
    }

    /// A node as one line of flow YAML: `0.01`, `"a b"`, `{name: sgd, momentum: 0.9}`.
    static func flowText(_ node: Node) -> String {
        switch node {
        case .scalar(let scalar):
            return scalar.style == .plain ? scalar.string : JSONValue.quote(scalar.string)  // JSON strings are YAML too
        case .mapping(let mapping):
            return "{" + mapping.map { "\(flowText($0.key)): \(flowText($0.value))" }.joined(separator: ", ") + "}"
        case .sequence(let sequence):
            return "[" + sequence.map(flowText).joined(separator: ", ") + "]"
        case .alias(let alias):
            return "*" + alias.anchor.rawValue
        }
    }
}
