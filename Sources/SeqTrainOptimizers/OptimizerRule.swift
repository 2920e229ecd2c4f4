import SeqTrainCore

/// One optimizer: its Keras name and options, how they are read and written, its per-parameter
/// slots and its update formula. Adding an optimizer is one file with a type conforming to this
/// protocol, plus one line in `OptimizerCatalog.standard`.
public protocol OptimizerRule: Equatable, Sendable {
    /// The Keras name, `train.optimizer.name` (e.g. `adam`).
    static var name: String { get }
    /// The option keys it accepts besides `name`, `weight_decay`, `clipnorm` and `clipvalue`.
    static var optionKeys: [String] { get }
    /// The options described for the JSON Schema and `seqtrain help config` (names equal `optionKeys`).
    static var optionSchema: [OptionSpec] { get }
    /// `weight_decay` when the file has none: nil (no decay) except for AdamW.
    static var defaultWeightDecay: Double? { get }
    /// Reads the options; nil after reporting every problem to `options`.
    static func parse(_ options: inout OptimizerOptions) -> Self?
    /// The options as resolved YAML values (after `name`), every default written out, in Keras's order.
    var options: [(key: String, value: String)] { get }
    /// The step size, as a function of the optimizer step.
    var learningRate: LearningRate { get }
    /// Names of the per-parameter state it keeps (Adam's `m` and `v`), each as large as the parameters.
    var slotNames: [String] { get }
    /// One update of `count` parameters `w` with gradients `g`: `step` is the update's number from 1,
    /// `learningRate` the rate for it; `slots` are the buffers named by `slotNames`. It must work element
    /// by element: the trainer updates slices of the buffers on several threads, at any offset.
    func update(_ w: UnsafeMutablePointer<Float>, _ g: UnsafePointer<Float>, slots: [UnsafeMutablePointer<Float>],
                count: Int, step: Int, learningRate: Double)
}

extension OptimizerRule {
    /// No weight decay unless the file asks for it (Keras's `weight_decay=None`).
    public static var defaultWeightDecay: Double? { nil }

    /// The Keras name of this optimizer.
    public var name: String { Self.name }

    /// Whether `other` is the same optimizer with the same options.
    public func isEqual(to other: any OptimizerRule) -> Bool {
        guard let other = other as? Self else { return false }
        return self == other
    }
}

/// `train.optimizer`: an optimizer rule and its weight decay (the clipping is `GradientClipping`,
/// written beside them).
public struct OptimizerConfig: Equatable, Sendable {
    /// The rule and its options.
    public var rule: any OptimizerRule
    /// Keras 3's `weight_decay`, applied to every parameter before each update as
    /// `w -= w·weight_decay·lr`; nil: none.
    public var weightDecay: Double?

    /// An optimizer of `rule`, with the rule's default weight decay unless `weightDecay` is given.
    public init(_ rule: any OptimizerRule, weightDecay: Double? = nil) {
        self.rule = rule
        self.weightDecay = weightDecay ?? type(of: rule).defaultWeightDecay
    }

    /// The Keras name.
    public var name: String { rule.name }

    public static func == (a: OptimizerConfig, b: OptimizerConfig) -> Bool { a.rule.isEqual(to: b.rule) && a.weightDecay == b.weightDecay }

    /// The resolved YAML mapping without its closing brace, so that clipping can follow: `{name: adam, …`.
    /// `weight_decay` is written only when there is one, so that a config without it reads as before.
    public var yamlOpening: String {
        let decay = weightDecay.map { [("weight_decay", YAMLText.number($0))] } ?? []
        return "{" + ([("name", name)] + rule.options.map { ($0.key, $0.value) } + decay).map { "\($0.0): \($0.1)" }.joined(separator: ", ")
    }
}

/// The optimizer's option mapping, read with positions as `train.optimizer.<key>`.
public struct OptimizerOptions {
    /// The option entries (without name, weight_decay, clipnorm and clipvalue), in file order.
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
        AdamWConfig.self,
    ])

    /// This catalog with one more optimizer.
    public func adding(_ type: any OptimizerRule.Type) -> OptimizerCatalog {
        var copy = self
        copy.types.append(type)
        return copy
    }

    /// The names a file may use.
    public var names: [String] { types.map { $0.name } }

    /// Keys every optimizer takes besides its own options.
    static let commonKeys = commonOptionSchema.map(\.name)

    /// The options every optimizer accepts besides `name` and its own (read by the parser's
    /// weight-decay and clipping steps).
    public static let commonOptionSchema: [OptionSpec] = [
        OptionSpec("weight_decay", .nullableNumber, minimum: 0,
                   "Decoupled weight decay, w -= w * weight_decay * lr before each update (default: none; adamw 0.004)."),
        OptionSpec("clipnorm", .number, minimum: 0, exclusiveMinimum: true, "Clip each gradient's norm to this."),
        OptionSpec("clipvalue", .number, minimum: 0, exclusiveMinimum: true, "Clip each gradient element to [-clipvalue, clipvalue]."),
    ]

    /// `train.optimizer`: a bare name, or a mapping whose `name` defaults to adam (clipping is read by
    /// `GradientClipping.parse`); nil after reporting the problems.
    public func parse(_ node: Node, reader: inout NodeReader) -> OptimizerConfig? {
        let fields: [NodeReader.Entry]
        let nameNode: Node
        var decayNode: Node?
        if case .scalar = node {
            (fields, nameNode) = ([], node)
        } else {
            guard let entries = reader.mapping(node, "train.optimizer") else { return nil }
            // Without a name the optimizer is the default one, Adam (as when optimizer: is absent).
            let named = entries.first(where: { $0.key == "name" })?.value ?? Node("adam")
            (fields, nameNode) = (entries.filter { !(["name"] + Self.commonKeys).contains($0.key) }, named)
            decayNode = entries.first(where: { $0.key == "weight_decay" })?.value
        }
        guard let name = reader.scalarText(nameNode, "train.optimizer.name", expected: names.joined(separator: ", ")) else { return nil }
        guard let type = types.first(where: { $0.name == name }) else {
            reader.error(nameNode, "unknown optimizer '\(name)'", suggestion: Suggest.hint(for: name, in: names))
            return nil
        }
        let before = reader.diagnostics.count
        reader.checkKeys(fields, allowed: type.optionKeys + Self.commonKeys, in: "the \(name) optimizer")
        guard reader.diagnostics.count == before else { return nil }
        var options = OptimizerOptions(entries: fields, reader: reader)
        let rule = type.parse(&options)
        reader = options.reader
        let weightDecay = parseWeightDecay(decayNode, optimizer: type, reader: &reader)
        guard reader.diagnostics.count == before, let rule, let weightDecay else { return nil }
        return OptimizerConfig(rule, weightDecay: weightDecay)
    }

    /// `weight_decay`: a number of at least 0, or null (none) where the optimizer allows it; the
    /// optimizer's default when absent. `.some(nil)` is "no decay"; nil follows a reported error.
    private func parseWeightDecay(_ node: Node?, optimizer type: any OptimizerRule.Type, reader: inout NodeReader) -> Double?? {
        guard let node else { return .some(type.defaultWeightDecay) }
        if case .scalar(let scalar) = node, scalar.style == .plain, ["null", "~", ""].contains(scalar.string) {
            guard type.defaultWeightDecay == nil else {
                reader.error(node, "the \(type.name) optimizer needs a weight_decay (Keras refuses None)",
                             suggestion: "write a number such as \(YAMLText.number(type.defaultWeightDecay!)), or use adam for no decay")
                return nil
            }
            return .some(nil)
        }
        guard let value = reader.double(node, "train.optimizer.weight_decay", requirement: "at least 0", { $0 >= 0 }) else { return nil }
        return .some(value)
    }
}
