import ArgumentParser
import Foundation
import SeqTrain

/// `seqtrain sweep CONFIG [--grid PATH=v1,v2 …]`: one run per point, several at once, here or on Slurm.
struct Sweep: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train every point of the file's sweep: block and --grid values (a grid, random draws or successive halving), "
            + "several runs at once, on this machine or as a Slurm job array, and tabulate them in sweep.csv.",
        discussion: """
            Runs go under runs/<name>/sweep-<id>/<point>/, where the id is a hash of the config, the --set overrides and the \
            points; the plan is written to plan.json there, and each point's output to its output.log. Running the same \
            sweep again skips complete points, resumes interrupted ones and starts the missing ones; with --backend slurm \
            it also follows a detached array and resubmits only the points that failed to finish. \
            Example: seqtrain sweep configs/deep_rnn.yaml --grid train.optimizer.learning_rate=0.001,0.005,0.01
            """)

    /// Where the points run.
    enum Backend: String, ExpressibleByArgument, CaseIterable { case local, slurm }

    @Argument(help: "The experiment file.", completion: .file(extensions: ["yaml", "yml"]))
    var config: String

    @Option(name: .customLong("grid"), help: ArgumentHelp("Values of one config path, e.g. --grid train.optimizer.learning_rate=0.001,0.005 "
        + "(repeatable; the runs are the cartesian product).", valueName: "path=v1,v2"))
    var grid: [String] = []

    @OptionGroup var overrides: OverrideOptions

    @Option(name: .customLong("runs-dir"), help: "Where run folders go.", completion: .directory)
    var runsDir: String = "runs"

    @Option(help: "Runs at once (default: one per core; on Slurm, the array's %K).")
    var parallel: Int = WorkerPool.availableCores

    @Option(help: "Where the points run: local (child processes) or slurm (one job array).")
    var backend: Backend = .local

    @Flag(help: "Slurm: return right after submitting; the same command run again follows the sweep and collects it.")
    var detach = false

    @Flag(name: .customLong("dry-run"), help: "Slurm: print the batch script and submit nothing.")
    var dryRun = false

    @Option(name: .customLong("slurm-arg"), help: ArgumentHelp("An sbatch option for the array, e.g. --slurm-arg=--partition=gpu (repeatable).",
                                                               valueName: "option"))
    var slurmArguments: [String] = []

    @Option(help: "Slurm: the time limit of one point (sbatch --time).")
    var time: String = "1:00:00"

    @Option(name: .customLong("cpus-per-task"), help: "Slurm: CPUs of one point; it trains with as many threads.")
    var cpusPerTask: Int = 1

    func validate() throws {
        guard parallel >= 1 else { throw ValidationError("--parallel must be at least 1") }
        guard cpusPerTask >= 1 else { throw ValidationError("--cpus-per-task must be at least 1") }
        if backend == .local && (detach || dryRun || !slurmArguments.isEmpty) {
            throw ValidationError("--detach, --dry-run and --slurm-arg apply to --backend slurm")
        }
        if let problem = slurmArguments.lazy.compactMap(SlurmExecutor.problem(withArgument:)).first { throw ValidationError(problem) }
        guard !time.isEmpty, time.allSatisfy({ $0.isNumber || $0 == ":" || $0 == "-" }) else {
            throw ValidationError("--time must be a Slurm time such as 30:00, 2:00:00 or 1-00:00:00, not '\(time)'")
        }
    }

    func run() throws {
        // One unbuffered writer for this command and the progress lines the executor prints from other threads.
        let console = Console.standardOutput
        func print(_ line: String) { console.write(line + "\n") }
        try withErrorReporting {
            try checkFolderArgument(runsDir, option: "--runs-dir")
            let plan = try SweepPlan.make(configFile: config, gridArguments: grid, baseOverrides: try overrides.parsed(), runsDir: runsDir)
            let executor: any SweepExecutor
            switch backend {
            case .local:
                let width = min(parallel, plan.points.count)
                executor = LocalProcessExecutor(executable: Self.executable, parallel: width, threads: max(1, WorkerPool.availableCores / width))
            case .slurm:
                let slurm = SlurmExecutor(executable: Self.executable, parallel: parallel, cpusPerTask: cpusPerTask, time: time,
                                          extraArguments: slurmArguments, detach: detach)
                if dryRun {
                    print(slurm.script(plan, points: Array(plan.points.indices), untilEpoch: plan.budgets[0] < plan.epochs ? plan.budgets[0] : nil))
                    return
                }
                executor = slurm
            }
            let lock = try plan.lock()  // a second sweep of the same points waits for none: it stops here
            try plan.write()
            print("sweep of \(plan.points.count) runs (\(plan.method)) in \(plan.folder), \(executor.description)")
            switch try withExtendedLifetime(lock, { try SweepRunner(plan: plan, executor: executor, console: console).run() }) {
            case .detached:
                print("sweep folder: \(plan.folder)")
            case .ended(let unfinished):
                print("sweep.csv written to \(plan.folder)/sweep.csv" + (unfinished > 0
                    ? "; \(unfinished) run\(unfinished == 1 ? "" : "s") failed or did not finish (see sweep.csv and each point's output.log)" : ""))
                if unfinished > 0 { throw ExitCode(1) }
            }
        }
    }

    /// This executable, for the children and the array tasks.
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
            complete, a resume of its interrupted run, or a new run. Example (a job array's task): \
            seqtrain sweep-point runs/deep_rnn/sweep-4d1570eb $SLURM_ARRAY_TASK_ID --log
            """)

    @Argument(help: "The sweep folder, e.g. runs/deep_rnn/sweep-4d1570eb.", completion: .directory)
    var sweepDir: String

    @Argument(help: "The point's index, from 0.")
    var index: Int

    @OptionGroup var threading: ThreadOptions

    @Option(name: .customLong("until-epoch"), help: "Pause the run after this epoch (a halving rung's budget).")
    var untilEpoch: Int?

    @Flag(help: "Append this command's output to the point's output.log.")
    var log = false

    @Flag(help: "Resume the point's run even if its status says another process trains it (the executor knows it does not).")
    var takeover = false

    func validate() throws {
        if let untilEpoch, untilEpoch < 1 { throw ValidationError("--until-epoch must be at least 1") }
    }

    func run() throws {
        try withErrorReporting {
            try ChildProcesses.stopWithParent(graceful: true)
            let plan = try SweepPlan.load(folder: sweepDir)
            if log, plan.points.indices.contains(index) { try plan.redirectOutput(toLogOf: index) }
            try plan.runPoint(index, threads: threading.threads, console: .standardOutput, untilEpoch: untilEpoch, takeover: takeover)
        }
    }
}
