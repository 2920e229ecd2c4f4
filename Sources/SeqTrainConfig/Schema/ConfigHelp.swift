import SeqTrainCore
import SeqTrainModel
import SeqTrainOptimizers

/// `seqtrain help config KEY`: what a key of the experiment file is (type, default, what it does),
/// from the same descriptions as the JSON Schema.
public struct ConfigHelp {
    /// One documented key: its dotted path and its description.
    public struct Entry {
        /// Where the key lives, e.g. `data.window` or `model: LSTM.units`.
        public var path: String
        /// The key's description.
        public var option: OptionSpec
    }

    /// Every key, in file order.
    public let entries: [Entry]
    /// The names of the registered types (layers, optimizers, schedules, callbacks) and their options.
    let types: [(name: String, kind: String, options: [OptionSpec])]

    /// The keys of an experiment file using `vocabulary`.
    public init(vocabulary: Vocabulary) {
        var entries: [Entry] = []
        func add(_ prefix: String, _ options: [OptionSpec]) {
            entries += options.map { Entry(path: prefix.isEmpty ? $0.name : "\(prefix).\($0.name)", option: $0) }
        }
        add("", ExperimentKeys.root)
        add("data", ExperimentKeys.data)
        add("data.source", ExperimentKeys.generatorSource)
        add("data.source", ExperimentKeys.csvSource)
        add("data.split", ExperimentKeys.split)
        add("train", ExperimentKeys.train)
        add("train.optimizer", OptimizerCatalog.commonOptionSchema)
        add("sweep", ExperimentKeys.sweep)
        add("sweep.halving", ExperimentKeys.halving)
        var types: [(String, String, [OptionSpec])] = []
        types += vocabulary.layers.types.map { ($0.typeName, "layer (model: - \($0.typeName): {...})", $0.optionSchema) }
        types += vocabulary.optimizers.types.map { ($0.name, "optimizer (train.optimizer: {name: \($0.name), ...})", $0.optionSchema) }
        types += LearningRate.schedules.map { ($0.name, "schedule (train.optimizer.learning_rate: {schedule: \($0.name), ...})", $0.optionSchema) }
        types += vocabulary.callbacks.types.map { ($0.name, "callback (train.callbacks: - \($0.name): {...})", $0.optionSchema) }
        for (name, _, options) in types { add(name, options) }
        self.entries = entries
        self.types = types
    }

    /// The explanation of `key` (a dotted path, its end, or a type's name), or a diagnostic
    /// with a suggestion when nothing matches.
    public func explain(_ key: String) -> Result<String, Diagnostic> {
        if let type = types.first(where: { $0.name == key }) {
            let lines = type.options.map { "  \($0.name): \($0.typeDescription)" + ($0.defaultValue.map { ", default \($0)" } ?? ($0.required ? ", required" : "")) }
            return .success("\(type.name): a \(type.kind)\n" + (lines.isEmpty ? "  (no options)" : lines.joined(separator: "\n")))
        }
        var matches = entries.filter { $0.path == key }
        if matches.isEmpty { matches = entries.filter { $0.path.hasSuffix("." + key) } }
        if matches.isEmpty, let last = key.split(separator: ".").last, last != Substring(key) {
            // `train.optimizer.learning_rate`: each optimizer's learning_rate (their defaults differ).
            matches = entries.filter { $0.path.hasSuffix("." + last) }
        }
        if matches.isEmpty {
            // Compared with whole paths and with their last parts, so that `windw` finds `data.window`.
            let names = entries.map(\.path) + types.map(\.name)
            let lastParts = entries.map { String($0.path.split(separator: ".").last ?? "") }
            let match = Suggest.closest(to: key, in: names)
                ?? Suggest.closest(to: key, in: lastParts).flatMap { part in entries.first { $0.path.hasSuffix("." + part) || $0.path == part }?.path }
            return .failure(Diagnostic(file: "seqtrain help config", position: nil, message: "no key '\(key)' in an experiment file",
                                       suggestion: match.map { "did you mean '\($0)'?" } ?? "try e.g. data.window, train.epochs, LSTM.units, adam.learning_rate"))
        }
        return .success(matches.map(Self.describe).joined(separator: "\n\n"))
    }

    static func describe(_ entry: Entry) -> String {
        let option = entry.option
        var lines = ["\(entry.path)", "  \(option.description)", "  type: \(option.typeDescription)"]
        if let value = option.defaultValue { lines.append("  default: \(value)") } else if option.required { lines.append("  required") }
        return lines.joined(separator: "\n")
    }
}
