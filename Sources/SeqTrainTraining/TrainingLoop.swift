import Foundation
import SeqTrainConfig
import SeqTrainCore

/// The epoch loop, written once for new, resumed and verifying runs: train an epoch, evaluate the
/// validation split, tell every observer. What is written where is the observers' business.
public final class TrainingLoop {
    /// Trains the epochs.
    public let trainer: Trainer
    /// Told about every epoch, in order.
    public private(set) var observers: [any EpochObserver]
    /// Epochs finished so far.
    public private(set) var epoch: Int
    /// Why an observer ended training, once one has; checkpoints keep it, so that a run resumed
    /// after its last checkpoint stops where it stopped instead of training on.
    public private(set) var stopReason: String?
    /// The epoch whose weights an observer put back at the end (EarlyStopping's
    /// `restore_best_weights`); nil when the weights are those of the last epoch trained.
    public private(set) var weightsRestoredFrom: Int?

    /// A loop continuing after `epoch` finished epochs (0 for a new run).
    public init(trainer: Trainer, observers: [any EpochObserver], epoch: Int = 0) {
        self.trainer = trainer
        self.observers = observers
        self.epoch = epoch
    }

    /// The training state every checkpoint records: epoch, optimizer steps (and the rate when it was
    /// set at run time), the stop and restored weights once there are some, and each observer's state.
    public func checkpointMetadata() -> [String: String] {
        var metadata = ["epoch": "\(epoch)", "iterations": "\(trainer.optimizer.iterations)"]
        if let rate = trainer.optimizer.rateOverride { metadata["learning_rate"] = "\(rate)" }
        if let stopReason { metadata["stop_reason"] = stopReason }
        if let weightsRestoredFrom { metadata["weights_from_epoch"] = "\(weightsRestoredFrom)" }
        for observer in observers { metadata.merge(observer.checkpointState()) { _, new in new } }
        return metadata
    }

    /// The copies of the weights the observers keep in checkpoints, by name.
    public func checkpointParameters() -> [String: [Float]] {
        var sets: [String: [Float]] = [:]
        for observer in observers { sets.merge(observer.checkpointParameters()) { _, new in new } }
        return sets
    }

    /// Restores the loop's and every observer's state from a checkpoint's metadata and parameter
    /// copies (`parameters(name)`, nil when the checkpoint has none of that name).
    public func restoreObservers(from metadata: [String: String], parameters: (String) throws -> [Float]? = { _ in nil }) throws {
        stopReason = metadata["stop_reason"]
        if let text = metadata["weights_from_epoch"] {
            guard let epoch = Int(text), epoch >= 1 else {
                throw ObserverStateError(description: "the checkpoint's weights_from_epoch is '\(text.prefix(40))', not an epoch")
            }
            weightsRestoredFrom = epoch
        }
        for observer in observers {
            try observer.restore(from: metadata)
            try observer.restoreParameters(parameters)
        }
    }

    /// Puts `weights` (a copy of the parameters taken after epoch `epoch`) back into the model, at
    /// the end of training.
    public func restoreWeights(_ weights: [Float], fromEpoch epoch: Int) {
        trainer.model.parameters.assign(weights)
        weightsRestoredFrom = epoch
    }

    /// Trains epochs `epoch + 1 … last`, stopping between batches when `stopRequested` says so
    /// (`TrainingStopped`), or after an epoch when an observer says so. When training has ended for
    /// good (every configured epoch, or stopped), the observers hear `trainingDidEnd`.
    public func run(through last: Int, stopRequested: @escaping () -> Bool) throws -> TrainingOutcome {
        let epochs = trainer.experiment.train.epochs
        while epoch < last && stopReason == nil {
            let current = epoch + 1
            let started = Date()
            for observer in observers { observer.epochWillBegin(current, of: epochs) }
            let train = try trainer.trainEpoch(current, stopRequested: stopRequested) { step, loss in
                for observer in self.observers { observer.batchDidEnd(step: step, runningLoss: loss) }
            }
            let valid = trainer.evaluate(.valid)
            // A validation figure that overflows (the training loss may stay finite) ends training like a NaN loss.
            let names = ["val_loss"] + trainer.experiment.train.metrics.map { "val_" + $0.rawValue }
            if let bad = zip(names, [valid.loss] + valid.metrics).first(where: { !$0.1.isFinite }), trainer.dataset.indices(of: .valid).count > 0 {
                throw NonFiniteLossError(epoch: current, batch: 0, value: bad.1, figure: bad.0)
            }
            // `lr` is the rate at the end of the epoch, before any observer changes it (Keras's log).
            let row = History.row(epoch: current, train: train, valid: valid, learningRate: trainer.optimizer.learningRate)
            let record = EpochRecord(epoch: current, train: train, valid: valid, historyRow: row,
                                     seconds: Date().timeIntervalSince(started))
            epoch = current
            for observer in observers {
                // The first reason wins; it is set before the later observers write the checkpoint.
                if case .stop(let reason) = try observer.epochDidEnd(record, loop: self), stopReason == nil { stopReason = reason }
            }
        }
        if let stopReason, epoch < epochs {
            try endTraining()
            return .stoppedEarly(epoch: epoch, reason: stopReason)
        }
        if epoch >= epochs { try endTraining() }
        return .completed
    }

    private func endTraining() throws {
        for observer in observers { try observer.trainingDidEnd(loop: self) }
    }
}
