import Foundation
import SeqTrainConfig
import SeqTrainCore
import SeqTrainTraining

/// A sweep's points, planned once and written to `plan.json` in the sweep folder, so that any
/// executor (the local process pool, a cluster scheduler) can run point *i* by its index alone:
/// `seqtrain sweep-point SWEEP_DIR i`. The plan holds the experiment file's text as it was when
/// planned, so later edits to the file do not change a sweep under way.
public struct SweepPlan: Codable, Equatable {
    /// One point: its values and where its runs go.
    public struct Point: Codable, Equatable {
        /// Its position in the grid, from 0.
        public var index: Int
        /// Its folder under the sweep folder, e.g. `01-learning_rate-0.005`.
        public var label: String
        /// One value per axis, as YAML text.
        public var values: [String]
    }

    /// The plan file's format.
    public var format = "seqtrain-sweep-plan-1"
    /// The sweep folder (`runs/<name>/sweep-<id>`), relative to `workingDirectory` unless absolute.
    public var folder: String
    /// The folder the sweep was started from: relative paths (CSV data, the folder) are taken from it.
    public var workingDirectory: String
    /// The experiment file as named on the command line.
    public var configFile: String
    /// Its text when the sweep was planned.
    public var configText: String
    /// `--set` overrides applied to every point (`PATH=VALUE`).
    public var baseOverrides: [String]
    /// The swept config paths.
    public var axes: [String]
    /// Every point, in grid order (or draw order).
    public var points: [Point]
    /// How the points were chosen: grid, random or halving.
    public var method: String = SweepSpec.Method.grid.rawValue
    /// Successive halving's settings (method halving).
    public var halving: HalvingSpec?
    /// The epochs of a full run (the last rung of a halving sweep).
    public var epochs: Int = 0

    /// Plans the sweep of `configFile` over its `sweep:` block and `gridArguments` (`PATH=v1,v2`),
    /// with `baseOverrides`; every point is parsed and checked before anything runs.
    public static func make(configFile: String, gridArguments: [String], baseOverrides: [Override], runsDir: String) throws -> SweepPlan {
        let spec = try (try ExperimentParser.sweepSpec(path: configFile) ?? SweepSpec(grid: [])).adding(grid: gridArguments)
        guard !spec.parameters.isEmpty else {
            throw ConfigErrors([Diagnostic(file: configFile, position: nil, message: "there is nothing to sweep",
                                           suggestion: "add a sweep: block to the file, e.g. sweep: {model.0.units: [10, 20]}, "
                                               + "or give --grid model.0.units=10,20")])
        }
        guard spec.pointCount <= SweepGrid.maxPoints else {
            throw ConfigErrors([Diagnostic(file: configFile, position: nil,
                                           message: "the sweep has \(spec.pointCount) runs, more than \(SweepGrid.maxPoints)",
                                           suggestion: "sweep fewer values at once")])
        }
        let experiment = try ExperimentParser.load(path: configFile, overrides: baseOverrides)  // says why a file cannot be read
        guard let text = try? String(contentsOfFile: configFile, encoding: .utf8) else {
            throw RunReadError(path: configFile, problem: "cannot be read")
        }
        let values = spec.points
        let paths = spec.parameters.map(\.path)
        for point in values {
            let overrides = try zip(spec.parameters, point).map { parameter, value in
                var override = try Override("\(parameter.path)=\(value)")
                if case .choice(let listed) = parameter.distribution, let i = listed.firstIndex(of: value), i < parameter.origins.count {
                    override.origin = parameter.origins[i]
                }
                return override
            }
            _ = try ExperimentParser.parse(yaml: text, file: configFile, defaultName: experimentStem(configFile),
                                           overrides: baseOverrides + overrides)
        }
        if let halving = spec.halving {
            let columns = History(metrics: experiment.train.metrics).header.dropFirst()
            guard columns.contains(halving.metric) else {
                throw ConfigErrors([Diagnostic(file: configFile, position: nil, message: "sweep.halving.metric '\(halving.metric)' is not a history column",
                                               suggestion: Suggest.hint(for: halving.metric, in: Array(columns)))])
            }
            guard !paths.contains("train.epochs") else {
                throw ConfigErrors([Diagnostic(file: configFile, position: nil, message: "a halving sweep sets train.epochs itself, rung by rung",
                                               suggestion: "sweep other parameters; train.epochs is the last rung's budget")])
            }
        }
        // The id depends on the resolved config and the points: the same sweep lands in the same folder.
        let grid = SweepGrid(axes: spec.gridAxes)
        let identity = TrainingRun.resolvedConfig(experiment, source: nil).hash + "|" + (spec.method == .grid
            ? grid.arguments.joined(separator: "|")
            : "\(spec.method.rawValue)|\(spec.trials ?? 0)|\(spec.seed)|\(spec.description)|\(spec.halving.map { "\($0)" } ?? "")")
        let folder = "\(runsDir)/\(experiment.name)/sweep-\(Fingerprint.hex(Fingerprint.fnv1a(identity.utf8)).prefix(8))"
        let labeller = SweepGrid(axes: paths.map { SweepGrid.Axis(path: $0, values: []) })
        var plan = SweepPlan(folder: folder, workingDirectory: FileManager.default.currentDirectoryPath, configFile: configFile,
                             configText: text, baseOverrides: baseOverrides.map(\.argument), axes: paths,
                             points: values.enumerated().map { Point(index: $0, label: labeller.label($0, $1), values: $1) })
        (plan.method, plan.halving, plan.epochs) = (spec.method.rawValue, spec.halving, experiment.train.epochs)
        return plan
    }

    /// The run name of an experiment file without `name:`, as `ExperimentParser.load` gives it: the file's stem.
    static func experimentStem(_ configFile: String) -> String {
        URL(fileURLWithPath: configFile).deletingPathExtension().lastPathComponent
    }

    /// The epochs each rung trains to: one full rung, or the halving budgets.
    public var budgets: [Int] { halving?.budgets(epochs: epochs) ?? [epochs] }

    /// Epochs a point's runs have trained (the most of any of its runs).
    public func epochsTrained(_ index: Int) -> Int { runs(index).map(\.epochsDone).max() ?? 0 }

    /// Whether a point has trained `epochs` epochs (or has nothing left to train); a full run must
    /// be complete (its summary written), not only have trained its epochs.
    public func hasReached(_ index: Int, epochs: Int) -> Bool {
        runs(index).contains { $0.status.state.isComplete || (epochs < self.epochs && $0.epochsDone >= epochs) }
    }

    /// The best value of `metric` over a point's first `epochs` epochs (nil without one).
    public func metric(_ index: Int, _ metric: String, upTo epochs: Int) -> Float? {
        let values = runs(index).compactMap { try? OpenedRun.open($0.path).historyColumn(metric) }.max { $0.count < $1.count } ?? []
        return values.prefix(epochs).filter { !$0.isNaN }.min()
    }

    /// `plan.json` of a sweep folder.
    public static func path(in folder: String) -> String { folder + "/plan.json" }

    /// Reads the plan of a sweep folder, checked to run the points it lists and nothing else. The
    /// sweep folder is the one it is read from, wherever the plan says the sweep was made.
    public static func load(folder: String) throws -> SweepPlan {
        guard !folder.isEmpty else { throw RunReadError(path: "''", problem: "the sweep folder is an empty path") }
        let file = path(in: folder)
        guard let data = FileManager.default.contents(atPath: file) else {
            throw RunReadError(path: file, problem: "no sweep plan (is \(folder) a sweep folder made by seqtrain sweep?)")
        }
        var plan: SweepPlan
        do {
            plan = try JSONDecoder().decode(SweepPlan.self, from: data)
        } catch {
            throw RunReadError(path: file, problem: "not a sweep plan (\(error))")
        }
        guard plan.format == SweepPlan().format else { throw RunReadError(path: file, problem: "unknown format '\(plan.format)'") }
        if let problem = plan.problem { throw RunReadError(path: file, problem: problem) }
        plan.folder = folder.hasPrefix("/") ? folder : FileManager.default.currentDirectoryPath + "/" + folder
        return plan
    }

    /// What makes a plan unusable: points that are not the grid's in order, or whose labels would
    /// not be folders of their own in the sweep folder (nil when there is nothing).
    var problem: String? {
        guard workingDirectory.hasPrefix("/") else { return "workingDirectory '\(workingDirectory)' is not an absolute path" }
        guard !points.isEmpty else { return "it has no points" }
        var labels = Set<String>()
        for (position, point) in points.enumerated() {
            guard point.index == position else { return "point \(position) has index \(point.index)" }
            guard point.values.count == axes.count else {
                return "point \(position) has \(point.values.count) values for the \(axes.count) axes \(axes.joined(separator: ", "))"
            }
            guard ExperimentParser.isRunName(point.label), labels.insert(point.label).inserted else {
                return "point \(position)'s label '\(point.label.prefix(100))' is not a folder name of its own (letters, digits, "
                    + "'.', '_' and '-', not starting with '.', unique)"
            }
        }
        return nil
    }

    /// Takes the sweep folder's lock (creating the folder): one `seqtrain sweep` per sweep at a time.
    /// The points' own processes lock their run folders instead.
    public func lock() throws -> FolderLock {
        try RunFolder.makeFolders(absoluteFolder)
        return try FolderLock(absoluteFolder, kind: "sweep folder")
    }

    /// Writes `plan.json` into the sweep folder (creating it).
    public func write() throws {
        try RunFolder.makeFolders(absoluteFolder)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(try encoder.encode(self), to: Self.path(in: absoluteFolder))
    }

    private init(folder: String, workingDirectory: String, configFile: String, configText: String, baseOverrides: [String],
                 axes: [String], points: [Point]) {
        (self.folder, self.workingDirectory, self.configFile, self.configText) = (folder, workingDirectory, configFile, configText)
        (self.baseOverrides, self.axes, self.points) = (baseOverrides, axes, points)
    }

    private init() { (folder, workingDirectory, configFile, configText, baseOverrides, axes, points) = ("", "", "", "", [], [], []) }

    /// The sweep folder as an absolute path.
    public var absoluteFolder: String { folder.hasPrefix("/") ? folder : workingDirectory + "/" + folder }

    /// `path` relative to the sweep's working directory when it lies below it (for tables).
    public func relative(_ path: String) -> String {
        path.hasPrefix(workingDirectory + "/") ? String(path.dropFirst(workingDirectory.count + 1)) : path
    }

    /// The folder of a point's runs.
    public func pointFolder(_ index: Int) -> String { absoluteFolder + "/" + points[index].label }

    /// The log a point's output is appended to.
    public func logPath(_ index: Int) -> String { pointFolder(index) + "/output.log" }

    /// Sends this process's standard output and error to the end of a point's `output.log`.
    public func redirectOutput(toLogOf index: Int) throws {
        try RunFolder.makeFolders(pointFolder(index))
        let fd = open(logPath(index), O_WRONLY | O_APPEND | O_CREAT, 0o644)
        guard fd >= 0 else { throw FileWriteError(path: logPath(index), reason: String(cString: strerror(errno))) }
        dup2(fd, STDOUT_FILENO)
        dup2(fd, STDERR_FILENO)
        close(fd)
    }

    /// The overrides of a point: the base ones, the point's values, and its name (its folder).
    public func overrides(_ index: Int) throws -> [Override] {
        try baseOverrides.map(Override.init) + zip(axes, points[index].values).map { try Override("\($0)=\($1)") }
            + [try Override("name=\(points[index].label)")]
    }

    /// The point's runs, newest last.
    public func runs(_ index: Int) -> [RunRecord] {
        RunIndex.scan(pointFolder(index)).sorted { $0.path < $1.path }
    }

    /// Whether a point has a run with nothing left to train (finished, or stopped early).
    public func isComplete(_ index: Int) -> Bool { runs(index).contains { $0.status.state.isComplete } }

    /// The failed run of a point that has no complete one: training is deterministic, so running the
    /// point again would fail the same way (change the config and sweep again instead).
    public func failedRun(_ index: Int) -> RunRecord? {
        let runs = runs(index)
        guard !runs.contains(where: { $0.status.state.isComplete }) else { return nil }
        return runs.last { $0.status.state == .failed }
    }

    /// The run of a point with no complete run that a process is training now (another sweep's).
    public func runningRun(_ index: Int) -> RunRecord? {
        let runs = runs(index)
        guard !runs.contains(where: { $0.status.state.isComplete }) else { return nil }
        return runs.last { $0.status.state == .running }
    }

    /// Runs point `index` in this process: nothing when it is complete (or has trained `untilEpoch`
    /// epochs), a resume of its interrupted run when it has one, else a new run; with `untilEpoch` the
    /// run pauses after that epoch (a halving rung). With `takeover`, a run whose status says another
    /// process trains it is resumed anyway (the executor knows no other task runs this point).
    /// Relative paths are taken from the sweep's working directory.
    public func runPoint(_ index: Int, threads: Int, console: Console, untilEpoch: Int? = nil, takeover: Bool = false) throws {
        guard points.indices.contains(index) else {
            throw RunStateError(description: "the sweep \(folder) has points 0 to \(points.count - 1), not \(index)")
        }
        guard FileManager.default.changeCurrentDirectoryPath(workingDirectory) else {
            throw RunReadError(path: workingDirectory, problem: "the sweep's working directory is not reachable from here")
        }
        let runs = runs(index)
        if let done = runs.first(where: { run in run.status.state.isComplete || run.epochsDone >= (untilEpoch ?? .max) }) {
            console.write("point \(index) (\(points[index].label)) is complete\(untilEpoch.map { " to epoch \($0)" } ?? ""): \(done.path)\n")
            return
        }
        if let failed = failedRun(index) {
            throw RunStateError(description: "point \(index) (\(points[index].label)) failed in \(failed.path): \(failed.status.reason) "
                + "Running it again would fail the same way")
        }
        if !takeover, let running = runningRun(index) {
            throw RunStateError(description: "point \(index) (\(points[index].label)) is being trained in \(running.path) "
                + "by \(running.status.trainer); wait for it")
        }
        // As `seqtrain resume` does: an interrupted run continues, and so does one whose status
        // cannot be read (resume checks its files and says what is wrong with them).
        let resumable: Set<RunStatus.State> = takeover ? [.interrupted, .unreadable, .running] : [.interrupted, .unreadable]
        if let interrupted = runs.last(where: { resumable.contains($0.status.state) }) {
            try TrainingRun.resume(interrupted.path, threads: threads, console: console, untilEpoch: untilEpoch, takeover: takeover)
            return
        }
        let overrides = try overrides(index)
        let experiment = try ExperimentParser.parse(yaml: configText, file: configFile, defaultName: Self.experimentStem(configFile),
                                                    overrides: overrides)
        try TrainingRun.train(experiment, source: configFile, overrides: overrides, runsDir: absoluteFolder, threads: threads, console: console,
                              untilEpoch: untilEpoch)
    }
}
