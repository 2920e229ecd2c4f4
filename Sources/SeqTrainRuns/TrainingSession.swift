import CKernels
import Foundation
import SeqTrainConfig
import SeqTrainCore
import SeqTrainData
import SeqTrainModel
import SeqTrainOptimizers
import SeqTrainTraining

/// The epochs of one run folder: the loop shared by a new run and a resumed one.
///
/// After each epoch it writes, in this order, `checkpoints/last.safetensors` (carrying the epoch's
/// history row), `checkpoints/best.safetensors` when val_loss improved, `history.csv` and
/// `timing.csv`, each atomically. A crash at any instant therefore leaves a checkpoint that loads and
/// a history at most one row shorter than it, which `resume` completes from the checkpoint.
final class TrainingSession {
    let run: RunFolder
    let experiment: Experiment
    let configHash: String
    let trainer: Trainer
    let console: Console
    private(set) var state: TrainingState
    private(set) var history: History
    private var timingRows: [String]

    init(run: RunFolder, experiment: Experiment, configHash: String, trainer: Trainer, console: Console,
         state: TrainingState, history: History, timingRows: [String]) {
        self.run = run
        self.experiment = experiment
        self.configHash = configHash
        self.trainer = trainer
        self.console = console
        self.state = state
        self.history = history
        self.timingRows = timingRows
    }

    /// The checkpoint of the current weights, optimizer and state, with the epoch's history row.
    func checkpoint(historyRow: [String]?) -> Data {
        var file = Checkpoint.make(model: trainer.model, optimizer: trainer.optimizer, state: state, configHash: configHash)
        if let historyRow { file.metadata["history_row"] = historyRow.joined(separator: ",") }
        file.metadata.merge(Checkpoint.dataMetadata(trainer.dataset)) { _, new in new }
        return file.serialized()
    }

    /// Trains from the epoch after `state.epoch` to `lastEpoch` (default: the last), stopping early
    /// on a stop request.
    func trainRemainingEpochs(through lastEpoch: Int? = nil, stopRequested: @escaping () -> Bool) throws {
        let epochs = experiment.train.epochs
        guard state.epoch < (lastEpoch ?? epochs) else { return }
        let metrics = experiment.train.metrics
        let progress = ProgressLine(totalSteps: trainer.stepsPerEpoch, interactive: console.interactive, output: console.write)
        for epoch in (state.epoch + 1)...(lastEpoch ?? epochs) {
            let started = Date()
            progress.beginEpoch(epoch, of: epochs)
            let train = try trainer.trainEpoch(epoch, stopRequested: stopRequested) { progress.update(step: $0, loss: $1) }
            let valid = trainer.evaluate(.valid)
            let seconds = Date().timeIntervalSince(started)
            progress.endEpoch(figures: [("loss", train.loss)] + zip(metrics, train.metrics).map { ($0.rawValue, $1) }
                + [("val_loss", valid.loss)] + zip(metrics, valid.metrics).map { ("val_" + $0.rawValue, $1) })

            state.epoch = epoch
            state.iterations = trainer.optimizer.iterations
            let improved = Float(valid.loss) < state.bestValLoss
            if improved {
                state.bestEpoch = epoch
                state.bestValLoss = Float(valid.loss)
            }
            let row = History.row(epoch: epoch, train: train, valid: valid)
            let bytes = checkpoint(historyRow: row)
            try AtomicFile.write(bytes, to: run.checkpointPath("last"))
            if improved { try AtomicFile.write(bytes, to: run.checkpointPath("best")) }
            history.append(row)
            try AtomicFile.write(history.csv, to: run.historyPath)
            timingRows.append("\(epoch),\(String(format: "%.6f", seconds))")
            try AtomicFile.write((["epoch,seconds"] + timingRows).joined(separator: "\n") + "\n", to: run.timingPath)
        }
    }

    /// Writes `summary.json` from the history and the best checkpoint's test figures.
    func writeSummary(dataset: Dataset) throws {
        var summary = RunSummary(experiment: experiment, configHash: configHash, dataset: dataset)
        summary.naiveValid = Trainer.naive(dataset: dataset, experiment: experiment, split: .valid)
        summary.naiveTest = Trainer.naive(dataset: dataset, experiment: experiment, split: .test)
        summary.threads = trainer.pool.threadCount
        summary.parameters = trainer.model.parameterCount
        summary.epochs = history.rows.count
        if let last = history.rows.last {
            summary.finalTrain = history.trainFigures(last)
            summary.finalValid = history.validFigures(last)
        }
        if let best = history.bestRow {
            summary.best = (Int(best[0]) ?? 0, history.validFigures(best))
            let weights = trainer.model.parameters.array
            try Checkpoint.restore(try run.loadCheckpoint("best"), into: trainer.model)
            summary.test = trainer.evaluate(.test)
            try AtomicFile.write(try RunPlots.forecast(model: trainer.model, experiment: experiment, dataset: trainer.dataset),
                                 to: run.path + "/forecast.svg")
            trainer.model.parameters.assign(weights)
        }
        summary.epochSeconds = timingRows.compactMap { Double($0.split(separator: ",").last ?? "") }
        summary.seconds = summary.epochSeconds.reduce(0, +)
        try AtomicFile.write(summary.json.rendered(), to: run.summaryPath)
        try AtomicFile.write(RunPlots.curves(history, title: experiment.name), to: run.path + "/curves.svg")
        if let best = summary.best, let naive = summary.naiveValid {
            console.write("Best epoch \(best.epoch): val_loss \(ProgressLine.figure(best.valid.loss)) (naive \(ProgressLine.figure(naive.loss)))\n")
        }
    }

    /// Runs the remaining epochs with SIGINT/SIGTERM turned into a stop request, then the summary.
    func runToCompletion(dataset: Dataset) throws {
        st_stop_install()
        defer { st_stop_uninstall() }
        do {
            try trainRemainingEpochs { st_stop_requested() != 0 }
        } catch let stopped as TrainingStopped {
            throw RunInterrupted(run: run, finishedEpochs: state.epoch, abandonedEpoch: stopped.epoch)
        } catch let error as NonFiniteLossError {
            let failure = RunFailed(run: run, reason: error, finishedEpochs: state.epoch)
            try? AtomicFile.write(failure.description + "\n", to: run.path + "/failed.txt")
            throw failure
        } catch let error as FileWriteError {
            throw RunWriteFailed(run: run, error: error, finishedEpochs: history.rows.count)
        }
        try writeSummary(dataset: dataset)
        console.write("Run saved to \(run.path)\n")
    }
}

/// A run stopped by SIGINT or SIGTERM; its folder holds every finished epoch and can be resumed.
public struct RunInterrupted: Error, CustomStringConvertible {
    /// The run folder.
    public var run: RunFolder
    /// Epochs kept (the last checkpoint's epoch).
    public var finishedEpochs: Int
    /// The epoch that was abandoned; resume redoes it.
    public var abandonedEpoch: Int
    /// What a user should read.
    public var description: String {
        "stopped during epoch \(abandonedEpoch); \(run.path) keeps epochs 1-\(finishedEpochs) "
            + "(checkpoints/last.safetensors). Continue with: seqtrain resume \(run.path)"
    }
}

/// A run that cannot go on (the loss stopped being a number); its last good checkpoint is kept.
public struct RunFailed: Error, CustomStringConvertible {
    /// The run folder.
    public var run: RunFolder
    /// Why.
    public var reason: NonFiniteLossError
    /// Epochs kept.
    public var finishedEpochs: Int
    /// What a user should read.
    public var description: String {
        "the loss became \(reason.value) at epoch \(reason.epoch), batch \(reason.batch); training stopped. "
            + "\(run.path) keeps the checkpoint of epoch \(finishedEpochs). "
            + "Try a lower train.optimizer.learning_rate, or add clipnorm: 1.0 to train.optimizer."
    }
}

/// A file of a run could not be written (a full disk, a folder made read-only); what was written stays.
public struct RunWriteFailed: Error, CustomStringConvertible {
    /// The run folder.
    public var run: RunFolder
    /// The write that failed.
    public var error: FileWriteError
    /// Epochs whose files were written.
    public var finishedEpochs: Int
    /// What a user should read.
    public var description: String {
        "\(error). \(run.path) keeps epochs 1-\(finishedEpochs); fix the cause and continue with: seqtrain resume \(run.path)"
    }
}
