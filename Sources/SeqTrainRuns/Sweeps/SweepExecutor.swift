import Foundation
import SeqTrainTraining

/// Where the points of a sweep run: the local process pool, or (later) a cluster scheduler. An
/// executor changes where a point runs, never a number: every point runs `seqtrain sweep-point`.
/// Adding an executor is one file with a type conforming to this protocol.
public protocol SweepExecutor {
    /// A short description for the terminal, e.g. `2 at a time on this machine`.
    var description: String { get }
    /// Runs the points `indices` of `plan`, telling `progress` as each ends; returns when all have ended.
    func run(_ plan: SweepPlan, points indices: [Int], progress: SweepProgress) throws
}

/// Counts the ended points of a sweep and prints `[done/total] label: done` as each ends (from any thread).
public final class SweepProgress: @unchecked Sendable {
    private let lock = NSLock()
    private var done: Int
    private var failures = 0
    private let total: Int
    private let console: Console

    /// Progress over `total` points of which `done` were complete before the sweep started.
    public init(done: Int, total: Int, console: Console) {
        self.done = done
        self.total = total
        self.console = console
    }

    /// A point ended with a process exit `status` (0 is success).
    public func finished(_ label: String, status: Int32) {
        lock.lock()
        defer { lock.unlock() }
        done += 1
        if status != 0 { failures += 1 }
        console.write("[\(done)/\(total)] \(label): \(status == 0 ? "done" : "failed (status \(status))")\n")
    }

    /// Points that ended with a non-zero status.
    public var failed: Int {
        lock.lock()
        defer { lock.unlock() }
        return failures
    }
}
