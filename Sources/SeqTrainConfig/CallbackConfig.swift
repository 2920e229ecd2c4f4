import SeqTrainCore

/// A callback as the experiment file has it (`train.callbacks: [- EarlyStopping: {...}]`): its Keras
/// name, its options read with positions and checked against the run's history columns, and how it
/// is written back. What it does during training is the `Callback` protocol of SeqTrainTraining,
/// which refines this one; `CallbackCatalog.standard` lists the callbacks seqtrain ships.
public protocol CallbackConfig: Equatable, Sendable {
    /// The Keras class name, the key of the item in `train.callbacks` (e.g. `EarlyStopping`).
    static var name: String { get }
    /// The option keys it accepts.
    static var optionKeys: [String] { get }
    /// The options described for the JSON Schema and `seqtrain help config` (names equal `optionKeys`).
    static var optionSchema: [OptionSpec] { get }
    /// Reads the options; nil after reporting every problem to `options`.
    static func parse(_ options: inout CallbackOptions) -> Self?
    /// The options as resolved YAML values, every default written out, in Keras's order.
    var options: [(key: String, value: String)] { get }
}

extension CallbackConfig {
    /// The Keras name of this callback.
    public var name: String { Self.name }

    /// Whether `other` is the same callback with the same options.
    public func isEqual(to other: any CallbackConfig) -> Bool {
        guard let other = other as? Self else { return false }
        return self == other
    }

    /// The item as the resolved config writes it: `EarlyStopping: {monitor: val_loss, …}`.
    public var yaml: String { "\(Self.name): " + YAMLText.mapping(options.map { ($0.key, $0.value) }) }
}

/// Whether a monitored history column should go down or up (Keras's `mode`).
public enum MonitorMode: String, CaseIterable, Equatable, Sendable {
    /// From the column: the loss and every seqtrain metric (all errors) go down.
    case auto
    /// Lower is better.
    case min
    /// Higher is better.
    case max
}

/// What a callback's options are checked against besides themselves.
public struct CallbackContext {
    /// The columns of the run's `history.csv` after `epoch` (what `monitor` may name).
    public var historyColumns: [String]
    /// Whether the learning rate follows a schedule (so that nothing may set it at run time).
    public var learningRateIsScheduled: Bool
    /// Where `train.optimizer.learning_rate` is written, for errors that involve it.
    public var learningRateNode: Node?

    /// A context of these columns.
    public init(historyColumns: [String], learningRateIsScheduled: Bool, learningRateNode: Node? = nil) {
        self.historyColumns = historyColumns
        self.learningRateIsScheduled = learningRateIsScheduled
        self.learningRateNode = learningRateNode
    }
}

/// One callback's option mapping, read with positions as `train.callbacks.<i>.<Name>.<key>`.
public struct CallbackOptions {
    /// `train.callbacks.<i>.<Name>`, for messages.
    public let path: String
    /// The callback's name in the file (where problems of the whole item are reported).
    public let nameNode: Node
    /// The option entries, in file order.
    public let entries: [NodeReader.Entry]
    /// The history columns and the optimizer's rate.
    public let context: CallbackContext
    /// Collects the problems.
    public var reader: NodeReader

    /// The value of `key`, if written.
    public func node(_ key: String) -> Node? { entries.first { $0.key == key }?.value }

    /// An integer in `range`; `default` when absent.
    public mutating func int(_ key: String, default value: Int, in range: ClosedRange<Int>) -> Int? {
        guard let node = node(key) else { return value }
        return reader.int(node, "\(path).\(key)", in: range)
    }

    /// A finite number satisfying `valid` (described by `requirement`); `default` when absent.
    public mutating func double(_ key: String, default value: Double, requirement: String, _ valid: (Double) -> Bool) -> Double? {
        guard let node = node(key) else { return value }
        return reader.double(node, "\(path).\(key)", requirement: requirement, valid)
    }

    /// A finite number or null (Keras's `None`, also when absent); `.some(nil)` for none, nil after an error.
    public mutating func optionalDouble(_ key: String) -> Double?? {
        guard let node = node(key) else { return .some(nil) }
        if case .scalar(let scalar) = node, scalar.style == .plain, ["null", "Null", "NULL", "~", ""].contains(scalar.string) {
            return .some(nil)
        }
        guard let value = reader.double(node, "\(path).\(key)", requirement: "(or null)", { _ in true }) else { return nil }
        return .some(value)
    }

    /// true or false; `default` when absent.
    public mutating func bool(_ key: String, default value: Bool) -> Bool? {
        guard let node = node(key) else { return value }
        return reader.bool(node, "\(path).\(key)")
    }

    /// `monitor` (a history column; `val_loss` when absent) and `mode` (`auto` when absent), checked
    /// together: a column that is not in the history is an error with a suggestion, and so is `auto`
    /// for a column whose direction is unknown (`lr`).
    public mutating func monitor() -> (column: String, mode: MonitorMode)? {
        let columns = context.historyColumns.filter { $0 != "epoch" }
        var column: String? = "val_loss"
        if let node = node("monitor"), let text = reader.scalarText(node, "\(path).monitor", expected: "a history column") {
            column = text
            if !columns.contains(text) {
                reader.error(node, "\(path).monitor names '\(text)', which is not a column of history.csv "
                    + "(its columns: \(columns.joined(separator: ", ")))", suggestion: Suggest.hint(for: text, in: columns))
                column = nil
            }
        } else if node("monitor") != nil {
            column = nil
        }
        var mode: MonitorMode? = .auto
        if let node = node("mode") { mode = reader.choice(node, "\(path).mode", as: MonitorMode.self) }
        guard let column, let mode else { return nil }
        if mode == .auto && column == "lr" {
            reader.error(node("monitor") ?? nameNode, "\(path) cannot tell whether lr should go down or up",
                         suggestion: "set mode: min or mode: max")
            return nil
        }
        return (column, mode)
    }

    /// Reports a problem with the whole callback, at its name (naming where the `related` keys are).
    public mutating func error(_ message: String, related: [(key: String, node: Node?)] = [], suggestion: String? = nil) {
        reader.error(nameNode, message, related: related, suggestion: suggestion)
    }
}

/// The callbacks an experiment file may name: the registry the parser, `--set` and the writer use.
/// Adding a callback is its own file (a type conforming to SeqTrainTraining's `Callback`) plus one
/// line in `CallbackCatalog.standard` (declared in SeqTrainTraining, beside the callbacks).
public struct CallbackCatalog: @unchecked Sendable {
    /// The callback types, in the order "expected one of" lists them.
    public private(set) var types: [any CallbackConfig.Type]

    /// A catalog of `types`.
    public init(_ types: [any CallbackConfig.Type]) { self.types = types }

    /// This catalog with one more callback type.
    public func adding(_ type: any CallbackConfig.Type) -> CallbackCatalog {
        var copy = self
        copy.types.append(type)
        return copy
    }

    /// The names a file may use.
    public var names: [String] { types.map { $0.name } }

    /// `train.callbacks`: a list of `- Name: {options}` items (or a bare `- Name`); nil after reporting the problems.
    public func parseList(_ node: Node, context: CallbackContext, reader: inout NodeReader) -> [any CallbackConfig]? {
        guard case .sequence(let items) = node else {
            reader.error(node, "train.callbacks must be a list such as [{EarlyStopping: {patience: 3}}], found \(reader.describe(node))")
            return nil
        }
        var callbacks: [any CallbackConfig] = []
        var ok = true
        for (index, item) in items.enumerated() {
            if let callback = parseItem(item, path: "train.callbacks.\(index)", context: context, reader: &reader) {
                callbacks.append(callback)
            } else {
                ok = false
            }
        }
        return ok ? callbacks : nil
    }

    private func parseItem(_ node: Node, path: String, context: CallbackContext, reader: inout NodeReader) -> (any CallbackConfig)? {
        let name: String, nameNode: Node
        var optionsNode: Node?
        switch node {
        case .scalar(let scalar):
            (name, nameNode) = (scalar.string, node)
        case .mapping:
            guard let entries = reader.mapping(node, path), entries.count == 1 else {
                reader.error(node, "\(path) must name exactly one callback, like '- EarlyStopping: {patience: 3}'")
                return nil
            }
            (name, nameNode, optionsNode) = (entries[0].key, entries[0].keyNode, entries[0].value)
        default:
            reader.error(node, "\(path) must be a callback like '- EarlyStopping: {patience: 3}', found \(reader.describe(node))")
            return nil
        }
        guard let type = types.first(where: { $0.name == name }) else {
            reader.error(nameNode, "unknown callback '\(name)' at \(path)", suggestion: Suggest.hint(for: name, in: names))
            return nil
        }
        var entries: [NodeReader.Entry] = []
        if let optionsNode, !Self.isEmpty(optionsNode) {
            guard let mapping = reader.mapping(optionsNode, "\(path) (\(name))") else { return nil }
            entries = mapping
        }
        let before = reader.diagnostics.count
        reader.checkKeys(entries, allowed: type.optionKeys, in: "\(name) at \(path)")
        guard reader.diagnostics.count == before else { return nil }
        var options = CallbackOptions(path: "\(path).\(name)", nameNode: nameNode, entries: entries, context: context, reader: reader)
        let callback = type.parse(&options)
        reader = options.reader
        return reader.diagnostics.count == before ? callback : nil
    }

    /// `EarlyStopping:` with nothing after it.
    static func isEmpty(_ node: Node) -> Bool {
        if case .scalar(let scalar) = node, scalar.string.isEmpty, scalar.style == .plain { return true }
        return false
    }
}
