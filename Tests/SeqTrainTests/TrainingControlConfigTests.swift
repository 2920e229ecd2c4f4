import Foundation
import SeqTrain
import XCTest

/// `learning_rate` schedules, `weight_decay`, AdamW and `train.callbacks` in the experiment file:
/// parsed with positions, written back with every default, reached by `--set`, refused precisely.
final class TrainingControlConfigTests: XCTestCase {
    /// The issue's example on a small seq2seq model, with a constant rate (the issue's schedule is
    /// `schedule` below: Keras refuses a schedule under ReduceLROnPlateau, and so does seqtrain).
    let yaml = """
        name: control
        data: {source: {generator: sine, series: 300}, window: 12, target: sequence, horizon: 3, split: {train: 200, valid: 50, test: 50}}
        model:
          - SimpleRNN: {units: 4, return_sequences: true}
          - TimeDistributed: {Dense: {units: 3}}
        train:
          optimizer:
            name: adam
            learning_rate: 0.01
            weight_decay: 0.004
          metrics: [last_time_step_mse]
          callbacks:
            - EarlyStopping: {monitor: val_loss, patience: 3, min_delta: 0.0, restore_best_weights: true}
            - ReduceLROnPlateau: {monitor: val_last_time_step_mse, factor: 0.5, patience: 2, min_lr: 1.0e-5}
        """

    let schedule = "{schedule: exponential_decay, initial_learning_rate: 0.01, decay_steps: 1000, decay_rate: 0.9}"
    let plateauLine = "\n    - ReduceLROnPlateau: {monitor: val_last_time_step_mse, factor: 0.5, patience: 2, min_lr: 1.0e-5}"

    /// The issue's example file, schedule and all.
    var issueExample: String { yaml.replacingOccurrences(of: "learning_rate: 0.01", with: "learning_rate: " + schedule) }

    func testTheIssueExampleParsesAndIsWrittenBackWithEveryDefault() throws {
        let e = try ExperimentParser.parse(yaml: yaml, file: "control.yaml")
        XCTAssertEqual(e.train.optimizer.rule.learningRate, .constant(0.01))
        XCTAssertEqual(e.train.optimizer.weightDecay, 0.004)
        var stopping = EarlyStopping()
        (stopping.patience, stopping.restoreBestWeights) = (3, true)
        var plateau = ReduceLROnPlateau()
        (plateau.monitor, plateau.factor, plateau.patience, plateau.minLR) = ("val_last_time_step_mse", 0.5, 2, 1e-5)
        XCTAssertEqual(e.train.callbacks.count, 2)
        XCTAssertEqual(e.train.callbacks[0] as? EarlyStopping, stopping)
        XCTAssertEqual(e.train.callbacks[1] as? ReduceLROnPlateau, plateau)
        let text = ExperimentWriter.yaml(e)
        for line in [
            "  optimizer: {name: adam, learning_rate: 0.01, beta_1: 0.9, beta_2: 0.999, epsilon: 1.0e-07, weight_decay: 0.004}",
            "  callbacks:",
            "    - EarlyStopping: {monitor: val_loss, min_delta: 0.0, patience: 3, verbose: 0, mode: auto, baseline: null, "
                + "restore_best_weights: true, start_from_epoch: 0}",
            "    - ReduceLROnPlateau: {monitor: val_last_time_step_mse, factor: 0.5, patience: 2, verbose: 0, mode: auto, "
                + "min_delta: 0.0001, cooldown: 0, min_lr: 1.0e-05}",
        ] {
            XCTAssertTrue(text.contains(line + "\n"), "resolved config lacks\n\(line)\nin\n\(text)")
        }
        XCTAssertEqual(try ExperimentParser.parse(yaml: text, file: "resolved"), e, "the resolved config reads back as the same experiment")
        // The issue's schedule, without ReduceLROnPlateau.
        let scheduled = try ExperimentParser.parse(yaml: issueExample.replacingOccurrences(of: plateauLine, with: ""), file: "control.yaml")
        guard case .schedule(let rate) = scheduled.train.optimizer.rule.learningRate else { return XCTFail("no schedule") }
        XCTAssertEqual(rate as? ExponentialDecay, ExponentialDecay(initialLearningRate: 0.01, decaySteps: 1000, decayRate: 0.9))
        XCTAssertTrue(ExperimentWriter.yaml(scheduled).contains("  optimizer: {name: adam, learning_rate: {schedule: exponential_decay, "
            + "initial_learning_rate: 0.01, decay_steps: 1000, decay_rate: 0.9, staircase: false}, beta_1: 0.9, beta_2: 0.999, "
            + "epsilon: 1.0e-07, weight_decay: 0.004}\n"))
    }

    func testEveryScheduleAndOptimizerRoundTrips() throws {
        let rates = [
            "{schedule: piecewise_constant_decay, boundaries: [10, 20], values: [0.1, 0.01, 0.001]}",
            "{schedule: polynomial_decay, initial_learning_rate: 0.1, decay_steps: 50, cycle: true}",
            "{schedule: cosine_decay, initial_learning_rate: 0.01, decay_steps: 100, warmup_target: 0.1, warmup_steps: 10}",
            "{schedule: cosine_decay, initial_learning_rate: 0.01, decay_steps: 100}",
            "{schedule: inverse_time_decay, initial_learning_rate: 0.1, decay_steps: 10, decay_rate: 0.5, staircase: true}",
        ]
        for optimizer in ["adamw", "sgd", "rmsprop"] {
            for rate in rates {
                let text = yaml.replacingOccurrences(of: "name: adam\n", with: "name: \(optimizer)\n")
                    .replacingOccurrences(of: "learning_rate: 0.01", with: "learning_rate: " + rate).replacingOccurrences(of: plateauLine, with: "")
                let e = try ExperimentParser.parse(yaml: text, file: "x.yaml")
                XCTAssertEqual(e.train.optimizer.name, optimizer)
                XCTAssertTrue(e.train.optimizer.rule.learningRate.isScheduled, rate)
                XCTAssertEqual(try ExperimentParser.parse(yaml: ExperimentWriter.yaml(e), file: "resolved"), e, "\(optimizer) \(rate)")
            }
        }
        // AdamW's weight decay defaults to Keras's 0.004 and is written out; Adam's is none and is not.
        let adamw = try ExperimentParser.parse(yaml: "model: [Flatten, {Dense: {units: 1}}]\ntrain: {optimizer: adamw}\n", file: "x.yaml")
        XCTAssertEqual(adamw.train.optimizer.weightDecay, 0.004)
        XCTAssertTrue(ExperimentWriter.yaml(adamw).contains("optimizer: {name: adamw, learning_rate: 0.001, beta_1: 0.9, beta_2: 0.999, "
            + "epsilon: 1.0e-07, weight_decay: 0.004}\n"))
        let adam = try ExperimentParser.parse(yaml: "model: [Flatten, {Dense: {units: 1}}]\n", file: "x.yaml")
        XCTAssertEqual(adam.train.optimizer.weightDecay, nil)
        XCTAssertTrue(ExperimentWriter.yaml(adam).contains("optimizer: {name: adam, learning_rate: 0.001, beta_1: 0.9, beta_2: 0.999, "
            + "epsilon: 1.0e-07}\n  metrics: []\n"), "no weight_decay and no callbacks key for a config without them")
    }

    /// Broken files: every problem at its line and column (where `at` first occurs in the broken
    /// file), with what was expected and a suggestion.
    func testBrokenControlKeysReportPositionAndSuggestion() {
        let stopping = "    - EarlyStopping: {monitor: val_loss, patience: 3, min_delta: 0.0, restore_best_weights: true}"
        let cases: [(find: String, replace: String, at: String, contains: [String])] = [
            ("- EarlyStopping:", "- EarlyStoping:", "EarlyStoping", ["unknown callback 'EarlyStoping' at train.callbacks.0", "did you mean 'EarlyStopping'?"]),
            ("patience: 3", "patiance: 3", "patiance", ["unknown key 'patiance' in EarlyStopping at train.callbacks.0", "did you mean 'patience'?"]),
            ("monitor: val_loss", "monitor: val_los", "val_los", ["train.callbacks.0.EarlyStopping.monitor names 'val_los', which is not a column "
                + "of history.csv (its columns: loss, last_time_step_mse, val_loss, val_last_time_step_mse, lr)", "did you mean 'val_loss'?"]),
            ("metrics: [last_time_step_mse]", "metrics: []", "val_last_time_step_mse",
             ["names 'val_last_time_step_mse', which is not a column of history.csv (its columns: loss, val_loss, lr)"]),
            ("monitor: val_loss", "monitor: lr", "lr,", ["train.callbacks.0.EarlyStopping cannot tell whether lr should go down or up",
                                                        "set mode: min or mode: max"]),
            ("monitor: val_loss", "monitor: val_loss, mode: down", "down", ["train.callbacks.0.EarlyStopping.mode cannot be 'down'",
                                                                            "expected one of: auto, min, max"]),
            ("factor: 0.5", "factor: 1.5", "1.5", ["train.callbacks.1.ReduceLROnPlateau.factor must be a finite number between 0 and 1 "
                + "(exclusive), found 1.5"]),
            ("patience: 3", "patience: -1", "-1", ["train.callbacks.0.EarlyStopping.patience must be between 0 and 1000000, found -1"]),
            ("restore_best_weights: true", "restore_best_weights: yes please", "yes please", ["restore_best_weights must be true or false"]),
            (stopping, "    - [EarlyStopping]", "[EarlyStopping]", ["train.callbacks.0 must be a callback like '- EarlyStopping: {patience: 3}', found a list"]),
            ("  callbacks:\n" + stopping + plateauLine, "  callbacks: EarlyStopping", "EarlyStopping", ["train.callbacks must be a list"]),
            ("learning_rate: 0.01", "learning_rate: \(schedule.replacingOccurrences(of: "exponential_decay,", with: "exponental_decay,"))",
             "exponental_decay", ["unknown learning-rate schedule 'exponental_decay'", "did you mean 'exponential_decay'?"]),
            ("learning_rate: 0.01", "learning_rate: \(schedule.replacingOccurrences(of: "decay_steps: 1000, ", with: ""))", "{schedule",
             ["the exponential_decay schedule needs decay_steps", "add decay_steps: 1000 to train.optimizer.learning_rate"]),
            ("learning_rate: 0.01", "learning_rate: \(schedule.replacingOccurrences(of: "decay_steps", with: "decay_step"))", "decay_step",
             ["unknown key 'decay_step' in the exponential_decay schedule", "did you mean 'decay_steps'?"]),
            ("learning_rate: 0.01", "learning_rate: \(schedule.replacingOccurrences(of: "1000", with: "0"))", "0, decay_rate",
             ["train.optimizer.learning_rate.decay_steps must be between 1 and"]),
            ("learning_rate: 0.01", "learning_rate: {initial_learning_rate: 0.01}", "{initial", ["train.optimizer.learning_rate is a mapping without 'schedule:'"]),
            ("learning_rate: 0.01", "learning_rate: {schedule: piecewise_constant_decay, boundaries: [10, 5], values: [0.1, 0.01, 0.001]}",
             "[10", ["train.optimizer.learning_rate.boundaries must increase, but 5 follows 10"]),
            ("learning_rate: 0.01", "learning_rate: {schedule: piecewise_constant_decay, boundaries: [10], values: [0.1, 0.01, 0.001]}",
             "[0.1", ["train.optimizer.learning_rate.values has 3 rates for 1 boundaries", "give one rate more than boundaries: 2"]),
            ("learning_rate: 0.01", "learning_rate: {schedule: cosine_decay, initial_learning_rate: 0.01, decay_steps: 10, alpha: 2}", "2}",
             ["train.optimizer.learning_rate.alpha must be a finite number between 0 and 1, found 2"]),
            ("weight_decay: 0.004", "weight_decay: -0.1", "-0.1", ["train.optimizer.weight_decay must be a finite number at least 0, found -0.1"]),
            ("name: adam\n    learning_rate: 0.01\n    weight_decay: 0.004", "name: adamw\n    learning_rate: 0.01\n    weight_decay: null", "null",
             ["the adamw optimizer needs a weight_decay (Keras refuses None)"]),
            ("learning_rate: 0.01", "learning_rate: \(schedule)", "ReduceLROnPlateau", ["train.callbacks.1.ReduceLROnPlateau sets the learning rate, "
                + "but train.optimizer.learning_rate is a schedule (Keras refuses to set a scheduled rate too)",
                "use a constant learning_rate, or drop ReduceLROnPlateau"]),
        ]
        for (find, replace, at, expected) in cases {
            XCTAssertTrue(yaml.contains(find), find)
            let broken = yaml.replacingOccurrences(of: find, with: replace)
            let lines = broken.split(separator: "\n", omittingEmptySubsequences: false)
            guard let line = lines.firstIndex(where: { $0.contains(at) }), let column = lines[line].range(of: at)?.lowerBound else {
                return XCTFail("'\(at)' is not in the broken file for \(replace)")
            }
            let position = "c.yaml:\(line + 1):\(lines[line].distance(from: lines[line].startIndex, to: column) + 1): error: "
            XCTAssertThrowsError(try ExperimentParser.parse(yaml: broken, file: "c.yaml"), replace) { error in
                let first = (error as? ConfigErrors)?.diagnostics.first.map(\.description) ?? "\(error)"
                XCTAssertTrue(first.hasPrefix(position), "\(replace): expected \(position), got \(first)")
                for words in expected { XCTAssertTrue(first.contains(words), "\(replace): \(first)") }
            }
        }
    }

    func testTheIssueExampleIsRefusedAsKerasWouldFailOnIt() {
        // The issue's example schedules the rate and reduces it on plateaus: Keras refuses the pair at run time, seqtrain here.
        XCTAssertThrowsError(try ExperimentParser.parse(yaml: issueExample, file: "c.yaml")) { error in
            XCTAssertEqual("\(error)", "c.yaml:14:7: error: train.callbacks.1.ReduceLROnPlateau sets the learning rate, but "
                + "train.optimizer.learning_rate is a schedule (Keras refuses to set a scheduled rate too); "
                + "train.optimizer.learning_rate is at c.yaml:9:20 (use a constant learning_rate, or drop ReduceLROnPlateau)")
        }
    }
}
