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
    /// the error is thrown.
    public func run(_ plan: SweepPlan, points indices: [Int], untilEpoch: Int?, progress: SweepProgress) throws -> Bool {
        let slots = DispatchSemaphore(value: parallel)
        let group = DispatchGroup()
        var startError: Error?
        for index in indices {
            slots.wait()
            do {
                try start(plan, index, untilEpoch: untilEpoch, group: group) { status in
                    progress.finished(plan.points[index].label, status: status)
                    slots.signal()
                }
            } catch {
                slots.signal()
                startError = error
                break
            }
        }
        group.wait()
        if let startError { throw startError }
        return true
    }

    /// Starts point `index` as a child process in `group`; `ended` gets its exit status.
    private func start(_ plan: SweepPlan, _ index: Int, untilEpoch: Int?, group: DispatchGroup,
                       ended: @escaping @Sendable (Int32) -> Void) throws {
        try RunFolder.makeFolders(plan.pointFolder(index))
        let log = try Self.appending(plan.logPath(index))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["sweep-point", plan.absoluteFolder, "\(index)", "--threads", "\(threads)"]
            + (untilEpoch.map { ["--until-epoch", "\($0)"] } ?? [])
        process.standardOutput = log
        process.standardError = log
        group.enter()
        process.terminationHandler = { finished in
            try? log.close()
            ended(finished.terminationStatus)
            group.leave()
        }
        do {
            try process.run()
        } catch {
            try? log.close()
            group.leave()
            throw FileWriteError(path: executable, reason: "cannot start it: \(error)")
        }
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
