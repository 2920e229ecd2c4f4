import SeqTrainCore

/// What a layer is in an experiment file: its options, read from YAML with positions, written back
/// with every default, checked against the shape it receives, and built into a `Layer`.
///
/// A layer type is one file holding its `LayerConfig` and its `Layer`, plus one line in
/// `LayerCatalog.standard`. The parser, the resolved-config writer, `--set`, shape inference, the
/// model summary and the FLOP count all go through this protocol; none of them names a layer.
public protocol LayerConfig: Equatable, Sendable {
    /// The Keras class name, the key of the layer in `model:` (e.g. `Dense`).
    static var typeName: String { get }
    /// The base of Keras's instance names (`dense`, `dense_1`, …).
    static var instanceName: String { get }
    /// The option keys the layer accepts (others are reported with a suggestion); nil when the
    /// layer reads its option mapping itself (`TimeDistributed`).
    static var optionKeys: [String]? { get }
    /// The options described for the JSON Schema and `seqtrain help config` (names equal `optionKeys`).
    static var optionSchema: [OptionSpec] { get }
    /// Reads the options; nil after reporting every problem to `options`.
    static func parse(_ options: inout LayerOptions) -> Self?
    /// The options as resolved YAML values, every default written out, in Keras's order.
    var options: [(key: String, value: String)] { get }
    /// The output shape of one sample for `input`, or a `ShapeError`. `previous` names the layer that
    /// produced the input ("the data" for the first layer), for the error message.
    func outputShape(for input: TensorShape, previous: String) throws -> TensorShape
    /// Builds the layer for one input shape and batches of up to `maxBatch` samples.
    func makeLayer(inputShape: TensorShape, name: String, maxBatch: Int) -> any Layer
    /// The same layer with `units` units, for `bench --units`; nil when the layer has no width to scale.
    func withUnits(_ units: Int) -> (any LayerConfig)?
    /// For a sequence output, the last input step each output step sees (a strided or valid Conv1D's
    /// windows); nil when output step t sees input step t last, as in every layer that keeps the steps.
    func lastInputSteps(for input: TensorShape) -> [Int]?
}

extension LayerConfig {
    /// Layers without a scalable width.
    public func withUnits(_ units: Int) -> (any LayerConfig)? { nil }

    /// Output step t sees input step t last.
    public func lastInputSteps(for input: TensorShape) -> [Int]? { nil }

    /// The Keras class name of this layer.
    public var typeName: String { Self.typeName }

    /// Whether `other` is the same layer with the same options.
    public func isEqual(to other: any LayerConfig) -> Bool {
        guard let other = other as? Self else { return false }
        return self == other
    }

    /// The item as the resolved config writes it: `Dense: {units: 20, …}`.
    public var yaml: String {
        "\(Self.typeName): " + YAMLText.mapping(options.map { ($0.key, $0.value) })
    }
}

/// Why a layer cannot take the shape its predecessor gives it.
public struct ShapeError: Error, Equatable, Sendable {
    /// What went wrong, in the user's terms.
    public var message: String
    /// How to fix it.
    public var suggestion: String?

    /// Creates the error.
    public init(message: String, suggestion: String? = nil) {
        self.message = message
        self.suggestion = suggestion
    }
}

/// The option mapping of one layer item, read with positions: each accessor reports a missing or
/// invalid value at its line and column, as `model.<i>.<key>`.
public struct LayerOptions {
    /// The item's path, e.g. `model.1` (or `model.2.Dense` inside TimeDistributed).
    public let path: String
    /// The layer's node in the file (where "needs units" is reported).
    public let typeNode: Node
    /// The option entries in file order.
    public let entries: [NodeReader.Entry]
    /// The catalog, for layers that wrap another one.
    public let catalog: LayerCatalog
    /// Collects the problems.
    public var reader: NodeReader

    /// The value of `key`, if written.
    public func node(_ key: String) -> Node? { entries.first { $0.key == key }?.value }

    /// Reports a problem.
    public mutating func error(_ node: Node?, _ message: String, suggestion: String? = nil) {
        reader.error(node, message, suggestion: suggestion)
    }

    /// An integer in `range`; `default` when absent, or an error naming `example` when required.
    public mutating func int(_ key: String, in range: ClosedRange<Int>, default value: Int? = nil, example: String = "1") -> Int? {
        guard let node = node(key) else {
            if value == nil { reader.error(typeNode, "\(path) needs \(key)", suggestion: "write e.g. {\(key): \(example)}") }
            return value
        }
        return reader.int(node, "\(path).\(key)", in: range)
    }

    /// true or false; `default` when absent.
    public mutating func bool(_ key: String, default value: Bool) -> Bool? {
        guard let node = node(key) else { return value }
        return reader.bool(node, "\(path).\(key)")
    }

    /// A finite number satisfying `valid` (described by `requirement`); `default` when absent.
    public mutating func double(_ key: String, default value: Double, requirement: String, _ valid: (Double) -> Bool) -> Double? {
        guard let node = node(key) else { return value }
        return reader.double(node, "\(path).\(key)", requirement: requirement, valid)
    }

    /// One of a fixed set of names (`activation: tanh`); `default` when absent.
    public mutating func choice<T: RawRepresentable & CaseIterable>(_ key: String, default value: T) -> T? where T.RawValue == String {
        guard let node = node(key) else { return value }
        return reader.choice(node, "\(path).\(key)", as: T.self)
    }

    /// Another layer item, for layers that wrap one.
    public mutating func layer(typeName: String, typeNode: Node, options: Node?, path: String) -> (any LayerConfig)? {
        catalog.parseLayer(typeName: typeName, typeNode: typeNode, options: options, path: path, reader: &reader)
    }
}
