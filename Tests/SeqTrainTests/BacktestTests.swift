import Foundation
import SeqTrain
import XCTest

/// The forecast error measures on hand-computed series, and `backtest` end to end.
final class BacktestTests: XCTestCase {
    // MARK: - The measures, by hand

    /// y_t = t. The one-step naive forecast is off by h at step h, and the in-sample scale (M = 1) is 1.
    func testALinearTrend() throws {
        let train = (1...10).map(Double.init)
        let scale = try XCTUnwrap(ForecastScale(training: [train], season: 1))
        XCTAssertEqual(scale, ForecastScale(mae: 1, rmse: 1))
        let window = [7.0, 8, 9, 10], truth = [11.0, 12, 13]
        XCTAssertEqual(ForecastAccuracy.naive(window, steps: 3), [10, 10, 10])
        XCTAssertEqual(ForecastAccuracy.mean(window, steps: 3), [8.5, 8.5, 8.5])
        XCTAssertEqual(ForecastAccuracy.seasonalNaive(window, steps: 3, season: 1), [10, 10, 10], "M = 1 is the naive forecast")
        XCTAssertEqual(ForecastAccuracy.seasonalNaive(window, steps: 3, season: 2), [9, 10, 9], "T+h-2*(floor((h-1)/2)+1)")

        let naive = ForecastAccuracy.errors(truths: [truth], forecasts: [ForecastAccuracy.naive(window, steps: 3)], scale: scale)
        XCTAssertEqual(naive.byStep[.mae], [1, 2, 3])
        XCTAssertEqual(naive.byStep[.mase], [1, 2, 3])
        XCTAssertEqual(naive[.mae], 2)
        XCTAssertEqual(naive[.mase], 2)
        XCTAssertEqual(naive[.rmse], (14.0 / 3).squareRoot(), accuracy: 1e-15)
        XCTAssertEqual(naive[.rmsse], (14.0 / 3).squareRoot(), accuracy: 1e-15)
        // sMAPE at step h: 200 h / (10 + h + 10).
        let smape = [200.0 / 21, 400.0 / 22, 600.0 / 23]
        for (actual, expected) in zip(try XCTUnwrap(naive.byStep[.smape]), smape) { XCTAssertEqual(actual, expected, accuracy: 1e-12) }
        XCTAssertEqual(naive[.smape], smape.reduce(0, +) / 3, accuracy: 1e-12)

        // With M = 2 the scale is |y_t - y_{t-2}| = 2, and the seasonal-naive errors are 2, 2, 4.
        let scale2 = try XCTUnwrap(ForecastScale(training: [train], season: 2))
        XCTAssertEqual(scale2, ForecastScale(mae: 2, rmse: 2))
        let seasonal = ForecastAccuracy.errors(truths: [truth], forecasts: [ForecastAccuracy.seasonalNaive(window, steps: 3, season: 2)],
                                               scale: scale2)
        XCTAssertEqual(seasonal.byStep[.mae], [2, 2, 4])
        XCTAssertEqual(seasonal.byStep[.mase], [1, 1, 2])
        XCTAssertEqual(seasonal[.mase], 8.0 / 3 / 2, accuracy: 1e-15)
        XCTAssertEqual(seasonal[.rmsse], (24.0 / 3).squareRoot() / 2, accuracy: 1e-15)
    }

    /// 10, 20, 30, 20 repeated: the seasonal-naive forecast with M = 4 is exact; the naive one is not.
    func testAPureSeasonalSeries() throws {
        let pattern = [10.0, 20, 30, 20]
        let series = Array((0..<4).map { _ in pattern }.joined())
        let oneStep = try XCTUnwrap(ForecastScale(training: [series], season: 1))
        XCTAssertEqual(oneStep, ForecastScale(mae: 10, rmse: 10), "every one-step difference is ±10")
        XCTAssertEqual(ForecastScale(training: [series], season: 4), ForecastScale(mae: 0, rmse: 0))

        let window = pattern, truth = pattern  // the next season repeats the last one
        let seasonal = ForecastAccuracy.errors(truths: [truth], forecasts: [ForecastAccuracy.seasonalNaive(window, steps: 4, season: 4)],
                                               scale: oneStep)
        XCTAssertEqual(ForecastAccuracy.seasonalNaive(window, steps: 6, season: 4), [10, 20, 30, 20, 10, 20], "the season repeats")
        for measure in ForecastMeasure.allCases { XCTAssertEqual(seasonal[measure], 0, "\(measure)") }

        // Naive: 20 four times against 10, 20, 30, 20: errors 10, 0, 10, 0.
        let naive = ForecastAccuracy.errors(truths: [truth], forecasts: [ForecastAccuracy.naive(window, steps: 4)], scale: oneStep)
        XCTAssertEqual(naive.byStep[.mae], [10, 0, 10, 0])
        XCTAssertEqual(naive[.mase], 0.5)
        XCTAssertEqual(naive[.rmsse], (200.0 / 4).squareRoot() / 10, accuracy: 1e-15)
        XCTAssertEqual(try XCTUnwrap(naive.byStep[.smape])[0], 200.0 * 10 / 30, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(naive.byStep[.smape])[2], 200.0 * 10 / 50, accuracy: 1e-12)
        XCTAssertEqual(naive[.smape], (200.0 / 3 + 40) / 4, accuracy: 1e-12)
        // The mean of the window (20) happens to be the naive forecast here.
        XCTAssertEqual(ForecastAccuracy.mean(window, steps: 4), [20, 20, 20, 20])
    }

    func testScaleSegmentsSMAPEOfZerosAndColumnAverages() throws {
        // Differences never cross from one training series to the next: 1, 1 and 1, not 7.
        XCTAssertEqual(ForecastScale(training: [[1, 2, 3], [10, 11]], season: 1), ForecastScale(mae: 1, rmse: 1))
        XCTAssertNil(ForecastScale(training: [[1, 2]], season: 2), "no segment longer than the season")
        let zeros = ForecastAccuracy.errors(truths: [[0, 1]], forecasts: [[0, 3]], scale: ForecastScale(mae: 1, rmse: 1))
        XCTAssertEqual(zeros.byStep[.smape], [0, 100], "0 against 0 counts as no error")
        let a = ForecastAccuracy.errors(truths: [[1]], forecasts: [[2]], scale: ForecastScale(mae: 1, rmse: 1))
        let b = ForecastAccuracy.errors(truths: [[1]], forecasts: [[4]], scale: ForecastScale(mae: 1, rmse: 1))
        XCTAssertEqual(ForecastErrors.mean([a, b])[.mae], 2)
        XCTAssertEqual(ForecastErrors.mean([a, b]).byStep[.mase], [2])
    }

    // MARK: - End to end

    /// A naive run on y_t = t (standardised, so the figures come back through the run's scaling).
    func testBacktestOfALinearTrendRun() throws {
        let folder = try temporaryFolder(self)
        try ("t,y\n" + (1...60).map { "\($0),\($0)" }.joined(separator: "\n") + "\n").write(toFile: folder + "/trend.csv", atomically: true, encoding: .utf8)
        let experiment = try ExperimentParser.parse(yaml: """
            name: trend
            data:
              source: {csv: \(folder)/trend.csv, columns: [y], time_column: t}
              window: 4
              target: vector
              horizon: 3
              split: {train: 30, valid: 15, test: 15}
            model: naive
            """, file: "trend.yaml")
        let run = try TrainingRun.train(experiment, source: nil, runsDir: folder, console: .silent)
        let result = try Backtest.run(run.path, split: .valid, checkpoint: "best", season: 1)
        XCTAssertEqual(result.methods, ["naive", "seasonal_naive", "mean"], "a naive run has no model")
        XCTAssertEqual(result.origins, 13, "rows 31-45 hold 13 three-step targets")
        XCTAssertEqual(result.columns.map(\.name), ["y"])
        XCTAssertEqual(result.columns[0].scale.mae, 1, accuracy: 1e-5)
        let naive = result.averaged[0], mean = result.averaged[2]
        for (h, mase) in try XCTUnwrap(naive.byStep[.mase]).enumerated() { XCTAssertEqual(mase, Double(h + 1), accuracy: 1e-4) }
        for (h, mae) in try XCTUnwrap(mean.byStep[.mae]).enumerated() { XCTAssertEqual(mae, Double(h + 1) + 1.5, accuracy: 1e-4) }
        // The first origin's window is rows 27-30 (values 27-30), its truth 31, 32, 33 ... the last one's truth 43, 44, 45;
        // one step ahead the naive forecast v is off by 1: sMAPE 200 / (2v + 1).
        let lastValues: [Double] = (30...42).map(Double.init)
        let smape1 = lastValues.map { v in 200 / (2 * v + 1) }.reduce(0, +) / 13
        XCTAssertEqual(try XCTUnwrap(naive.byStep[.smape])[0], smape1, accuracy: 1e-4)
        XCTAssertEqual(try Backtest.run(run.path, split: .test, checkpoint: "best", season: 2).averaged[1][.mase], 4.0 / 3, accuracy: 1e-4,
                       "seasonal naive with M = 2: errors 2, 2, 4 over a scale of 2")
        XCTAssertThrowsError(try Backtest.run(run.path, split: .valid, checkpoint: "best", season: 5)) {
            XCTAssertEqual("\($0)", "--season 5 needs the last 5 steps in each window, but the run's window is 4 steps; use a season of at most 4")
        }
    }

    /// Two target columns, a = t and b = 2t: each has its own scale (1 and 2), so their MASE agree
    /// while their MAE differ, and the averaged figures are the columns' mean.
    func testSeveralTargetColumnsArePerColumnAndAveraged() throws {
        let folder = try temporaryFolder(self)
        try ("a,b\n" + (1...60).map { "\($0),\(2 * $0)" }.joined(separator: "\n") + "\n").write(toFile: folder + "/two.csv", atomically: true, encoding: .utf8)
        let experiment = try ExperimentParser.parse(yaml: """
            name: two
            data: {source: {csv: \(folder)/two.csv, columns: [a, b]}, window: 4, target: vector, horizon: 2, split: {train: 30, valid: 15, test: 15}}
            model: naive
            """, file: "two.yaml")
        let run = try TrainingRun.train(experiment, source: nil, runsDir: folder, console: .silent)
        let result = try Backtest.run(run.path, split: .valid, checkpoint: "best", season: 1)
        XCTAssertEqual(result.columns.map(\.name), ["a", "b"])
        XCTAssertEqual(result.columns[1].scale.mae, 2, accuracy: 1e-5)
        let (a, b) = (result.columns[0].errors[0], result.columns[1].errors[0])
        XCTAssertEqual(a[.mae], 1.5, accuracy: 1e-4, "naive errors 1 and 2")
        XCTAssertEqual(b[.mae], 3, accuracy: 1e-4)
        XCTAssertEqual(a[.mase], b[.mase], accuracy: 1e-4)
        XCTAssertEqual(result.averaged[0][.mae], 2.25, accuracy: 1e-4)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.json.rendered().utf8)) as? [String: Any])
        let naive = try XCTUnwrap((object["methods"] as? [String: Any])?["naive"] as? [String: Any])
        XCTAssertEqual(try XCTUnwrap(naive["mae"] as? Double), 2.25, accuracy: 1e-4)
        let columns = try XCTUnwrap(naive["columns"] as? [String: Any])
        XCTAssertEqual(try XCTUnwrap((columns["b"] as? [String: Any])?["mae"] as? Double), 3, accuracy: 1e-4)
        let text = result.text()
        XCTAssertTrue(text.contains("\na:\n") && text.contains("\nb:\n") && text.contains("averaged over the 2 columns:"), text)
        XCTAssertEqual(result.csv.split(separator: "\n").filter { $0.hasPrefix("average,naive,") }.count, 3, "steps 1, 2 and all")
    }

    /// A trained CSV run and a trained generator run through the command line, in every format.
    func testBacktestCommandOnCSVAndGeneratorRuns() throws {
        let folder = try temporaryFolder(self)
        try ("month,v\n" + (0..<240).map { "\($0),\(20 + 3 * sin(Double($0) * .pi / 6) + 0.01 * Double($0 % 7))" }.joined(separator: "\n") + "\n")
            .write(toFile: folder + "/seasonal.csv", atomically: true, encoding: .utf8)
        try """
            name: seasonal
            data: {source: {csv: seasonal.csv, columns: [v], time_column: month}, window: 24, target: vector, horizon: 6}
            model: [{SimpleRNN: {units: 8}}, {Dense: {units: 6}}]
            train: {epochs: 3}
            """.write(toFile: folder + "/seasonal.yaml", atomically: true, encoding: .utf8)
        try """
            name: sine
            data: {source: {generator: sine, series: 300}, window: 12, target: next, split: {train: 200, valid: 60, test: 40}}
            model: [{SimpleRNN: {units: 4}}, {Dense: {units: 1}}]
            train: {epochs: 2}
            """.write(toFile: folder + "/sine.yaml", atomically: true, encoding: .utf8)
        for config in ["seasonal.yaml", "sine.yaml"] {
            XCTAssertEqual(try runSeqtrain([config, "--threads", "1"], in: folder).status, 0)
        }
        let csvRun = try XCTUnwrap(RunIndex.scan(folder + "/runs/seasonal").first).path
        let text = try runSeqtrain(["backtest", csvRun, "--season", "12"], in: folder)
        XCTAssertEqual(text.status, 0, text.stderr)
        let lines = text.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        XCTAssertTrue(lines[0].hasPrefix("backtest of \(csvRun) on the valid split (best checkpoint; method 2"), lines[0])
        XCTAssertTrue(lines[1].hasPrefix("43 origins, 6 steps ahead, season 12;"), lines[1])
        XCTAssertEqual(lines[3].split(separator: " ", omittingEmptySubsequences: true), ["overall", "model", "naive", "seasonal_naive", "mean"])
        XCTAssertTrue(lines.contains { $0.hasPrefix("mase ") && $0.contains("*") }, text.stdout)
        XCTAssertEqual(lines.filter { $0.range(of: #"^(\d+|all) +[0-9]"#, options: .regularExpression) != nil }.count, 7, "steps 1-6 and all")
        XCTAssertTrue(FileManager.default.fileExists(atPath: csvRun + "/backtest.svg"))

        let json = try runSeqtrain(["backtest", csvRun, "--season", "12", "--format", "json", "--split", "test"], in: folder)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(object["horizon"] as? Int, 6)
        XCTAssertEqual(object["season"] as? Int, 12)
        let methods = try XCTUnwrap(object["methods"] as? [String: Any])
        XCTAssertEqual(Set(methods.keys), ["model", "naive", "seasonal_naive", "mean"])
        let seasonal = try XCTUnwrap(methods["seasonal_naive"] as? [String: Any]), naive = try XCTUnwrap(methods["naive"] as? [String: Any])
        XCTAssertLessThan(try XCTUnwrap(seasonal["mae"] as? Double), 0.1, "a nearly periodic series: one season back is almost exact")
        XCTAssertGreaterThan(try XCTUnwrap(naive["mae"] as? Double), 1)
        // The scale is the seasonal-naive error on the train rows, so out of sample its MASE is about 1.
        XCTAssertEqual(try XCTUnwrap(seasonal["mase"] as? Double), 1, accuracy: 0.5)
        XCTAssertEqual(((seasonal["by_step"] as? [String: Any])?["smape"] as? [Any])?.count, 6)

        let csv = try runSeqtrain(["backtest", csvRun, "--format", "csv"], in: folder)
        let rows = csv.stdout.split(separator: "\n")
        XCTAssertEqual(rows.first, "column,method,step,mae,rmse,mase,rmsse,smape")
        XCTAssertEqual(rows.count, 1 + 4 * 7)
        XCTAssertTrue(rows.contains { $0.hasPrefix("v,naive,all,") })

        // A next-value model on generated series: each validation series is one origin; fed back for 5 steps.
        let sineRun = try XCTUnwrap(RunIndex.scan(folder + "/runs/sine").first).path
        let sine = try Backtest.run(sineRun, split: .valid, checkpoint: "last", season: 1, horizon: 5)
        XCTAssertEqual(sine.origins, 60)
        XCTAssertTrue(sine.modelMethod?.hasPrefix("method 1") ?? false)
        XCTAssertEqual(sine.averaged[0].byStep[.mae]?.count, 5)
        let sineText = try runSeqtrain(["backtest", sineRun, "--format", "csv"], in: folder)
        XCTAssertEqual(sineText.status, 0, sineText.stderr)
        XCTAssertEqual(sineText.stdout.split(separator: "\n").count, 1 + 4 * 2, "horizon 1: step 1 and all")

        let bad = try runSeqtrain(["backtest", csvRun, "--season", "30"], in: folder)
        XCTAssertEqual(bad.status, 1)
        XCTAssertTrue(bad.stderr.contains("--season 30 needs the last 30 steps in each window, but the run's window is 24 steps"), bad.stderr)
        let metric = try runSeqtrain(["backtest", csvRun, "--metric", "mape"], in: folder)
        XCTAssertNotEqual(metric.status, 0)
        XCTAssertTrue(metric.stderr.contains("did you mean"), metric.stderr)
    }
}
