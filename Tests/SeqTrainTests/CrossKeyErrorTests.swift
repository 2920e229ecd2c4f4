import SeqTrain
import XCTest

/// Errors between keys sit at the key the message names first and name where the other key is
/// (batch_size larger than the train split was reported at the first key of train:, a sequence
/// metric on a vector output at train: too).
final class CrossKeyErrorTests: XCTestCase {
    func errors(_ yaml: String, overrides: [String] = []) -> String {
        do {
            _ = try ExperimentParser.parse(yaml: yaml, file: "x.yaml", overrides: try overrides.map(Override.init))
            return "no error"
        } catch {
            return "\(error)"
        }
    }

    func testEachErrorBetweenKeysIsAtTheKeyItNamesAndNamesTheOther() {
        let cases: [(yaml: String, overrides: [String], expected: String)] = [
            ("""
             data:
               source: {generator: sine, series: 100}
               split: {train: 20, valid: 40, test: 40}
             model: [Flatten, {Dense: {units: 1}}]
             train:
               epochs: 2
               batch_size: 64
             """, [], "x.yaml:7:15: error: train.batch_size (64) is larger than the train split (20 series); data.split is at x.yaml:3:10"),
            // The default batch size: at the split that is too small for it.
            ("""
             data:
               source: {generator: sine, series: 100}
               split: {train: 20, valid: 40, test: 40}
             model: [Flatten, {Dense: {units: 1}}]
             """, [], "x.yaml:3:10: error: train.batch_size (32, the default) is larger than the train split (20 series)"),
            // Set on the command line: the override, and the split in the file.
            ("""
             data:
               source: {generator: sine, series: 100}
               split: {train: 20, valid: 40, test: 40}
             model: [Flatten, {Dense: {units: 1}}]
             train: {batch_size: 8}
             """, ["train.batch_size=50"], "--set train.batch_size=50: error: train.batch_size (50) is larger than the train split (20 series); "
                + "data.split is at x.yaml:3:10"),
            ("""
             data: {source: {generator: sine, series: 100}}
             model: [Flatten, {Dense: {units: 1}}]
             train:
               metrics: [mse, last_time_step_mse]
             """, [], "x.yaml:4:18: error: metric last_time_step_mse needs a sequence output, but the model outputs (None, 1); "
                + "model.1 is at x.yaml:2:18"),
            ("""
             data:
               source: {generator: sine, series: 100}
               target: next
               horizon: 3
             model: [Flatten, {Dense: {units: 1}}]
             """, [], "x.yaml:4:12: error: data.horizon must be 1 when data.target is next, found 3; data.target is at x.yaml:3:11"),
            ("""
             data: {source: {generator: sine, series: 10000000}, window: 1000}
             model: [Flatten, {Dense: {units: 1}}]
             """, [], "x.yaml:1:42: error: the data would hold 10000000 series (data.source.series) x 1001 steps, more than 400000000 values; "
                + "data.window is at x.yaml:1:61"),
            ("""
             data:
               source: {generator: sine, series: 100}
               split: {train: 80, valid: 40, test: 40}
             model: [Flatten, {Dense: {units: 1}}]
             """, [], "x.yaml:3:10: error: data.split takes 160 series but the source has only 100; data.source.series is at x.yaml:2:37"),
            ("""
             data:
               source: {generator: sine, series: 100}
               stride: 2
             model: [Flatten, {Dense: {units: 1}}]
             """, [], "x.yaml:3:11: error: data.stride applies to a csv source; each generated series gives one sample; data.source is at x.yaml:2:11"),
            ("""
             data:
               source: {generator: sine, series: 100}
               target: vector
               horizon: 10
             model: [Flatten, {Dense: {units: 1}}]
             """, [], "x.yaml:5:18: error: the model outputs (None, 1) but data.target vector with horizon 10 is (None, 10); "
                + "data.target is at x.yaml:3:11; data.horizon is at x.yaml:4:12"),
            ("""
             data: {source: {generator: sine, series: 300}}
             model: [Flatten, {Dense: {units: 1}}]
             train: {epochs: 9, metrics: [mae]}
             sweep:
               method: halving
               halving: {metric: val_mse}
               parameters: {train.epochs: [3, 9], train.optimizer.learning_rate: [0.1, 0.2]}
             """, [], "x.yaml:6:21: error: sweep.halving.metric 'val_mse' is not a history column (its columns: loss, mae, val_loss, val_mae, lr); "
                + "train.metrics is at x.yaml:3:29 (did you mean 'val_mae'?)\n"
                + "x.yaml:7:30: error: a halving sweep sets train.epochs itself, rung by rung; sweep.method is at x.yaml:5:11"),
            ("""
             data: {source: {generator: sine, series: 300}}
             model: [Flatten, {Dense: {units: 1}}]
             sweep:
               method: grid
               parameters: {train.optimizer.learning_rate: {log_uniform: [0.001, 0.1]}}
             """, [], "x.yaml:5:47: error: sweep.parameters.train.optimizer.learning_rate is a distribution, which needs random points; "
                + "sweep.method is at x.yaml:4:11"),
        ]
        for (yaml, overrides, expected) in cases {
            let said = errors(yaml, overrides: overrides)
            XCTAssertTrue(said.contains(expected), "expected \(expected)\nin \(said)")
        }
    }
}
