import CKernels
import Foundation
import SeqTrainConfig
import SeqTrainCore
import SeqTrainData
import SeqTrainModel
import SeqTrainOptimizers
import SeqTrainTraining

/// Why a file or folder of a run could not be read.
public struct RunReadError: Error, CustomStringConvertible {
    /// The file or folder.
    public var path: String
    /// What is wrong.
    public var problem: String

    /// Creates the error.
    public init(path: String, problem: String) {
        self.path = path
        self.problem = problem
    }

    /// What a user should read.
    public var description: String { "cannot read \(path): \(problem)" }
}

/// A run's folder, `runs/<name>/<UTC timestamp>/`, and the files in it.
public struct RunFolder {
    /// The folder.
    public let path: String

    /// Opens an existing run folder.
    public init(existing path: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw RunReadError(path: path, problem: "no such run folder")
        }
        guard isDirectory.boolValue else { throw RunReadError(path: path, problem: "it is a file, not a run folder") }
        guard FileManager.default.fileExists(atPath: path + "/config.yaml") else {
            throw RunReadError(path: path, problem: "not a run folder (it has no config.yaml)")
        }
        self.path = path
        try refuseLinkedInternals()
    }

    /// The files and folders seqtrain keeps in a run folder, relative to it.
    static let internalNames = ["config.yaml", "history.csv", "timing.csv", "summary.json", "status.json", "failed.txt", ".lock",
                                "curves.svg", "forecast.svg", "backtest.svg", "checkpoints", "tensorboard"]

    /// Refuses a run whose own files are symbolic links (or hold links, in checkpoints/ and
    /// tensorboard/): resume and the writers would follow them and write outside the run folder
    /// (a linked checkpoints/ put the checkpoints elsewhere). The run folder itself may be a link.
    func refuseLinkedInternals() throws {
        func linked(_ file: String) -> RunReadError {
            RunReadError(path: file, problem: "it is a symbolic link; a run's files must be its own, so that nothing is "
                + "read from or written outside the run folder (copy the target into its place)")
        }
        var info = stat()
        for name in Self.internalNames where lstat(path + "/" + name, &info) == 0 {
            let file = path + "/" + name
            guard info.st_mode & S_IFMT != S_IFLNK else { throw linked(file) }
            guard info.st_mode & S_IFMT == S_IFDIR else { continue }
            for entry in (try? FileManager.default.contentsOfDirectory(atPath: file)) ?? []
            where lstat(file + "/" + entry, &info) == 0 && info.st_mode & S_IFMT == S_IFLNK {
                throw linked(file + "/" + entry)
            }
        }
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
    /// `status.json`: where the run stands.
    public var statusPath: String { path + "/status.json" }
    /// A checkpoint by name (`last` or `best`).
    public func checkpointPath(_ which: String) -> String { path + "/checkpoints/\(which).safetensors" }

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
            throw RunReadError(path: file, problem: FileManager.default.fileExists(atPath: file) ? "permission denied" : "no such checkpoint")
        }
        do {
            return try Safetensors(data: data)
        } catch {
            throw RunReadError(path: file, problem: "\(error)")
        }
    }

    /// The recorded status; nil when the run predates status files, `unreadable` with the reason
    /// when the file is there but is not a status.
    public func readStatus() -> RunStatus? {
        guard FileManager.default.fileExists(atPath: statusPath) else { return nil }
        guard let data = FileManager.default.contents(atPath: statusPath) else {
            return RunStatus(.unreadable, reason: "cannot read \(statusPath): permission denied, or not a file", epoch: 0)
        }
        return RunStatus(json: data) ?? RunStatus(.unreadable, reason: "\(statusPath) is not a run status "
            + "(a JSON object with status: running, finished, stopped_early, interrupted or failed, and a count epoch)", epoch: 0)
    }

    /// Records the status atomically.
    public func writeStatus(_ status: RunStatus) throws {
        try AtomicFile.write(status.json.rendered(), to: statusPath)
    }
}
