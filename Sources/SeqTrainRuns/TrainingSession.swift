import CKernels
import Foundation
import SeqTrainConfig
import SeqTrainCore
import SeqTrainData
import SeqTrainModel
import SeqTrainOptimizers
import SeqTrainTraining

/// The epochs of one run folder: the training loop with the observers that keep the run's files,
/// shared by a new run, a resumed one and `verify`'s scratch copy.
///
/// After each epoch the observers write, in this order, `timing.csv`, `checkpoints/last.safetensors`
/// (carrying the epoch's history row), `checkpoints/best.safetensors` when val_loss improved,
/// `history.csv` and the TensorBoard event files (unless `train.tensorboard` is false; appended to,
/// not replaced), the others atomically. A crash at any instant therefore leaves a checkpoint that
/// loads and a history at most one row shorter than it, which `resume` completes from the
/// checkpoint; the event files at most one epoch behind the history, completed from it; and a timing
/// row for every epoch the checkpoint holds (a row past it is dropped, and redone with its epoch). When
/// training ends, the last checkpoint is rewritten if a callback restored other weights.
final class TrainingSession {
    let run: RunFolder
    let experiment: Experiment
    let configHash: String
    let trainer: Trainer
    let console: Console
    let loop: TrainingLoop
    let checkpoints: CheckpointWriter
    let history: HistoryWriter
    let timing: TimingWriter

    /// A session continuing after `epoch` finished epochs, whose files hold `history` and `timingRows`.
    /// The config's `train.callbacks`, then `callbacks`, see each epoch after the progress line and
    /// before the files are written, so that their decisions and state reach the checkpoint.
    init(run: RunFolder, experiment: Experiment, configHash: String, trainer: Trainer, console: Console,
         epoch: Int = 0, history: History, timingRows: [String], callbacks: [any EpochObserver] = []) throws {
        self.run = run
        self.experiment = experiment
        self.configHash = configHash
        self.trainer = trainer
        self.console = console
        checkpoints = CheckpointWriter(run: run, configHash: configHash, dataset: trainer.dataset)
        self.history = HistoryWriter(run: run, history: history)
        timing = TimingWriter(run: run, rows: timingRows)
        let progress = ProgressObserver(steps: trainer.stepsPerEpoch, metrics: experiment.train.metrics,
                                        interactive: console.interactive, output: console.write)
        let configured = try callbackObservers(experiment.train, output: console.write)
        var writers: [any EpochObserver] = [checkpoints, self.history]
        if experiment.train.tensorboard {
            writers.append(TensorBoardWriter(folder: run.path + "/tensorboard", history: self.history,
                                             learningRate: trainer.optimizer.config.rule.learningRate, stepsPerEpoch: trainer.stepsPerEpoch))
        }
        loop = TrainingLoop(trainer: trainer, observers: [progress] + configured + callbacks + [timing] + writers, epoch: epoch)
    }

    /// The checkpoint of the current weights, optimizer and state, with the epoch's history row.
    func checkpoint(historyRow: [String]?) -> Data { checkpoints.checkpoint(loop, historyRow: historyRow) }

    /// Writes `summary.json`, the plots and the best epoch's line from the history and the best checkpoint.
    func writeSummary(dataset: Dataset, status: RunStatus) throws {
        var summary = RunSummary(experiment: experiment, configHash: configHash, dataset: dataset)
        summary.naiveValid = Trainer.naive(dataset: dataset, experiment: experiment, split: .valid)
        summary.naiveTest = Trainer.naive(dataset: dataset, experiment: experiment, split: .test)
        summary.threads = trainer.pool.threadCount
        summary.parameters = trainer.model.parameterCount
        let rows = history.history.rows
        summary.epochs = rows.count
        summary.status = status
        summary.finalWeightsFromEpoch = loop.weightsRestoredFrom
        if let last = rows.last {
            summary.finalTrain = history.history.trainFigures(last)
            summary.finalValid = history.history.validFigures(last)
        }
        if let best = history.history.bestRow {
            summary.best = (Int(best[0]) ?? 0, history.history.validFigures(best))
            let weights = trainer.model.parameters.array
            defer { trainer.model.parameters.assign(weights) }  // put the last weights back whatever happens
            try Checkpoint.restore(try run.loadCheckpoint("best"), into: trainer.model)
            summary.test = trainer.evaluate(.test)
            if let plot = try RunPlots.forecast(model: trainer.model, experiment: experiment, dataset: trainer.dataset) {
                try AtomicFile.write(plot, to: run.path + "/forecast.svg")
            }
        }
        summary.epochSeconds = timing.seconds
        summary.seconds = summary.epochSeconds.reduce(0, +)
        try AtomicFile.write(summary.json.rendered(), to: run.summaryPath)
        try AtomicFile.write(RunPlots.curves(history.history, title: experiment.name), to: run.path + "/curves.svg")
        if let best = summary.best, let naive = summary.naiveValid {
            console.write("Best epoch \(best.epoch): val_loss \(ProgressLine.figure(best.valid.loss)) (naive \(ProgressLine.figure(naive.loss)))\n")
        }
    }

    /// Runs the remaining epochs with SIGINT/SIGTERM turned into a stop request, then the summary,
    /// recording the run's status at the start and at whatever end it comes to. With `untilEpoch`
    /// (a sweep's budget) the run pauses after that epoch, resumable like an interrupted one.
    func runToCompletion(dataset: Dataset, untilEpoch: Int? = nil) throws {
        st_stop_install()
        defer { st_stop_uninstall() }
        try run.writeStatus(.running(epoch: loop.epoch))
        let outcome: TrainingOutcome
        do {
            outcome = try loop.run(through: min(untilEpoch ?? .max, experiment.train.epochs)) { st_stop_requested() != 0 }
        } catch let stopped as TrainingStopped {
            let interrupted = RunInterrupted(run: run, finishedEpochs: loop.epoch, abandonedEpoch: stopped.epoch)
            try? run.writeStatus(RunStatus(.interrupted, reason: "stopped by a signal during epoch \(stopped.epoch)", epoch: loop.epoch))
            throw interrupted
        } catch let error as NonFiniteLossError {
            let failure = RunFailed(run: run, reason: error, finishedEpochs: loop.epoch)
            try? run.writeStatus(RunStatus(.failed, reason: error.what, epoch: loop.epoch))
            throw failure
        } catch let error as FileWriteError {
            let failure = RunWriteFailed(run: run, error: error, finishedEpochs: history.history.rows.count)
            try? run.writeStatus(RunStatus(.interrupted, reason: "\(error)", epoch: history.history.rows.count))
            throw failure
        } catch {
            // Whatever else ends training (an observer's error) is said, not left as `running`.
            try? run.writeStatus(RunStatus(.interrupted, reason: "\(error)", epoch: history.history.rows.count))
            throw error
        }
        if let untilEpoch, untilEpoch < experiment.train.epochs, outcome == .completed {
            try run.writeStatus(RunStatus(.interrupted, reason: "paused after epoch \(loop.epoch) (a sweep's budget)", epoch: loop.epoch))
            console.write("Paused \(run.path) after epoch \(loop.epoch) of \(experiment.train.epochs)\n")
            return
        }
        let status: RunStatus
        switch outcome {
        case .completed: status = RunStatus(.finished, epoch: loop.epoch)
        case .stoppedEarly(let epoch, let reason): status = RunStatus(.stoppedEarly, reason: reason, epoch: epoch)
        }
        do {
            try writeSummary(dataset: dataset, status: status)
            try run.writeStatus(status)
        } catch let error as FileWriteError {
            try? run.writeStatus(RunStatus(.interrupted, reason: "\(error)", epoch: loop.epoch))
            throw RunWriteFailed(run: run, error: error, finishedEpochs: loop.epoch)
        } catch {
            try? run.writeStatus(RunStatus(.interrupted, reason: "\(error)", epoch: loop.epoch))
            throw error
        }
        if case .stoppedEarly(_, let reason) = outcome { console.write("Stopped early: \(reason)\n") }
        if let epoch = loop.weightsRestoredFrom { console.write("Restored the weights of epoch \(epoch) (EarlyStopping's restore_best_weights)\n") }
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
        "\(reason.what); training stopped. "
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
