import Foundation
import SeqTrain
import XCTest

/// `seqtrain sweep`: the grid, its run folders, sweep.csv, and reruns that skip finished runs.
final class SweepTests: XCTestCase {
    func testGridPointsAndLabels() throws {
        let grid = try SweepGrid(arguments: ["train.optimizer.learning_rate=0.001,0.01", "model.0.units=10, 20,30",
                                             "train.optimizer={name: sgd, momentum: 0.9},adam"])
        XCTAssertEqual(grid.axes.map(\.values), [["0.001", "0.01"], ["10", "20", "30"], ["{name: sgd, momentum: 0.9}", "adam"]])
        XCTAssertEqual(grid.points.count, 12)
        XCTAssertEqual(grid.points[0], ["0.001", "10", "{name: sgd, momentum: 0.9}"])
        XCTAssertEqual(grid.points[1], ["0.001", "10", "adam"], "the last axis varies fastest")
        XCTAssertEqual(grid.label(3, grid.points[3]), "03-learning_rate-0.001-units-20-optimizer-adam")
        XCTAssertEqual(grid.label(0, grid.points[0]), "00-learning_rate-0.001-units-10-optimizer-_name__sgd__momentum__0.9_")
        XCTAssertEqual(try grid.overrides(grid.points[0]).map(\.argument),
                       ["train.optimizer.learning_rate=0.001", "model.0.units=10", "train.optimizer={name: sgd, momentum: 0.9}"])
        XCTAssertThrowsError(try SweepGrid(arguments: ["=1,2"]))
        XCTAssertThrowsError(try SweepGrid(arguments: ["train.epochs=1,,2"]))
    }

    func testSweepRunsEveryPointAndRerunsOnlyWhatIsUnfinished() throws {
        let folder = try temporaryFolder(self)
        try """
            name: sw
            data: {source: {generator: sine, series: 300}, window: 8, split: {train: 200, valid: 50, test: 50}}
            model:
              - SimpleRNN: {units: 3}
              - Dense: {units: 1}
            train: {epochs: 2}
            """.write(toFile: folder + "/sw.yaml", atomically: true, encoding: .utf8)
        let arguments = ["sweep", "sw.yaml", "--grid", "train.optimizer.learning_rate=0.001,0.01", "--grid", "model.0.units=2,4", "--parallel", "2"]
        let first = try runSeqtrain(arguments, in: folder)
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertTrue(first.stdout.contains("[4/4]"), first.stdout)
        let sweeps = try FileManager.default.contentsOfDirectory(atPath: folder + "/runs/sw").filter { $0.hasPrefix("sweep-") }
        XCTAssertEqual(sweeps.count, 1)
        let sweep = folder + "/runs/sw/" + sweeps[0]
        let csv = try String(contentsOfFile: sweep + "/sweep.csv", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(csv[0], "train.optimizer.learning_rate,model.0.units,run,status,reason,rung,epochs,best_val_loss,best_epoch,test_loss,seconds")
        XCTAssertEqual(csv.count, 5)
        XCTAssertTrue(csv.dropFirst().allSatisfy { $0.contains(",finished,") }, csv.joined(separator: "\n"))
        let runs = RunIndex.scan(sweep)
        XCTAssertEqual(runs.count, 4)
        let config = try String(contentsOfFile: runs[1].path + "/config.yaml", encoding: .utf8)
        XCTAssertTrue(config.contains("# Override: --set train.optimizer.learning_rate=0.001"), config)
        XCTAssertTrue(config.contains("SimpleRNN: {units: 4,"), config)

        // Rerun after one run lost its last epoch: only that one trains again, in its own folder.
        let cut = runs[2]
        try FileManager.default.removeItem(atPath: cut.path + "/summary.json")
        try RunFolder(existing: cut.path).writeStatus(RunStatus(.interrupted, reason: "killed", epoch: 2))
        let second = try runSeqtrain(arguments, in: folder)
        XCTAssertEqual(second.status, 0, second.stderr)
        XCTAssertTrue(second.stdout.contains("3 complete runs kept"), second.stdout)
        XCTAssertTrue(second.stdout.contains("[4/4] 02-"), second.stdout)
        XCTAssertEqual(RunIndex.scan(sweep).count, 4, "no new run folder")
        XCTAssertEqual(RunIndex.read(cut.path).status.state, .finished)

        let bad = try runSeqtrain(["sweep", "sw.yaml", "--grid", "model.0.units=2,0"], in: folder)
        XCTAssertEqual(bad.status, 2)
        XCTAssertTrue(bad.stderr.contains("--set model.0.units=0: error: model.0.units must be between 1 and 1024"), bad.stderr)
    }

    func testSweepBlockInTheFile() throws {
        let folder = try temporaryFolder(self)
        let yaml = """
            name: block
            data: {source: {generator: sine, series: 300}, window: 8, split: {train: 200, valid: 50, test: 50}}
            model:
              - SimpleRNN: {units: 3}
              - Dense: {units: 1}
            train: {epochs: 1}
            sweep:
              train.optimizer.learning_rate: [0.001, 0.01]
              train.optimizer: [{name: sgd, momentum: 0.9}, "adam"]
            """
        try yaml.write(toFile: folder + "/block.yaml", atomically: true, encoding: .utf8)
        let axes = try ExperimentParser.sweepAxes(path: folder + "/block.yaml")
        XCTAssertEqual(axes.map(\.path), ["train.optimizer.learning_rate", "train.optimizer"])
        XCTAssertEqual(axes[1].values, ["{name: sgd, momentum: 0.9}", "\"adam\""])
        XCTAssertEqual(axes[0].origins, ["\(folder)/block.yaml:8:35 (sweep)", "\(folder)/block.yaml:8:42 (sweep)"])
        // The block is not part of the experiment: a plain run trains the base values.
        let experiment = try ExperimentParser.load(path: folder + "/block.yaml")
        XCTAssertFalse(ExperimentWriter.yaml(experiment).contains("sweep"))

        // A --grid axis replaces the block's axis of the same path and adds to the others.
        let grid = try SweepGrid(block: axes, arguments: ["train.optimizer.learning_rate=0.005", "train.epochs=1,2"])
        XCTAssertEqual(grid.arguments, ["train.optimizer=" + axes[1].values.joined(separator: ","),
                                        "train.optimizer.learning_rate=0.005", "train.epochs=1,2"])
        let check = try runSeqtrain(["check", "block.yaml"], in: folder)
        XCTAssertTrue(check.stdout.contains("sweep: 4 runs over train.optimizer.learning_rate (2) x train.optimizer (2)"), check.stdout)
        // Every point is checked before any run, and a bad value is reported at its line in the file.
        try yaml.replacingOccurrences(of: #"train.optimizer: [{name: sgd, momentum: 0.9}, "adam"]"#, with: "model.0.units: [3, 0]")
            .write(toFile: folder + "/bad.yaml", atomically: true, encoding: .utf8)
        let bad = try runSeqtrain(["sweep", "bad.yaml"], in: folder)
        XCTAssertEqual(bad.status, 2)
        XCTAssertTrue(bad.stderr.contains("bad.yaml:9:22 (sweep): error: model.0.units must be between 1 and 1024, found 0"), bad.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/runs"))
        try yaml.replacingOccurrences(of: "  train.optimizer:", with: "  trian.optimizer:").write(toFile: folder + "/typo.yaml", atomically: true, encoding: .utf8)
        let typo = try runSeqtrain(["check", "typo.yaml"], in: folder)
        XCTAssertEqual(typo.status, 2)
        XCTAssertTrue(typo.stderr.contains("typo.yaml:9:3: error: sweep path 'trian.optimizer' does not start with a section "
            + "of the experiment (did you mean 'train.optimizer'?)"), typo.stderr)
        try String(yaml[..<yaml.range(of: "sweep:")!.lowerBound]).write(toFile: folder + "/plain.yaml", atomically: true, encoding: .utf8)
        let huge = yaml.replacingOccurrences(of: "train.optimizer.learning_rate: [0.001, 0.01]", with: (1...5).map {
            "  model.0.units.\($0): [" + (1...10).map(String.init).joined(separator: ", ") + "]" }.joined(separator: "\n").dropFirst(2))
        XCTAssertThrowsError(try ExperimentParser.parse(yaml: huge, file: "huge.yaml")) {
            XCTAssertTrue("\($0)".contains("huge.yaml:8:3: error: sweep has 200000 runs, more than 10000"), "\($0)")
        }
        let nothing = try runSeqtrain(["sweep", "plain.yaml"], in: folder)
        XCTAssertEqual(nothing.status, 2)
        XCTAssertTrue(nothing.stderr.contains("plain.yaml: error: there is nothing to sweep"), nothing.stderr)

        let run = try runSeqtrain(["sweep", "block.yaml"], in: folder)
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stdout.contains("sweep of 4 runs"), run.stdout)
        let sweeps = try FileManager.default.contentsOfDirectory(atPath: folder + "/runs/block").filter { $0.hasPrefix("sweep-") }
        let csv = try String(contentsOfFile: folder + "/runs/block/" + sweeps[0] + "/sweep.csv", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(csv.count, 5)
        XCTAssertTrue(csv[1].hasPrefix("0.001,\"{name: sgd, momentum: 0.9}\","), String(csv[1]))
        XCTAssertTrue(csv.dropFirst().allSatisfy { $0.contains(",finished,") }, csv.joined(separator: "\n"))
    }
}

/// Sweeps planned in the library: the plan file, a point run by its index, and a failed point's reason.
final class SweepPlanTests: XCTestCase {
    func testAFailedPointSaysWhyAndAPointRunsByIndexAlone() throws {
        let folder = try temporaryFolder(self)
        try """
            name: plan
            data: {source: {generator: sine, series: 200}, window: 8, split: {train: 120, valid: 40, test: 40}}
            model: [Flatten, {Dense: {units: 1}}]
            train: {epochs: 2, optimizer: {name: sgd}}
            """.write(toFile: folder + "/plan.yaml", atomically: true, encoding: .utf8)
        let arguments = ["sweep", "plan.yaml", "--grid", "train.optimizer.learning_rate=0.01,1.0e+30", "--parallel", "2"]
        let first = try runSeqtrain(arguments, in: folder)
        XCTAssertEqual(first.status, 1, first.stdout + first.stderr)
        XCTAssertTrue(first.stdout.contains("1 run failed"), first.stdout)
        let sweep = folder + "/runs/plan/" + (try FileManager.default.contentsOfDirectory(atPath: folder + "/runs/plan")[0])
        let plan = try SweepPlan.load(folder: sweep)
        XCTAssertEqual(plan.points.map(\.label), ["00-learning_rate-0.01", "01-learning_rate-1.0e_30"])
        XCTAssertEqual(plan.axes, ["train.optimizer.learning_rate"])
        XCTAssertTrue(plan.configText.contains("name: plan"))
        for index in 0..<2 {
            let log = try String(contentsOfFile: plan.logPath(index), encoding: .utf8)
            XCTAssertTrue(log.contains(index == 0 ? "Run saved to" : "the loss became"), log)
        }
        let csv = try String(contentsOfFile: sweep + "/sweep.csv", encoding: .utf8).split(separator: "\n").map(String.init)
        XCTAssertTrue(csv[1].contains(",finished,,"), csv[1])
        XCTAssertTrue(csv[2].contains(",failed,\"the loss became inf at epoch 1, batch 2\","), csv[2])
        XCTAssertTrue(csv[1].hasPrefix("0.01,runs/plan/sweep-"), "run folders relative to where the sweep started: \(csv[1])")

        // A rerun keeps the failed point instead of failing it again in a new folder.
        let second = try runSeqtrain(arguments, in: folder)
        XCTAssertEqual(second.status, 1)
        XCTAssertTrue(second.stdout.contains("1 complete run kept") && second.stdout.contains("1 failed run kept"), second.stdout)
        XCTAssertEqual(plan.runs(1).count, 1)

        // Any executor can run a point by its index alone, from any folder.
        try FileManager.default.removeItem(atPath: plan.pointFolder(0))
        let point = try runSeqtrain(["sweep-point", sweep, "0", "--threads", "1"], in: NSTemporaryDirectory())
        XCTAssertEqual(point.status, 0, point.stderr)
        XCTAssertEqual(plan.runs(0).map(\.status.state), [.finished])
        let again = try runSeqtrain(["sweep-point", sweep, "0"], in: folder)
        XCTAssertTrue(again.stdout.contains("point 0 (00-learning_rate-0.01) is complete"), again.stdout)
        XCTAssertEqual(plan.runs(0).count, 1)
        let missing = try runSeqtrain(["sweep-point", sweep, "7"], in: folder)
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.stderr.contains("has points 0 to 1, not 7"), missing.stderr)
        let notASweep = try runSeqtrain(["sweep-point", folder, "0"], in: folder)
        XCTAssertTrue(notASweep.stderr.contains("plan.json: no sweep plan"), notASweep.stderr)
    }
}

/// The `sweep:` block's methods: random draws, distributions and successive halving, and their errors.
final class SweepSpecTests: XCTestCase {
    let base = """
        name: spec
        data: {source: {generator: sine, series: 300}, window: 8, split: {train: 200, valid: 50, test: 50}}
        model: [Flatten, {Dense: {units: 1}}]
        train: {epochs: 20}
        sweep:

        """

    func spec(_ block: String) throws -> SweepSpec? {
        let folder = try temporaryFolder(self)
        try (base + block).write(toFile: folder + "/s.yaml", atomically: true, encoding: .utf8)
        return try ExperimentParser.sweepSpec(path: folder + "/s.yaml")
    }

    func error(_ block: String) -> String {
        do {
            _ = try spec(block)
            return "no error"
        } catch {
            return "\(error)"
        }
    }

    func testRandomPointsAreDrawnFromTheSeed() throws {
        let block = """
              method: random
              trials: 50
              seed: 7
              parameters:
                train.optimizer.learning_rate: {log_uniform: [1.0e-4, 1.0e-1]}
                train.batch_size: [16, 32, 64]
                model.1.units: {int_uniform: [1, 3]}
                data.window: {int_log_uniform: [2, 40]}
                train.optimizer.beta_1: {uniform: [0.8, 0.95]}
            """
        let spec = try XCTUnwrap(try self.spec(block))
        XCTAssertEqual(spec.method, .random)
        let points = spec.points
        XCTAssertEqual(points.count, 50)
        XCTAssertEqual(points, try XCTUnwrap(try self.spec(block)).points, "the same block gives the same points")
        XCTAssertNotEqual(points, try XCTUnwrap(try self.spec(block.replacingOccurrences(of: "seed: 7", with: "seed: 8"))).points)
        for point in points {
            let rate = try XCTUnwrap(Double(point[0]))
            XCTAssertTrue(rate >= 1e-4 && rate <= 0.1, point[0])
            XCTAssertTrue(["16", "32", "64"].contains(point[1]))
            XCTAssertTrue((1...3).contains(try XCTUnwrap(Int(point[2]))))
            XCTAssertTrue((2...40).contains(try XCTUnwrap(Int(point[3]))))
            let beta = try XCTUnwrap(Double(point[4]))
            XCTAssertTrue(beta >= 0.8 && beta <= 0.95)
        }
        // Log-uniform: about as many draws per decade.
        let decades = points.map { Int(floor(log10(Double($0[0])!))) }
        XCTAssertEqual(Set(decades), [-4, -3, -2], "\(decades)")
        XCTAssertEqual(Set(points.map { $0[2] }), ["1", "2", "3"])
    }

    func testHalvingRungs() throws {
        let spec = try XCTUnwrap(try self.spec("""
              method: halving
              parameters: {model.1.units: [1], train.optimizer.learning_rate: [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5]}
              halving: {min_epochs: 2, eta: 3}
            """))
        XCTAssertEqual(spec.pointCount, 9)
        let halving = try XCTUnwrap(spec.halving)
        XCTAssertEqual(halving.budgets(epochs: 20), [2, 6, 18, 20])
        XCTAssertEqual(halving.budgets(epochs: 2), [2])
        XCTAssertEqual([9, 3, 1, 2].map(halving.survivors(of:)), [3, 1, 1, 1])
        XCTAssertEqual(halving.metric, "val_loss")
    }

    func testBadBlocksAreRefusedAtTheirLine() {
        XCTAssertTrue(error("  method: randm\n  parameters: {train.batch_size: [16]}\n").contains("s.yaml:6:11: error: sweep.method cannot be 'randm' (did you mean 'random'?)"))
        XCTAssertTrue(error("  method: random\n  parameters: {train.batch_size: [16]}\n").contains("method: random needs trials"))
        XCTAssertTrue(error("  method: grid\n  parameters: {train.optimizer.learning_rate: {log_uniform: [0.01, 0.1]}}\n")
            .contains("is a distribution, which needs random points"))
        XCTAssertTrue(error("  method: random\n  trials: 3\n  parameters: {train.optimizer.learning_rate: {log_uniform: [0.1, 0.01]}}\n")
            .contains("needs low <= high, found [0.1, 0.01]"))
        XCTAssertTrue(error("  method: random\n  trials: 3\n  parameters: {train.optimizer.learning_rate: {log_unifrom: [0.1, 1]}}\n")
            .contains("did you mean 'log_uniform'?"))
        XCTAssertTrue(error("  method: random\n  trials: 3\n  parameters: {train.batch_size: {int_log_uniform: [0, 4]}}\n")
            .contains("needs low <= high and low >= 1"))
        XCTAssertTrue(error("  method: halving\n  parameters: {train.batch_size: [16]}\n  halving: {eta: 1}\n")
            .contains("sweep.halving.eta must be between 2 and 1000, found 1"))
        XCTAssertTrue(error("  method: random\n  trials: 3\n  parameters: {train.batch_size: [16]}\n  halving: {eta: 2}\n")
            .contains("sweep.halving applies to method: halving"))
        XCTAssertTrue(error("  method: random\n  trials: 3\n  paramters: {train.batch_size: [16]}\n").contains("did you mean 'parameters'?"))
        XCTAssertTrue(error("  method: random\n  trials: 0\n  parameters: {train.batch_size: [16]}\n").contains("sweep.trials must be between 1 and 10000"))
        // Every drawn point is checked like a --set value before anything runs.
        XCTAssertEqual(error("  train.batch_size: [16, 32]\n"), "no error")
    }

    func testHalvingMetricMustBeAHistoryColumn() throws {
        let folder = try temporaryFolder(self)
        try (base + "  method: halving\n  parameters: {train.batch_size: [16, 32]}\n  halving: {metric: val_los}\n")
            .write(toFile: folder + "/s.yaml", atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try SweepPlan.make(configFile: folder + "/s.yaml", gridArguments: [], baseOverrides: [], runsDir: folder)) {
            // At the metric, since the parser checks it (it was reported without a position).
            XCTAssertTrue("\($0)".contains("s.yaml:8:21: error: sweep.halving.metric 'val_los' is not a history column"), "\($0)")
            XCTAssertTrue("\($0)".contains("(did you mean 'val_loss'?)"), "\($0)")
        }
    }
}
