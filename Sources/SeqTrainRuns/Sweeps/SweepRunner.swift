import Foundation
import SeqTrainCore
import SeqTrainTraining

/// Runs a planned sweep on an executor, rung by rung. A grid or random sweep is one rung of full
/// runs. A halving sweep trains every point `min_epochs`, then the best `1/eta` by its metric to
/// `min_epochs·eta` epochs by resuming their own runs, and so on up to `train.epochs`; the rungs are
/// kept in `rungs.json` in the sweep folder, so an interrupted or detached halving sweep continues
/// where it stopped when the same command runs again.
public struct SweepRunner {
    /// One rung: the epochs its points train to and which points they are.
    public struct Rung: Codable, Equatable {
        /// The epochs every point of the rung trains to.
        public var epochs: Int
        /// The points, by index.
        public var points: [Int]
    }

    /// How a call ended.
    public enum Outcome: Equatable {
        /// Every rung ran; `unfinished` points failed or did not reach their rung's epochs.
        case ended(unfinished: Int)
        /// Points were submitted and are still running (a detached executor).
        case detached
    }

    /// The plan.
    public let plan: SweepPlan
    /// Where the points run.
    public let executor: any SweepExecutor
    /// Where the messages go.
    public let console: Console

    /// A runner of `plan` on `executor`.
    public init(plan: SweepPlan, executor: any SweepExecutor, console: Console) {
        self.plan = plan
        self.executor = executor
        self.console = console
    }

    /// `rungs.json` of the sweep folder.
    public var rungsPath: String { plan.absoluteFolder + "/rungs.json" }

    /// The rungs decided so far (the first: every point).
    public func rungs() throws -> [Rung] {
        let first = Rung(epochs: plan.budgets[0], points: Array(plan.points.indices))
        guard plan.halving != nil, let data = FileManager.default.contents(atPath: rungsPath) else { return [first] }
        // Each rung trains to its budget, and its points are some of the rung before's, each once, in order.
        guard let rungs = try? JSONDecoder().decode([Rung].self, from: data), rungs.first == first,
              rungs.count <= plan.budgets.count, zip(rungs, plan.budgets).allSatisfy({ $0.epochs == $1 }),
              zip(rungs, rungs.dropFirst()).allSatisfy({ earlier, later in
                  !later.points.isEmpty && later.points == Array(Set(later.points)).sorted() && Set(later.points).isSubset(of: earlier.points)
              }) else {
            throw RunReadError(path: rungsPath, problem: "not the rungs of this sweep's plan; move it away to start the halving again")
        }
        return rungs
    }

    /// Runs whatever is left; returns when every rung has run, or when the executor detached.
    public func run() throws -> Outcome {
        var rungs = try rungs()
        while true {
            let index = rungs.count - 1, rung = rungs[index]
            if plan.halving != nil {
                console.write("rung \(index + 1)/\(plan.budgets.count): \(rung.points.count) point\(rung.points.count == 1 ? "" : "s") to epoch \(rung.epochs)\n")
            }
            let active = try executor.activePoints(plan)
            if !active.isEmpty {
                console.write("\(active.count) point\(active.count == 1 ? " is" : "s are") still running from an earlier submission\n")
                let progress = SweepProgress(done: 0, total: active.count, console: console)
                guard try executor.wait(plan, for: active, progress: progress) else { return .detached }
            }
            let failed = rung.points.filter { plan.failedRun($0) != nil }
            let done = rung.points.filter { !failed.contains($0) && plan.hasReached($0, epochs: rung.epochs) }
            // A point that another live process trains (a second sweep of the same config) is left to it,
            // unless the executor knows which of its own tasks are alive (a Slurm array).
            let busy = executor.takesOverStaleRuns ? [] : rung.points.filter { !failed.contains($0) && !done.contains($0) && plan.runningRun($0) != nil }
            let pending = rung.points.filter { !failed.contains($0) && !done.contains($0) && !busy.contains($0) }
            if !done.isEmpty { console.write("\(done.count) complete run\(done.count == 1 ? "" : "s") kept\n") }
            if !failed.isEmpty {
                console.write("\(failed.count) failed run\(failed.count == 1 ? "" : "s") kept: training is deterministic, so they would fail again\n")
            }
            if !busy.isEmpty {
                console.write("\(busy.count) run\(busy.count == 1 ? " is" : "s are") being trained by another process, left to it\n")
            }
            if !pending.isEmpty {
                let progress = SweepProgress(done: done.count + failed.count + busy.count, total: rung.points.count, console: console)
                let budget = rung.epochs < plan.epochs ? rung.epochs : nil
                do {
                    guard try executor.run(plan, points: pending, untilEpoch: budget, progress: progress) else { return .detached }
                } catch let stopped as StoppedBySignal {
                    // The table shows the stopped points as interrupted (their runs say so) before the sweep ends.
                    try? AtomicFile.write(SweepTable.csv(plan, rungs: rungs.map(\.points)), to: plan.absoluteFolder + "/sweep.csv")
                    throw stopped
                }
            }
            guard let halving = plan.halving, index + 1 < plan.budgets.count else { break }
            // A point that neither failed nor reached the rung's epochs (a cancelled task, a killed child, a
            // run another process still trains) is owed its place in the ranking: deciding the next rung
            // without it would be for good, so the rung stays open and the same command finishes it.
            let unreached = rung.points.filter { plan.failedRun($0) == nil && !plan.hasReached($0, epochs: rung.epochs) }
            guard unreached.isEmpty else {
                console.write("\(unreached.count) point\(unreached.count == 1 ? "" : "s") did not reach epoch \(rung.epochs): rung \(index + 1) "
                    + "is not ranked until \(unreached.count == 1 ? "it does" : "they do") (run the same command again)\n")
                break
            }
            // The best 1/eta by the metric over the rung's epochs go on; failed and unfinished points do not.
            let ranked = rung.points.filter { plan.hasReached($0, epochs: rung.epochs) }
                .compactMap { point in plan.metric(point, halving.metric, upTo: rung.epochs).map { (point, $0) } }
                .sorted { ($0.1, $0.0) < ($1.1, $1.0) }
            let survivors = ranked.prefix(halving.survivors(of: rung.points.count)).map(\.0).sorted()
            guard !survivors.isEmpty else { break }
            console.write("rung \(index + 1) ranked by \(halving.metric): " + ranked.prefix(8).map { "\(plan.points[$0.0].label) \($0.1)" }
                .joined(separator: ", ") + (ranked.count > 8 ? ", …" : "") + "\n")
            rungs.append(Rung(epochs: plan.budgets[index + 1], points: survivors))
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted]
            try AtomicFile.write(try encoder.encode(rungs), to: rungsPath)
        }
        try AtomicFile.write(SweepTable.csv(plan, rungs: rungs.map(\.points)), to: plan.absoluteFolder + "/sweep.csv")
        _ = try SweepHParams.write(plan)
        // A point is unfinished when it did not reach the epochs of the last rung it was in.
        let unfinished = plan.points.indices.filter { point in
            guard let last = rungs.lastIndex(where: { $0.points.contains(point) }) else { return false }
            return !plan.hasReached(point, epochs: rungs[last].epochs) || plan.failedRun(point) != nil
        }
        return .ended(unfinished: unfinished.count)
    }
}
