import Foundation
import SeqTrain
import XCTest

/// One writer per run and per sweep, and children that stop with their parent: real processes of the
/// built executable, real signals to real process groups.
final class ConcurrencyTests: XCTestCase {
    /// Slow enough (seconds per epoch) that a second process always meets the first still training.
    static let slow = """
        name: busy
        seed: 3
        data: {source: {generator: sine, series: 8000}, window: 50, split: {train: 7000, valid: 500, test: 500}}
        model:
          - SimpleRNN: {units: 32, return_sequences: true}
          - SimpleRNN: {units: 32}
          - Dense: {units: 1}
        train: {epochs: 1000}
        """

    func folderWithConfig() throws -> String {
        let folder = try temporaryFolder(self)
        try Self.slow.write(toFile: folder + "/busy.yaml", atomically: true, encoding: .utf8)
        return folder
    }

    /// Polls `condition` every 20 ms for up to `seconds`.
    func waitFor(_ what: String, seconds: Double = 120, _ condition: () -> Bool) {
        let deadline = Date().addingTimeInterval(seconds)
        while !condition() {
            guard Date() < deadline else { return XCTFail("timed out waiting for \(what)") }
            usleep(20_000)
        }
    }

    /// Whether a process exists and has not ended (a zombie has ended).
    static func alive(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let end = stat.lastIndex(of: ")") else { return false }
        return !stat[stat.index(end, offsetBy: 2)...].hasPrefix("Z")
    }

    /// The processes whose parent is `pid`.
    static func children(of pid: Int32) -> [Int32] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap(Int32.init).filter { child in
            guard let stat = try? String(contentsOfFile: "/proc/\(child)/stat", encoding: .utf8), let end = stat.lastIndex(of: ")") else { return false }
            let fields = stat[stat.index(end, offsetBy: 2)...].split(separator: " ")
            return fields.count > 1 && Int32(fields[1]) == pid
        }
    }

    /// The run folders of the busy config under `runs`.
    func runs(_ folder: String) -> [String] {
        RunIndex.scan(folder + "/runs").map(\.path).sorted()
    }

    func testASecondWriterOfARunIsRefusedAndAKilledWritersLockNeverBlocks() throws {
        let folder = try folderWithConfig()
        let trainer = try startSeqtrain(["busy.yaml", "--threads", "1"], in: folder, log: "train")
        defer { if trainer.isRunning { kill(trainer.processIdentifier, SIGKILL) } }
        waitFor("the run to start") { runs(folder).count == 1 }
        let run = try XCTUnwrap(runs(folder).first)
        let second = try runSeqtrain(["resume", run], in: folder)
        XCTAssertEqual(second.status, 1, second.stdout)
        XCTAssertTrue(second.stderr.contains("run folder \(run) is in use by process \(trainer.processIdentifier) (host "), second.stderr)
        XCTAssertTrue(trainer.isRunning, "the trainer goes on")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: run + "/checkpoints").filter { $0.contains(".tmp-") }, [],
                       "resume touched nothing")
        // A writer killed with -9 leaves its lock file, and no lock: the next writer takes it at once.
        kill(trainer.processIdentifier, SIGKILL)
        trainer.waitUntilExit()
        XCTAssertNoThrow(try FolderLock(run, kind: "run folder"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: run + "/.lock"))
        // In one process too, two locks of one folder exclude each other.
        let held = try FolderLock(run, kind: "run folder")
        XCTAssertThrowsError(try FolderLock(run, kind: "run folder")) { XCTAssertTrue("\($0)".contains("in use by process \(getpid())"), "\($0)") }
        withExtendedLifetime(held) {}
    }

    /// Starts a sweep of two points, two at a time, and waits until both children train; returns it and the children's pids.
    func startSweep(_ folder: String) throws -> (sweep: Process, children: [Int32]) {
        let sweep = try startSeqtrain(["sweep", "busy.yaml", "--grid", "train.optimizer.learning_rate=0.001,0.002", "--parallel", "2"],
                                      in: folder, log: "sweep")
        addTeardownBlock { if sweep.isRunning { kill(sweep.processIdentifier, SIGKILL) } }
        waitFor("both points to train") {
            runs(folder).count == 2 && runs(folder).allSatisfy { (try? OpenedRun.open($0).status.state) == .running }
        }
        let children = Self.children(of: sweep.processIdentifier)
        XCTAssertEqual(children.count, 2)
        // The sweep leads a process group of its own (as a shell's job does): a signal to it does not reach these tests.
        XCTAssertEqual(getpgid(sweep.processIdentifier), sweep.processIdentifier)
        return (sweep, children)
    }

    /// After the sweep ended: no child survives, and both points are interrupted (the same command resumes them).
    func assertStopped(_ folder: String, children: [Int32], file: StaticString = #filePath, line: UInt = #line) throws {
        waitFor("the children to end", seconds: 10) { !children.contains(where: Self.alive) }
        XCTAssertEqual(children.filter(Self.alive), [], "children survived the sweep", file: file, line: line)
        for run in runs(folder) {
            XCTAssertEqual(try OpenedRun.open(run).status.state, .interrupted, run, file: file, line: line)
        }
        let csv = try String(contentsOfFile: try XCTUnwrap(RunIndex.scan(folder + "/runs").first).path + "/../../sweep.csv", encoding: .utf8)
        XCTAssertEqual(csv.components(separatedBy: ",interrupted,").count, 3, csv, file: file, line: line)
    }

    /// Slurm's commands (and the tests' seqtrain) run through `ChildProcesses.capture`, which must read
    /// both pipes as the child writes: one that writes more than a pipe holds to standard error before
    /// closing its output blocked a reader that read the output to its end first.
    func testCaptureReadsBothPipesWhileTheChildWrites() throws {
        final class Result: @unchecked Sendable { var value: (status: Int32, output: String, error: String)? }
        let result = Result(), done = DispatchSemaphore(value: 0)
        let script = "head -c 200000 /dev/zero | tr '\\0' e >&2; head -c 100000 /dev/zero | tr '\\0' o; exit 4"
        Thread.detachNewThread {
            result.value = try? ChildProcesses.capture("/bin/bash", ["-c", script])
            done.signal()
        }
        XCTAssertEqual(done.wait(timeout: .now() + 60), .success, "capture never returned")
        let ran = try XCTUnwrap(result.value)
        XCTAssertEqual(ran.status, 4)
        XCTAssertEqual(ran.output, String(repeating: "o", count: 100_000))
        XCTAssertEqual(ran.error, String(repeating: "e", count: 200_000))
    }

    func testCtrlCToTheSweepsProcessGroupStopsEveryChild() throws {
        let folder = try folderWithConfig()
        let (sweep, children) = try startSweep(folder)
        // A second sweep of the same config meets the first's lock.
        let second = try runSeqtrain(["sweep", "busy.yaml", "--grid", "train.optimizer.learning_rate=0.001,0.002"], in: folder)
        XCTAssertEqual(second.status, 1, second.stdout)
        XCTAssertTrue(second.stderr.contains("is in use by process \(sweep.processIdentifier) (host "), second.stderr)
        XCTAssertEqual(runs(folder).count, 2, "the second sweep started nothing")
        kill(-sweep.processIdentifier, SIGINT)  // what the terminal does on Ctrl-C
        sweep.waitUntilExit()
        XCTAssertEqual(sweep.terminationStatus, 130)
        try assertStopped(folder, children: children)
        let said = try String(contentsOfFile: folder + "/sweep.err", encoding: .utf8)
        XCTAssertTrue(said.contains("stopped by SIGINT: the running points were stopped and recorded as interrupted"), said)
    }

    func testSIGTERMToTheSweepAloneStopsEveryChild() throws {
        let folder = try folderWithConfig()
        let (sweep, children) = try startSweep(folder)
        kill(sweep.processIdentifier, SIGTERM)
        sweep.waitUntilExit()
        XCTAssertEqual(sweep.terminationStatus, 128 + SIGTERM)
        try assertStopped(folder, children: children)
    }

    func testASweepKilledWithoutAWordStillStopsItsChildren() throws {
        let folder = try folderWithConfig()
        let (sweep, children) = try startSweep(folder)
        kill(sweep.processIdentifier, SIGKILL)
        sweep.waitUntilExit()
        waitFor("the children to end", seconds: 30) { !children.contains(where: Self.alive) }
        XCTAssertEqual(children.filter(Self.alive), [], "children survived the sweep")
        for run in runs(folder) {
            XCTAssertEqual(try OpenedRun.open(run).status.state, .interrupted, run)
        }
    }

    /// The child that `bench` measures in, once it runs (and has had time to install its handlers).
    private func benchChild(_ bench: Process) -> Int32 {
        var child: Int32 = 0
        waitFor("bench's child") {
            child = Self.children(of: bench.processIdentifier).first ?? 0
            return child != 0
        }
        usleep(300_000)
        return child
    }

    func testCtrlCToBenchStopsItsChild() throws {
        let folder = try folderWithConfig()
        let bench = try startSeqtrain(["bench", "busy.yaml", "--epochs", "1000", "--threads", "1"], in: folder, log: "bench")
        defer { if bench.isRunning { kill(bench.processIdentifier, SIGKILL) } }
        let child = benchChild(bench)
        XCTAssertEqual(getpgid(bench.processIdentifier), bench.processIdentifier)
        kill(-bench.processIdentifier, SIGINT)
        bench.waitUntilExit()
        XCTAssertEqual(bench.terminationStatus, 130)
        waitFor("the child to end", seconds: 10) { !Self.alive(child) }
        XCTAssertFalse(Self.alive(child), "bench's child survived it")
    }

    /// bench --scale measures each point in a child: a Ctrl-C to bench's group, a SIGTERM to bench
    /// alone and a kill -9 of bench all end that child too (it ran on, orphaned, before).
    func testSignalsToBenchScaleStopItsChild() throws {
        let folder = try temporaryFolder(self)
        for signal in [SIGINT, SIGTERM, SIGKILL] {
            let bench = try startSeqtrain(["bench", "--scale", repositoryRoot + "/configs/deep_rnn.yaml", "--series", "100000",
                                           "--scale-units", "256", "--steps", "100000", "--threads", "1", "--output", "scale.svg"],
                                          in: folder, log: "bench-\(signal)")
            defer { if bench.isRunning { kill(bench.processIdentifier, SIGKILL) } }
            let child = benchChild(bench)
            kill(signal == SIGINT ? -bench.processIdentifier : bench.processIdentifier, signal)
            bench.waitUntilExit()
            XCTAssertEqual(bench.terminationStatus, signal == SIGKILL ? SIGKILL : 128 + signal, "signal \(signal)")
            waitFor("the child to end", seconds: 10) { !Self.alive(child) }
            XCTAssertFalse(Self.alive(child), "bench --scale's child survived signal \(signal)")
            if Self.alive(child) { kill(child, SIGKILL) }
        }
    }

    /// verify trains a scratch copy in $TMPDIR: SIGINT or SIGTERM there removes it before the process ends.
    func testAnInterruptedVerifyRemovesItsScratchRun() throws {
        let folder = try folderWithConfig()
        let run = try TrainingRun.train(try ExperimentParser.load(path: folder + "/busy.yaml"), source: nil, runsDir: folder + "/runs",
                                        threads: 2, console: .silent, untilEpoch: 1)
        let scratch = folder + "/tmp"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        for signal in [SIGINT, SIGTERM] {
            let verify = Process()
            verify.executableURL = seqtrainExecutable
            verify.arguments = ["verify", run.path, "--threads", "1"]
            verify.environment = ProcessInfo.processInfo.environment.merging(["TMPDIR": scratch + "/"]) { $1 }
            verify.standardOutput = FileHandle.nullDevice
            verify.standardError = FileHandle.nullDevice
            try verify.run()
            waitFor("the scratch run") { !((try? FileManager.default.contentsOfDirectory(atPath: scratch)) ?? []).isEmpty }
            kill(verify.processIdentifier, signal)
            verify.waitUntilExit()
            XCTAssertEqual(verify.terminationStatus, 128 + signal)
            XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: scratch), [], "signal \(signal)")
        }
    }
}
