import Foundation
import SeqTrainTraining

/// Where the points of a sweep run: the local process pool, or a Slurm cluster. An executor changes
/// where a point runs, never a number: every point runs `seqtrain sweep-point SWEEP_DIR INDEX`.
/// Adding an executor is one file with a type conforming to this protocol.
public protocol SweepExecutor {
    /// A short description for the terminal, e.g. `2 at a time`.
    var description: String { get }
    /// Points of `plan` still running from an earlier call (a detached job array); they are not started again.
    func activePoints(_ plan: SweepPlan) throws -> Set<Int>
    /// Runs the points `indices` of `plan`, each until `untilEpoch` (nil: to the end), telling `progress`
    /// as each ends. Returns true when all have ended, false when it returned without waiting (detached).
    func run(_ plan: SweepPlan, points indices: [Int], untilEpoch: Int?, progress: SweepProgress) throws -> Bool
    /// Waits for points an earlier call left running; false when it returned without waiting (detached).
    func wait(_ plan: SweepPlan, for indices: Set<Int>, progress: SweepProgress) throws -> Bool
    /// Whether a run whose status says another process trains it may be resumed (the executor knows
    /// which of its tasks are alive, and its points run with `--takeover`).
    var takesOverStaleRuns: Bool { get }
}

extension SweepExecutor {
    /// Nothing outlives a call.
    public func activePoints(_ plan: SweepPlan) throws -> Set<Int> { [] }
    /// Nothing to wait for.
    public func wait(_ plan: SweepPlan, for indices: Set<Int>, progress: SweepProgress) throws -> Bool { true }
    /// A running status is another process's.
    public var takesOverStaleRuns: Bool { false }
}

/// Counts the ended points of a sweep and prints `[done/total] label: done` as each ends (from any thread).
public final class SweepProgress: @unchecked Sendable {
    private let lock = NSLock()
    private var done: Int
    private var failures = 0
    private let total: Int
    /// Where lines go.
    public let console: Console

    /// Progress over `total` points of which `done` had ended before.
    public init(done: Int, total: Int, console: Console) {
        self.done = done
        self.total = total
        self.console = console
    }

    /// A point ended with a process exit `status` (0 is success), or with `what` happened.
    public func finished(_ label: String, status: Int32, what: String? = nil) {
        lock.lock()
        defer { lock.unlock() }
        done += 1
        if status != 0 { failures += 1 }
        // 130: a point stopped by a signal (passed on by the sweep); its run is interrupted, not failed.
        console.write("[\(done)/\(total)] \(label): \(what ?? (status == 0 ? "done" : status == 130 ? "interrupted" : "failed (status \(status))"))\n")
    }

    /// Points that ended with a non-zero status.
    public var failed: Int {
        lock.lock()
        defer { lock.unlock() }
        return failures
    }
}
