import Foundation
import SeqTrainOptimizers
import SeqTrainTraining

/// Appends each epoch's history row to TensorBoard event files, laid out as Keras's TensorBoard
/// callback lays them out: `tensorboard/train/` holds `epoch_loss`, `epoch_<metric>` and
/// `epoch_learning_rate`, `tensorboard/validation/` holds `epoch_loss` and `epoch_<metric>`. The
/// step is the epoch number of `history.csv` and the values are its values, so TensorBoard plots
/// exactly what the history says, while the run trains.
///
/// It runs after the history writer, so a kill can leave an epoch in the history but not yet in the
/// event files. A resumed run first reads the existing files for the last epoch they hold, writes
/// the epochs missing since, and appends new epochs to a new file, as TensorBoard's writer would
/// (one file per process). No epoch is written twice; the new file's name sorts after the old ones,
/// which is the order TensorBoard reads a folder in.
final class TensorBoardWriter: EpochObserver {
    /// `RUN/tensorboard`.
    let folder: String
    /// The history whose rows are written (the session's history writer, which runs first).
    let history: HistoryWriter
    /// The learning rate, a function of the optimizer step.
    let learningRate: LearningRate
    /// Optimizer steps per epoch, so that epoch e ends at step e × stepsPerEpoch.
    let stepsPerEpoch: Int
    /// The last epoch in each subfolder's files; nil until they are read.
    private var writtenThrough: [String: Int]?
    /// This process's file in each subfolder, opened when it first has something to write.
    private var files: [String: EventFileAppender] = [:]

    /// The subfolders, as Keras names them.
    static let subfolders = ["train", "validation"]

    init(folder: String, history: HistoryWriter, learningRate: LearningRate, stepsPerEpoch: Int) {
        self.folder = folder
        self.history = history
        self.learningRate = learningRate
        self.stepsPerEpoch = stepsPerEpoch
    }

    /// A resumed run: write the finished epochs its event files miss.
    func restore(from metadata: [String: String]) throws { try writeMissingEpochs() }

    func epochDidEnd(_ record: EpochRecord, loop: TrainingLoop) throws -> TrainingDecision {
        try writeMissingEpochs()
        return .proceed
    }

    /// Appends, to each subfolder, every history row after the last epoch its files hold.
    private func writeMissingEpochs() throws {
        var written = writtenThrough ?? Dictionary(uniqueKeysWithValues: Self.subfolders.map { ($0, Self.lastStep(in: folder + "/" + $0)) })
        let header = history.history.header
        for subfolder in Self.subfolders {
            let rows = history.history.rows.filter { Int($0[0]) ?? 0 > written[subfolder] ?? 0 }
            guard let last = rows.last.flatMap({ Int($0[0]) }) else { continue }
            let now = Date().timeIntervalSince1970
            var events: [TensorBoardEvent] = []
            for row in rows {
                let epoch = Int(row[0]) ?? 0
                func scalar(_ tag: String, _ value: Float) {
                    events.append(TensorBoardEvent(wallTime: now, step: Int64(epoch), what: .summary([SummaryValue(tag: tag, kind: .scalar(value))])))
                }
                // The history's columns: epoch, loss, <metrics>, val_loss, val_<metrics>, lr (every cell a float).
                for (name, cell) in zip(header.dropFirst(), row.dropFirst()) where name != "lr" && name.hasPrefix("val_") == (subfolder == "validation") {
                    scalar("epoch_" + (subfolder == "validation" ? String(name.dropFirst(4)) : name), Float(cell) ?? .nan)
                }
                if subfolder == "train" {
                    // The rate the history records (a plateau callback may have changed it); runs made
                    // before the lr column: the schedule's rate at the end of the epoch.
                    let recorded = header.firstIndex(of: "lr").flatMap { Float(row[$0]) }
                    scalar("epoch_learning_rate", recorded ?? Float(learningRate.value(atStep: epoch * stepsPerEpoch)))
                }
            }
            try file(subfolder, now: now).append(events)
            written[subfolder] = last
        }
        writtenThrough = written
    }

    /// This process's event file in `subfolder`, created on first use. Its name carries the time as
    /// TensorBoard's writer names files, but never an earlier second than a file already there, so
    /// that it sorts after them even when a run is resumed within the second it was stopped.
    private func file(_ subfolder: String, now: Double) throws -> EventFileAppender {
        if let open = files[subfolder] { return open }
        let path = folder + "/" + subfolder
        let existing = ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).compactMap(Self.seconds)
        let seconds = max(Int(now), (existing.max() ?? -1) + 1)
        let name = "events.out.tfevents.\(String(format: "%010d", seconds)).\(ProcessInfo.processInfo.hostName).\(getpid()).0"
        let file = try EventFileAppender(folder: path, name: name, wallTime: now)
        files[subfolder] = file
        return file
    }

    /// The seconds in an event file's name (`events.out.tfevents.<seconds>.…`).
    static func seconds(_ name: String) -> Int? {
        let prefix = "events.out.tfevents."
        guard name.hasPrefix(prefix) else { return nil }
        return Int(name.dropFirst(prefix.count).prefix { $0.isNumber })
    }

    /// The highest step of a summary in the event files of `path` (0 when there are none).
    static func lastStep(in path: String) -> Int {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        var last: Int64 = 0
        for name in names where name.contains("tfevents") {
            for event in EventFileAppender.events(at: path + "/" + name) {
                if case .summary = event.what { last = max(last, event.step) }
            }
        }
        return Int(last)
    }
}
