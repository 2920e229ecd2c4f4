import Foundation
import SeqTrainCore

/// `sweep.csv`: one row per point of a sweep.
public enum SweepTable {
    /// The swept values, the run folder, status and its reason, best val_loss and its epoch, test loss, seconds.
    /// A point's run is its complete one, else its newest; a point without a run says why from its log.
    /// `rungs` lists each rung's points (a grid or random sweep: one rung of every point).
    public static func csv(_ plan: SweepPlan, rungs: [[Int]]) -> String {
        var lines = [(plan.axes + ["run", "status", "reason", "rung", "epochs", "best_val_loss", "best_epoch", "test_loss", "seconds"])
            .map(CSVText.field).joined(separator: ",")]
        for point in plan.points {
            let runs = plan.runs(point.index)
            let rung = rungs.lastIndex { $0.contains(point.index) }.map { "\($0)" } ?? ""
            var cells = point.values
            guard let record = runs.first(where: { $0.status.state.isComplete }) ?? runs.last else {
                cells += ["", "missing", lastLine(of: plan.logPath(point.index)) ?? "not run yet", rung, "0", "", "", "", ""]
                lines.append(cells.map(CSVText.field).joined(separator: ","))
                continue
            }
            let summary = (try? Data(contentsOf: URL(fileURLWithPath: record.path + "/summary.json")))
                .flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] }
            let test = ((summary?["test"] as? [String: Any])?["loss"] as? NSNumber).map { "\(Float($0.doubleValue))" } ?? ""
            let seconds = (summary?["seconds"] as? NSNumber).map { "\($0.doubleValue)" } ?? ""
            cells += [plan.relative(record.path), record.status.state.rawValue, record.status.reason, rung, "\(record.epochsDone)", record.best.map { "\($0.valLoss)" } ?? "",
                      record.best.map { "\($0.epoch)" } ?? "", test, seconds]
            lines.append(cells.map(CSVText.field).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The last non-empty line of a log (what a point that never made a run said last).
    static func lastLine(of path: String) -> String? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        return text.split(whereSeparator: \.isNewline).last.map { String($0.prefix(300)) }
    }
}
