import ArgumentParser
import Foundation
import SeqTrain

/// `seqtrain sweep CONFIG [--grid PATH=v1,v2 …]`: one run per point of the grid, several at once.
struct Sweep: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train every combination of the file's sweep: values and --grid values, several runs at once, "
            + "and tabulate them in sweep.csv.",
        discussion: """
            The grid is the file's `sweep:` block (a mapping of config paths to lists of values) plus every \
            --grid; a --grid axis replaces the block's axis of the same path. Runs go under \
            runs/<name>/sweep-<id>/<point>/, where the id is a hash of the config, the --set overrides and the \
            grid. Running the same sweep again skips finished runs, resumes interrupted ones and starts the \
            missing ones.
            """)

    @Argument(help: "The experiment file.")
    var config: String

    @Option(name: .customLong("grid"), help: ArgumentHelp("Values of one config path, e.g. --grid train.optimizer.learning_rate=0.001,0.005 "
        + "(repeatable; the runs are the cartesian product).", valueName: "path=v1,v2"))
    var grid: [String] = []

    @OptionGroup var overrides: OverrideOptions

    @Option(name: .customLong("runs-dir"), help: "Where run folders go.")
    var runsDir: String = "runs"

    @Option(help: "Runs at once (default: one per core).")
    var parallel: Int = WorkerPool.availableCores

    func validate() throws {
        guard parallel >= 1 else { throw ValidationError("--parallel must be at least 1") }
    }

    func run() throws {
        try withErrorReporting {
            let sweepGrid = try SweepGrid(block: try ExperimentParser.sweepAxes(path: config), arguments: grid)
            guard !sweepGrid.axes.isEmpty else {
                throw ConfigErrors([Diagnostic(file: config, position: nil, message: "there is nothing to sweep",
                                               suggestion: "add a sweep: block to the file, e.g. sweep: {model.0.units: [10, 20]}, "
                                                   + "or give --grid model.0.units=10,20")])
            }
            guard sweepGrid.pointCount <= SweepGrid.maxPoints else {
                throw ConfigErrors([Diagnostic(file: config, position: nil,
                                               message: "the sweep has \(sweepGrid.pointCount) runs, more than \(SweepGrid.maxPoints)",
                                               suggestion: "sweep fewer values at once")])
            }
            let base = try overrides.parsed()
            let experiment = try ExperimentParser.load(path: config, overrides: base)
            // Check every point before starting any run.
            let points = sweepGrid.points
            for point in points { _ = try ExperimentParser.load(path: config, overrides: base + (try sweepGrid.overrides(point))) }
            let identity = TrainingRun.resolvedConfig(experiment, source: nil).hash + "|" + sweepGrid.arguments.joined(separator: "|")
            let folder = "\(runsDir)/\(experiment.name)/sweep-\(Fingerprint.hex(Fingerprint.fnv1a(identity.utf8)).prefix(8))"
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            print("sweep of \(points.count) runs in \(folder), \(min(parallel, points.count)) at a time")

            let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
            let threads = max(1, WorkerPool.availableCores / min(parallel, points.count))
            var pending: [(Int, [String])] = []
            var skipped = 0
            for (index, point) in points.enumerated() {
                let label = sweepGrid.label(index, point)
                let existing = RunIndex.scan(folder + "/" + label)
                if existing.contains(where: { $0.status == .finished }) { skipped += 1 } else { pending.append((index, point)) }
            }
            if skipped > 0 { print("\(skipped) finished run\(skipped == 1 ? "" : "s") kept") }

            let progress = SweepProgress(done: skipped, total: points.count)
            let slots = DispatchSemaphore(value: parallel)
            let group = DispatchGroup()
            for (index, point) in pending {
                slots.wait()
                let label = sweepGrid.label(index, point)
                let previous = RunIndex.scan(folder + "/" + label).first { $0.status == .interrupted }
                let process = Process()
                process.executableURL = URL(fileURLWithPath: executable)
                if let previous {
                    process.arguments = ["resume", previous.path, "--threads", "\(threads)"]
                } else {
                    process.arguments = ["train", config, "--runs-dir", folder, "--threads", "\(threads)", "--set", "name=\(label)"]
                        + (base.map(\.argument) + (try sweepGrid.overrides(point)).map(\.argument)).flatMap { ["--set", $0] }
                }
                process.standardOutput = FileHandle.nullDevice
                process.standardError = FileHandle.nullDevice
                group.enter()
                process.terminationHandler = { finished in
                    progress.finished(label, status: finished.terminationStatus)
                    slots.signal()
                    group.leave()
                }
                try process.run()
            }
            group.wait()

            let rows = points.enumerated().map { index, point -> (point: [String], record: RunRecord?) in
                let runs = RunIndex.scan(folder + "/" + sweepGrid.label(index, point))
                return (point, runs.first { $0.status == .finished } ?? runs.last)
            }
            try AtomicFile.write(SweepTable.csv(grid: sweepGrid, runs: rows), to: folder + "/sweep.csv")
            let failed = progress.failed
            print("sweep.csv written to \(folder)/sweep.csv" + (failed > 0 ? "; \(failed) run\(failed == 1 ? "" : "s") failed" : ""))
            if failed > 0 { throw ExitCode(1) }
        }
    }
}

/// Counts finished sweep runs and prints `[done/total] label: done` as each ends (from any thread).
final class SweepProgress: @unchecked Sendable {
    private let lock = NSLock()
    private var done: Int
    private var failures = 0
    private let total: Int

    init(done: Int, total: Int) {
        self.done = done
        self.total = total
    }

    func finished(_ label: String, status: Int32) {
        lock.lock()
        defer { lock.unlock() }
        done += 1
        if status != 0 { failures += 1 }
        print("[\(done)/\(total)] \(label): \(status == 0 ? "done" : "failed (status \(status))")")
    }

    var failed: Int {
        lock.lock()
        defer { lock.unlock() }
        return failures
    }
}
