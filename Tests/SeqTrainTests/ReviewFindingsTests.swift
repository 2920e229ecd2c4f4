import Foundation
import SeqTrain
import XCTest

/// Hostile inputs to the run files (status.json, checkpoints, history), resume, sweeps and the
/// layer registry: each is refused with a message that says what is wrong, before any file changes,
/// and never crashes.
final class ReviewFindingsTests: XCTestCase {
    /// Adam on a linear model: val_loss falls every epoch, so the best epoch is the last.
    let steady = """
        name: steady
        data: {source: {generator: sine, series: 200}, window: 8, split: {train: 120, valid: 40, test: 40}}
        model: [Flatten, {Dense: {units: 1}}]
        train: {epochs: 6}
        """
    /// SGD with a learning rate this high: val_loss is lowest at epoch 1 and rises after epoch 2.
    let diverging = """
        name: diverging
        data: {source: {generator: sine, series: 200}, window: 8, split: {train: 120, valid: 40, test: 40}}
        model: [Flatten, {Dense: {units: 1}}]
        train: {epochs: 6, optimizer: {name: sgd, learning_rate: 1.0}}
        """

    /// Throws while the files of `epoch` are about to be written, as a crash there would stop it.
    final class FailAt: EpochObserver {
        struct Failure: Error, CustomStringConvertible { var description: String { "the test stopped it" } }
        let epoch: Int
        init(epoch: Int) { self.epoch = epoch }
        func epochDidEnd(_ record: EpochRecord, loop: TrainingLoop) throws -> TrainingDecision {
            if record.epoch == epoch { throw Failure() }
            return .proceed
        }
    }

    /// A run of `yaml` that stopped after `epochs` epochs, recorded as interrupted.
    func interruptedRun(_ yaml: String, after epochs: Int) throws -> RunFolder {
        let runs = try temporaryFolder(self)
        let experiment = try ExperimentParser.parse(yaml: yaml, file: "run.yaml")
        XCTAssertThrowsError(try TrainingRun.train(experiment, source: nil, runsDir: runs, console: .silent,
                                                   callbacks: [FailAt(epoch: epochs + 1)]))
        let parent = runs + "/" + experiment.name
        let run = try RunFolder(existing: parent + "/" + (try FileManager.default.contentsOfDirectory(atPath: parent)[0]))
        try run.writeStatus(RunStatus(.interrupted, epoch: epochs))
        return run
    }

    /// Every file of a folder and its bytes.
    func files(_ folder: String) -> [String: Data] {
        var files: [String: Data] = [:]
        for name in FileManager.default.enumerator(atPath: folder)?.compactMap({ $0 as? String }) ?? [] {
            if let data = FileManager.default.contents(atPath: folder + "/" + name) { files[name] = data }
        }
        return files
    }

    /// Rewrites metadata entries of a checkpoint.
    func tamper(_ run: RunFolder, _ which: String, _ entries: [String: String]) throws {
        var file = try run.loadCheckpoint(which)
        file.metadata.merge(entries) { _, new in new }
        try file.serialized().write(to: URL(fileURLWithPath: run.checkpointPath(which)))
    }

    /// Asserts that resume refuses the run, saying `words`, and changes none of its files.
    func assertResumeRefuses(_ run: RunFolder, saying words: String, file: StaticString = #filePath, line: UInt = #line) {
        let before = files(run.path)
        XCTAssertThrowsError(try TrainingRun.resume(run.path, console: .silent), file: file, line: line) {
            XCTAssertTrue("\($0)".contains(words), "\($0)", file: file, line: line)
        }
        XCTAssertEqual(files(run.path), before, "resume changed the run's files", file: file, line: line)
    }

    // MARK: - resume

    func testResumeRefusesAnEpochOrStepCountThatIsNotTheWeights() throws {
        let run = try interruptedRun(steady, after: 3)
        try tamper(run, "last", ["epoch": "1"])  // the weights and history_row are epoch 3's
        assertResumeRefuses(run, saying: "records 12 optimizer steps, but 1 epochs of 4 steps make 4")
        try tamper(run, "last", ["epoch": "0"])
        assertResumeRefuses(run, saying: "optimizer steps")
        try tamper(run, "last", ["epoch": "3", "iterations": "5"])
        assertResumeRefuses(run, saying: "records 5 optimizer steps, but 3 epochs of 4 steps make 12")
    }

    func testResumeRefusesABestEpochThatIsNotTheHistorys() throws {
        let run = try interruptedRun(diverging, after: 3)
        let history = try OpenedRun.open(run.path).history()
        XCTAssertEqual(history.bestRow?.first, "1", "the config must have its best epoch first")
        // Claiming epoch 3 is the best would replace best.safetensors (epoch 1) by last.safetensors.
        try tamper(run, "last", ["best_epoch": "3", "best_val_loss": history.rows[2][2]])
        assertResumeRefuses(run, saying: "has its lowest val_loss at epoch 1")
        XCTAssertEqual(try run.loadCheckpoint("best").metadata["epoch"], "1")
        try tamper(run, "last", ["best_epoch": "1", "best_val_loss": "-1.0"])
        assertResumeRefuses(run, saying: "records the best epoch 1 (val_loss -1.0)")
        try tamper(run, "last", ["best_epoch": "0", "best_val_loss": "inf"])
        assertResumeRefuses(run, saying: "records the best epoch 0")
    }

    func testResumeRefusesAHistoryThatDisagreesWithTheCheckpoint() throws {
        let run = try interruptedRun(steady, after: 3)
        try tamper(run, "last", ["history_row": "3,0.5,0.5"])
        assertResumeRefuses(run, saying: "carries the history row '3,0.5,0.5', but epoch 3 of")
        try tamper(run, "last", ["history_row": try OpenedRun.open(run.path).history().rows[2].joined(separator: ",")])
        // A lower val_loss written into the history moves its best epoch away from the checkpoint's.
        var lines = try String(contentsOfFile: run.historyPath, encoding: .utf8).split(separator: "\n").map(String.init)
        lines[1] = "1,0.5,0.0001," + (lines[1].split(separator: ",").last ?? "")  // epoch, loss, val_loss, lr
        try (lines.joined(separator: "\n") + "\n").write(toFile: run.historyPath, atomically: true, encoding: .utf8)
        assertResumeRefuses(run, saying: "has its lowest val_loss at epoch 1")
    }

    func testResumeRefusesABestCheckpointOfAnotherRunBeforeTraining() throws {
        let run = try interruptedRun(steady, after: 2)
        let other = try interruptedRun(steady.replacingOccurrences(of: "name: steady", with: "name: steady\nseed: 7"), after: 2)
        XCTAssertEqual(try other.loadCheckpoint("best").metadata["epoch"], "2")
        try FileManager.default.removeItem(atPath: run.checkpointPath("best"))
        try FileManager.default.copyItem(atPath: other.checkpointPath("best"), toPath: run.checkpointPath("best"))
        assertResumeRefuses(run, saying: "best.safetensors was made for another config")
    }

    func testACheckpointWhoseShapeOverflowsIsRefusedNotACrash() throws {
        for shape in ["[4611686018427387904,4611686018427387904,4]", "[-1,-4]", "[1]"] {
            for offsets in ["[0,4]", "[9223372036854775807,9223372036854775807]", "[4,0]"] where shape != "[1]" || offsets != "[0,4]" {
                var header = Data("{\"t\":{\"dtype\":\"F32\",\"shape\":\(shape),\"data_offsets\":\(offsets)}}".utf8)
                while header.count % 8 != 0 { header.append(0x20) }
                var data = Data()
                withUnsafeBytes(of: UInt64(header.count).littleEndian) { data.append(contentsOf: $0) }
                data.append(header)
                data.append(Data(count: 4))
                XCTAssertThrowsError(try Safetensors(data: data), "shape \(shape), offsets \(offsets)") {
                    XCTAssertTrue("\($0)".contains("do not match its shape"), "\($0)")
                }
            }
        }
    }

    // MARK: - status.json

    func testAStatusFileThatIsNotOneIsUnreadableNotGuessed() throws {
        let run = try interruptedRun(steady, after: 2)
        let host = ProcessInfo.processInfo.hostName
        for text in ["garbage", "{\"status\": \"weird\", \"epoch\": 2}", "{\"status\": \"finished\", \"epoch\": -5}",
                     "{\"status\": \"running\", \"epoch\": 2, \"pid\": 4294967297, \"host\": \"\(host)\"}",
                     "{\"status\": \"running\", \"epoch\": 2, \"pid\": -1, \"host\": \"\(host)\"}"] {
            try text.write(toFile: run.statusPath, atomically: true, encoding: .utf8)
            let status = try OpenedRun.open(run.path).status
            XCTAssertEqual(status.state, .unreadable, text)
            XCTAssertTrue(status.reason.contains("status.json is not a run status"), status.reason)
            XCTAssertEqual(RunIndex.read(run.path).status.state, .unreadable)
        }
        try FileManager.default.removeItem(atPath: run.statusPath)
        try FileManager.default.createDirectory(atPath: run.statusPath, withIntermediateDirectories: false)
        XCTAssertTrue(try OpenedRun.open(run.path).status.reason.contains("status.json: permission denied, or not a file"))
    }

    func testARunningStatusWhosePidNowBelongsToAnotherProcessIsInterrupted() throws {
        let mine = RunStatus.running(epoch: 3)
        XCTAssertNotNil(mine.processStart, "/proc tells when this process started")
        XCTAssertEqual(RunStatus(json: Data(mine.json.rendered().utf8)), mine)
        XCTAssertEqual(mine.current.state, .running)
        // The same pid on the same host, but a process that started at another time: the run's own ended.
        var reused = mine
        reused.processStart = "another-boot/12345"
        XCTAssertEqual(reused.current.state, .interrupted)
        XCTAssertTrue(reused.current.reason.contains("ended without saying why"), reused.current.reason)
        XCTAssertEqual(RunStatus(.running, epoch: 1).summary, "running")
        XCTAssertEqual(RunStatus(.running, epoch: 1).trainer, "a process that status.json does not name")
    }

    func testAnObserversErrorLeavesTheRunInterruptedNotRunning() throws {
        let runs = try temporaryFolder(self)
        let experiment = try ExperimentParser.parse(yaml: steady, file: "run.yaml")
        XCTAssertThrowsError(try TrainingRun.train(experiment, source: nil, runsDir: runs, console: .silent, callbacks: [FailAt(epoch: 3)]))
        let parent = runs + "/steady"
        let run = try RunFolder(existing: parent + "/" + (try FileManager.default.contentsOfDirectory(atPath: parent)[0]))
        XCTAssertEqual(run.readStatus(), RunStatus(.interrupted, reason: "the test stopped it", epoch: 2))
        // And it resumes to the end.
        try TrainingRun.resume(run.path, console: .silent)
        XCTAssertEqual(run.readStatus(), RunStatus(.finished, epoch: 6))
    }

    // MARK: - sweeps

    /// A planned sweep of `steady` over two learning rates, written to its folder.
    func plannedSweep() throws -> SweepPlan {
        let folder = try temporaryFolder(self)
        try steady.write(toFile: folder + "/steady.yaml", atomically: true, encoding: .utf8)
        let plan = try SweepPlan.make(configFile: folder + "/steady.yaml", gridArguments: ["train.optimizer.learning_rate=0.01,0.02"],
                                      baseOverrides: [], runsDir: folder + "/runs")
        try plan.write()
        return plan
    }

    func testATamperedPlanIsRefused() throws {
        let plan = try plannedSweep()
        let folder = plan.absoluteFolder
        let cases: [(change: (inout SweepPlan) -> Void, words: String)] = [
            ({ $0.points[0].label = ".." }, "point 0's label '..' is not a folder name"),
            ({ $0.points[0].label = "" }, "point 0's label '' is not a folder name"),
            ({ $0.points[0].label = "../../elsewhere" }, "is not a folder name"),
            ({ $0.points[1].label = $0.points[0].label }, "point 1's label"),
            ({ $0.points[0].values = [] }, "point 0 has 0 values for the 1 axes"),
            ({ $0.axes = [] }, "point 0 has 1 values for the 0 axes"),
            ({ $0.points[1].index = 7 }, "point 1 has index 7"),
            ({ $0.points = [] }, "it has no points"),
            ({ $0.workingDirectory = "" }, "workingDirectory '' is not an absolute path"),
        ]
        for c in cases {
            var tampered = plan
            c.change(&tampered)
            try JSONEncoder().encode(tampered).write(to: URL(fileURLWithPath: SweepPlan.path(in: folder)))
            XCTAssertThrowsError(try SweepPlan.load(folder: folder)) { XCTAssertTrue("\($0)".contains(c.words), "\($0)") }
        }
        // The sweep folder is where the plan is, whatever it says.
        var moved = plan
        moved.folder = NSTemporaryDirectory() + "elsewhere"
        try JSONEncoder().encode(moved).write(to: URL(fileURLWithPath: SweepPlan.path(in: folder)))
        XCTAssertEqual(try SweepPlan.load(folder: folder).pointFolder(0), folder + "/" + plan.points[0].label)
        XCTAssertThrowsError(try SweepPlan.load(folder: "")) { XCTAssertTrue("\($0)".contains("empty path"), "\($0)") }
    }

    func testAPointBeingTrainedIsNotTrainedAgain() throws {
        let plan = try plannedSweep()
        try plan.runPoint(0, threads: 1, console: .silent)
        let run = try RunFolder(existing: try XCTUnwrap(plan.runs(0).first?.path))
        try run.writeStatus(.running(epoch: 1))  // as another sweep's process would have it
        XCTAssertEqual(plan.runningRun(0)?.path, run.path)
        XCTAssertThrowsError(try plan.runPoint(0, threads: 1, console: .silent)) {
            XCTAssertTrue("\($0)".contains("is being trained in \(run.path) by process \(getpid())"), "\($0)")
        }
        XCTAssertEqual(plan.runs(0).count, 1)
    }

    func testAPointThatCannotStartEndsTheSweepWithoutACrash() throws {
        let plan = try plannedSweep()
        try FileManager.default.createDirectory(atPath: plan.logPath(1), withIntermediateDirectories: true)
        let executor = LocalProcessExecutor(executable: seqtrainExecutable.path, parallel: 2, threads: 1)
        XCTAssertThrowsError(try executor.run(plan, points: [0, 1], untilEpoch: nil, progress: SweepProgress(done: 0, total: 2, console: .silent))) {
            XCTAssertTrue("\($0)".contains("output.log: cannot open it"), "\($0)")
        }
        // The point already started was waited for.
        XCTAssertEqual(plan.runs(0).map(\.status.state), [.finished])
        // One point at a time: the point that cannot start holds the only slot (libdispatch trapped on it).
        let single = LocalProcessExecutor(executable: seqtrainExecutable.path, parallel: 1, threads: 1)
        XCTAssertThrowsError(try single.run(plan, points: [1], untilEpoch: nil, progress: SweepProgress(done: 1, total: 2, console: .silent)))
    }

    func testSweepLinesComeInOrderInAFile() throws {
        let folder = try temporaryFolder(self)
        try steady.write(toFile: folder + "/steady.yaml", atomically: true, encoding: .utf8)
        let result = try runSeqtrain(["sweep", "steady.yaml", "--grid", "train.epochs=1,2", "--parallel", "2"], in: folder)
        XCTAssertEqual(result.status, 0, result.stderr)
        let lines = result.stdout.split(separator: "\n")
        XCTAssertTrue(lines.first?.hasPrefix("sweep of 2 runs (grid) in runs/steady/sweep-") == true, result.stdout)
        XCTAssertTrue(lines.last?.hasPrefix("sweep.csv written to") == true, result.stdout)
    }

    // MARK: - layers and run folders

    func testTimeDistributedOfALayerThatNeedsASequenceSaysWhatToWrap() {
        for inner in ["SimpleRNN: {units: 2}", "TimeDistributed: {Dense: {units: 1}}"] {
            let yaml = "data: {target: sequence, horizon: 1}\nmodel:\n  - SimpleRNN: {units: 4, return_sequences: true}\n"
                + "  - TimeDistributed: {\(inner)}\n"
            XCTAssertThrowsError(try ExperimentParser.parse(yaml: yaml, file: "td.yaml")) {
                let text = "\($0)"
                XCTAssertTrue(text.contains("td.yaml:4:5: error: model.1: TimeDistributed gives"), text)
                XCTAssertTrue(text.contains("wrap a layer that reads vectors, such as Dense"), text)
                XCTAssertFalse(text.contains("return_sequences: true on each step"), text)
            }
        }
    }

    func testAFileIsNotARunFolder() throws {
        let folder = try temporaryFolder(self)
        try "x".write(toFile: folder + "/file", atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try OpenedRun.open(folder + "/file")) {
            XCTAssertTrue("\($0)".contains("it is a file, not a run folder"), "\($0)")
        }
    }
}
