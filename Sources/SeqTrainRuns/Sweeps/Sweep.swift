import Foundation
import SeqTrainConfig
import SeqTrainCore
import SeqTrainData
import SeqTrainModel
import SeqTrainOptimizers
import SeqTrainTraining

/// The row of `sweep.csv` for one run of a sweep.
public enum SweepTable {
    /// `sweep.csv`: the swept values, the run folder, status, best val_loss and its epoch, test loss, seconds.
    public static func csv(grid: SweepGrid, runs: [(point: [String], record: RunRecord?)]) -> String {
        var lines = [(grid.axes.map(\.path) + ["run", "status", "best_val_loss", "best_epoch", "test_loss", "seconds"]).joined(separator: ",")]
        for (point, record) in runs {
            var cells = point.map { $0.contains(",") ? "\"\($0)\"" : $0 }
            guard let record else {
                lines.append((cells + ["", "missing", "", "", "", ""]).joined(separator: ","))
                continue
            }
            let summary = (try? Data(contentsOf: URL(fileURLWithPath: record.path + "/summary.json")))
                .flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] }
            let test = ((summary?["test"] as? [String: Any])?["loss"] as? NSNumber).map { "\(Float($0.doubleValue))" } ?? ""
            let seconds = (summary?["seconds"] as? NSNumber).map { "\($0.doubleValue)" } ?? ""
            cells += [record.path, record.status.rawValue, record.best.map { "\($0.valLoss)" } ?? "", record.best.map { "\($0.epoch)" } ?? "",
                      test, seconds]
            lines.append(cells.joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
