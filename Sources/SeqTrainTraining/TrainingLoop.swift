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

    /// A loop continuing after `epoch` finished epochs (0 for a new run).
    public init(trainer: Trainer, observers: [any EpochObserver], epoch: Int = 0) {
        self.trainer = trainer
        self.observers = observers
        self.epoch = epoch
    }

    /// The training state every checkpoint records: epoch, optimizer steps, and each observer's state.
    public func checkpointMetadata() -> [String: String] {
        var metadata = ["epoch": "\(epoch)", "iterations": "\(trainer.optimizer.iterations)"]
        for observer in observers { metadata.merge(observer.checkpointState()) { _, new in new } }
        return metadata
    }

    /// Restores every observer's state from a checkpoint's metadata.
    public func restoreObservers(from metadata: [String: String]) throws {
        for observer in observers { try observer.restore(from: metadata) }
    }

    /// Trains epochs `epoch + 1 … last`, stopping between batches when `stopRequested` says so
    /// (`TrainingStopped`), or after an epoch when an observer says so.
    public func run(through last: Int, stopRequested: @escaping () -> Bool) throws -> TrainingOutcome {
        let epochs = trainer.experiment.train.epochs
        while epoch < last {
            let current = epoch + 1
            let started = Date()
            for observer in observers { observer.epochWillBegin(current, of: epochs) }
            let train = try trainer.trainEpoch(current, stopRequested: stopRequested) { step, loss in
                for observer in self.observers { observer.batchDidEnd(step: step, runningLoss: loss) }
            }
            let valid = trainer.evaluate(.valid)
            let record = EpochRecord(epoch: current, train: train, valid: valid,
                                     historyRow: History.row(epoch: current, train: train, valid: valid),
                                     seconds: Date().timeIntervalSince(started))
            epoch = current
            var decision = TrainingDecision.proceed
            for observer in observers {
                if case .stop(let reason) = try observer.epochDidEnd(record, loop: self), decision == .proceed {
                    decision = .stop(reason: reason)
                }
            }
            if case .stop(let reason) = decision, epoch < last { return .stoppedEarly(epoch: epoch, reason: reason) }
        }
        return .completed
    }
}
