import CKernels
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
    /// thread count changes only the speed, never a number. `callbacks` are told about every epoch
    /// (before the run's files are written) and may end training early.
    @discardableResult
    public static func train(_ experiment: Experiment, source: String?, overrides: [Override] = [], runsDir: String,
                             threads: Int = 1, console: Console, callbacks: [any EpochObserver] = [],
                             untilEpoch: Int? = nil) throws -> RunFolder {
        let dataset = try Dataset(config: experiment.data, seed: experiment.seed)
        let (configText, configHash) = resolvedConfig(experiment, source: source, overrides: overrides)
        guard experiment.model != .naive else {
            return try writeNaiveRun(experiment, dataset: dataset, configText: configText, configHash: configHash,
                                     runsDir: runsDir, console: console)
        }
        let trainer = Trainer(experiment: experiment, dataset: dataset, threads: threads)
        if case .csv = experiment.data.source { console.write(dataset.summary + "\n") }
        console.write(trainer.model.summary(title: experiment.name) + "\n")
        if let steps = trainer.dataset.config.targetSteps { console.write(StepAlignment.summary(steps, inputSteps: experiment.data.window) + "\n") }
        let history = History(metrics: experiment.train.metrics)
        // The folder appears with its config, an empty history, the initial weights as the last
        // checkpoint and its status, so that from its first instant it holds a checkpoint that loads,
        // and locked (the lock file goes with the folder when it is renamed into place).
        var lock: FolderLock?
        let run = try RunFolder.create(runsDir: runsDir, name: experiment.name) { folder in
            lock = try FolderLock(folder.path, kind: "run folder")
            try AtomicFile.write(configText, to: folder.configPath)
            try AtomicFile.write(history.csv, to: folder.historyPath)
            let initial = try TrainingSession(run: folder, experiment: experiment, configHash: configHash, trainer: trainer,
                                          console: console, history: history, timingRows: [], callbacks: callbacks)
            try AtomicFile.write(initial.checkpoint(historyRow: nil), to: folder.checkpointPath("last"))
            try folder.writeStatus(.running(epoch: 0))
        }
        let session = try TrainingSession(run: run, experiment: experiment, configHash: configHash, trainer: trainer, console: console,
                                          history: history, timingRows: [], callbacks: callbacks)
        try withExtendedLifetime(lock) { try session.runToCompletion(dataset: dataset, untilEpoch: untilEpoch) }
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
        summary.status = RunStatus(.finished, epoch: 0)
        try AtomicFile.write(summary.json.rendered(), to: run.summaryPath)
        try run.writeStatus(RunStatus(.finished, epoch: 0))
        let metrics = zip(experiment.train.metrics, summary.naiveValid!.metrics).map { " - val_\($0.rawValue): \(ProgressLine.figure($1))" }
        console.write("naive (last value) - loss: \(ProgressLine.figure(train.loss)) - val_loss: \(ProgressLine.figure(summary.naiveValid!.loss))"
            + metrics.joined() + "\n")
        console.write("Run saved to \(run.path)\n")
        return run
    }

    /// Continues an interrupted run in its own folder from its last checkpoint: weights, optimizer
    /// state, epoch and every observer's state. For the same config it ends byte-identical to an
    /// uninterrupted run. A finished or early-stopped run has nothing to resume; a failed one would
    /// fail again. Everything is checked before any file of the run is changed.
    /// With `untilEpoch` it pauses after that epoch (a sweep's budget); with `takeover` a run whose
    /// status says another process trains it is resumed anyway (for executors that know better).
    @discardableResult
    public static func resume(_ path: String, threads: Int = 1, console: Console, untilEpoch: Int? = nil,
                              takeover: Bool = false) throws -> RunFolder {
        let opened = try OpenedRun.open(path)
        let run = opened.folder, experiment = opened.experiment
        // One writer: a second resume, or the trainer itself still running, holds the lock.
        let lock = try FolderLock(run.path, kind: "run folder")
        _ = try opened.layers("nothing to train")
        let last = try opened.checkpoint("last")
        let dataset = try opened.dataset(checkedAgainst: last)
        let status = opened.status
        switch status.state {
        case .finished, .stoppedEarly:
            console.write("\(run.path) is \(status.summary); nothing to resume.\n")
            return run
        case .failed:
            throw RunStateError(description: "\(run.path) failed (\(status.reason)); resuming would fail the same way: "
                + "train a new run, e.g. with a lower train.optimizer.learning_rate")
        case .running where !takeover:
            throw RunStateError(description: "\(run.path) is being trained by \(status.trainer); "
                + "wait for it, or stop that process first")
        case .interrupted, .unreadable, .running:
            break
        }
        run.removeStaleTemporaryFiles()
        let trainer = Trainer(experiment: experiment, dataset: dataset, threads: threads)
        let position = try Checkpoint.restore(last, into: trainer.model, optimizer: trainer.optimizer)
        guard position.epoch <= experiment.train.epochs else {
            throw Checkpoint.MismatchError(description: "\(run.checkpointPath("last")) is at epoch \(position.epoch), "
                + "past the \(experiment.train.epochs) epochs of \(run.configPath)")
        }
        // Only ReduceLROnPlateau sets the rate at run time: a rate in any other run's checkpoint would
        // silently replace the config's rate or schedule.
        if let rate = last.metadata["learning_rate"], !experiment.train.callbacks.contains(where: { $0 is ReduceLROnPlateau }) {
            throw Checkpoint.MismatchError(description: "\(run.checkpointPath("last")) carries the learning_rate '\(rate.prefix(40))', "
                + "but \(run.configPath) has no ReduceLROnPlateau to have set it")
        }
        // Every epoch takes the same number of steps: a count that disagrees was not written by this run.
        guard position.iterations == position.epoch * trainer.stepsPerEpoch else {
            throw Checkpoint.MismatchError(description: "\(run.checkpointPath("last")) records \(position.iterations) optimizer steps, "
                + "but \(position.epoch) epochs of \(trainer.stepsPerEpoch) steps make \(position.epoch * trainer.stepsPerEpoch)")
        }
        // The history: kept up to the checkpoint's epoch, completed from the row the checkpoint carries.
        var history = FileManager.default.fileExists(atPath: run.historyPath) ? try opened.history() : History(metrics: experiment.train.metrics)
        if history.rows.count > position.epoch { history.truncate(to: position.epoch) }
        if history.rows.count == position.epoch - 1, let row = last.metadata["history_row"] {
            let cells = row.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard let fitted = history.inLayout(cells, epoch: position.epoch) else {
                throw Checkpoint.MismatchError(description: "\(run.checkpointPath("last")) carries a malformed history row")
            }
            history.append(fitted)
        }
        guard history.rows.count == position.epoch else {
            throw RunStateError(description: "\(run.historyPath) has \(history.rows.count) epochs but the last checkpoint is at epoch \(position.epoch)")
        }
        if let row = last.metadata["history_row"], let recorded = history.rows.last, row != recorded.joined(separator: ",") {
            throw Checkpoint.MismatchError(description: "\(run.checkpointPath("last")) carries the history row '\(row.prefix(80))', "
                + "but epoch \(position.epoch) of \(run.historyPath) is '\(recorded.joined(separator: ",").prefix(80))'")
        }
        let timingText = (try? String(contentsOfFile: run.timingPath, encoding: .utf8)) ?? ""
        let timing: [String] = timingText.split(separator: "\n").dropFirst().map(String.init).filter { line in
            let epoch = Int(line.prefix { $0 != "," }) ?? Int.max
            return epoch <= position.epoch
        }
        let session = try TrainingSession(run: run, experiment: experiment, configHash: opened.configHash, trainer: trainer, console: console,
                                          epoch: position.epoch, history: history, timingRows: timing)
        do {
            try session.loop.restoreObservers(from: last.metadata) { try Checkpoint.copy($0, in: last, model: trainer.model) }
        } catch let error as ObserverStateError {
            throw Checkpoint.MismatchError(description: "\(run.checkpointPath("last")): \(error.description)")
        } catch let error as Checkpoint.MismatchError {
            // A callback's copy of the weights (best_weights) missing a tensor or of another shape.
            throw Checkpoint.MismatchError(description: "\(run.checkpointPath("last")): \(error.description)")
        }
        let bestEpoch = session.checkpoints.bestEpoch
        let best = CheckpointWriter.best(in: history)
        guard bestEpoch == best.epoch, session.checkpoints.bestValLoss == best.valLoss else {
            throw Checkpoint.MismatchError(description: "\(run.checkpointPath("last")) records the best epoch \(bestEpoch) "
                + "(val_loss \(session.checkpoints.bestValLoss)), but \(run.historyPath) has its lowest val_loss at epoch \(best.epoch) "
                + "(\(best.valLoss))")
        }
        let bestIsStale = bestEpoch > 0 && (try? run.loadCheckpoint("best"))?.metadata["epoch"] != "\(bestEpoch)"
        if bestIsStale && bestEpoch != position.epoch {
            throw RunStateError(description: "\(run.checkpointPath("best")) is not the checkpoint of the best epoch \(bestEpoch)")
        }
        if bestEpoch > 0 && !bestIsStale {
            // The summary restores it at the end: check now that it is this run's, then put the last weights back.
            let bestFile = try opened.checkpoint("best")
            do {
                try Checkpoint.restore(bestFile, into: trainer.model)
            } catch let error as Checkpoint.MismatchError {
                throw Checkpoint.MismatchError(description: "\(run.checkpointPath("best")): \(error)")
            }
            try Checkpoint.restore(last, into: trainer.model, optimizer: trainer.optimizer)
        }
        // Checked: now repair. Stopped between writing last and best in an improving epoch: last is that best.
        try AtomicFile.write(history.csv, to: run.historyPath)
        if bestIsStale { try AtomicFile.write(last.serialized(), to: run.checkpointPath("best")) }
        if position.epoch >= experiment.train.epochs {
            console.write("\(run.path) has trained all \(experiment.train.epochs) epochs; writing its summary.\n")
        } else if let reason = session.loop.stopReason {
            console.write("\(run.path) was \(reason); writing its summary.\n")
        } else {
            console.write("Resuming \(run.path) at epoch \(position.epoch + 1)/\(experiment.train.epochs)\n")
        }
        try withExtendedLifetime(lock) { try session.runToCompletion(dataset: dataset, untilEpoch: untilEpoch) }
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
    public static func verify(_ path: String, epochs requested: Int?, threads: Int = 1) throws -> Verification {
        let opened = try OpenedRun.open(path)
        let run = opened.folder, experiment = opened.experiment
        _ = try opened.layers("nothing to train")
        let recorded = try opened.history()
        let epochs = requested ?? recorded.rows.count
        guard epochs >= 1, epochs <= recorded.rows.count else {
            throw RunStateError(description: "\(run.path) recorded \(recorded.rows.count) epochs; --epochs must be between 1 and that")
        }
        let dataset = try opened.dataset(checkedAgainst: try opened.checkpoint("last"))
        let trainer = Trainer(experiment: experiment, dataset: dataset, threads: threads)
        // The scratch run goes on every way out: an error, or SIGINT/SIGTERM (a stop request, then removal).
        st_stop_install()
        defer { st_stop_uninstall() }
        let scratch = NSTemporaryDirectory() + "seqtrain-verify-\(getpid())-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let copy = try RunFolder.create(runsDir: scratch, name: experiment.name)
        let session = try TrainingSession(run: copy, experiment: experiment, configHash: opened.configHash, trainer: trainer, console: .silent,
                                          history: History(metrics: experiment.train.metrics), timingRows: [])
        do {
            _ = try session.loop.run(through: epochs) { st_stop_requested() != 0 }
        } catch let stopped as TrainingStopped {
            throw StoppedBySignal(signal: st_stop_requested(), what: "verifying \(run.path) was stopped during epoch \(stopped.epoch); "
                + "nothing was verified, and the scratch run was removed")
        }
        var differences: [String] = []
        for (index, (mine, theirs)) in zip(session.history.history.rows, recorded.rows).enumerated() {
            for (column, (a, b)) in zip(mine, theirs).enumerated() where a != b {
                differences.append("epoch \(index + 1) \(recorded.header[column]): recorded \(b), retrained \(a)")
            }
        }
        if session.history.history.rows.count < epochs {
            differences.append("the retraining stopped after epoch \(session.history.history.rows.count), the run went on")
        }
        var compared: [String] = []
        for which in ["last", "best"] {
            // Compare only a checkpoint of an epoch the retraining reached and that it wrote too.
            guard let original = try? run.loadCheckpoint(which), let epoch = try? Checkpoint.position(original).epoch,
                  epoch >= 1, epoch <= epochs,
                  let mine = try? copy.loadCheckpoint(which), mine.metadata["epoch"] == original.metadata["epoch"] else { continue }
            compared.append("checkpoints/\(which).safetensors")
            if FileManager.default.contents(atPath: copy.checkpointPath(which)) != FileManager.default.contents(atPath: run.checkpointPath(which)) {
                differences.append("checkpoints/\(which).safetensors (epoch \(epoch)) differs")
            }
        }
        return Verification(epochs: epochs, differences: differences, checkpointsCompared: compared)
    }

    /// Evaluates a checkpoint of a run on a split.
    public static func evaluate(run path: String, split: SplitName, checkpoint: String) throws -> (Experiment, Evaluation) {
        let opened = try OpenedRun.open(path)
        let experiment = opened.experiment
        guard experiment.model != .naive else {
            return (experiment, Trainer.naive(dataset: try opened.dataset(), experiment: experiment, split: split))
        }
        let file = try opened.checkpoint(checkpoint)
        let trainer = Trainer(experiment: experiment, dataset: try opened.dataset(checkedAgainst: file))
        try Checkpoint.restore(file, into: trainer.model)
        return (experiment, trainer.evaluate(split))
    }
}
