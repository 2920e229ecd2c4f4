import SeqTrainCore
import SeqTrainModel
import SeqTrainOptimizers

/// `--set PATH=VALUE` overrides, applied to the YAML tree of an experiment file before it is parsed,
/// so that an override is typed and checked exactly like the same value written in the file.
///
/// Paths are dotted keys with list indices: `train.optimizer.learning_rate`, `model.1.units` (a
/// layer's options are reached through its index; `model.2.units` of a TimeDistributed layer reaches
/// its Dense; a callback's likewise, `train.callbacks.0.patience` as `train.callbacks.0.EarlyStopping.patience`).
/// Missing keys are added, so `train.optimizer.clipnorm=1.0` works; a misspelt key is
/// reported as an unknown key with a suggestion, as in a file.
public struct Override: Equatable, Sendable {
    /// The dotted path.
    public var path: [String]
    /// The value's YAML text.
    public var value: String
    /// The argument as the user wrote it.
    public var argument: String
    /// Where it comes from, as messages name it: `--set PATH=VALUE`, or a line of a `sweep:` block.
    public var origin: String

    /// Parses `PATH=VALUE`.
    public init(_ argument: String) throws {
        guard let equals = argument.firstIndex(of: "=") else {
            throw ConfigErrors([Diagnostic(file: "--set \(argument)", position: nil, message: "expected PATH=VALUE",
                                           suggestion: "e.g. --set train.optimizer.learning_rate=0.005")])
        }
        let path = argument[..<equals].split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard !path.isEmpty, path.allSatisfy({ !$0.isEmpty }) else {
            throw ConfigErrors([Diagnostic(file: "--set \(argument)", position: nil, message: "the path before '=' has an empty part",
                                           suggestion: "write dotted keys such as model.1.units")])
        }
        self.path = path
        value = String(argument[argument.index(after: equals)...])
        self.argument = argument
        origin = "--set \(argument)"
    }

    /// Applies overrides to a parsed file. Their nodes are placed on lines after the file's last, so
    /// that diagnostics about them can name the override instead of a position in the file.
    static func apply(_ overrides: [Override], to root: Node, fileLines: Int, vocabulary: Vocabulary) throws -> Node {
        // A path may skip the one-key mapping of a layer or callback item to reach its options.
        let itemNames = Set(vocabulary.layers.names + vocabulary.callbacks.names)
        var root = root
        for (index, override) in overrides.enumerated() {
            let line = fileLines + 1 + index
            let value: Node
            do {
                value = try Yams.compose(yaml: String(repeating: "\n", count: line - 1) + override.value)
                    ?? Yams.compose(yaml: String(repeating: "\n", count: line - 1) + "null")!
            } catch {
                throw ConfigErrors([Diagnostic(file: override.origin, position: nil,
                                               message: "the value is not valid YAML", suggestion: "quote it, e.g. name='my run'")])
            }
            root = try set(value, at: override.path[...], in: root, override: override, line: line, layers: itemNames)
        }
        return root
    }

    private static func set(_ value: Node, at path: ArraySlice<String>, in node: Node, override: Override, line: Int,
                            layers: Set<String>) throws -> Node {
        guard let key = path.first else { return value }
        let rest = path.dropFirst()
        func fail(_ message: String, _ suggestion: String? = nil) -> ConfigErrors {
            ConfigErrors([Diagnostic(file: override.origin, position: nil, message: message, suggestion: suggestion)])
        }
        switch node {
        case .mapping(let mapping):
            var pairs = mapping.map { ($0.key, $0.value) }
            if let index = pairs.firstIndex(where: { $0.0.string == key }) {
                pairs[index].1 = try set(value, at: rest, in: pairs[index].1, override: override, line: line, layers: layers)
            } else if pairs.count == 1, let layer = pairs[0].0.string, layers.contains(layer) {
                // A layer or callback item (`- Dense: {...}`) or the layer a TimeDistributed wraps: its options are one level down.
                pairs[0].1 = try set(value, at: path, in: pairs[0].1, override: override, line: line, layers: layers)
            } else {
                // The key as written, never read as YAML: a part such as `#x`, `[` or a control
                // character is then an unknown key naming the override; on the override's line.
                let keyNode = Node.scalar(Node.Scalar(key, .implicit, .plain, value.mark))
                let empty = Node.mapping(Node.Mapping([], .implicit, .any, keyNode.mark))
                pairs.append((keyNode, try set(value, at: rest, in: empty, override: override, line: line, layers: layers)))
            }
            return .mapping(Node.Mapping(pairs, mapping.tag, mapping.style, mapping.mark))
        case .sequence(let sequence):
            var items = Array(sequence)
            guard let index = Int(key), items.indices.contains(index) else {
                throw fail("'\(key)' is not an index of a list of \(items.count) items", "use 0 to \(items.count - 1)")
            }
            items[index] = try set(value, at: rest, in: items[index], override: override, line: line, layers: layers)
            return .sequence(Node.Sequence(items, sequence.tag, sequence.style, sequence.mark))
        case .scalar(let scalar) where scalar.string.isEmpty && scalar.style == .plain:
            // `Flatten:` or an empty section: becomes a mapping holding the override.
            return try set(value, at: path, in: .mapping(Node.Mapping([], .implicit, .any, scalar.mark)), override: override, line: line, layers: layers)
        case .scalar(let scalar) where layers.contains(scalar.string):
            // A bare item (`- EarlyStopping`): becomes `{EarlyStopping: {}}`, whose options the path then reaches.
            let empty = Node.mapping(Node.Mapping([], .implicit, .any, scalar.mark))
            return try set(value, at: path, in: .mapping(Node.Mapping([(node, empty)], .implicit, .flow, scalar.mark)), override: override,
                           line: line, layers: layers)
        default:
            throw fail("cannot set '\(key)' inside a single value", "the path goes one level too deep")
        }
    }
}

extension ExperimentParser {
    /// Turns diagnostics about override nodes (on lines past the file's end) into diagnostics that
    /// name the override.
    static func attribute(_ diagnostics: [Diagnostic], fileLines: Int, overrides: [Override]) -> [Diagnostic] {
        // The override of a position past the file's end, if it is one.
        func origin(_ position: SourcePosition?) -> String? {
            guard let line = position?.line, line > fileLines, line - fileLines - 1 < overrides.count else { return nil }
            return overrides[line - fileLines - 1].origin
        }
        return diagnostics.map { diagnostic in
            var moved = diagnostic
            if let override = origin(diagnostic.position) { (moved.file, moved.position) = (override, nil) }
            for (index, key) in moved.related.enumerated() {
                if let override = origin(key.position) { (moved.related[index].file, moved.related[index].position) = (override, nil) }
            }
            return moved
        }
    }
}
