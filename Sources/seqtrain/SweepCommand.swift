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
            let failedBefore = plan.points.indices.filter { plan.failedRun($0) != nil }
            let pending = plan.points.indices.filter { !plan.isComplete($0) && !failedBefore.contains($0) }
            let executor = LocalProcessExecutor(executable: Self.executable, parallel: min(parallel, max(pending.count, 1)),
                                                threads: max(1, WorkerPool.availableCores / min(parallel, max(pending.count, 1))))
            print("sweep of \(plan.points.count) runs in \(plan.folder), \(executor.description)")
            let kept = plan.points.count - pending.count - failedBefore.count
            if kept > 0 { print("\(kept) complete run\(kept == 1 ? "" : "s") kept") }
            if !failedBefore.isEmpty {
                print("\(failedBefore.count) failed run\(failedBefore.count == 1 ? "" : "s") kept: training is deterministic, so they would fail again")
            }
            let progress = SweepProgress(done: kept + failedBefore.count, total: plan.points.count, console: .standardOutput)
            try executor.run(plan, points: pending, progress: progress)
            try AtomicFile.write(SweepTable.csv(plan), to: plan.absoluteFolder + "/sweep.csv")
            do {
                try SweepHParams.write(plan)
            } catch {
                printError("note: the TensorBoard HParams data was not written: \(error)")
            }
            let failed = progress.failed + failedBefore.count
            print("sweep.csv written to \(plan.folder)/sweep.csv" + (failed > 0 ? "; \(failed) run\(failed == 1 ? "" : "s") failed (see sweep.csv and each point's output.log)" : ""))
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
