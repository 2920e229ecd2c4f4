import Foundation
import SeqTrainConfig
import SeqTrainCore
import SeqTrainData
import SeqTrainModel
import SeqTrainOptimizers
import SeqTrainTraining

/// One run folder as `seqtrain runs` lists it.
public struct RunRecord: Equatable {
    /// Where a run stands.
    public enum Status: String, Equatable {
        /// Every epoch trained and the summary written.
        case finished
        /// Stopped early (Ctrl-C, a kill, a full disk): `seqtrain resume` continues it.
        case interrupted
        /// Stopped because training cannot go on (`failed.txt` says why).
        case failed
    }

    /// The run folder.
    public var path: String
    /// The experiment's name.
    public var name: String
    /// When it started, from the folder name (`2026-11-29 20:02:56`).
    public var started: String
    /// The `--set` overrides it was started with.
    public var overrides: [String]
    /// Epochs in its history.
    public var epochsDone: Int
    /// Epochs it was configured for (0 for a naive run).
    public var epochsTotal: Int
    /// The lowest val_loss and its epoch.
    public var best: (epoch: Int, valLoss: Float)?
    /// Finished, interrupted or failed.
    public var status: Status

    public static func == (a: RunRecord, b: RunRecord) -> Bool {
        a.path == b.path && a.status == b.status && a.epochsDone == b.epochsDone && a.best?.epoch == b.best?.epoch
    }
}

/// Finds and reads run folders.
public enum RunIndex {
    /// Every run folder at `folder` or below it (a run folder holds `config.yaml`), at most 5 levels down.
    public static func scan(_ folder: String) -> [RunRecord] {
        var records: [RunRecord] = []
        func visit(_ path: String, depth: Int) {
            if FileManager.default.fileExists(atPath: path + "/config.yaml") {
                if let record = read(path) { records.append(record) }
                return
            }
            guard depth < 5, let names = try? FileManager.default.contentsOfDirectory(atPath: path) else { return }
            for name in names.sorted() where !name.hasPrefix(".") {
                var isDirectory: ObjCBool = false
                if FileManager.default.fileExists(atPath: path + "/" + name, isDirectory: &isDirectory), isDirectory.boolValue {
                    visit(path + "/" + name, depth: depth + 1)
                }
            }
        }
        visit(folder, depth: 0)
        return records
    }

    /// Reads one run folder; nil when its config cannot be read.
    public static func read(_ path: String) -> RunRecord? {
        guard let text = try? String(contentsOfFile: path + "/config.yaml", encoding: .utf8),
              let experiment = try? ExperimentParser.parse(yaml: text, file: path + "/config.yaml") else { return nil }
        let overrides = text.split(separator: "\n").filter { $0.hasPrefix("# Override: --set ") }
            .map { String($0.dropFirst("# Override: --set ".count)) }
        let history = (try? String(contentsOfFile: path + "/history.csv", encoding: .utf8))
            .flatMap { try? History(csv: $0, metrics: experiment.train.metrics, file: path + "/history.csv") }
        let best = history?.bestRow.map { (epoch: Int($0[0]) ?? 0, valLoss: Float($0[2 + experiment.train.metrics.count]) ?? .nan) }
        let epochsTotal = experiment.model == .naive ? 0 : experiment.train.epochs
        let done = history?.rows.count ?? 0
        let status: RunRecord.Status
        if FileManager.default.fileExists(atPath: path + "/failed.txt") {
            status = .failed
        } else if FileManager.default.fileExists(atPath: path + "/summary.json") && done >= epochsTotal {
            status = .finished
        } else {
            status = .interrupted
        }
        return RunRecord(path: path, name: experiment.name, started: started(URL(fileURLWithPath: path).lastPathComponent),
                         overrides: overrides, epochsDone: done, epochsTotal: epochsTotal, best: best, status: status)
    }

    /// `20261129T200256Z-2` as `2026-11-29 20:02:56`.
    static func started(_ folderName: String) -> String {
        let c = Array(folderName)
        guard c.count >= 16, c[8] == "T" else { return folderName }
        return "\(String(c[0..<4]))-\(String(c[4..<6]))-\(String(c[6..<8])) \(String(c[9..<11])):\(String(c[11..<13])):\(String(c[13..<15]))"
    }
}
