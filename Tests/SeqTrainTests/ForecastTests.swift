import Foundation
import SeqTrain
import XCTest

/// Multi-step forecasts (the chapter's methods 1-3), `eval --steps` and `predict`.
final class ForecastTests: XCTestCase {
    func train(_ target: String, _ layers: String, in runs: String) throws -> RunFolder {
        try TrainingRun.train(try ExperimentParser.parse(yaml: """
            name: fc-\(target)
            data: {source: {generator: sine, series: 600}, window: 12, target: \(target), split: {train: 400, valid: 100, test: 100}}
            model:
            \(layers)
            train: {epochs: 3, optimizer: {name: adam, learning_rate: 0.01}}
            """, file: "fc.yaml"), source: nil, runsDir: runs, console: .silent)
    }

    func testMethodsOneTwoThreeBeatTheNaiveForecast() throws {
        let runs = try temporaryFolder(self)
        let next = try train("next", "  - SimpleRNN: {units: 8}\n  - Dense: {units: 1}", in: runs)
        let vector = try train("vector", "  - SimpleRNN: {units: 8}\n  - Dense: {units: 10}", in: runs)
        let sequence = try train("sequence", "  - SimpleRNN: {units: 8, return_sequences: true}\n  - TimeDistributed: {Dense: {units: 10}}", in: runs)
        for (run, method) in [(next, "method 1"), (vector, "method 2"), (sequence, "method 3")] {
            let result = try TrainingRun.evaluateSteps(run: run.path, steps: 5, checkpoint: "best")
            XCTAssertTrue(result.method.hasPrefix(method), result.method)
            XCTAssertEqual(result.perStep.count, 5)
            XCTAssertEqual(result.overall, result.perStep.reduce(0, +) / 5, accuracy: 1e-12)
            XCTAssertLessThan(result.overall, result.naiveOverall, "\(method) beats repeating the last value")
            XCTAssertLessThan(result.perStep[0], result.perStep[4] * 1.5 + 1e-3, "\(method): errors grow with the horizon, roughly")
        }
        // The naive errors are the same data for every run: one seed, window + steps draws.
        XCTAssertEqual(try TrainingRun.evaluateSteps(run: next.path, steps: 5, checkpoint: "best").naivePerStep,
                       try TrainingRun.evaluateSteps(run: sequence.path, steps: 5, checkpoint: "best").naivePerStep)
        XCTAssertThrowsError(try TrainingRun.evaluateSteps(run: vector.path, steps: 11, checkpoint: "best")) {
            XCTAssertTrue("\($0)".contains("at most 10 steps"), "\($0)")
        }
        // Method 1 for one step is the model's own next-value prediction.
        let experiment = try ExperimentParser.load(path: next.configPath)
        let dataset = try Dataset(config: experiment.data, seed: experiment.seed)
        let trainer = Trainer(experiment: experiment, dataset: dataset)
        try Checkpoint.restore(try next.loadCheckpoint("best"), into: trainer.model)
        let window = Array(dataset.values[0..<12])
        let forecast = try Forecaster(model: trainer.model, data: experiment.data).forecast(windows: window, count: 1, steps: 3)
        trainer.model.replicas[0].input.pointer.update(from: window, count: 12)
        XCTAssertEqual(forecast[0], trainer.model.replicas[0].forward(batch: 1)[0])
    }

    /// A strided Conv1D's last output can end before the window does (window 12, kernel 4, stride 3: it sees
    /// step 9), so its model forecasts fewer steps than the horizon (10 - 2 = 8 here). The run's forecast
    /// plot shows those; it used to ask for the horizon, and the run failed after training.
    func testAStridedConvolutionRunPlotsTheStepsItCanForecast() throws {
        let runs = try temporaryFolder(self)
        let run = try train("sequence", "  - Conv1D: {filters: 8, kernel_size: 4, strides: 3}\n  - TimeDistributed: {Dense: {units: 10}}", in: runs)
        let plot = try String(contentsOfFile: run.path + "/forecast.svg", encoding: .utf8)
        XCTAssertTrue(plot.contains("8 steps ahead"), "the plot's title names the steps it shows")
        XCTAssertTrue(FileManager.default.fileExists(atPath: run.summaryPath))
        // Stride 11: the one output sees step 3, 8 steps before the window's end, and forecasts 2 steps.
        let far = try train("sequence", "  - Conv1D: {filters: 8, kernel_size: 4, strides: 11}\n  - TimeDistributed: {Dense: {units: 10}}", in: runs)
        XCTAssertTrue(try String(contentsOfFile: far.path + "/forecast.svg", encoding: .utf8).contains("2 steps ahead"))
        // Kernel 2, stride 11: the output sees steps 0 and 1 only, and forecasts nothing past the window:
        // the run completes without a forecast plot.
        let none = try train("sequence", "  - Conv1D: {filters: 8, kernel_size: 2, strides: 11}\n  - TimeDistributed: {Dense: {units: 10}}", in: runs)
        XCTAssertFalse(FileManager.default.fileExists(atPath: none.path + "/forecast.svg"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: none.summaryPath))
        XCTAssertTrue(FileManager.default.fileExists(atPath: none.path + "/curves.svg"))
    }

    func testEvalStepsAndPredictFromTheCommandLine() throws {
        let runs = try temporaryFolder(self)
        let run = try train("sequence", "  - SimpleRNN: {units: 8, return_sequences: true}\n  - TimeDistributed: {Dense: {units: 10}}", in: runs)
        let eval = try runSeqtrain(["eval", run.path, "--steps", "10"], in: runs)
        XCTAssertEqual(eval.status, 0, eval.stderr)
        XCTAssertTrue(eval.stdout.hasPrefix("valid, 10 steps ahead (method 3"), eval.stdout)
        XCTAssertEqual(eval.stdout.split(separator: "\n").count, 13)
        try ("value\n" + (0..<30).map { "\(0.4 * sin(Double($0) / 4))" }.joined(separator: "\n") + "\n")
            .write(toFile: runs + "/mine.csv", atomically: true, encoding: .utf8)
        let predict = try runSeqtrain(["predict", run.path, "--input", "mine.csv", "--steps", "4"], in: runs)
        XCTAssertEqual(predict.status, 0, predict.stderr)
        XCTAssertEqual(predict.stdout.split(separator: "\n").count, 5)
        XCTAssertEqual(try String(contentsOfFile: runs + "/mine-forecast.csv", encoding: .utf8), predict.stdout)
        try "value\n1\noops\n2\n".write(toFile: runs + "/bad.csv", atomically: true, encoding: .utf8)
        let bad = try runSeqtrain(["predict", run.path, "--input", "bad.csv"], in: runs)
        XCTAssertEqual(bad.status, 2)
        XCTAssertTrue(bad.stderr.contains("bad.csv:3:1: error: 'oops' is not a number"), bad.stderr)
        let short = try runSeqtrain(["predict", run.path, "--input", "mine.csv", "--steps", "11"], in: runs)
        XCTAssertEqual(short.status, 1)
    }
}
