import SeqTrainCore

/// One optimizer: its Keras name and options, how they are read and written, its per-parameter
/// slots and its update formula. Adding an optimizer is one file with a type conforming to this
/// protocol, plus one line in `OptimizerCatalog.standard`.
public protocol OptimizerRule: Equatable, Sendable {
    /// The Keras name, `train.optimizer.name` (e.g. `adam`).
    static var name: String { get }
    /// The option keys it accepts besides `name`, `clipnorm` and `clipvalue`.
    static var optionKeys: [String] { get }
    /// Reads the options; nil after reporting every problem to `options`.
    static func parse(_ options: inout OptimizerOptions) -> Self?
    /// The options as resolved YAML values (after `name`), every default written out, in Keras's order.
    var options: [(key: String, value: String)] { get }
    /// The step size, as a function of the optimizer step.
    var learningRate: LearningRate { get }
    /// Names of the per-parameter state it keeps (Adam's `m` and `v`), each as large as the parameters.
    var slotNames: [String] { get }
    /// One update of `count` parameters `w` with gradients `g`: `step` is the update's number from 1,
    /// `learningRate` the rate for it; `slots` are the buffers named by `slotNames`.
    func update(_ w: UnsafeMutablePointer<Float>, _ g: UnsafePointer<Float>, slots: [UnsafeMutablePointer<Float>],
                count: Int, step: Int, learningRate: Double)
}

extension OptimizerRule {
    /// The Keras name of this optimizer.
    public var name: String { Self.name }

    /// Whether `other` is the same optimizer with the same options.
    public func isEqual(to other: any OptimizerRule) -> Bool {
        guard let other = other as? Self else { return false }
        return self == other
    }
}

/// `train.optimizer`: an optimizer rule (the clipping is `GradientClipping`, written beside it).
public struct OptimizerConfig: Equatable, Sendable {
    /// The rule and its options.
    public var rule: any OptimizerRule

    /// An optimizer of `rule`.
    public init(_ rule: any OptimizerRule) { self.rule = rule }

    /// The Keras name.
    public var name: String { rule.name }

    public static func == (a: OptimizerConfig, b: OptimizerConfig) -> Bool { a.rule.isEqual(to: b.rule) }

    /// The resolved YAML mapping without its closing brace, so that clipping can follow: `{name: adam, …`.
    public var yamlOpening: String {
        "{" + ([("name", name)] + rule.options.map { ($0.key, $0.value) }).map { "\($0.0): \($0.1)" }.joined(separator: ", ")
    }
}

/// The optimizer's option mapping, read with positions as `train.optimizer.<key>`.
public struct OptimizerOptions {
    /// The option entries (without name, clipnorm and clipvalue), in file order.
    public let entries: [NodeReader.Entry]
    /// Collects the problems.
    public var reader: NodeReader

    /// The value of `key`, if written.
    public func node(_ key: String) -> Node? { entries.first { $0.key == key }?.value }

    /// A finite number satisfying `valid` (described by `requirement`); `default` when absent.
    public mutating func double(_ key: String, default value: Double, requirement: String, _ valid: (Double) -> Bool) -> Double? {
        guard let node = node(key) else { return value }
        return reader.double(node, "train.optimizer.\(key)", requirement: requirement, valid)
    }

    /// A number in [0, 1) (a decay rate); `default` when absent.
    public mutating func rate(_ key: String, default value: Double) -> Double? {
        double(key, default: value, requirement: "in [0, 1)") { $0 >= 0 && $0 < 1 }
    }

    /// true or false; `default` when absent.
    public mutating func bool(_ key: String, default value: Bool) -> Bool? {
        guard let node = node(key) else { return value }
        return reader.bool(node, "train.optimizer.\(key)")
    }

    /// `learning_rate`; `default` when absent.
    public mutating func learningRate(default value: Double) -> LearningRate? {
        guard let node = node("learning_rate") else { return .constant(value) }
        return LearningRate.parse(node, reader: &reader)
    }
}

/// The optimizers an experiment file may name.
public struct OptimizerCatalog: @unchecked Sendable {
    /// The optimizer types, in the order "expected one of" lists them.
    public private(set) var types: [any OptimizerRule.Type]

    /// A catalog of `types`.
    public init(_ types: [any OptimizerRule.Type]) { self.types = types }

    /// Every optimizer seqtrain ships.
    public static let standard = OptimizerCatalog([
        AdamConfig.self,
        SGDConfig.self,
        RMSpropConfig.self,
    ])

    /// This catalog with one more optimizer.
    public func adding(_ type: any OptimizerRule.Type) -> OptimizerCatalog {
        var copy = self
        copy.types.append(type)
        return copy
    }

    /// The names a file may use.
    public var names: [String] { types.map { $0.name } }

    /// `train.optimizer`: a bare name, or a mapping whose `name` defaults to adam (clipping is read by
    /// `GradientClipping.parse`); nil after reporting the problems.
    public func parse(_ node: Node, reader: inout NodeReader) -> OptimizerConfig? {
        let fields: [NodeReader.Entry]
        let nameNode: Node
        if case .scalar = node {
            (fields, nameNode) = ([], node)
        } else {
            guard let entries = reader.mapping(node, "train.optimizer") else { return nil }
            // Without a name the optimizer is the default one, Adam (as when optimizer: is absent).
            let named = entries.first(where: { $0.key == "name" })?.value ?? Node("adam")
            (fields, nameNode) = (entries.filter { !["name", "clipnorm", "clipvalue"].contains($0.key) }, named)
        }
        guard let name = reader.scalarText(nameNode, "train.optimizer.name", expected: names.joined(separator: ", ")) else { return nil }
        guard let type = types.first(where: { $0.name == name }) else {
            reader.error(nameNode, "unknown optimizer '\(name)'", suggestion: Suggest.hint(for: name, in: names))
            return nil
        }
        let before = reader.diagnostics.count
        reader.checkKeys(fields, allowed: type.optionKeys + ["clipnorm", "clipvalue"], in: "the \(name) optimizer")
        guard reader.diagnostics.count == before else { return nil }
        var options = OptimizerOptions(entries: fields, reader: reader)
        let rule = type.parse(&options)
        reader = options.reader
        guard reader.diagnostics.count == before, let rule else { return nil }
        return OptimizerConfig(rule)
    }
}
