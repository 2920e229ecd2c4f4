import Foundation
import SeqTrainCore
import SeqTrainData
import SeqTrainTraining

/// Keeps `checkpoints/last.safetensors` after every epoch and `checkpoints/best.safetensors` after
/// every epoch whose val_loss is the lowest so far. The last checkpoint carries the epoch's history
/// row and every observer's state, so it alone is enough to resume.
///
/// When an observer put other weights back at the end of training (EarlyStopping's
/// `restore_best_weights`), the last checkpoint is written once more with them: it then holds the
/// model's final weights, as Keras's model after `fit`, with everything else (optimizer slots,
/// epoch, state, history row) of the last epoch trained, and `weights_from_epoch` in its metadata.
final class CheckpointWriter: EpochObserver {
    let run: RunFolder
    let configHash: String
    /// What a CSV run's checkpoints record of its data (fingerprint, standardisation).
    let dataMetadata: [String: String]
    /// The epoch with the lowest val_loss so far (0 before any), and that val_loss as history.csv has it.
    private(set) var bestEpoch = 0
    private(set) var bestValLoss = Float.infinity
    /// The history row of the last epoch trained (the last checkpoint carries it).
    private var lastHistoryRow: [String]?

    init(run: RunFolder, configHash: String, dataset: Dataset) {
        self.run = run
        self.configHash = configHash
        dataMetadata = Checkpoint.dataMetadata(dataset)
    }

    func checkpointState() -> [String: String] {
        ["best_epoch": "\(bestEpoch)", "best_val_loss": "\(bestValLoss)"]
    }

    func restore(from metadata: [String: String]) throws {
        guard let epoch = metadata["best_epoch"].flatMap({ Int($0) }), epoch >= 0,
              let loss = metadata["best_val_loss"].flatMap({ Float($0) }), !loss.isNaN else {
            throw Checkpoint.MismatchError(description: "the checkpoint's best_epoch or best_val_loss is missing or malformed")
        }
        (bestEpoch, bestValLoss) = (epoch, loss)
        lastHistoryRow = metadata["history_row"].map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
    }

    /// The best epoch and val_loss this writer would have tracked over `history` (0 and infinity
    /// when no epoch improved), to check a resumed checkpoint's against.
    static func best(in history: History) -> (epoch: Int, valLoss: Float) {
        var best = (epoch: 0, valLoss: Float.infinity)
        for (index, row) in history.rows.enumerated() {
            let loss = Float(history.validFigures(row).loss)
            if loss < best.valLoss { best = (index + 1, loss) }
        }
        return best
    }

    /// The checkpoint of the loop's current weights, optimizer and state, with a history row.
    func checkpoint(_ loop: TrainingLoop, historyRow: [String]?) -> Data {
        var file = Checkpoint.make(model: loop.trainer.model, optimizer: loop.trainer.optimizer, state: loop.checkpointMetadata(),
                                   copies: loop.checkpointParameters(), configHash: configHash)
        if let historyRow { file.metadata["history_row"] = historyRow.joined(separator: ",") }
        file.metadata.merge(dataMetadata) { _, new in new }
        return file.serialized()
    }

    func epochDidEnd(_ record: EpochRecord, loop: TrainingLoop) throws -> TrainingDecision {
        let improved = Float(record.valid.loss) < bestValLoss
        if improved { (bestEpoch, bestValLoss) = (record.epoch, Float(record.valid.loss)) }
        let bytes = checkpoint(loop, historyRow: record.historyRow)
        try AtomicFile.write(bytes, to: run.checkpointPath("last"))
        if improved { try AtomicFile.write(bytes, to: run.checkpointPath("best")) }
        lastHistoryRow = record.historyRow
        return .proceed
    }

    func trainingDidEnd(loop: TrainingLoop) throws {
        guard loop.weightsRestoredFrom != nil else { return }
        try AtomicFile.write(checkpoint(loop, historyRow: lastHistoryRow), to: run.checkpointPath("last"))
    }
}

/// Appends each epoch's row to `history.csv` (after the checkpoint that carries it is written).
final class HistoryWriter: EpochObserver {
    let run: RunFolder
    private(set) var history: History

    init(run: RunFolder, history: History) {
        self.run = run
        self.history = history
    }

    func epochDidEnd(_ record: EpochRecord, loop: TrainingLoop) throws -> TrainingDecision {
        history.append(record.historyRow)
        try AtomicFile.write(history.csv, to: run.historyPath)
        return .proceed
    }
}

/// Appends each epoch's wall-clock seconds to `timing.csv` (`epoch,seconds`).
final class TimingWriter: EpochObserver {
    let run: RunFolder
    private(set) var rows: [String]

    init(run: RunFolder, rows: [String]) {
        self.run = run
        self.rows = rows
    }

    /// The file's text.
    var csv: String { (["epoch,seconds"] + rows).joined(separator: "\n") + "\n" }

    /// The recorded seconds of each epoch.
    var seconds: [Double] { rows.compactMap { Double($0.split(separator: ",").last ?? "") } }

    func epochDidEnd(_ record: EpochRecord, loop: TrainingLoop) throws -> TrainingDecision {
        rows.append("\(record.epoch),\(String(format: "%.6f", record.seconds))")
        try AtomicFile.write(csv, to: run.timingPath)
        return .proceed
    }
}
