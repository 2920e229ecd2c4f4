import Foundation
import SeqTrainConfig
import SeqTrainCore
import SeqTrainData
import SeqTrainModel
import SeqTrainOptimizers
import SeqTrainTraining

/// Where a run's messages go.
public struct Console {
    /// Writes text as is (the caller adds newlines).
    public var write: (String) -> Void
    /// Whether progress may be redrawn in place (a terminal, not a file or pipe).
    public var interactive: Bool

    /// A console writing to `write`.
    public init(interactive: Bool, write: @escaping (String) -> Void) {
        self.interactive = interactive
        self.write = write
    }

    /// Standard output; interactive when it is a terminal.
    public static var standardOutput: Console {
        Console(interactive: isatty(STDOUT_FILENO) == 1) { text in
            FileHandle.standardOutput.write(Data(text.utf8))
        }
    }

    /// Discards everything (for tests).
    public static var silent: Console { Console(interactive: false) { _ in } }
}

/// A run folder that cannot be resumed or verified as it is.
public struct RunStateError: Error, CustomStringConvertible {
    /// What is wrong.
    public var description: String

    /// Creates the error.
    public init(description: String) { self.description = description }
}

/// Trains an experiment into a new run folder, resumes, verifies or evaluates a run.
public enum TrainingRun {
    /// The resolved config text and its hash (the hash ignores the comment header).
    public static func resolvedConfig(_ experiment: Experiment, source: String?, overrides: [Override] = []) -> (text: String, hash: String) {
        let body = ExperimentWriter.yaml(experiment)
        let hash = Fingerprint.hex(Fingerprint.fnv1a(body.utf8))
        var header = ["Resolved by seqtrain \(SeqTrainVersion.current): every default is written out."]
        if let source { header.append("Source: \(source)") }
        header += overrides.map { "Override: --set \($0.argument)" }
        return (ExperimentWriter.yaml(experiment, header: header), hash)
    }

    /// Trains `experiment` with `threads` threads into a new folder under `runsDir`; returns it. The
    /// thread count changes only the speed, never a number.
    @discardableResult
    public static func train(_ experiment: Experiment, source: String?, overrides: [Override] = [], runsDir: String,
                             threads: Int = 1, console: Console) throws -> RunFolder {
        let dataset = try Dataset(config: experiment.data, seed: experiment.seed)
        let (configText, configHash) = resolvedConfig(experiment, source: source, overrides: overrides)
        guard experiment.model != .naive else {
            return try writeNaiveRun(experiment, dataset: dataset, configText: configText, configHash: configHash,
                                     runsDir: runsDir, console: console)
        }
        let trainer = Trainer(experiment: experiment, dataset: dataset, threads: threads)
        if case .csv = experiment.data.source { console.write(dataset.summary + "\n") }
        console.write(trainer.model.summary(title: experiment.name) + "\n")
        let history = History(metrics: experiment.train.metrics)
        let start = TrainingState(epoch: 0, iterations: 0, bestEpoch: 0, bestValLoss: .infinity)
        // The folder appears with its config, an empty history and the initial weights as the last
        // checkpoint, so that from its first instant it holds a checkpoint that loads.
        let run = try RunFolder.create(runsDir: runsDir, name: experiment.name) { folder in
            try AtomicFile.write(configText, to: folder.configPath)
            try AtomicFile.write(history.csv, to: folder.historyPath)
            let initial = TrainingSession(run: folder, experiment: experiment, configHash: configHash, trainer: trainer,
                                          console: console, state: start, history: history, timingRows: [])
            try AtomicFile.write(initial.checkpoint(historyRow: nil), to: folder.checkpointPath("last"))
        }
        let session = TrainingSession(run: run, experiment: experiment, configHash: configHash, trainer: trainer, console: console,
                                      state: start, history: history, timingRows: [])
        try session.runToCompletion(dataset: dataset)
        return run
    }

    private static func writeNaiveRun(_ experiment: Experiment, dataset: Dataset, configText: String, configHash: String,
                                      runsDir: String, console: Console) throws -> RunFolder {
        let run = try RunFolder.create(runsDir: runsDir, name: experiment.name) { folder in
            try AtomicFile.write(configText, to: folder.configPath)
            try AtomicFile.write(History(metrics: experiment.train.metrics).csv, to: folder.historyPath)
        }
        var summary = RunSummary(experiment: experiment, configHash: configHash, dataset: dataset)
        let train = Trainer.naive(dataset: dataset, experiment: experiment, split: .train)
        summary.naiveValid = Trainer.naive(dataset: dataset, experiment: experiment, split: .valid)
        summary.naiveTest = Trainer.naive(dataset: dataset, experiment: experiment, split: .test)
        (summary.finalTrain, summary.finalValid, summary.test) = (train, summary.naiveValid, summary.naiveTest)
        try AtomicFile.write(summary.json.rendered(), to: run.summaryPath)
        let metrics = zip(experiment.train.metrics, summary.naiveValid!.metrics).map { " - val_\($0.rawValue): \(ProgressLine.figure($1))" }
        console.write("naive (last value) - loss: \(ProgressLine.figure(train.loss)) - val_loss: \(ProgressLine.figure(summary.naiveValid!.loss))"
            + metrics.joined() + "\n")
        console.write("Run saved to \(run.path)\n")
        return run
    }

    /// The experiment, trainer and checkpoint of an existing run, checked against each other.
    private static func open(_ run: RunFolder, threads: Int) throws -> (Experiment, String, Dataset, Trainer, Safetensors) {
        let experiment = try ExperimentParser.load(path: run.configPath)
        guard experiment.model != .naive else { throw RunStateError(description: "\(run.path) is a naive run: it has nothing to train") }
        let (_, hash) = resolvedConfig(experiment, source: nil)
        let last = try checkpoint("last", of: run, hash: hash)
        let dataset = try Dataset(config: experiment.data, seed: experiment.seed)
        try checkData(dataset, against: last, of: run)
        return (experiment, hash, dataset, Trainer(experiment: experiment, dataset: dataset, threads: threads), last)
    }

    /// Continues an interrupted run in its own folder from its last checkpoint: weights, optimizer
    /// state, epoch and best-so-far. For the same config it ends byte-identical to an uninterrupted run.
    @discardableResult
    public static func resume(_ run: RunFolder, threads: Int = 1, console: Console) throws -> RunFolder {
        run.removeStaleTemporaryFiles()
        let (experiment, hash, dataset, trainer, last) = try open(run, threads: threads)
        let state = try Checkpoint.restore(last, into: trainer.model, optimizer: trainer.optimizer)
        let historyText = (try? String(contentsOfFile: run.historyPath, encoding: .utf8)) ?? History(metrics: experiment.train.metrics).csv
        var history = try History(csv: historyText, metrics: experiment.train.metrics, file: run.historyPath)
        if history.rows.count > state.epoch { history.truncate(to: state.epoch) }
        if history.rows.count == state.epoch - 1, let row = last.metadata["history_row"] {
            history.append(row.split(separator: ",", omittingEmptySubsequences: false).map(String.init))
        }
        guard history.rows.count == state.epoch else {
            throw RunStateError(description: "\(run.historyPath) has \(history.rows.count) epochs but the last checkpoint is at epoch \(state.epoch)")
        }
        try AtomicFile.write(history.csv, to: run.historyPath)
        if state.bestEpoch > 0, (try? run.loadCheckpoint("best"))?.metadata["epoch"] != "\(state.bestEpoch)" {
            // Stopped between writing last and best in an improving epoch: last is that best.
            guard state.bestEpoch == state.epoch else {
                throw RunStateError(description: "\(run.checkpointPath("best")) is not the checkpoint of the best epoch \(state.bestEpoch)")
            }
            try AtomicFile.write(last.serialized(), to: run.checkpointPath("best"))
        }
        let timingText = (try? String(contentsOfFile: run.timingPath, encoding: .utf8)) ?? ""
        let timing: [String] = timingText.split(separator: "\n").dropFirst().map(String.init).filter { line in
            let epoch = Int(line.prefix { $0 != "," }) ?? Int.max
            return epoch <= state.epoch
        }
        let session = TrainingSession(run: run, experiment: experiment, configHash: hash, trainer: trainer, console: console,
                                      state: state, history: history, timingRows: timing)
        if state.epoch >= experiment.train.epochs {
            console.write("\(run.path) has finished all \(experiment.train.epochs) epochs; nothing to resume.\n")
        } else {
            console.write("Resuming \(run.path) at epoch \(state.epoch + 1)/\(experiment.train.epochs)\n")
        }
        try session.runToCompletion(dataset: dataset)
        return run
    }

    /// What `verify` found.
    public struct Verification {
        /// Epochs retrained.
        public var epochs: Int
        /// Differences, one line each; empty when everything matched bit for bit.
        public var differences: [String]
        /// Files compared byte for byte besides the history rows.
        public var checkpointsCompared: [String]
    }

    /// Retrains the first `epochs` epochs of a run (default: all it recorded) in a scratch folder and
    /// compares the history rows, and the checkpoints of those epochs, bit for bit.
    public static func verify(_ run: RunFolder, epochs requested: Int?, threads: Int = 1) throws -> Verification {
        let (experiment, hash, _, trainer, _) = try open(run, threads: threads)
        let recorded = try History(csv: String(contentsOfFile: run.historyPath, encoding: .utf8),
                                   metrics: experiment.train.metrics, file: run.historyPath)
        let epochs = requested ?? recorded.rows.count
        guard epochs >= 1, epochs <= recorded.rows.count else {
            throw RunStateError(description: "\(run.path) recorded \(recorded.rows.count) epochs; --epochs must be between 1 and that")
        }
        let scratch = NSTemporaryDirectory() + "seqtrain-verify-\(getpid())-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let copy = try RunFolder.create(runsDir: scratch, name: experiment.name)
        let session = TrainingSession(run: copy, experiment: experiment, configHash: hash, trainer: trainer, console: .silent,
                                      state: TrainingState(epoch: 0, iterations: 0, bestEpoch: 0, bestValLoss: .infinity),
                                      history: History(metrics: experiment.train.metrics), timingRows: [])
        try session.trainRemainingEpochs(through: epochs) { false }
        var differences: [String] = []
        for (index, (mine, theirs)) in zip(session.history.rows, recorded.rows).enumerated() {
            for (column, (a, b)) in zip(mine, theirs).enumerated() where a != b {
                differences.append("epoch \(index + 1) \(recorded.header[column]): recorded \(b), retrained \(a)")
            }
        }
        var compared: [String] = []
        for which in ["last", "best"] {
            guard let original = try? run.loadCheckpoint(which), original.metadata["epoch"] != nil,
                  Int(original.metadata["epoch"]!)! <= epochs, Int(original.metadata["epoch"]!)! > 0 else { continue }
            // Compare only a checkpoint of an epoch the retraining reached and that it wrote too.
            guard let mine = try? copy.loadCheckpoint(which), mine.metadata["epoch"] == original.metadata["epoch"] else { continue }
            compared.append("checkpoints/\(which).safetensors")
            if FileManager.default.contents(atPath: copy.checkpointPath(which)) != FileManager.default.contents(atPath: run.checkpointPath(which)) {
                differences.append("checkpoints/\(which).safetensors (epoch \(original.metadata["epoch"]!)) differs")
            }
        }
        return Verification(epochs: epochs, differences: differences, checkpointsCompared: compared)
    }

    /// Evaluates a checkpoint of a finished run on a split.
    public static func evaluate(run: RunFolder, split: SplitName, checkpoint: String) throws -> (Experiment, Evaluation) {
        let experiment = try ExperimentParser.load(path: run.configPath)
        let dataset = try Dataset(config: experiment.data, seed: experiment.seed)
        guard experiment.model != .naive else {
            return (experiment, Trainer.naive(dataset: dataset, experiment: experiment, split: split))
        }
        let trainer = Trainer(experiment: experiment, dataset: dataset)
        let file = try self.checkpoint(checkpoint, of: run, hash: resolvedConfig(experiment, source: nil).hash)
        try checkData(dataset, against: file, of: run)
        try Checkpoint.restore(file, into: trainer.model)
        return (experiment, trainer.evaluate(split))
    }

    /// A run's checkpoint (`last` or `best`), refused when it was made for another config.
    static func checkpoint(_ which: String, of run: RunFolder, hash: String) throws -> Safetensors {
        let file = try run.loadCheckpoint(which)
        guard file.metadata["config_hash"] == hash else {
            throw Checkpoint.MismatchError(description: "\(run.checkpointPath(which)) was made for another config "
                + "(hash \(file.metadata["config_hash"] ?? "none"); \(run.configPath) hashes to \(hash))")
        }
        return file
    }

    /// Refuses a CSV file whose values differ from those a checkpoint was trained on.
    static func checkData(_ dataset: Dataset, against file: Safetensors, of run: RunFolder) throws {
        guard case .csv(let csv) = dataset.config.source, let recorded = file.metadata["data_hash"] else { return }
        let current = Fingerprint.hex(dataset.fingerprint)
        guard recorded == current else {
            throw Checkpoint.MismatchError(description: "\(csv.path) has changed since \(run.path) was trained on it "
                + "(data fingerprint \(current), the run's checkpoints record \(recorded)); restore the file, or train a new run")
        }
    }

    /// A trained run's model with the weights of one of its checkpoints (no data is read).
    public static func trainedModel(_ run: RunFolder, checkpoint which: String) throws -> TrainedModel {
        let experiment = try ExperimentParser.load(path: run.configPath)
        guard case .layers(let layers) = experiment.model else {
            throw RunStateError(description: "\(run.path) is a naive run: it has no model")
        }
        let model = Sequential(layers, inputShape: experiment.data.inputShape, maxBatch: 256)
        let file = try checkpoint(which, of: run, hash: resolvedConfig(experiment, source: nil).hash)
        try Checkpoint.restore(file, into: model)
        let scaling = try Checkpoint.scaling(file.metadata)
        let expected: [String]
        switch experiment.data.source {
        case .csv(let csv) where experiment.data.standardize: expected = csv.columns
        default: expected = []
        }
        if scaling.map(\.column) != expected {
            throw Checkpoint.MismatchError(description: "\(run.checkpointPath(which)) records the standardisation of "
                + (scaling.isEmpty ? "no column" : "columns \(scaling.map(\.column).joined(separator: ", "))")
                + " but the run's config standardises " + (expected.isEmpty ? "none" : expected.joined(separator: ", "))
                + "; it was not written by this run")
        }
        return TrainedModel(experiment: experiment, model: model, scaling: scaling, run: run, checkpoint: file)
    }
}

/// A trained run's model with one checkpoint's weights, and how its data was standardised.
public struct TrainedModel {
    /// The run's experiment.
    public let experiment: Experiment
    /// The model, weights loaded.
    public let model: Sequential
    /// Each input column's standardisation, in column order; empty when the data was used as is.
    public let scaling: [ColumnScaling]
    let run: RunFolder
    let checkpoint: Safetensors

    /// Refuses data that differs from what the checkpoint was trained on.
    public func checkData(_ dataset: Dataset) throws {
        try TrainingRun.checkData(dataset, against: checkpoint, of: run)
    }

    /// The scaling of each target column (identity when the data was not standardised).
    public var targetScaling: [ColumnScaling] {
        guard !scaling.isEmpty, case .csv(let csv) = experiment.data.source else {
            return Array(repeating: ColumnScaling(column: "value", mean: 0, std: 1), count: experiment.data.targetFeatures)
        }
        return csv.targets.map { name in scaling[csv.columns.firstIndex(of: name)!] }  // trainedModel checked the columns
    }
}
