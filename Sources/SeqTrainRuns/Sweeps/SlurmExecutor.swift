import Foundation
import SeqTrainCore

/// Runs a sweep's points as one Slurm job array (`sbatch --array=…%K`): array task *i* runs
/// `seqtrain sweep-point SWEEP_DIR i` on a node that shares the sweep folder's filesystem. By default
/// it waits, printing how many points are pending, running, finished and failed; detached, it returns
/// after the submission, and the same sweep command run again follows the array and collects it.
public struct SlurmExecutor: SweepExecutor {
    /// Why Slurm could not be used.
    public struct SlurmError: Error, CustomStringConvertible {
        /// What a user should read.
        public var description: String
    }

    /// The `seqtrain` executable the array tasks run (it must be reachable from the nodes).
    public var executable: String
    /// Tasks at once (`%K`).
    public var parallel: Int
    /// CPUs per task; each point trains with as many threads.
    public var cpusPerTask: Int
    /// The time limit of a task (`--time`).
    public var time: String
    /// Further `sbatch` options, e.g. `--partition=gpu`.
    public var extraArguments: [String]
    /// Return right after submitting.
    public var detach: Bool
    /// Seconds between two looks at the queue.
    public var pollSeconds: Double

    /// An executor submitting to Slurm.
    public init(executable: String, parallel: Int, cpusPerTask: Int = 1, time: String = "1:00:00", extraArguments: [String] = [],
                detach: Bool = false, pollSeconds: Double = 1) {
        (self.executable, self.parallel, self.cpusPerTask, self.time) = (executable, parallel, cpusPerTask, time)
        (self.extraArguments, self.detach, self.pollSeconds) = (extraArguments, detach, pollSeconds)
    }

    /// Points not in the queue are not being trained by a task of this sweep.
    public var takesOverStaleRuns: Bool { true }

    public var description: String {
        "as a Slurm job array, \(parallel) at a time, \(cpusPerTask) CPU\(cpusPerTask == 1 ? "" : "s") per task"
    }

    /// The job name of a sweep's arrays, unique per sweep folder (how the queue is searched).
    public static func jobName(_ plan: SweepPlan) -> String {
        "seqtrain-" + Fingerprint.hex(Fingerprint.fnv1a(plan.absoluteFolder.utf8)).prefix(10)
    }

    /// The batch script of an array running `indices`.
    public func script(_ plan: SweepPlan, points indices: [Int], untilEpoch: Int?) -> String {
        let folder = plan.absoluteFolder
        var lines = ["#!/bin/bash",
                     "# seqtrain sweep \(plan.configFile): \(indices.count) point\(indices.count == 1 ? "" : "s") of \(folder)",
                     "#SBATCH --job-name=\(Self.jobName(plan))",
                     "#SBATCH --array=\(Self.arraySpec(indices))%\(parallel)",
                     "#SBATCH --cpus-per-task=\(cpusPerTask)",
                     "#SBATCH --time=\(time)",
                     "#SBATCH --chdir=\(plan.workingDirectory)",
                     "#SBATCH --output=\(folder)/slurm/%A_%a.out"]
        lines += extraArguments.map { "#SBATCH \($0)" }
        var command = [Self.quote(executable), "sweep-point", Self.quote(folder), "\"$SLURM_ARRAY_TASK_ID\"",
                       "--threads", "\"${SLURM_CPUS_PER_TASK:-1}\"", "--log", "--takeover"]
        if let untilEpoch { command += ["--until-epoch", "\(untilEpoch)"] }
        lines.append("exec " + command.joined(separator: " "))
        return lines.joined(separator: "\n") + "\n"
    }

    /// The sbatch options the batch script sets itself, and what to use instead: given again, a later
    /// `#SBATCH` line wins, and an array renamed or moved is one the sweep can no longer follow.
    static let ownedOptions = [("--array", "--parallel sets the array"), ("--job-name", "the sweep finds its array by its name"),
                               ("--output", "the tasks' output goes to the sweep's slurm/ folder"), ("--chdir", "points run from the sweep's folder"),
                               ("--cpus-per-task", "use --cpus-per-task"), ("--time", "use --time"), ("--wrap", "the batch script is the job"),
                               ("--parsable", "it is given to sbatch already")]
    /// Their one-letter forms.
    static let ownedShortOptions = ["-a": "--array", "-J": "--job-name", "-o": "--output", "-D": "--chdir", "-c": "--cpus-per-task", "-t": "--time"]

    /// Why `argument` cannot be an `#SBATCH` line of the array (nil when it can): it must be one option,
    /// `--name=value` without spaces or line breaks (a line break would end the directives and run the
    /// rest as a command), and not one the script sets. sbatch takes any unambiguous prefix of a long
    /// option, so a prefix of an owned one is refused too.
    public static func problem(withArgument argument: String) -> String? {
        guard argument.hasPrefix("-"), !argument.contains(where: { $0.isWhitespace || $0.isNewline }) else {
            return "--slurm-arg must be one sbatch option written without spaces, such as --slurm-arg=--partition=gpu, not "
                + JSONValue.quote(argument)
        }
        let name = argument.hasPrefix("--") ? String(argument.prefix { $0 != "=" }) : ownedShortOptions[String(argument.prefix(2))] ?? ""
        guard name.count > 2, let owned = ownedOptions.first(where: { $0.0.hasPrefix(name) }) else { return nil }
        return "--slurm-arg \(argument) would change \(owned.0), which the sweep's batch script sets itself (\(owned.1))"
    }

    /// `0-3,7,9-10`: the indices as Slurm's array ranges.
    public static func arraySpec(_ indices: [Int]) -> String {
        var parts: [String] = []
        var sorted = indices.sorted()[...]
        while let start = sorted.first {
            var end = start
            sorted = sorted.dropFirst()
            while sorted.first == end + 1 { end += 1; sorted = sorted.dropFirst() }
            parts.append(start == end ? "\(start)" : "\(start)-\(end)")
        }
        return parts.joined(separator: ",")
    }

    /// A word for bash: single-quoted, quotes inside escaped.
    static func quote(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'" }

    public func run(_ plan: SweepPlan, points indices: [Int], untilEpoch: Int?, progress: SweepProgress) throws -> Bool {
        let folder = plan.absoluteFolder + "/slurm"
        try RunFolder.makeFolders(folder)
        let scriptPath = folder + "/array-\(Int(Date().timeIntervalSince1970))" + (untilEpoch.map { "-until-\($0)" } ?? "") + ".sh"
        try AtomicFile.write(script(plan, points: indices, untilEpoch: untilEpoch), to: scriptPath)
        let result = try Self.command("sbatch", ["--parsable", scriptPath])
        guard result.status == 0 else {
            throw SlurmError(description: "sbatch refused the job array (status \(result.status)): "
                + result.error.trimmingCharacters(in: .whitespacesAndNewlines) + "; the batch script is \(scriptPath)")
        }
        let job = String(result.output.trimmingCharacters(in: .whitespacesAndNewlines).prefix { $0 != ";" })
        progress.console.write("submitted job array \(job): \(indices.count) point\(indices.count == 1 ? "" : "s") (\(Self.arraySpec(indices)))\n")
        if detach {
            progress.console.write("detached: run the same command again to follow the sweep and collect it\n")
            return false
        }
        return try wait(plan, for: Set(indices), progress: progress)
    }

    public func activePoints(_ plan: SweepPlan) throws -> Set<Int> {
        Set(try queue(plan).keys)
    }

    public func wait(_ plan: SweepPlan, for indices: Set<Int>, progress: SweepProgress) throws -> Bool {
        let active = try activePoints(plan)
        if detach && !active.isDisjoint(with: indices) {
            let states = try queue(plan)
            progress.console.write("slurm: " + Self.counts(states.filter { indices.contains($0.key) }) + "; detached, nothing collected yet\n")
            return false
        }
        var remaining = indices, lastLine = ""
        while !remaining.isEmpty {
            let states = try queue(plan)
            for index in remaining.sorted() where states[index] == nil {
                remaining.remove(index)
                let failed = plan.failedRun(index)
                let reached = plan.runs(index).last.map { $0.status.state.isComplete || $0.status.reason.hasPrefix("paused after") } ?? false
                let what = failed.map { "failed: \($0.status.reason)" }
                    ?? (reached ? "done" : "ended without finishing: " + (plan.runs(index).last?.status.summary ?? "no run (see its output.log)"))
                progress.finished(plan.points[index].label, status: failed == nil && reached ? 0 : 1, what: what)
            }
            let line = Self.counts(states.filter { remaining.contains($0.key) })
            if line != lastLine && !remaining.isEmpty {
                progress.console.write("slurm: \(line)\n")
                lastLine = line
            }
            if !remaining.isEmpty { Thread.sleep(forTimeInterval: pollSeconds) }
        }
        return true
    }

    /// `2 pending, 1 running`.
    static func counts(_ states: [Int: String]) -> String {
        let pending = states.values.filter { $0 == "PENDING" }.count
        return "\(pending) pending, \(states.count - pending) running"
    }

    /// The sweep's array tasks in the queue: point index → state (PENDING, RUNNING, …).
    func queue(_ plan: SweepPlan) throws -> [Int: String] {
        let result = try Self.command("squeue", ["-h", "-r", "--name=\(Self.jobName(plan))", "-o", "%K %T"])
        guard result.status == 0 else {
            throw SlurmError(description: "squeue failed (status \(result.status)): " + result.error.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        var states: [Int: String] = [:]
        for line in result.output.split(separator: "\n") {
            let fields = line.split(separator: " ")
            if fields.count == 2, let index = Int(fields[0]), plan.points.indices.contains(index) { states[index] = String(fields[1]) }
        }
        return states
    }

    /// Runs a Slurm command found on the PATH.
    static func command(_ name: String, _ arguments: [String]) throws -> (status: Int32, output: String, error: String) {
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
            .map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let path else {
            throw SlurmError(description: "\(name) is not on the PATH: is this a Slurm login node? "
                + "(scripts/slurm/local-cluster.sh up starts a one-node cluster on this machine)")
        }
        return try ChildProcesses.capture(path, arguments)
    }
}
