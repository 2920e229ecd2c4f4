import Foundation
import SeqTrain
import XCTest

/// Sweeps on a real one-node Slurm cluster (slurmctld, slurmd and munge from Debian's packages),
/// started by `scripts/slurm/local-cluster.sh up` (idempotent; `.ci/run` starts it before the tests).
final class SlurmSweepTests: XCTestCase {
    override class func setUp() {
        super.setUp()
        clusterProblem = startCluster()
    }

    /// Runs `local-cluster.sh up` (idempotent) and returns what went wrong, or nil. Waits at most
    /// `seconds` (installing the packages takes a few minutes), so that a start that never ends fails.
    static func startCluster(seconds: Int = 600) -> String? {
        let ran: (status: Int32, output: String)?
        do { ran = try runBounded("/bin/bash", [repositoryRoot + "/scripts/slurm/local-cluster.sh", "up"], seconds: seconds) } catch {
            return "cannot run local-cluster.sh: \(error)"
        }
        guard let ran else {
            return "local-cluster.sh up did not end within \(seconds) s (a daemon holding this process's pipe or socket?)"
        }
        return ran.status == 0 ? nil : "the local Slurm cluster did not start:\n" + ran.output
    }

    /// Runs a tool and returns its status and output (stdout and stderr), or nil when it has not both
    /// ended and closed its output within `seconds`. The output is read while it runs: a pipe holds
    /// 64 KiB, and a tool that writes more (apt-get's install log) waits until someone reads it.
    static func runBounded(_ path: String, _ arguments: [String], seconds: Int) throws -> (status: Int32, output: String)? {
        final class Box: @unchecked Sendable { var data = Data() }  // written by the reader, read after `read` signals
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let output = Pipe(), box = Box()
        process.standardOutput = output
        process.standardError = output
        let ended = DispatchSemaphore(value: 0), read = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in ended.signal() }
        try process.run()
        DispatchQueue.global().async {
            box.data = output.fileHandleForReading.readDataToEndOfFile()
            read.signal()
        }
        let deadline = DispatchTime.now() + .seconds(seconds)
        guard ended.wait(timeout: deadline) == .success, read.wait(timeout: deadline) == .success else { return nil }
        return (process.terminationStatus, String(decoding: box.data, as: UTF8.self))
    }

    static var clusterProblem: String?

    override func setUpWithError() throws {
        if let problem = Self.clusterProblem { XCTFail(problem) }
    }

    let config = """
        name: slurm
        data: {source: {generator: sine, series: 600}, window: 12, split: {train: 400, valid: 100, test: 100}}
        model:
          - SimpleRNN: {units: 6, return_sequences: true}
          - SimpleRNN: {units: 6}
          - Dense: {units: 1}
        train: {epochs: 3, batch_size: 16}
        """

    /// Every file of the runs that carries a number, by point label: history and both checkpoints.
    func numbers(_ sweep: String) throws -> [String: Data] {
        var files: [String: Data] = [:]
        let plan = try SweepPlan.load(folder: sweep)
        for point in plan.points {
            let runs = plan.runs(point.index)
            XCTAssertEqual(runs.count, 1, "\(point.label) has one run folder")
            for file in ["history.csv", "checkpoints/last.safetensors", "checkpoints/best.safetensors"] {
                files[point.label + "/" + file] = try Data(contentsOf: URL(fileURLWithPath: runs[0].path + "/" + file))
            }
        }
        return files
    }

    func sweepFolder(_ runs: String) throws -> String {
        let parent = runs + "/slurm"
        return parent + "/" + (try FileManager.default.contentsOfDirectory(atPath: parent).filter { $0.hasPrefix("sweep-") }.sorted()[0])
    }

    func testAGridOnSlurmGivesTheSameBytesAsLocally() throws {
        let folder = try temporaryFolder(self)
        try config.write(toFile: folder + "/slurm.yaml", atomically: true, encoding: .utf8)
        let grid = ["--grid", "train.optimizer.learning_rate=0.001,0.01", "--grid", "model.0.units=4,6"]
        let local = try runSeqtrain(["sweep", "slurm.yaml", "--runs-dir", "local"] + grid, in: folder)
        XCTAssertEqual(local.status, 0, local.stdout + local.stderr)
        let slurm = try runSeqtrain(["sweep", "slurm.yaml", "--runs-dir", "cluster", "--backend", "slurm", "--parallel", "2"] + grid, in: folder)
        XCTAssertEqual(slurm.status, 0, slurm.stdout + slurm.stderr)
        XCTAssertTrue(slurm.stdout.contains("submitted job array"), slurm.stdout)
        XCTAssertTrue(slurm.stdout.contains("[4/4]"), slurm.stdout)
        let a = try numbers(try sweepFolder(folder + "/local")), b = try numbers(try sweepFolder(folder + "/cluster"))
        XCTAssertEqual(a.count, 12)
        XCTAssertEqual(a, b, "the executor changes where a point runs, never a number")
        let plan = try SweepPlan.load(folder: try sweepFolder(folder + "/cluster"))
        let log = try String(contentsOfFile: plan.logPath(0), encoding: .utf8)
        XCTAssertTrue(log.contains("Run saved to"), "each task's output goes to its point's output.log: \(log)")
        let dry = try runSeqtrain(["sweep", "slurm.yaml", "--backend", "slurm", "--dry-run", "--parallel", "3", "--slurm-arg=--partition=debug",
                                   "--time", "10:00", "--cpus-per-task", "2"] + grid, in: folder)
        XCTAssertEqual(dry.status, 0, dry.stderr)
        for line in ["#SBATCH --array=0-3%3", "#SBATCH --cpus-per-task=2", "#SBATCH --time=10:00", "#SBATCH --partition=debug",
                     "sweep-point", "\"$SLURM_ARRAY_TASK_ID\""] {
            XCTAssertTrue(dry.stdout.contains(line), "\(line) in \(dry.stdout)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/runs"), "a dry run submits and writes nothing")
    }

    func testDetachCancelOneTaskThenARerunCompletesWithNothingDuplicated() throws {
        let folder = try temporaryFolder(self)
        // Long enough (some seconds per point) to be cancelled while it trains.
        try config.replacingOccurrences(of: "epochs: 3", with: "epochs: 300").replacingOccurrences(of: "series: 600", with: "series: 4000")
            .replacingOccurrences(of: "train: 400, valid: 100, test: 100", with: "train: 2400, valid: 800, test: 800")
            .write(toFile: folder + "/slurm.yaml", atomically: true, encoding: .utf8)
        let arguments = ["sweep", "slurm.yaml", "--backend", "slurm", "--parallel", "2", "--grid", "model.0.units=4,5,6"]
        let detached = try runSeqtrain(arguments + ["--detach"], in: folder)
        XCTAssertEqual(detached.status, 0, detached.stdout + detached.stderr)
        XCTAssertTrue(detached.stdout.contains("detached"), detached.stdout)
        let sweep = try sweepFolder(folder + "/runs")
        let plan = try SweepPlan.load(folder: sweep)
        // Wait until some task trains, then cancel it (Slurm sends SIGTERM: the run stops between batches).
        var cancelled: Int?
        for _ in 0..<600 where cancelled == nil {
            Thread.sleep(forTimeInterval: 0.1)
            if let running = plan.points.indices.first(where: { plan.epochsTrained($0) >= 1 && !plan.isComplete($0) }) {
                let jobs = try runTool("/usr/bin/squeue", ["-h", "-r", "--name=\(SlurmExecutor.jobName(plan))", "-o", "%i %K"])
                if let line = jobs.split(separator: "\n").first(where: { $0.hasSuffix(" \(running)") }) {
                    _ = try runTool("/usr/bin/scancel", [String(line.split(separator: " ")[0])])
                    cancelled = running
                }
            }
        }
        let index = try XCTUnwrap(cancelled, "no task was seen training")
        // Detached again, the command reports progress and collects nothing.
        let report = try runSeqtrain(arguments + ["--detach"], in: folder)
        XCTAssertEqual(report.status, 0, report.stdout + report.stderr)
        XCTAssertTrue(report.stdout.contains("still running from an earlier submission"), report.stdout)
        // Waiting, it follows the array to its end, then resubmits only the cancelled point, which resumes its own run.
        let rerun = try runSeqtrain(arguments, in: folder)
        XCTAssertEqual(rerun.status, 0, rerun.stdout + rerun.stderr)
        XCTAssertTrue(rerun.stdout.contains("2 complete runs kept") && rerun.stdout.contains("1 point (\(index))"), rerun.stdout)
        XCTAssertTrue(try String(contentsOfFile: plan.logPath(index), encoding: .utf8).contains("Resuming "), "the point resumed its run")
        for point in plan.points.indices {
            XCTAssertEqual(plan.runs(point).map(\.status.state), [.finished], "point \(point): one run folder, finished")
        }
        let csv = try String(contentsOfFile: sweep + "/sweep.csv", encoding: .utf8)
        XCTAssertEqual(csv.components(separatedBy: ",finished,").count - 1, 3, csv)
    }

    func testRandomAndHalvingSweepsGiveTheSameResultsOnBothBackends() throws {
        let folder = try temporaryFolder(self)
        try (config.replacingOccurrences(of: "epochs: 3", with: "epochs: 4") + """

            sweep:
              method: halving
              trials: 4
              seed: 11
              parameters:
                train.optimizer.learning_rate: {log_uniform: [1.0e-3, 3.0e-2]}
                model.0.units: {int_uniform: [3, 8]}
              halving: {metric: val_loss, min_epochs: 1, eta: 2}
            """).write(toFile: folder + "/halving.yaml", atomically: true, encoding: .utf8)
        var tables: [String] = []
        for (runs, backend) in [("local", "local"), ("cluster", "slurm")] {
            let result = try runSeqtrain(["sweep", "halving.yaml", "--runs-dir", runs, "--backend", backend, "--parallel", "2"], in: folder)
            XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
            XCTAssertTrue(result.stdout.contains("rung 3/3: 1 point to epoch 4"), result.stdout)
            let sweep = folder + "/\(runs)/slurm/" + (try FileManager.default.contentsOfDirectory(atPath: folder + "/\(runs)/slurm")[0])
            let rungs = try JSONDecoder().decode([SweepRunner.Rung].self, from: Data(contentsOf: URL(fileURLWithPath: sweep + "/rungs.json")))
            XCTAssertEqual(rungs.map(\.epochs), [1, 2, 4])
            XCTAssertEqual(rungs.map(\.points.count), [4, 2, 1])
            // The table without run folders and seconds: values, status, rung, epochs, figures.
            let csv = try String(contentsOfFile: sweep + "/sweep.csv", encoding: .utf8).split(separator: "\n").map { line -> String in
                var cells = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
                cells.remove(at: 2)
                return cells.dropLast().joined(separator: ",")
            }
            XCTAssertEqual(csv.filter { $0.contains(",finished,") }.count, 1, csv.joined(separator: "\n"))
            tables.append(csv.joined(separator: "\n"))
        }
        XCTAssertEqual(tables[0], tables[1])
        // A random sweep: the same file gives the same points.
        let spec = try XCTUnwrap(ExperimentParser.sweepSpec(path: folder + "/halving.yaml"))
        XCTAssertEqual(spec.points, try XCTUnwrap(ExperimentParser.sweepSpec(path: folder + "/halving.yaml")).points)
        XCTAssertEqual(spec.points.count, 4)
    }

    /// A cluster started from a Swift process: the daemons must not keep the descriptors they were started
    /// with. munged kept the socket by which Foundation's `Process` learns that its child ended, so
    /// `swift test` on a machine whose cluster was down waited forever in this class's set-up.
    func testStartingTheClusterFromSwiftEndsAndLeavesTheDaemonsNoDescriptorOfTheCaller() throws {
        _ = try runTool("/bin/bash", [repositoryRoot + "/scripts/slurm/local-cluster.sh", "down"])
        XCTAssertNil(Self.startCluster(seconds: 120))
        // Every pipe and socket this test process holds, by inode; none of them may be open in a daemon.
        func inodes(_ pid: String) -> Set<String> {
            let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")) ?? []
            return Set(fds.compactMap { try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\($0)") }
                .filter { $0.hasPrefix("pipe:") || $0.hasPrefix("socket:") })
        }
        let mine = inodes("self")
        // munged's own pidfile: the script copies it to its run folder only when it started munged itself.
        for (daemon, pidfile) in [("munged", "/run/munge/munged.pid"), ("slurmctld", "/tmp/seqtrain-slurm/run/slurmctld.pid"),
                                  ("slurmd", "/tmp/seqtrain-slurm/run/slurmd.pid")] {
            let pid = try String(contentsOfFile: pidfile, encoding: .utf8)
                .trimmingCharacters(in: .whitespacesAndNewlines)
            XCTAssertTrue(FileManager.default.fileExists(atPath: "/proc/\(pid)"), "\(daemon) runs")
            XCTAssertTrue(inodes(pid).isDisjoint(with: mine), "\(daemon) holds a descriptor of the process that started it")
        }
    }

    /// The set-up's bounded run reads what the script writes as it goes: apt-get's log, or show_logs'
    /// 120 lines, may fill the pipe, and a reader that waited for the end first waited out its bound.
    func testABoundedRunReadsMoreOutputThanAPipeHolds() throws {
        let ran = try Self.runBounded("/bin/bash", ["-c", "head -c 200000 /dev/zero | tr '\\0' x; exit 3"], seconds: 20)
        XCTAssertEqual(ran?.status, 3)
        XCTAssertEqual(ran?.output.count, 200_000)
        XCTAssertEqual(ran.map { Set($0.output) }, ["x"])
    }

    /// Runs a tool and returns its output.
    func runTool(_ path: String, _ arguments: [String]) throws -> String { try ChildProcesses.capture(path, arguments).output }
}
