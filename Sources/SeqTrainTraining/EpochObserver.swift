import SeqTrainConfig
import SeqTrainCore

/// What one finished epoch produced.
public struct EpochRecord {
    /// The epoch, from 1.
    public var epoch: Int
    /// The training figures (the epoch's sample-weighted batch means).
    public var train: Evaluation
    /// The validation figures after the epoch.
    public var valid: Evaluation
    /// Its `history.csv` row.
    public var historyRow: [String]
    /// Wall-clock seconds of training and validation.
    public var seconds: Double

    /// The record of a finished epoch.
    public init(epoch: Int, train: Evaluation, valid: Evaluation, historyRow: [String], seconds: Double) {
        self.epoch = epoch
        self.train = train
        self.valid = valid
        self.historyRow = historyRow
        self.seconds = seconds
    }
}

/// What an observer decides after an epoch.
public enum TrainingDecision: Equatable {
    /// Train the next epoch.
    case proceed
    /// End training after this epoch; the reason is recorded in the run's status.
    case stop(reason: String)
}

/// Something the training loop tells about every epoch: the progress line, the callbacks (early
/// stopping, learning-rate plateaus), the checkpoints, the history, the timings.
///
/// After each epoch the loop calls `epochDidEnd` on every observer in list order, so an observer
/// that decides (best epoch, early stopping) comes before the ones that write its decision down.
/// State an observer needs to continue after a resume is what `checkpointState` returns: it is
/// written into every checkpoint's metadata and handed back to `restore` when a run resumes. Copies
/// of the weights (EarlyStopping's best ones) go the same way through `checkpointParameters`.
public protocol EpochObserver: AnyObject {
    /// Metadata entries to keep in the checkpoint (keys unique across observers).
    func checkpointState() -> [String: String]
    /// Restores the state from a checkpoint's metadata.
    func restore(from metadata: [String: String]) throws
    /// An epoch is about to start.
    func epochWillBegin(_ epoch: Int, of epochs: Int)
    /// A batch has finished, with the epoch's running loss.
    func batchDidEnd(step: Int, runningLoss: Double)
    /// An epoch has finished: record it, and say whether training goes on.
    func epochDidEnd(_ record: EpochRecord, loop: TrainingLoop) throws -> TrainingDecision
    /// Copies of the model's parameters to keep in the checkpoint, by name (keys unique across
    /// observers); each is stored as one tensor per weight, `<name>.<weight name>`.
    func checkpointParameters() -> [String: [Float]]
    /// Restores those copies: `stored(name)` is the copy of that name in the checkpoint, nil when absent.
    func restoreParameters(_ stored: (String) throws -> [Float]?) throws
    /// Training has ended for good: every epoch is trained, or an observer stopped it (Keras's
    /// `on_train_end`). Called once, also when a resumed run finds nothing left to train; not when
    /// training is interrupted. The run's final files are written after it.
    func trainingDidEnd(loop: TrainingLoop) throws
}

extension EpochObserver {
    /// No state to keep.
    public func checkpointState() -> [String: String] { [:] }
    /// No state to restore.
    public func restore(from metadata: [String: String]) throws {}
    /// Nothing to do when an epoch starts.
    public func epochWillBegin(_ epoch: Int, of epochs: Int) {}
    /// Nothing to do after a batch.
    public func batchDidEnd(step: Int, runningLoss: Double) {}
    /// No copies of the weights.
    public func checkpointParameters() -> [String: [Float]] { [:] }
    /// No copies to restore.
    public func restoreParameters(_ stored: (String) throws -> [Float]?) throws {}
    /// Nothing to do at the end.
    public func trainingDidEnd(loop: TrainingLoop) throws {}
}

/// A checkpoint whose observer state cannot be used (missing or malformed entries).
public struct ObserverStateError: Error, CustomStringConvertible {
    /// What is wrong.
    public var description: String

    /// Creates the error.
    public init(description: String) { self.description = description }
}

/// How a call of `TrainingLoop.run` ended.
public enum TrainingOutcome: Equatable {
    /// Every requested epoch was trained.
    case completed
    /// An observer ended training after `epoch`.
    case stoppedEarly(epoch: Int, reason: String)
}
