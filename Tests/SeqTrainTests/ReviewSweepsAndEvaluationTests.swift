import Foundation
import SeqTrain
import XCTest

/// The review of sweeps past one machine (random search, successive halving, Slurm) and of their
/// evaluation: what a hostile user can do to a sweep, and what it must say.
final class ReviewSweepsAndEvaluationTests: XCTestCase {
    /// Runs the points in this process, except those in `skipped` (a cancelled task, a killed child).
    struct InProcessExecutor: SweepExecutor {
        var skipped: Set<Int> = []
        var description: String { "in this process" }

        func run(_ plan: SweepPlan, points indices: [Int], untilEpoch: Int?, progress: SweepProgress) throws -> Bool {
            for index in indices where !skipped.contains(index) {
                try plan.runPoint(index, threads: 1, console: Console(interactive: false) { _ in }, untilEpoch: untilEpoch)
                progress.finished(plan.points[index].label, status: 0)
            }
            return true
        }
    }

    /// A halving sweep of 3 points over epochs 1 then 3, planned in a new folder.
    func halvingPlan() throws -> SweepPlan {
        let folder = try temporaryFolder(self)
        try """
            name: halve
            data: {source: {generator: sine, series: 300}, window: 8, split: {train: 200, valid: 50, test: 50}}
            model: [Flatten, {Dense: {units: 1}}]
            train: {epochs: 3}
            sweep:
              method: halving
              parameters:
                train.optimizer.learning_rate: [0.001, 0.01, 0.1]
              halving: {min_epochs: 1, eta: 3}
            """.write(toFile: folder + "/halve.yaml", atomically: true, encoding: .utf8)
        let plan = try SweepPlan.make(configFile: folder + "/halve.yaml", gridArguments: [], baseOverrides: [], runsDir: folder + "/runs")
        try plan.write()
        XCTAssertEqual(plan.budgets, [1, 3])
        return plan
    }

    func runner(_ plan: SweepPlan, _ executor: InProcessExecutor = InProcessExecutor()) -> SweepRunner {
        SweepRunner(plan: plan, executor: executor, console: Console(interactive: false) { _ in })
    }

    /// A rung whose task was cancelled (scancel) or whose child was killed used to be ranked without
    /// it, and the next rung decided for good: the point was never trained again. The rung now stays
    /// open until every point has reached it or failed, and the same command finishes it.
    func testAHalvingRungIsNotRankedWithoutAPointThatDidNotReachIt() throws {
        let plan = try halvingPlan()
        XCTAssertEqual(try runner(plan, InProcessExecutor(skipped: [0])).run(), .ended(unfinished: 1))
        XCTAssertEqual(try runner(plan).rungs().count, 1, "no rung decided without point 0")
        XCTAssertFalse(FileManager.default.fileExists(atPath: runner(plan).rungsPath))

        XCTAssertEqual(try runner(plan).run(), .ended(unfinished: 0))
        let rungs = try runner(plan).rungs()
        XCTAssertEqual(rungs.map(\.epochs), [1, 3])
        let ranked = (0..<3).compactMap { plan.metric($0, "val_loss", upTo: 1) }
        XCTAssertEqual(ranked.count, 3, "every point reached rung 1")
        XCTAssertEqual(rungs[1].points, [try XCTUnwrap(ranked.indices.min { ranked[$0] < ranked[$1] })], "the best of all 3 goes on")
    }

    /// A tampered `rungs.json` (a negative budget crashed the sweep with exit 132; extra rungs, points
    /// that never were in the rung before, and a point twice were run) is refused, naming the file.
    func testTamperedRungsAreRefused() throws {
        let plan = try halvingPlan()
        let runner = runner(plan)
        let first = #"{"epochs": 1, "points": [0, 1, 2]}"#
        let tampered = [
            "[\(first), {\"epochs\": -5, \"points\": [0]}]",
            "[\(first), {\"epochs\": 3, \"points\": [1]}, {\"epochs\": 3, \"points\": [1]}]",
            "[\(first), {\"epochs\": 2, \"points\": [1]}]",
            "[\(first), {\"epochs\": 3, \"points\": [1, 1]}]",
            "[\(first), {\"epochs\": 3, \"points\": []}]",
            "[{\"epochs\": 1, \"points\": [0, 2]}, {\"epochs\": 3, \"points\": [1]}]",
        ]
        for text in tampered {
            try text.write(toFile: runner.rungsPath, atomically: true, encoding: .utf8)
            XCTAssertThrowsError(try runner.run(), text) { error in
                XCTAssertTrue("\(error)".contains("rungs.json"), "\(error)")
            }
        }
        try "[\(first), {\"epochs\": 3, \"points\": [1]}]".write(toFile: runner.rungsPath, atomically: true, encoding: .utf8)
        XCTAssertEqual(try runner.rungs().map(\.points), [[0, 1, 2], [1]], "the rungs of this plan are read")
    }

    /// `--slurm-arg` with a line break wrote a shell command into the batch script; options the script
    /// sets (`--job-name`, `--array`, `--output`, …, or an sbatch prefix of them) took the array out of
    /// the sweep's hands: renamed, the sweep reported every pending point as ended and a rerun would
    /// have submitted them again.
    func testSlurmArgumentsThatTakeTheArrayAwayAreRefused() throws {
        for argument in ["--partition=debug\necho injected", "--partition=a b", "partition=gpu", "--job-name=x", "--job=x", "-Jx",
                         "--wrap=hostname", "--array=0-9", "-a0", "--output=/tmp/x", "--chdir=/", "--time=5", "-c4", "--parsable"] {
            XCTAssertNotNil(SlurmExecutor.problem(withArgument: argument), argument)
        }
        for argument in ["--partition=gpu", "-pdebug", "--account=lab", "--time-min=10", "--open-mode=append", "--mem=4G", "--exclusive"] {
            XCTAssertNil(SlurmExecutor.problem(withArgument: argument), argument)
        }
        let folder = try temporaryFolder(self)
        try FileManager.default.copyItem(atPath: repositoryRoot + "/configs/linear.yaml", toPath: folder + "/linear.yaml")
        let injected = try runSeqtrain(["sweep", "linear.yaml", "--grid", "train.batch_size=16,32", "--backend", "slurm", "--dry-run",
                                        "--slurm-arg=--partition=debug\necho injected"], in: folder)
        XCTAssertNotEqual(injected.status, 0)
        XCTAssertFalse(injected.stdout.contains("echo injected"), injected.stdout)
        XCTAssertTrue(injected.stderr.contains("--slurm-arg must be one sbatch option"), injected.stderr)
    }

    /// `seqtrain check` said ok for a sweep whose points `seqtrain sweep` refuses (a path that is not a
    /// config key, draws out of a key's range, a block with no parameters).
    func testCheckRefusesASweepWhosePointsDoNotParse() throws {
        let folder = try temporaryFolder(self)
        let base = """
            name: chk
            data: {source: {generator: sine, series: 300}, window: 8, split: {train: 200, valid: 50, test: 50}}
            model: [Flatten, {Dense: {units: 1}}]
            train: {epochs: 2}

            """
        let blocks = ["sweep: {train.optimizr.learning_rate: [0.1, 0.2]}": "unknown key 'optimizr' in train",
                      "sweep: {method: random, trials: 3, parameters: {seed: {int_uniform: [-2147483648, -1]}}}": "seed must be between 0",
                      "sweep: {method: random, trials: 2, parameters: {}}": "there is nothing to sweep"]
        for (block, message) in blocks {
            try (base + block).write(toFile: folder + "/chk.yaml", atomically: true, encoding: .utf8)
            let check = try runSeqtrain(["check", "chk.yaml"], in: folder)
            XCTAssertEqual(check.status, 2, block + "\n" + check.stdout)
            XCTAssertTrue(check.stderr.contains(message), check.stderr)
        }
        try (base + "sweep: {train.optimizer.learning_rate: [0.1, 0.2]}").write(toFile: folder + "/chk.yaml", atomically: true, encoding: .utf8)
        XCTAssertEqual(try runSeqtrain(["check", "chk.yaml"], in: folder).status, 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/runs"), "check writes nothing")
    }

    /// Rounding a draw to 4 significant digits took it out of its bounds (uniform [0.99995, 0.99999]
    /// drew 1), and bounds further apart than the largest double drew inf and NaN.
    func testDrawsStayWithinTheirBounds() throws {
        let spec = SweepSpec(method: .random, parameters: [SweepParameter(path: "train.optimizer.beta_1", distribution: .uniform(0.99995, 0.99999)),
                                                           SweepParameter(path: "train.optimizer.learning_rate", distribution: .logUniform(0.99995, 0.99999))],
                             trials: 50, seed: 1, halving: nil)
        for point in spec.points {
            for value in point {
                let number = try XCTUnwrap(Double(value), value)
                XCTAssertTrue(number >= 0.99995 && number <= 0.99999, value)
            }
        }
        let folder = try temporaryFolder(self)
        try """
            name: wide
            data: {source: {generator: sine, series: 300}, window: 8, split: {train: 200, valid: 50, test: 50}}
            model: [Flatten, {Dense: {units: 1}}]
            sweep: {method: random, trials: 3, parameters: {train.optimizer.beta_1: {uniform: [-1.0e+308, 1.0e+308]}}}
            """.write(toFile: folder + "/wide.yaml", atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try ExperimentParser.sweepSpec(path: folder + "/wide.yaml")) { error in
            XCTAssertTrue("\(error)".contains("wide.yaml:4:"), "\(error)")
            XCTAssertTrue("\(error)".contains("apart"), "\(error)")
        }
    }
}
