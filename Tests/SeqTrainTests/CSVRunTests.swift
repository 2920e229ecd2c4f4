import Foundation
import SeqTrain
import XCTest

/// Experiments on a user's CSV series: the config keys, and training, evaluating and forecasting end to end.
final class CSVRunTests: XCTestCase {
    private func errors(_ yaml: String) -> [String] {
        configErrorMessages(yaml) { _ = try ExperimentParser.parse(yaml: yaml, file: "x.yaml") }
    }

    func testCSVSourceKeysDefaultsAndRoundTrip() throws {
        let yaml = """
            data:
              source: {csv: "my data/file 1.csv", columns: [sales, "2020", "true", "a\\x7Fb\\x85c\\u2028d"], targets: [sales], time_column: "day, local"}
              window: 7
              target: sequence
              horizon: 2
              stride: 3
              split: {train: 0.6, valid: 100, test: 0.1}
            model: [{SimpleRNN: {units: 4, return_sequences: true}}, {TimeDistributed: {Dense: {units: 2}}}]
            """
        let e = try ExperimentParser.parse(yaml: yaml, file: "x.yaml")
        XCTAssertEqual(e.data.source, .csv(CSVSource(path: "my data/file 1.csv", columns: ["sales", "2020", "true", "a\u{7F}b\u{85}c\u{2028}d"],
                                                     targets: ["sales"], timeColumn: "day, local")))
        XCTAssertEqual(e.data.inputShape, .sequence(steps: 7, features: 4))
        XCTAssertEqual(e.data.stride, 3)
        XCTAssertTrue(e.data.standardize, "standardised unless turned off")
        XCTAssertEqual(e.data.split, Split(train: .fraction(0.6), valid: .count(100), test: .fraction(0.1)))
        let resolved = ExperimentWriter.yaml(e)
        XCTAssertTrue(resolved.contains(#"source: {csv: "my data/file 1.csv", columns: [sales, "2020", "true", "a\u007fb\u0085c\u2028d"], targets: [sales], "#
            + #"time_column: "day, local"}"#), resolved)
        XCTAssertTrue(resolved.contains("split: {train: 0.6, valid: 100, test: 0.1}"), resolved)
        XCTAssertEqual(try ExperimentParser.parse(yaml: resolved, file: "resolved"), e)
        let defaults = try ExperimentParser.parse(yaml: "data: {source: {csv: f.csv, columns: [v]}}\nmodel: naive", file: "x.yaml")
        XCTAssertEqual(defaults.data.split, Split(train: .fraction(0.7), valid: .fraction(0.2), test: .fraction(0.1)))
        guard case .csv(let csv) = defaults.data.source else { return XCTFail() }
        XCTAssertEqual(csv.targets, ["v"], "targets default to every column")
    }

    func testCSVSourceMistakesAreReportedInTheConfig() {
        let model = "\nmodel: naive"
        XCTAssertEqual(errors("data: {source: {csv: f.csv}}" + model),
                       ["x.yaml:1:16: error: data.source needs columns: the CSV columns fed to the model (write e.g. columns: [sst])"])
        XCTAssertEqual(errors("data: {source: {csv: f.csv, columns: [a], targets: [b]}}" + model), [
            "x.yaml:1:52: error: data.source.targets names 'b', which is not among data.source.columns "
                + "(a target must also be an input column (the naive forecast repeats its last value); add it to columns)",
        ])
        XCTAssertEqual(errors("data: {source: {csv: f.csv, columns: [a, a]}}" + model),
                       ["x.yaml:1:42: error: data.source.columns names 'a' twice"])
        XCTAssertEqual(errors("data: {source: {csv: f.csv, columns: [a], time_colum: t}}" + model),
                       ["x.yaml:1:43: error: unknown key 'time_colum' in data.source (a csv source) (did you mean 'time_column'?)"])
        XCTAssertEqual(errors("data: {source: {csv: f.csv, columns: [a], time_column: a}}" + model), [
            "x.yaml:1:56: error: data.source.time_column 'a' is also an input column "
                + "(time stamps label the rows; they are not fed to the model)",
        ])
        XCTAssertEqual(errors("data: {stride: 2}" + model), [
            "x.yaml:1:16: error: data.stride applies to a csv source; each generated series gives one sample "
                + "(remove it, or read a series with source: {csv: FILE, columns: [NAME]})",
        ])
        XCTAssertEqual(errors("data: {source: {csv: f.csv, columns: [a]}, split: {train: 0.8, valid: 0.3}}" + model),
                       ["x.yaml:1:51: error: the fractions of data.split add up to 1.1, more than 1 (make them add up to at most 1)"])
        XCTAssertEqual(errors("data: {split: {train: 1.5, valid: 0.1}}" + model),
                       ["x.yaml:1:23: error: data.split.train must be a finite number in (0, 1], found 1.5"])
        // Two input columns feed two features; one target column with horizon 3 needs 3 outputs.
        XCTAssertEqual(errors("data: {source: {csv: f.csv, columns: [a, b], targets: [a]}, target: vector, horizon: 3}"
                              + "\nmodel: [{SimpleRNN: {units: 4}}, {Dense: {units: 6}}]"), [
            "x.yaml:2:34: error: the model outputs (None, 6) but data.target vector with horizon 3 is (None, 3); "
                + "data.target is at x.yaml:1:69; data.horizon is at x.yaml:1:86 (set units: 3 on the last layer)",
        ])
    }

    /// A scratch folder holding a copy of the shipped El Nino series and config, as a user's project would.
    private func project() throws -> String {
        let folder = try temporaryFolder(self)
        for path in ["data/nino12-sst.csv", "configs/nino12.yaml", "data/us-macro-quarterly.csv", "configs/us_unemployment.yaml"] {
            try FileManager.default.createDirectory(atPath: folder + "/" + (path as NSString).deletingLastPathComponent,
                                                    withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: repositoryRoot + "/" + path, toPath: folder + "/" + path)
        }
        return folder
    }

    func testTheShippedSeriesTrainsWellBeyondTheNaiveForecast() throws {
        let folder = try project()
        let result = try runSeqtrain(["configs/nino12.yaml", "--set", "train.epochs=25"], in: folder)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("data: data/nino12-sst.csv, 732 rows x 1 column (sst), window 24, stride 1, "
            + "target vector (horizon 12) of sst, standardised on the train rows"), result.stdout)
        XCTAssertTrue(result.stdout.contains("rows train 1-512 / valid 513-622 / test 623-732; samples train 477 / valid 99 / test 99"))
        let run = try XCTUnwrap(RunIndex.scan(folder + "/runs/nino12").first)
        let summary = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: run.path + "/summary.json"))) as? [String: Any])
        let best = (((summary["best"] as? [String: Any])?["valid"] as? [String: Any])?["loss"] as? NSNumber)?.doubleValue ?? .nan
        let naive = (((summary["naive"] as? [String: Any])?["valid"] as? [String: Any])?["loss"] as? NSNumber)?.doubleValue ?? .nan
        XCTAssertLessThan(best, 0.3 * naive, "12 months ahead, the RNN must beat repeating the last month by far")
        XCTAssertLessThan(best, 0.45)

        // The checkpoint records the standardisation, fitted on the training rows only.
        let trained = try OpenedRun.open(run.path).trainedModel(checkpoint: "best")
        let file = try CSVFile(path: folder + "/data/nino12-sst.csv")
        let sst = try file.numbers(["sst"], role: "columns")
        let trainRows = sst[0..<512].map(Double.init)
        let mean = trainRows.reduce(0, +) / 512
        XCTAssertEqual(trained.scaling.count, 1)
        XCTAssertEqual(trained.scaling[0].mean, mean, accuracy: 1e-9)
        XCTAssertEqual(trained.scaling[0].std, (trainRows.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 512).squareRoot(), accuracy: 1e-9)

        // predict: the last 24 months, standardised, forecast, and given back in degrees.
        let predict = try runSeqtrain(["predict", run.path, "--input", "data/nino12-sst.csv"], in: folder)
        XCTAssertEqual(predict.status, 0, predict.stderr)
        let window = sst.suffix(24).map { trained.scaling[0].apply($0) }
        let expected = try Forecaster(model: trained.model, data: trained.experiment.data).forecast(windows: window, count: 1, steps: 12)
        XCTAssertEqual(predict.stdout, "step,sst\n" + expected.enumerated().map { "\($0 + 1),\(trained.scaling[0].invert($1))" }
            .joined(separator: "\n") + "\n")
        let degrees = predict.stdout.split(separator: "\n").dropFirst().compactMap { Double($0.split(separator: ",")[1]) }
        XCTAssertTrue(degrees.allSatisfy { (17...30).contains($0) }, "forecasts in degrees C: \(degrees)")

        // eval --steps works on the CSV series; a changed data file is refused, never silently used.
        let eval = try runSeqtrain(["eval", run.path, "--steps", "12"], in: folder)
        XCTAssertEqual(eval.status, 0, eval.stderr)
        // The last line: standardised MSE and naive MSE, then the RMSE in degrees, which is sqrt(MSE) x std.
        let all = try XCTUnwrap(eval.stdout.split(separator: "\n").last).split(separator: " ").compactMap { Double($0) }
        XCTAssertEqual(all.count, 4, eval.stdout)
        XCTAssertEqual(all[2], all[0].squareRoot() * trained.scaling[0].std, accuracy: 1e-3 * all[2])
        XCTAssertEqual(all[3], all[1].squareRoot() * trained.scaling[0].std, accuracy: 1e-3 * all[3])
        var text = try String(contentsOfFile: folder + "/data/nino12-sst.csv", encoding: .utf8)
        text = text.replacingOccurrences(of: "1950-01,23.110", with: "1950-01,23.111")
        try text.write(toFile: folder + "/data/nino12-sst.csv", atomically: true, encoding: .utf8)
        for arguments in [["eval", run.path], ["resume", run.path], ["eval", run.path, "--steps", "3"]] {
            let changed = try runSeqtrain(arguments, in: folder)
            XCTAssertNotEqual(changed.status, 0)
            XCTAssertTrue(changed.stderr.contains("data/nino12-sst.csv has changed since"), "\(arguments): \(changed.stderr)")
        }
        try FileManager.default.removeItem(atPath: folder + "/data/nino12-sst.csv")
        let moved = try runSeqtrain(["eval", run.path], in: folder)
        XCTAssertEqual(moved.status, 2)
        XCTAssertTrue(moved.stderr.contains("data/nino12-sst.csv: error: no such CSV file"), moved.stderr)
        XCTAssertTrue(try runSeqtrain(["runs", "runs/nino12"], in: folder).stdout.contains("finished"), "the run stays listed")
    }

    func testSeveralColumnsInOneTargetOutAndByteIdenticalReruns() throws {
        let folder = try project()
        let first = try runSeqtrain(["configs/us_unemployment.yaml", "--set", "train.epochs=30"], in: folder)
        XCTAssertEqual(first.status, 0, first.stderr)
        let second = try runSeqtrain(["configs/us_unemployment.yaml", "--set", "train.epochs=30"], in: folder)
        XCTAssertEqual(second.status, 0, second.stderr)
        let runs = RunIndex.scan(folder + "/runs/us_unemployment")
        XCTAssertEqual(runs.count, 2)
        for file in ["history.csv", "checkpoints/last.safetensors", "checkpoints/best.safetensors"] {
            XCTAssertEqual(FileManager.default.contents(atPath: runs[0].path + "/" + file),
                           FileManager.default.contents(atPath: runs[1].path + "/" + file), file)
        }
        let predict = try runSeqtrain(["predict", runs[0].path, "--input", "data/us-macro-quarterly.csv"], in: folder)
        XCTAssertEqual(predict.status, 0, predict.stderr)
        XCTAssertEqual(predict.stdout.split(separator: "\n").first, "step,unemp")
        XCTAssertEqual(predict.stdout.split(separator: "\n").count, 5)
        try "quarter,unemp,infl\n2009-Q3,9.6,3.5\n".write(toFile: folder + "/short.csv", atomically: true, encoding: .utf8)
        let missing = try runSeqtrain(["predict", runs[0].path, "--input", "short.csv"], in: folder)
        XCTAssertEqual(missing.status, 2)
        XCTAssertTrue(missing.stderr.contains("short.csv:1:1: error: the run's data.source.columns names column 'tbilrate', "
            + "which the header does not have"), missing.stderr)

        // Checkpoint metadata that does not match the config is refused, not trusted.
        let best = runs[0].path + "/checkpoints/best.safetensors"
        var file = try Safetensors(data: try XCTUnwrap(FileManager.default.contents(atPath: best)))
        file.metadata["standardization"] = #"[{"column":"unemp","mean":5,"std":2}]"#
        try file.serialized().write(to: URL(fileURLWithPath: best))
        let tampered = try runSeqtrain(["predict", runs[0].path, "--input", "data/us-macro-quarterly.csv"], in: folder)
        XCTAssertEqual(tampered.status, 1)
        XCTAssertTrue(tampered.stderr.contains("records the standardisation of columns unemp but the run's config standardises "
            + "unemp, infl, tbilrate"), tampered.stderr)

        // A next-value model that predicts one of three inputs cannot feed itself: method 1 needs every column.
        let next = try runSeqtrain(["configs/us_unemployment.yaml", "--set", "train.epochs=1", "--set", "data.target=next",
                                    "--set", "data.horizon=1", "--set", "model.1.units=1", "--set", "name=next"], in: folder)
        XCTAssertEqual(next.status, 0, next.stderr)
        let nextRun = try XCTUnwrap(RunIndex.scan(folder + "/runs/next").first)
        let steps = try runSeqtrain(["eval", nextRun.path, "--steps", "3"], in: folder)
        XCTAssertEqual(steps.status, 1)
        XCTAssertTrue(steps.stderr.contains("cannot be fed back as inputs"), steps.stderr)
        XCTAssertEqual(try runSeqtrain(["eval", nextRun.path, "--steps", "1"], in: folder).status, 0)
    }

    func testANextValueModelFeedsBackEveryColumnWhateverTheTargetOrder() throws {
        let folder = try project()
        let experiment = try ExperimentParser.load(path: folder + "/configs/us_unemployment.yaml", overrides: [
            try Override("data.source.csv=\(folder)/data/us-macro-quarterly.csv"), try Override("data.source.targets=[tbilrate, unemp, infl]"),
            try Override("data.target=next"), try Override("data.horizon=1"), try Override("model.1.units=3"), try Override("train.epochs=2"),
        ])
        let run = try TrainingRun.train(experiment, source: nil, runsDir: folder + "/runs", console: .silent)
        let trained = try OpenedRun.open(run.path).trainedModel(checkpoint: "last")
        let dataset = try Dataset(config: experiment.data, seed: 0)
        let window = Array(dataset.window(ofSample: dataset.indices(of: .valid).lowerBound))  // [12, 3]: unemp, infl, tbilrate
        let forecast = try Forecaster(model: trained.model, data: experiment.data).forecast(windows: window, count: 1, steps: 2)
        // By hand: predict (tbilrate, unemp, infl), append it as a row in column order, predict again.
        let replica = trained.model.replicas[0]
        replica.input.pointer.update(from: window, count: 36)
        let first = Array(UnsafeBufferPointer(start: replica.forward(batch: 1), count: 3))
        replica.input.pointer.update(from: Array(window.dropFirst(3)) + [first[1], first[2], first[0]], count: 36)
        let second = Array(UnsafeBufferPointer(start: replica.forward(batch: 1), count: 3))
        XCTAssertEqual(forecast, first + second)
        XCTAssertThrowsError(try Forecaster(model: trained.model, data: experiment.data).forecast(windows: window, count: 1, steps: 0)) {
            XCTAssertEqual("\($0)", "ask for 1 to 10000 steps, not 0")
        }
    }
}
