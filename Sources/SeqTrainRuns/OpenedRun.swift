import Foundation
import SeqTrainConfig
import SeqTrainCore
import SeqTrainData
import SeqTrainModel
import SeqTrainTraining

/// The one way to read a run folder: every command that reads a run (eval, predict, resume, verify,
/// plot, diff, runs, sweep) opens it here. Opening reads and parses `config.yaml`; the other files
/// are read on demand through accessors that check them against it. Every problem is a
/// `RunReadError` naming the file, or a `Checkpoint.MismatchError` saying what does not match.
public struct OpenedRun {
    /// The folder.
    public let folder: RunFolder
    /// The run's resolved experiment.
    public let experiment: Experiment
    /// `config.yaml` as written.
    public let configText: String
    /// The hash its checkpoints must record.
    public let configHash: String

    /// Opens the run folder at `path`, parsing its config with `vocabulary`.
    public static func open(_ path: String, vocabulary: Vocabulary = .standard) throws -> OpenedRun {
        let folder = try RunFolder(existing: path)
        guard let data = FileManager.default.contents(atPath: folder.configPath) else {
            throw RunReadError(path: folder.configPath, problem: "permission denied, or not a file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw RunReadError(path: folder.configPath, problem: "not UTF-8 text")
        }
        let experiment: Experiment
        do {
            experiment = try ExperimentParser.parse(yaml: text, file: folder.configPath, vocabulary: vocabulary)
        } catch let errors as ConfigErrors {
            throw RunReadError(path: folder.configPath, problem: "not a valid experiment: "
                + errors.diagnostics.map(\.description).joined(separator: "; "))
        }
        return OpenedRun(folder: folder, experiment: experiment, configText: text,
                         configHash: TrainingRun.resolvedConfig(experiment, source: nil).hash)
    }

    /// The run folder's path.
    public var path: String { folder.path }

    /// The recorded status as it stands now; for a run made before status files, what its files show.
    public var status: RunStatus {
        if let recorded = folder.readStatus() { return recorded.current }
        // Runs of seqtrain 0.1.0 have no status.json: failed.txt, or a summary after every epoch.
        let epochs = (try? history())?.rows.count ?? 0
        if let reason = try? String(contentsOfFile: folder.path + "/failed.txt", encoding: .utf8) {
            return RunStatus(.failed, reason: reason.trimmingCharacters(in: .whitespacesAndNewlines), epoch: epochs)
        }
        let total = experiment.model == .naive ? 0 : experiment.train.epochs
        if FileManager.default.fileExists(atPath: folder.summaryPath) && epochs >= total { return RunStatus(.finished, epoch: epochs) }
        return RunStatus(.interrupted, epoch: epochs)
    }

    /// `history.csv`, checked against the experiment's metrics.
    public func history() throws -> History {
        guard let text = try? String(contentsOfFile: folder.historyPath, encoding: .utf8) else {
            throw RunReadError(path: folder.historyPath, problem: FileManager.default.fileExists(atPath: folder.historyPath)
                ? "permission denied, or not UTF-8 text" : "no such file")
        }
        do {
            return try History(csv: text, metrics: experiment.train.metrics, file: folder.historyPath)
        } catch let error as HistoryFormatError {
            throw RunReadError(path: error.file, problem: error.problem)
        }
    }

    /// One column of `history.csv` (e.g. `val_loss`), one value per finished epoch from epoch 1.
    public func historyColumn(_ name: String) throws -> [Float] {
        let history = try history()
        guard let column = history.header.firstIndex(of: name) else {
            throw RunReadError(path: folder.historyPath, problem: "it has no column '\(name)' ("
                + Suggest.hint(for: name, in: Array(history.header.dropFirst())) + ")")
        }
        return history.rows.map { Float($0[column])! }  // History checked every cell
    }

    /// A checkpoint (`last` or `best`), refused when it was made for another config.
    public func checkpoint(_ which: String) throws -> Safetensors {
        let file = try folder.loadCheckpoint(which)
        guard file.metadata["config_hash"] == configHash else {
            throw Checkpoint.MismatchError(description: "\(folder.checkpointPath(which)) was made for another config "
                + "(hash \(file.metadata["config_hash"] ?? "none"); \(folder.configPath) hashes to \(configHash))")
        }
        return file
    }

    /// The run's data, refused when a CSV file's values differ from those `checkpoint` was trained on.
    public func dataset(checkedAgainst checkpoint: Safetensors? = nil) throws -> Dataset {
        let dataset = try Dataset(config: experiment.data, seed: experiment.seed)
        if let checkpoint { try checkData(dataset, against: checkpoint) }
        return dataset
    }

    /// Refuses a CSV file whose values differ from those a checkpoint was trained on.
    func checkData(_ dataset: Dataset, against file: Safetensors) throws {
        guard case .csv(let csv) = dataset.config.source, let recorded = file.metadata["data_hash"] else { return }
        let current = Fingerprint.hex(dataset.fingerprint)
        guard recorded == current else {
            throw Checkpoint.MismatchError(description: "\(csv.path) has changed since \(path) was trained on it "
                + "(data fingerprint \(current), the run's checkpoints record \(recorded)); restore the file, or train a new run")
        }
    }

    /// The layers of a trained run; a naive run has none.
    func layers(_ purpose: String) throws -> [any LayerConfig] {
        guard case .layers(let layers) = experiment.model else {
            throw RunStateError(description: "\(path) is a naive run: it has \(purpose)")
        }
        return layers
    }

    /// The model with the weights of one checkpoint, and the standardisation it records (no data is read).
    public func trainedModel(checkpoint which: String) throws -> TrainedModel {
        let model = Sequential(try layers("no model"), inputShape: experiment.data.inputShape, maxBatch: 256)
        let file = try checkpoint(which)
        try Checkpoint.restore(file, into: model)
        let scaling = try Checkpoint.scaling(file.metadata)
        let expected: [String]
        switch experiment.data.source {
        case .csv(let csv) where experiment.data.standardize: expected = csv.columns
        default: expected = []
        }
        if scaling.map(\.column) != expected {
            throw Checkpoint.MismatchError(description: "\(folder.checkpointPath(which)) records the standardisation of "
                + (scaling.isEmpty ? "no column" : "columns \(scaling.map(\.column).joined(separator: ", "))")
                + " but the run's config standardises " + (expected.isEmpty ? "none" : expected.joined(separator: ", "))
                + "; it was not written by this run")
        }
        return TrainedModel(experiment: experiment, model: model, scaling: scaling, run: self, checkpoint: file)
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
    let run: OpenedRun
    let checkpoint: Safetensors

    /// Refuses data that differs from what the checkpoint was trained on.
    public func checkData(_ dataset: Dataset) throws {
        try run.checkData(dataset, against: checkpoint)
    }

    /// The scaling of each target column (identity when the data was not standardised).
    public var targetScaling: [ColumnScaling] {
        guard !scaling.isEmpty, case .csv(let csv) = experiment.data.source else {
            return Array(repeating: ColumnScaling(column: "value", mean: 0, std: 1), count: experiment.data.targetFeatures)
        }
        return csv.targets.map { name in scaling[csv.columns.firstIndex(of: name)!] }  // trainedModel checked the columns
    }
}
