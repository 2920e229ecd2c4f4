import SeqTrainCore

/// The layers an experiment file may name: the registry the parser, `--set` and the writer use.
///
/// Adding a layer type is its own file (its `LayerConfig` and `Layer`) plus one line in `standard`.
/// A program (or a test) can also parse with a catalog of its own: `LayerCatalog.standard.adding(MyLayer.self)`.
public struct LayerCatalog: @unchecked Sendable {
    /// The layer types, in the order "expected one of" lists them.
    public private(set) var types: [any LayerConfig.Type]

    /// A catalog of `types`.
    public init(_ types: [any LayerConfig.Type]) { self.types = types }

    /// Every layer seqtrain ships.
    public static let standard = LayerCatalog([
        SimpleRNNConfig.self,
        DenseConfig.self,
        TimeDistributedConfig.self,
        FlattenConfig.self,
        LSTMConfig.self,
        GRUConfig.self,
        Conv1DConfig.self,
        DropoutConfig.self,
    ])

    /// This catalog with one more layer type.
    public func adding(_ type: any LayerConfig.Type) -> LayerCatalog {
        var copy = self
        copy.types.append(type)
        return copy
    }

    /// The names a file may use.
    public var names: [String] { types.map { $0.typeName } }

    /// One `- Type: {options}` item (or a bare `- Flatten`); nil after reporting the problems.
    public func parseLayer(_ node: Node, path: String, reader: inout NodeReader) -> (any LayerConfig)? {
        switch node {
        case .scalar(let scalar):
            return parseLayer(typeName: scalar.string, typeNode: node, options: nil, path: path, reader: &reader)
        case .mapping:
            guard let entries = reader.mapping(node, path), entries.count == 1 else {
                reader.error(node, "\(path) must name exactly one layer, like '- Dense: {units: 20}'")
                return nil
            }
            return parseLayer(typeName: entries[0].key, typeNode: entries[0].keyNode, options: entries[0].value, path: path, reader: &reader)
        default:
            reader.error(node, "\(path) must be a layer like '- Dense: {units: 20}', found \(reader.describe(node))")
            return nil
        }
    }

    /// A layer named `typeName` with the option mapping `options` (nil or empty for none).
    public func parseLayer(typeName: String, typeNode: Node, options: Node?, path: String, reader: inout NodeReader) -> (any LayerConfig)? {
        guard let type = types.first(where: { $0.typeName == typeName }) else {
            reader.error(typeNode, "unknown layer '\(typeName)' at \(path)", suggestion: Suggest.hint(for: typeName, in: names))
            return nil
        }
        var entries: [NodeReader.Entry] = []
        if let options, !Self.isEmpty(options) {
            guard let mapping = reader.mapping(options, "\(path) (\(typeName))") else { return nil }
            entries = mapping
        }
        if let allowed = type.optionKeys {
            let before = reader.diagnostics.count
            reader.checkKeys(entries, allowed: allowed, in: "\(typeName) at \(path)")
            guard reader.diagnostics.count == before else { return nil }
        }
        var layerOptions = LayerOptions(path: path, typeNode: typeNode, entries: entries, catalog: self, reader: reader)
        let before = reader.diagnostics.count
        let config = type.parse(&layerOptions)
        reader = layerOptions.reader
        return reader.diagnostics.count == before ? config : nil
    }

    /// `Flatten:` with nothing after it.
    static func isEmpty(_ node: Node) -> Bool {
        if case .scalar(let scalar) = node, scalar.string.isEmpty, scalar.style == .plain { return true }
        return false
    }
}
