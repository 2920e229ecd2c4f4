import CKernels
import Foundation
import SeqTrainConfig
import SeqTrainCore
import SeqTrainData
import SeqTrainModel
import SeqTrainOptimizers
import SeqTrainTraining

/// A run's folder, `runs/<name>/<UTC timestamp>/`, and the files in it.
public struct RunFolder {
    /// The folder.
    public let path: String

    /// Opens an existing run folder.
    public init(existing path: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw FileWriteError(path: path, reason: "no such run folder")
        }
        guard FileManager.default.fileExists(atPath: path + "/config.yaml") else {
            throw FileWriteError(path: path, reason: "not a run folder (it has no config.yaml)")
        }
        self.path = path
    }

    private init(created path: String) { self.path = path }

    /// Creates a new run folder `runsDir/name/<UTC timestamp>[-k]/` that appears complete or not at
    /// all: `fill` writes its first files into a hidden `.partial` folder, which is then renamed into
    /// place without ever replacing an existing folder.
    public static func create(runsDir: String, name: String, date: Date = Date(),
                              fill: (RunFolder) throws -> Void = { _ in }) throws -> RunFolder {
        let parent = runsDir + "/" + name
        try makeFolders(parent)
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        let stamp = formatter.string(from: date)
        let partial = parent + "/.\(stamp).partial-\(getpid())-\(UUID().uuidString.prefix(8))"
        guard mkdir(partial, 0o755) == 0, mkdir(partial + "/checkpoints", 0o755) == 0 else {
            throw FileWriteError(path: partial, reason: String(cString: strerror(errno)))
        }
        do {
            try fill(RunFolder(created: partial))
        } catch {
            try? FileManager.default.removeItem(atPath: partial)
            throw error
        }
        for attempt in 1...1000 {
            let candidate = parent + "/" + (attempt == 1 ? stamp : "\(stamp)-\(attempt)")
            if st_rename_noreplace(partial, candidate) == 0 {
                AtomicFile.syncFolder(parent)
                return RunFolder(created: candidate)
            }
            if errno != EEXIST && errno != ENOTEMPTY {
                let reason = String(cString: strerror(errno))
                try? FileManager.default.removeItem(atPath: partial)
                throw FileWriteError(path: candidate, reason: reason)
            }
        }
        try? FileManager.default.removeItem(atPath: partial)
        throw FileWriteError(path: parent, reason: "too many runs started in the same second")
    }

    /// Creates `path` and any missing parents, reporting the system's reason for the first that fails.
    static func makeFolders(_ path: String) throws {
        var current = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            current += "/" + component
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: current, isDirectory: &isDirectory) {
                guard isDirectory.boolValue else { throw FileWriteError(path: current, reason: "it is a file, not a folder") }
                continue
            }
            if mkdir(current, 0o755) != 0 && errno != EEXIST {
                throw FileWriteError(path: current, reason: String(cString: strerror(errno)))
            }
        }
    }

    /// `config.yaml`: the resolved experiment.
    public var configPath: String { path + "/config.yaml" }
    /// `history.csv`: one row per finished epoch.
    public var historyPath: String { path + "/history.csv" }
    /// `timing.csv`: seconds per epoch.
    public var timingPath: String { path + "/timing.csv" }
    /// `summary.json`: final, best, test and baseline figures.
    public var summaryPath: String { path + "/summary.json" }
    /// A checkpoint by name (`last` or `best`).
    public func checkpointPath(_ which: String) -> String { path + "/checkpoints/\(which).safetensors" }

    /// One column of `history.csv` (e.g. `val_loss`), one value per finished epoch from epoch 1.
    public func historyColumn(_ name: String) throws -> [Float] {
        let lines = try String(contentsOfFile: historyPath, encoding: .utf8).split(separator: "\n")
        let header = lines.first?.split(separator: ",").map(String.init) ?? []
        guard let column = header.firstIndex(of: name) else {
            throw RunStateError(description: "\(historyPath) has no column '\(name)' (" + Suggest.hint(for: name, in: Array(header.dropFirst())) + ")")
        }
        return lines.dropFirst().compactMap { line in
            let cells = line.split(separator: ",")
            return cells.count > column ? Float(cells[column]) : nil
        }
    }

    /// Removes temporary files a killed process may have left (`.<name>.tmp-<pid>`).
    public func removeStaleTemporaryFiles() {
        for folder in [path, path + "/checkpoints"] {
            for name in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] where name.hasPrefix(".") && name.contains(".tmp-") {
                try? FileManager.default.removeItem(atPath: folder + "/" + name)
            }
        }
    }

    /// Loads a checkpoint of this run.
    public func loadCheckpoint(_ which: String) throws -> Safetensors {
        let file = checkpointPath(which)
        guard let data = FileManager.default.contents(atPath: file) else {
            throw FileWriteError(path: file, reason: "no such checkpoint")
        }
        return try Safetensors(data: data)
    }
}

/// The per-epoch table of a run, `history.csv`: `epoch,loss,<metrics>,val_loss,val_<metrics>`.
public struct History {
    /// Column names.
    public let header: [String]
    /// Rows of formatted values (float32 shortest form).
    public private(set) var rows: [[String]] = []
    private let metricCount: Int

    /// An empty history for an experiment's metrics.
    public init(metrics: [MetricKind]) {
        let names = metrics.map(\.rawValue)
        header = ["epoch", "loss"] + names + ["val_loss"] + names.map { "val_" + $0 }
        metricCount = metrics.count
    }

    /// Reads a run's `history.csv`, checking its columns.
    public init(csv text: String, metrics: [MetricKind], file: String) throws {
        self.init(metrics: metrics)
        let lines = text.split(separator: "\n").map(String.init)
        guard lines.first == header.joined(separator: ",") else {
            throw FileWriteError(path: file, reason: "expected the header \(header.joined(separator: ","))")
        }
        for (index, line) in lines.dropFirst().enumerated() {
            let cells = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard cells.count == header.count, Int(cells[0]) == index + 1, cells.dropFirst().allSatisfy({ Float($0) != nil }) else {
                throw FileWriteError(path: file, reason: "line \(index + 2) is not a complete row for epoch \(index + 1)")
            }
            rows.append(cells)
        }
    }

    /// The row of a finished epoch.
    public static func row(epoch: Int, train: Evaluation, valid: Evaluation) -> [String] {
        ["\(epoch)"] + ([train.loss] + train.metrics + [valid.loss] + valid.metrics).map { "\(Float($0))" }
    }

    /// Appends the row of the next epoch.
    public mutating func append(_ row: [String]) {
        precondition(row.count == header.count && row[0] == "\(rows.count + 1)", "history rows come one epoch at a time")
        rows.append(row)
    }

    /// Keeps the first `count` rows.
    public mutating func truncate(to count: Int) { rows = Array(rows.prefix(count)) }

    /// The training figures of a row.
    public func trainFigures(_ row: [String]) -> Evaluation {
        Evaluation(loss: Double(Float(row[1])!), metrics: row[2..<(2 + metricCount)].map { Double(Float($0)!) })
    }

    /// The validation figures of a row.
    public func validFigures(_ row: [String]) -> Evaluation {
        let start = 2 + metricCount
        return Evaluation(loss: Double(Float(row[start])!), metrics: row[(start + 1)...].map { Double(Float($0)!) })
    }

    /// The first row with the lowest val_loss (the epoch of `best.safetensors`).
    public var bestRow: [String]? {
        var best: [String]?
        for row in rows where best == nil || Float(row[2 + metricCount])! < Float(best![2 + metricCount])! { best = row }
        return best
    }

    /// The CSV text.
    public var csv: String {
        ([header] + rows).map { $0.joined(separator: ",") }.joined(separator: "\n") + "\n"
    }
}
