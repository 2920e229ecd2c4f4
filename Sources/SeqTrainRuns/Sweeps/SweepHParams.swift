import Foundation
import SeqTrainCore

/// TensorBoard's HParams plugin data for a sweep, so that its points compare in the HParams
/// dashboard by their swept values and best metric.
///
/// Each point's run gets one event file in its `tensorboard/` folder, which makes that folder a
/// "session" to the plugin: the session start (the point's swept values, typed as numbers, booleans
/// or text, grouped under the point's label), the scalars `best_val_loss` and `test_loss` (at the best
/// epoch), and, when the run is complete or failed, the session end with that status. The plugin
/// finds the sessions' own scalars in `train/` and `validation/` too, so `epoch_loss` of either is a
/// metric column as well. The file is rewritten whole whenever the sweep tabulates its runs, so
/// running a sweep again never duplicates it. Runs with `train.tensorboard: false` are left alone.
public enum SweepHParams {
    /// Writes the file of every point that has a run; returns how many were written.
    @discardableResult
    public static func write(_ plan: SweepPlan) throws -> Int {
        var written = 0
        for point in plan.points {
            let runs = plan.runs(point.index)
            guard let record = runs.first(where: { $0.status.state.isComplete }) ?? runs.last,
                  let opened = try? OpenedRun.open(record.path), opened.experiment.train.tensorboard else { continue }
            let hparams = zip(plan.axes, point.values).map { HParamsData.HParam(name: $0, value: typed($1)) }
            let start = startTime(of: record.path)
            var events = [TensorBoardEvent(wallTime: start, step: 0, what: .fileVersion("brain.Event:2", writer: "seqtrain sweep"))]
            let session = HParamsData.sessionStart(hparams: hparams, groupName: point.label, startTime: start)
            events.append(TensorBoardEvent(wallTime: start, step: 0, what: .summary([SummaryValue(tag: session.tag, kind: .hparams(session))])))
            let end = endTime(of: record.path) ?? start
            if let best = record.best {
                var values = [SummaryValue(tag: "best_val_loss", kind: .scalar(best.valLoss))]
                if let test = testLoss(of: record.path) { values.append(SummaryValue(tag: "test_loss", kind: .scalar(test))) }
                events += values.map { TensorBoardEvent(wallTime: end, step: Int64(best.epoch), what: .summary([$0])) }
            }
            let status: HParamsData.SessionStatus? = record.status.state.isComplete ? .success : record.status.state == .failed ? .failure : nil
            if let status {
                let ended = HParamsData.sessionEnd(status: status, endTime: end)
                events.append(TensorBoardEvent(wallTime: end, step: Int64(record.epochsDone), what: .summary([SummaryValue(tag: ended.tag, kind: .hparams(ended))])))
            }
            let folder = record.path + "/tensorboard"
            try RunFolder.makeFolders(folder)
            try AtomicFile.write(Data(events.flatMap { TFRecord.frame($0.encoded()) }),
                                 to: folder + "/events.out.tfevents.\(String(format: "%010d", Int(start))).seqtrain-sweep")
            written += 1
        }
        return written
    }

    /// A swept value's YAML text as the dashboard should sort it: a number, a boolean, or text.
    static func typed(_ text: String) -> HParamsData.HParam.Value {
        if text == "true" || text == "false" { return .bool(text == "true") }
        if let number = Double(text), number.isFinite { return .number(number) }
        return .string(text)
    }

    /// When the run started: its folder's UTC time stamp (`20261129T200256Z`, maybe with `-2`).
    static func startTime(of path: String) -> Double {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        let name = URL(fileURLWithPath: path).lastPathComponent
        return formatter.date(from: String(name.prefix(16)))?.timeIntervalSince1970 ?? Date().timeIntervalSince1970
    }

    /// When the run ended: when its summary (or else its status) was last written.
    static func endTime(of path: String) -> Double? {
        for file in ["summary.json", "status.json"] {
            if let date = (try? FileManager.default.attributesOfItem(atPath: path + "/" + file))?[.modificationDate] as? Date {
                return date.timeIntervalSince1970
            }
        }
        return nil
    }

    /// The test loss of the best checkpoint, from `summary.json`.
    static func testLoss(of path: String) -> Float? {
        guard let data = FileManager.default.contents(atPath: path + "/summary.json"),
              let summary = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let test = (summary["test"] as? [String: Any])?["loss"] as? NSNumber else { return nil }
        return Float(test.doubleValue)
    }
}
