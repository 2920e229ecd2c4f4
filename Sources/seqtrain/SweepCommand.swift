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
            grid; the plan is written to plan.json there, and each point's output to its output.log. Running \
            the same sweep again skips complete points, resumes interrupted ones and starts the missing ones.
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
            let plan = try SweepPlan.make(configFile: config, gridArguments: grid, baseOverrides: try overrides.parsed(), runsDir: runsDir)
            try plan.write()
            // One writer for every line: print's buffer would put the progress lines first in a file.
            let console = Console.standardOutput
            let failedBefore = plan.points.indices.filter { plan.failedRun($0) != nil }
            let runningElsewhere = plan.points.indices.filter { plan.runningRun($0) != nil }
            let pending = plan.points.indices.filter { !plan.isComplete($0) && !failedBefore.contains($0) && !runningElsewhere.contains($0) }
            let executor = LocalProcessExecutor(executable: Self.executable, parallel: min(parallel, max(pending.count, 1)),
                                                threads: max(1, WorkerPool.availableCores / min(parallel, max(pending.count, 1))))
            console.write("sweep of \(plan.points.count) runs in \(plan.folder), \(executor.description)\n")
            let kept = plan.points.count - pending.count - failedBefore.count - runningElsewhere.count
            if kept > 0 { console.write("\(kept) complete run\(kept == 1 ? "" : "s") kept\n") }
            if !failedBefore.isEmpty {
                console.write("\(failedBefore.count) failed run\(failedBefore.count == 1 ? "" : "s") kept: training is deterministic, so they would fail again\n")
            }
            if !runningElsewhere.isEmpty {
                console.write("\(runningElsewhere.count) run\(runningElsewhere.count == 1 ? " is" : "s are") being trained by another process, left to it\n")
            }
            let progress = SweepProgress(done: kept + failedBefore.count + runningElsewhere.count, total: plan.points.count, console: console)
            try executor.run(plan, points: pending, progress: progress)
            try AtomicFile.write(SweepTable.csv(plan), to: plan.absoluteFolder + "/sweep.csv")
            let failed = progress.failed + failedBefore.count
            console.write("sweep.csv written to \(plan.folder)/sweep.csv"
                + (failed > 0 ? "; \(failed) run\(failed == 1 ? "" : "s") failed (see sweep.csv and each point's output.log)" : "") + "\n")
            if failed > 0 { throw ExitCode(1) }
        }
    }

    /// This executable, for the children.
    static var executable: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }
}

/// `seqtrain sweep-point SWEEP_DIR INDEX`: run one point of a planned sweep, as an executor does.
struct SweepPoint: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep-point",
        abstract: "Run one point of a sweep by its index (what sweep executors and cluster jobs run).",
        discussion: """
            Reads SWEEP_DIR/plan.json (written by seqtrain sweep) and trains point INDEX: nothing when it is \
            complete, a resume of its interrupted run, or a new run. For a job array: \
            seqtrain sweep-point runs/deep_rnn/sweep-4d1570eb $SLURM_ARRAY_TASK_ID.
            """)

    @Argument(help: "The sweep folder, e.g. runs/deep_rnn/sweep-4d1570eb.")
    var sweepDir: String

    @Argument(help: "The point's index, from 0.")
    var index: Int

    @OptionGroup var threading: ThreadOptions

    func run() throws {
        try withErrorReporting {
            try SweepPlan.load(folder: sweepDir).runPoint(index, threads: threading.threads, console: .standardOutput)
        }
    }
}
