import Foundation
import SeqTrain
import XCTest

/// `seqtrain diff`: config differences, histories side by side, best epochs, verdict.
final class DiffTests: XCTestCase {
    func makeRuns() throws -> (String, [RunFolder]) {
        let runs = try temporaryFolder(self)
        let base = """
            name: cmp
            data: {source: {generator: sine, series: 400}, window: 10, split: {train: 300, valid: 50, test: 50}}
            model:
              - SimpleRNN: {units: 4}
              - Dense: {units: 1}
            train: {epochs: 3, optimizer: {name: adam, learning_rate: 0.01}}
            """
        let a = try TrainingRun.train(try ExperimentParser.parse(yaml: base, file: "a.yaml"), source: nil, runsDir: runs, console: .silent)
        let b = try TrainingRun.train(try ExperimentParser.parse(yaml: base, file: "b.yaml", overrides: [
            try Override("train.epochs=4"), try Override("model.0.units=6")]), source: nil, runsDir: runs, console: .silent)
        return (runs, [a, b])
    }

    func testComparisonOfTwoRunsOfDifferentLengths() throws {
        let (_, runs) = try makeRuns()
        let c = try RunComparison(runs: runs.map { try OpenedRun.open($0.path) })
        XCTAssertEqual(c.configDifferences, [.init(key: "model.0.SimpleRNN.units", values: ["4", "6"]),
                                             .init(key: "train.epochs", values: ["3", "4"])])
        XCTAssertEqual(c.epochs.count, 4)
        XCTAssertNil(c.epochs[3][0])
        XCTAssertNotNil(c.epochs[3][1])
        let historyA = try String(contentsOfFile: runs[0].historyPath, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(c.epochs[0][0], Float(historyA[1].split(separator: ",")[2]))
        for (index, best) in c.best.enumerated() {
            let column = c.epochs.compactMap { $0[index] }
            XCTAssertEqual(best?.value, column.min())
        }
        let winner = try XCTUnwrap(c.winner)
        XCTAssertTrue(c.verdict(labels: ["A", "B"]).hasPrefix("\(["A", "B"][winner]) is better on best val_loss: "), c.verdict(labels: ["A", "B"]))
        XCTAssertThrowsError(try RunComparison(runs: runs.map { try OpenedRun.open($0.path) }, metric: "val_los")) {
            XCTAssertTrue("\($0)".contains("did you mean 'val_loss'?"), "\($0)")
        }
        XCTAssertEqual(try RunComparison(runs: [runs[0], runs[0]].map { try OpenedRun.open($0.path) }).configDifferences, [])
    }

    func testEveryFormatFromTheCommandLine() throws {
        let (folder, runs) = try makeRuns()
        let text = try runSeqtrain(["diff", runs[0].path, runs[1].path], in: folder)
        XCTAssertEqual(text.status, 0, text.stderr)
        XCTAssertTrue(text.stdout.contains("Config differences:"), text.stdout)
        XCTAssertTrue(text.stdout.contains("train.epochs"), text.stdout)
        XCTAssertTrue(text.stdout.contains("delta (B-A)"), text.stdout)
        XCTAssertTrue(text.stdout.contains("\nbest "), text.stdout)
        XCTAssertTrue(text.stdout.contains(" is better on best val_loss: "), text.stdout)
        let markdown = try runSeqtrain(["diff", runs[0].path, runs[1].path, "--format", "markdown", "--metric", "loss"], in: folder)
        XCTAssertTrue(markdown.stdout.contains("| epoch | loss A | loss B | delta (B-A) |"), markdown.stdout)
        let csv = try runSeqtrain(["diff", runs[0].path, runs[1].path, "--format", "csv"], in: folder)
        XCTAssertEqual(csv.stdout.split(separator: "\n").count, 5)
        let json = try runSeqtrain(["diff", runs[0].path, runs[1].path, runs[0].path, "--format", "json"], in: folder)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        XCTAssertEqual((object["runs"] as? [String])?.count, 3)
        XCTAssertEqual((object["epochs"] as? [Any])?.count, 4)
        let one = try runSeqtrain(["diff", runs[0].path], in: folder)
        XCTAssertNotEqual(one.status, 0)
    }
}
