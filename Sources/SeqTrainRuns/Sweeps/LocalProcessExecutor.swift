import Foundation
import SeqTrainCore

/// Runs a sweep's points as child processes of this machine, `parallel` at a time, each with
/// `threads` threads; each point's output is appended to `output.log` in its folder.
public struct LocalProcessExecutor: SweepExecutor {
    /// The `seqtrain` executable the children run.
    public var executable: String
    /// Points at once.
    public var parallel: Int
    /// Threads per point.
    public var threads: Int

    /// An executor running `executable sweep-point …`.
    public init(executable: String, parallel: Int, threads: Int) {
        self.executable = executable
        self.parallel = parallel
        self.threads = threads
    }

    public var description: String { "\(parallel) at a time" }

    /// Starts the points in order, `parallel` at a time. A point that cannot be started (its folder
    /// or log cannot be made) stops the starting; the points already running are waited for, then
    /// the error is thrown. SIGINT or SIGTERM stops the starting too and is passed on to every
    /// running point, which stops at its next batch as interrupted; once they have ended,
    /// `StoppedBySignal` is thrown (the same command run again resumes them).
    public func run(_ plan: SweepPlan, points indices: [Int], untilEpoch: Int?, progress: SweepProgress) throws -> Bool {
        ChildProcesses.install()
        defer { ChildProcesses.uninstall() }
        let children = RunningChildren()
        var startError: Error?
        var started = 0
        for index in indices {
            while children.count >= parallel && ChildProcesses.stopRequested == 0 { usleep(20_000) }
            if ChildProcesses.stopRequested != 0 { break }
            do {
                try start(plan, index, untilEpoch: untilEpoch, children: children) { status in
                    progress.finished(plan.points[index].label, status: status)
                }
                started += 1
            } catch {
                startError = error
                break
            }
        }
        // Wait for the running points, passing a stop request on to them once.
        var forwarded: Int32 = 0
        while children.count > 0 {
            if forwarded == 0, ChildProcesses.stopRequested != 0 {
                forwarded = ChildProcesses.stopRequested
                children.send(forwarded)
            }
            usleep(20_000)
        }
        if let startError { throw startError }
        let signal = forwarded != 0 ? forwarded : ChildProcesses.stopRequested
        if signal != 0 {
            let unstarted = indices.count - started
            throw StoppedBySignal(signal: signal, what: "the running points were stopped and recorded as interrupted"
                + (unstarted > 0 ? ", \(unstarted) point\(unstarted == 1 ? " was" : "s were") not started" : "")
                + "; run the same command again to go on")
        }
        return true
    }

    /// Starts point `index` as a child process in a process group of its own, tracked in `children`;
    /// `ended` gets its exit status.
    private func start(_ plan: SweepPlan, _ index: Int, untilEpoch: Int?, children: RunningChildren,
                       ended: @escaping @Sendable (Int32) -> Void) throws {
        try RunFolder.makeFolders(plan.pointFolder(index))
        let log = try Self.appending(plan.logPath(index))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["sweep-point", plan.absoluteFolder, "\(index)", "--threads", "\(threads)"]
            + (untilEpoch.map { ["--until-epoch", "\($0)"] } ?? [])
        process.environment = ChildProcesses.childEnvironment
        process.standardOutput = log
        process.standardError = log
        let started = DispatchSemaphore(value: 0)
        process.terminationHandler = { finished in
            started.wait()  // added to `children` before it is removed
            try? log.close()
            ended(finished.terminationStatus)
            children.remove(finished)
        }
        do {
            try process.run()
        } catch {
            try? log.close()
            throw FileWriteError(path: executable, reason: "cannot start it: \(error)")
        }
        children.add(process)
        started.signal()
    }

    /// A file handle appending to `path` (created when missing).
    static func appending(_ path: String) throws -> FileHandle {
        if !FileManager.default.fileExists(atPath: path) {
            guard FileManager.default.createFile(atPath: path, contents: nil) else {
                throw FileWriteError(path: path, reason: "cannot create it")
            }
        }
        guard let handle = FileHandle(forWritingAtPath: path) else { throw FileWriteError(path: path, reason: "cannot open it") }
        handle.seekToEndOfFile()
        return handle
    }
}
