import Foundation

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

    /// Creates a new, never reused folder `runsDir/name/<UTC timestamp>[-k]/` with its `checkpoints/`.
    public static func create(runsDir: String, name: String, date: Date = Date()) throws -> RunFolder {
        let parent = runsDir + "/" + name
        do {
            try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        } catch {
            throw FileWriteError(path: parent, reason: "cannot create the folder (\(error.localizedDescription))")
        }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        let stamp = formatter.string(from: date)
        for attempt in 1...1000 {
            let candidate = parent + "/" + (attempt == 1 ? stamp : "\(stamp)-\(attempt)")
            // mkdir fails when the folder exists, so two runs can never share one.
            if mkdir(candidate, 0o755) == 0 {
                guard mkdir(candidate + "/checkpoints", 0o755) == 0 else {
                    throw FileWriteError(path: candidate + "/checkpoints", reason: String(cString: strerror(errno)))
                }
                AtomicFile.syncFolder(parent)
                return RunFolder(created: candidate)
            }
            if errno != EEXIST { throw FileWriteError(path: candidate, reason: String(cString: strerror(errno))) }
        }
        throw FileWriteError(path: parent, reason: "too many runs started in the same second")
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

    /// Loads a checkpoint of this run.
    public func loadCheckpoint(_ which: String) throws -> Safetensors {
        let file = checkpointPath(which)
        guard let data = FileManager.default.contents(atPath: file) else {
            throw FileWriteError(path: file, reason: "no such checkpoint")
        }
        return try Safetensors(data: data)
    }
}

/// The per-epoch CSV tables of a run, rewritten atomically after each epoch.
public struct History {
    /// Column names.
    public let header: [String]
    /// Rows of formatted values.
    public private(set) var rows: [[String]] = []

    /// The history columns of an experiment: `epoch,loss,<metrics>,val_loss,val_<metrics>`.
    public init(metrics: [MetricKind]) {
        let names = metrics.map(\.rawValue)
        header = ["epoch", "loss"] + names + ["val_loss"] + names.map { "val_" + $0 }
    }

    /// Appends the figures of a finished epoch.
    public mutating func append(epoch: Int, train: Evaluation, valid: Evaluation) {
        let values = [train.loss] + train.metrics + [valid.loss] + valid.metrics
        rows.append(["\(epoch)"] + values.map { "\(Float($0))" })
    }

    /// The CSV text.
    public var csv: String {
        ([header] + rows).map { $0.joined(separator: ",") }.joined(separator: "\n") + "\n"
    }
}
