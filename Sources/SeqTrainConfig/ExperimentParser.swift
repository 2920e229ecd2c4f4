import Foundation
import SeqTrainCore
import SeqTrainModel
import SeqTrainOptimizers

/// The names an experiment file may use: its layers, optimizers and callbacks (losses and metrics
/// are fixed sets).
///
/// `Vocabulary.standard`, everything seqtrain ships, is declared in SeqTrainTraining: callbacks are
/// epoch observers, which this target cannot see. So are the `load` and `parse` that use it.
public struct Vocabulary: Sendable {
    /// The layer types of `model:`.
    public var layers: LayerCatalog
    /// The optimizers of `train.optimizer`.
    public var optimizers: OptimizerCatalog
    /// The callbacks of `train.callbacks`.
    public var callbacks: CallbackCatalog

    /// A vocabulary of these layers, optimizers and callbacks.
    public init(layers: LayerCatalog, optimizers: OptimizerCatalog, callbacks: CallbackCatalog) {
        self.layers = layers
        self.optimizers = optimizers
        self.callbacks = callbacks
    }
}

/// Turns an experiment file into a resolved `Experiment`, reporting every problem with its position.
public enum ExperimentParser {
    /// Largest number of float values the data may hold (series x steps), to bound memory.
    static let maxDataValues = 400_000_000
    /// Largest experiment file read, to bound memory and time on hostile input.
    public static let maxFileBytes = 1 << 20

    /// Reads and parses the experiment file at `path`.
    ///
    /// - Throws: `ConfigErrors` listing every problem, each with file, line and column.
    public static func load(path: String, overrides: [Override] = [], vocabulary: Vocabulary) throws -> Experiment {
        let text = try readText(path)
        let stem = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        return try parse(yaml: text, file: path, defaultName: stem, overrides: overrides, vocabulary: vocabulary)
    }

    /// The text of the experiment file at `path`, or `ConfigErrors` saying why it cannot be read.
    static func readText(_ path: String) throws -> String {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ConfigErrors([Diagnostic(file: path, position: nil, message: "no such file",
                                           suggestion: "check the path; experiment files usually live in configs/")])
        }
        if isDirectory.boolValue {
            throw ConfigErrors([Diagnostic(file: path, position: nil,
                                           message: "is a directory, expected an experiment file (.yaml)")])
        }
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        guard size <= maxFileBytes else {
            throw ConfigErrors([Diagnostic(file: path, position: nil,
                                           message: "is \(size) bytes; experiment files are at most \(maxFileBytes) bytes",
                                           suggestion: "an experiment needs a few hundred bytes; is this the right file?")])
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigErrors([Diagnostic(file: path, position: nil, message: "cannot be read (permission denied?)")])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigErrors([Diagnostic(file: path, position: nil, message: "is not valid UTF-8 text")])
        }
        return text
    }

    /// Parses experiment YAML text with `--set` overrides applied; `file` is used in messages,
    /// `defaultName` when `name:` is absent.
    public static func parse(yaml: String, file: String, defaultName: String = "experiment", overrides: [Override],
                             vocabulary: Vocabulary) throws -> Experiment {
        var root: Node
        do {
            guard let node = try Yams.compose(yaml: yaml) else {
                throw ConfigErrors([Diagnostic(file: file, position: nil, message: "the file is empty",
                                               suggestion: "an experiment needs at least a model: section")])
            }
            root = node
        } catch let error as YamlError {
            throw ConfigErrors([diagnostic(for: error, file: file)])
        }
        let fileLines = yaml.split(separator: "\n", omittingEmptySubsequences: false).count
        root = try Override.apply(overrides, to: root, fileLines: fileLines, vocabulary: vocabulary)
        var reader = NodeReader(file: file)
        let experiment = parseRoot(root, defaultName: defaultName, vocabulary: vocabulary, reader: &reader)
        if !reader.diagnostics.isEmpty || experiment == nil {
            throw ConfigErrors(attribute(reader.diagnostics.sorted(by: isBefore), fileLines: fileLines, overrides: overrides))
        }
        return experiment!
    }

    /// Parses experiment YAML text; `file` is used in messages, `defaultName` when `name:` is absent.
    public static func parse(yaml: String, file: String, defaultName: String = "experiment", vocabulary: Vocabulary) throws -> Experiment {
        try parse(yaml: yaml, file: file, defaultName: defaultName, overrides: [], vocabulary: vocabulary)
    }

    private static func isBefore(_ a: Diagnostic, _ b: Diagnostic) -> Bool {
        let pa = a.position ?? SourcePosition(line: .max, column: .max)
        let pb = b.position ?? SourcePosition(line: .max, column: .max)
        return (pa.line, pa.column) < (pb.line, pb.column)
    }

    /// libyaml's own message and position for a syntax error.
    static func diagnostic(for error: YamlError, file: String) -> Diagnostic {
        func at(_ mark: Mark) -> SourcePosition { SourcePosition(line: mark.line, column: mark.column) }
        switch error {
        case .scanner(let context, let problem, let mark, let yaml), .parser(let context, let problem, let mark, let yaml),
             .composer(let context, let problem, let mark, let yaml):
            var message = "invalid YAML: \(problem)"
            if let context { message += " (\(context.text) at line \(context.mark.line), column \(context.mark.column))" }
            var suggestion: String?
            let lines = yaml.split(separator: "\n", omittingEmptySubsequences: false)
            if mark.line >= 1, mark.line <= lines.count, lines[mark.line - 1].contains("\t") {
                suggestion = "line \(mark.line) contains a tab: indent YAML with spaces"
            } else if problem.contains("nesting level") {
                message = "invalid YAML: nesting deeper than libyaml's limit of 1000 levels"
                suggestion = "an experiment file needs only a few levels"
            }
            return Diagnostic(file: file, position: at(mark), message: message, suggestion: suggestion)
        case .duplicatedKeysInMapping(let duplicates, let context):
            return Diagnostic(file: file, position: at(context.mark),
                              message: "duplicate key \(duplicates.map { "'\($0)'" }.joined(separator: ", ")) in \(context.text)",
                              suggestion: "each key may appear once per mapping")
        case .reader(let problem, _, _, _):
            return Diagnostic(file: file, position: nil, message: "cannot read the file: \(problem)")
        default:
            return Diagnostic(file: file, position: nil, message: "invalid YAML: \(error)")
        }
    }

    // MARK: - Sections

    private static func parseRoot(_ root: Node, defaultName: String, vocabulary: Vocabulary, reader: inout NodeReader) -> Experiment? {
        guard let entries = reader.mapping(root, "the experiment") else { return nil }
        reader.checkKeys(entries, allowed: ExperimentKeys.root.map(\.name), in: "the experiment")
        let value = { (key: String) in entries.first { $0.key == key }?.value }

        var name: String? = defaultName
        if let node = value("name") { name = parseName(node, reader: &reader) }
        var seed: UInt32? = 42
        if let node = value("seed") { seed = reader.int(node, "seed", in: 0...Int(UInt32.max)).map(UInt32.init) }
        let data = parseData(value("data"), reader: &reader)
        let train = parseTrain(value("train"), vocabulary: vocabulary, reader: &reader)
        guard let modelNode = value("model") else {
            reader.error(root, "the experiment has no model: section",
                         suggestion: "add a list of layers, e.g. model: [Flatten, {Dense: {units: 1}}], or model: naive")
            return nil
        }
        let model = parseModel(modelNode, layers: vocabulary.layers, reader: &reader)
        let sweep = value("sweep").flatMap { parseSweep($0, reader: &reader) }
        guard let name, let seed, var data, let model, let train else { return nil }
        if let sweep, let halving = sweep.halving, let sweepNode = value("sweep") {
            checkHalving(halving, sweep, sweepNode, train: train, trainNode: value("train"), reader: &reader)
        }
        if case .layers(let layers) = model {
            data.targetSteps = alignedTargetSteps(layers, data: data)
            checkShapes(layers, modelNode: modelNode, data: data, dataNode: value("data"), train: train, trainNode: value("train"),
                        reader: &reader)
        }
        if case .sine(let series) = data.source, train.batchSize > data.split.counts(of: series).train {
            // At batch_size when it is written, else at what makes the split small; naming the other key's place.
            let trainSeries = data.split.counts(of: series).train
            let batchNode = value("train")?["batch_size"]
            let splitKey = value("data")?["split"] != nil ? "data.split" : "data.source.series"
            let splitNode = value("data")?["split"] ?? value("data")?["source"]?["series"]
            reader.error(batchNode ?? splitNode ?? value("data"), "train.batch_size (\(train.batchSize)\(batchNode == nil ? ", the default" : "")) "
                + "is larger than the train split (\(trainSeries) series)",
                         related: batchNode == nil ? [] : [(splitKey, splitNode)],
                         suggestion: "use a batch_size of at most \(trainSeries), or a larger train split")
        }
        return Experiment(name: name, seed: seed, data: data, model: model, train: train)
    }

    /// A halving sweep ranks by a history column and sets train.epochs itself, rung by rung.
    private static func checkHalving(_ halving: HalvingSpec, _ sweep: SweepSpec, _ sweepNode: Node, train: TrainConfig,
                                     trainNode: Node?, reader: inout NodeReader) {
        let columns = Array(train.historyColumns.dropFirst())
        if !columns.contains(halving.metric) {
            reader.error(sweepNode["halving"]?["metric"] ?? sweepNode["halving"] ?? sweepNode,
                         "sweep.halving.metric '\(halving.metric)' is not a history column (its columns: \(columns.joined(separator: ", ")))",
                         related: [("train.metrics", trainNode?["metrics"])], suggestion: Suggest.hint(for: halving.metric, in: columns))
        }
        if sweep.parameters.contains(where: { $0.path == "train.epochs" }) {
            reader.error(sweepNode["parameters"]?["train.epochs"] ?? sweepNode["train.epochs"] ?? sweepNode,
                         "a halving sweep sets train.epochs itself, rung by rung", related: [("sweep.method", sweepNode["method"])],
                         suggestion: "sweep other parameters; train.epochs is the last rung's budget")
        }
    }

    /// Whether `text` may name a run: one folder name of letters, digits, '.', '_' and '-', not
    /// starting with '.', at most 100 characters (so that it never leaves its parent folder).
    public static func isRunName(_ text: String) -> Bool {
        let allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
        return !text.isEmpty && !text.hasPrefix(".") && text.unicodeScalars.allSatisfy(allowed.contains) && text.count <= 100
    }

    private static func parseName(_ node: Node, reader: inout NodeReader) -> String? {
        guard let text = reader.scalarText(node, "name", expected: "a run name") else { return nil }
        guard isRunName(text) else {
            reader.error(node, "name must be a folder name under runs/ made of letters, digits, '.', '_' and '-' "
                + "(not starting with '.'), found \(reader.describe(node))")
            return nil
        }
        return text
    }
}
