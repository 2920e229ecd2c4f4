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
    /// The `sweep:` block of the experiment file at `path` (nil without one).
    public static func sweepSpec(path: String) throws -> SweepSpec? {
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
        let spec = sweepNode(root).map { parseSweep($0, reader: &reader) }
        if !reader.diagnostics.isEmpty { throw ConfigErrors(reader.diagnostics) }
        return spec ?? nil
    }

    /// The axes of a grid `sweep:` block (empty without one).
    public static func sweepAxes(path: String) throws -> [SweepGrid.Axis] {
        try sweepSpec(path: path)?.gridAxes ?? []
    }

    static func sweepNode(_ root: Node) -> Node? {
        guard case .mapping(let mapping) = root else { return nil }
        return mapping.first { $0.key.string == "sweep" }?.value
    }

    /// The keys of a block with a method (the others are config paths of a grid).
    static let sweepKeys = ExperimentKeys.sweep.map(\.name)

    /// The block; nil (with errors) when malformed.
    static func parseSweep(_ node: Node, reader: inout NodeReader) -> SweepSpec? {
        guard let entries = reader.mapping(node, "sweep") else { return nil }
        if entries.isEmpty {
            reader.error(node, "sweep has no axes", suggestion: "write e.g. sweep: {train.optimizer.learning_rate: [0.001, 0.01]}")
            return nil
        }
        guard entries.contains(where: { sweepKeys.contains($0.key) }) else {
            guard let parameters = parseParameters(entries, in: node, reader: &reader, distributions: false) else { return nil }
            return SweepSpec(method: .grid, parameters: parameters, trials: nil, seed: 0, halving: nil)
        }
        reader.checkKeys(entries, allowed: sweepKeys, in: "sweep (with method, keys are \(sweepKeys.joined(separator: ", ")))")
        let value = { (key: String) in entries.first { $0.key == key } }
        var method = SweepSpec.Method.grid
        if let entry = value("method") {
            guard let parsed = reader.choice(entry.value, "sweep.method", as: SweepSpec.Method.self) else { return nil }
            method = parsed
        }
        var trials: Int?
        if let entry = value("trials") {
            guard let parsed = reader.int(entry.value, "sweep.trials", in: 1...SweepGrid.maxPoints) else { return nil }
            trials = parsed
        }
        var seed: UInt32 = 0
        if let entry = value("seed") {
            guard let parsed = reader.int(entry.value, "sweep.seed", in: 0...Int(UInt32.max)) else { return nil }
            seed = UInt32(parsed)
        }
        guard let parametersEntry = value("parameters") else {
            reader.error(node, "sweep has a method but no parameters", suggestion: "add parameters: {train.optimizer.learning_rate: [0.001, 0.01]}")
            return nil
        }
        guard let parameterEntries = reader.mapping(parametersEntry.value, "sweep.parameters"),
              let parameters = parseParameters(parameterEntries, in: parametersEntry.value, reader: &reader, distributions: true) else { return nil }
        var halving: HalvingSpec?
        if let entry = value("halving") {
            guard method == .halving else {
                reader.error(entry.keyNode, "sweep.halving applies to method: halving, not \(method.rawValue)", suggestion: "set method: halving")
                return nil
            }
            guard let parsed = parseHalving(entry.value, reader: &reader) else { return nil }
            halving = parsed
        } else if method == .halving {
            halving = HalvingSpec()
        }
        let random = method == .random || (method == .halving && trials != nil)
        if method == .random && trials == nil {
            reader.error(value("method")?.value, "method: random needs trials: how many points to draw", suggestion: "add trials: 20")
            return nil
        }
        if method == .grid, let entry = value("trials") {
            reader.error(entry.keyNode, "trials applies to method: random (or halving), not grid", suggestion: "remove it, or set method: random")
            return nil
        }
        if !random, let drawn = parameters.first(where: { if case .choice = $0.distribution { return false } else { return true } }) {
            reader.error(parametersEntry.value[drawn.path] ?? parametersEntry.value,
                         "sweep.parameters.\(drawn.path) is a distribution, which needs random points",
                         related: [("sweep.method", value("method")?.value)],
                         suggestion: method == .halving ? "add trials: N to halve over N random points" : "set method: random and trials: N")
            return nil
        }
        let spec = SweepSpec(method: method, parameters: parameters, trials: trials, seed: seed, halving: halving)
        if spec.pointCount > SweepGrid.maxPoints {
            reader.error(node, "sweep has \(spec.pointCount == Int.max ? "too many" : "\(spec.pointCount)") runs, more than \(SweepGrid.maxPoints)",
                         suggestion: "sweep fewer values at once")
            return nil
        }
        return spec
    }

    /// Config paths mapped to lists (and, with `distributions`, to `{uniform: [a, b]}` and the like).
    static func parseParameters(_ entries: [NodeReader.Entry], in node: Node, reader: inout NodeReader,
                                distributions: Bool) -> [SweepParameter]? {
        let sections = ["name", "seed", "data", "model", "train"]
        var parameters: [SweepParameter] = []
        for entry in entries {
            let first = String(entry.key.split(separator: ".").first ?? "")
            guard sections.contains(first), !entry.key.hasSuffix("."), !entry.key.contains("..") else {
                reader.error(entry.keyNode, "sweep path '\(entry.key)' does not start with a section of the experiment",
                             suggestion: Suggest.closest(to: first, in: sections).map { "did you mean '\($0)\(entry.key.dropFirst(first.count))'?" }
                                 ?? "paths are dotted keys such as train.optimizer.learning_rate or model.0.units")
                return nil
            }
            if distributions, case .mapping = entry.value {
                guard let distribution = parseDistribution(entry.value, path: entry.key, reader: &reader) else { return nil }
                parameters.append(SweepParameter(path: entry.key, distribution: distribution))
                continue
            }
            guard case .sequence(let items) = entry.value, !items.isEmpty else {
                reader.error(entry.value, "sweep.\(entry.key) must be a non-empty list of values"
                    + (distributions ? " or a distribution" : "") + ", found \(reader.describe(entry.value))",
                             suggestion: distributions ? "write \(entry.key): [a, b, c] or \(entry.key): {log_uniform: [1.0e-4, 1.0e-1]}"
                                 : "write \(entry.key): [a, b, c]")
                return nil
            }
            let origins = items.map { item -> String in
                item.mark.map { "\(reader.file):\($0.line):\($0.column) (sweep)" } ?? "\(reader.file) (sweep)"
            }
            parameters.append(SweepParameter(path: entry.key, distribution: .choice(items.map(flowText)), origins: origins))
        }
        if !distributions {
            let grid = SweepGrid(axes: SweepSpec(method: .grid, parameters: parameters, trials: nil, seed: 0, halving: nil).gridAxes)
            if grid.pointCount > SweepGrid.maxPoints {
                reader.error(node, "sweep has \(grid.pointCount == Int.max ? "too many" : "\(grid.pointCount)") runs, more than \(SweepGrid.maxPoints)",
                             suggestion: "sweep fewer values at once")
                return nil
            }
        }
        return parameters
    }

    /// `{uniform: [a, b]}`, `{log_uniform: [a, b]}`, `{int_uniform: [a, b]}`, `{int_log_uniform: [a, b]}`.
    static func parseDistribution(_ node: Node, path: String, reader: inout NodeReader) -> SweepDistribution? {
        guard let entries = reader.mapping(node, "sweep.parameters.\(path)") else { return nil }
        guard entries.count == 1, SweepDistribution.names.contains(entries[0].key) else {
            let key = entries.first(where: { !SweepDistribution.names.contains($0.key) }) ?? entries.dropFirst().first
            reader.error(key?.keyNode ?? node, "sweep.parameters.\(path) must be one distribution, found "
                + (entries.isEmpty ? "nothing" : "'\(key?.key ?? "")'"),
                         suggestion: key.map { Suggest.hint(for: $0.key, in: SweepDistribution.names) } ?? "write {log_uniform: [1.0e-4, 1.0e-1]}")
            return nil
        }
        let name = entries[0].key, what = "sweep.parameters.\(path).\(name)"
        guard case .sequence(let bounds) = entries[0].value, bounds.count == 2 else {
            reader.error(entries[0].value, "\(what) must be [low, high], found \(reader.describe(entries[0].value))")
            return nil
        }
        if name.hasPrefix("int_") {
            guard let low = reader.int(bounds[0], "\(what) low", in: Int(Int32.min)...Int(Int32.max)),
                  let high = reader.int(bounds[1], "\(what) high", in: Int(Int32.min)...Int(Int32.max)) else { return nil }
            guard low <= high, name == "int_uniform" || low >= 1 else {
                reader.error(bounds[0], "\(what) needs low <= high" + (name == "int_uniform" ? "" : " and low >= 1") + ", found [\(low), \(high)]")
                return nil
            }
            return name == "int_uniform" ? .intUniform(low, high) : .intLogUniform(low, high)
        }
        let logarithmic = name == "log_uniform"
        guard let low = reader.double(bounds[0], "\(what) low", requirement: logarithmic ? "greater than 0" : "", { !logarithmic || $0 > 0 }),
              let high = reader.double(bounds[1], "\(what) high", requirement: logarithmic ? "greater than 0" : "", { !logarithmic || $0 > 0 }) else { return nil }
        // A width past the largest double would draw inf and NaN.
        guard low <= high, (high - low).isFinite else {
            reader.error(bounds[0], "\(what) needs low <= high" + (low <= high ? " less than 1.8e308 apart" : "")
                + ", found [\(YAMLText.number(low)), \(YAMLText.number(high))]")
            return nil
        }
        return logarithmic ? .logUniform(low, high) : .uniform(low, high)
    }

    /// `halving: {metric: val_loss, min_epochs: 2, eta: 3}`.
    static func parseHalving(_ node: Node, reader: inout NodeReader) -> HalvingSpec? {
        guard let entries = reader.mapping(node, "sweep.halving") else { return nil }
        let before = reader.diagnostics.count
        reader.checkKeys(entries, allowed: ExperimentKeys.halving.map(\.name), in: "sweep.halving")
        var spec = HalvingSpec()
        for entry in entries {
            switch entry.key {
            case "metric": spec.metric = reader.scalarText(entry.value, "sweep.halving.metric", expected: "a history column such as val_loss") ?? spec.metric
            case "min_epochs": spec.minEpochs = reader.int(entry.value, "sweep.halving.min_epochs", in: 1...1_000_000) ?? spec.minEpochs
            case "eta": spec.eta = reader.int(entry.value, "sweep.halving.eta", in: 2...1000) ?? spec.eta
            default: break
            }
        }
        return reader.diagnostics.count == before ? spec : nil
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
