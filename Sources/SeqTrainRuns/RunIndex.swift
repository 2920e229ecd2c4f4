import Foundation
import SeqTrainConfig
import SeqTrainCore
import SeqTrainData
import SeqTrainModel
import SeqTrainOptimizers
import SeqTrainTraining

/// One run folder as `seqtrain runs` lists it.
public struct RunRecord: Equatable {
    /// The run folder.
    public var path: String
    /// The experiment's name ("?" when the config cannot be read).
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
    /// Where it stands, as recorded in its status.json (or why it cannot be read).
    public var status: RunStatus

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
                records.append(read(path))
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

    /// Reads one run folder; a folder whose config cannot be read is listed as unreadable, with the reason.
    public static func read(_ path: String) -> RunRecord {
        let started = started(URL(fileURLWithPath: path).lastPathComponent)
        let opened: OpenedRun
        do {
            opened = try OpenedRun.open(path)
        } catch {
            return RunRecord(path: path, name: "?", started: started, overrides: [], epochsDone: 0, epochsTotal: 0, best: nil,
                             status: RunStatus(.unreadable, reason: "\(error)", epoch: 0))
        }
        let experiment = opened.experiment
        let overrides = opened.configText.split(separator: "\n").filter { $0.hasPrefix("# Override: --set ") }
            .map { String($0.dropFirst("# Override: --set ".count)) }
        let history = try? opened.history()
        let best = history?.bestRow.map { (epoch: Int($0[0]) ?? 0, valLoss: Float($0[2 + experiment.train.metrics.count]) ?? .nan) }
        return RunRecord(path: path, name: experiment.name, started: started, overrides: overrides,
                         epochsDone: history?.rows.count ?? 0, epochsTotal: experiment.model == .naive ? 0 : experiment.train.epochs,
                         best: best, status: opened.status)
    }

    /// `20261129T200256Z-2` as `2026-11-29 20:02:56`.
    static func started(_ folderName: String) -> String {
        let c = Array(folderName)
        guard c.count >= 16, c[8] == "T" else { return folderName }
        return "\(String(c[0..<4]))-\(String(c[4..<6]))-\(String(c[6..<8])) \(String(c[9..<11])):\(String(c[11..<13])):\(String(c[13..<15]))"
    }
}
