import Foundation
import SeqTrain
import XCTest

/// `seqtrain runs`: every run folder found, with its overrides, best val_loss and status.
final class RunIndexTests: XCTestCase {
    func testStatusesOverridesAndBest() throws {
        let runs = try temporaryFolder(self)
        let yaml = """
            name: idx
            data: {source: {generator: sine, series: 300}, window: 8, split: {train: 200, valid: 50, test: 50}}
            model:
              - SimpleRNN: {units: 3}
              - Dense: {units: 1}
            train: {epochs: 2}
            """
        let finished = try TrainingRun.train(try ExperimentParser.parse(yaml: yaml, file: "idx.yaml"), source: nil, runsDir: runs, console: .silent)
        let overrides = [try Override("train.optimizer={name: sgd, learning_rate: 1.0e+30}")]
        XCTAssertThrowsError(try TrainingRun.train(try ExperimentParser.parse(yaml: yaml, file: "idx.yaml", overrides: overrides),
                                                   source: nil, overrides: overrides, runsDir: runs, console: .silent))
        // An interrupted run: a finished one without its summary and last epoch.
        let cut = try TrainingRun.train(try ExperimentParser.parse(yaml: yaml, file: "idx.yaml"), source: nil, runsDir: runs, console: .silent)
        try FileManager.default.removeItem(atPath: cut.summaryPath)
        let history = try String(contentsOfFile: cut.historyPath, encoding: .utf8).split(separator: "\n").dropLast().joined(separator: "\n") + "\n"
        try history.write(toFile: cut.historyPath, atomically: true, encoding: .utf8)
        try cut.writeStatus(RunStatus(.interrupted, reason: "stopped by a signal during epoch 2", epoch: 1))

        let records = RunIndex.scan(runs)
        XCTAssertEqual(records.count, 3)
        let byPath = Dictionary(uniqueKeysWithValues: records.map { ($0.path, $0) })
        let done = try XCTUnwrap(byPath[finished.path])
        XCTAssertEqual(done.status.state, .finished)
        XCTAssertEqual(done.epochsDone, 2)
        XCTAssertEqual(done.epochsTotal, 2)
        XCTAssertEqual(done.overrides, [])
        let bestRow = try History(csv: String(contentsOfFile: finished.historyPath, encoding: .utf8), metrics: [], file: "h").bestRow!
        XCTAssertEqual(done.best?.valLoss, Float(bestRow[2]))
        XCTAssertEqual(byPath[cut.path]?.status.state, .interrupted)
        XCTAssertEqual(byPath[cut.path]?.epochsDone, 1)
        let failed = try XCTUnwrap(records.first { $0.status.state == .failed })
        XCTAssertEqual(failed.overrides, ["train.optimizer={name: sgd, learning_rate: 1.0e+30}"])
        XCTAssertTrue(failed.status.reason.contains("the loss became"), failed.status.reason)
        XCTAssertEqual(RunIndex.scan(finished.path).map(\.path), [finished.path], "a run folder lists itself")

        let listing = try runSeqtrain(["runs", runs, "--sort", "best"], in: runs)
        XCTAssertEqual(listing.status, 0, listing.stderr)
        let lines = listing.stdout.split(separator: "\n")
        XCTAssertTrue(lines[0].hasPrefix("run "), listing.stdout)
        XCTAssertEqual(lines.count, 4)
        XCTAssertTrue(lines[3].contains(" failed: the loss became inf at epoch 1"), listing.stdout)
    }
}
