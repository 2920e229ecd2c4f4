import SeqTrain
import XCTest

/// `--set PATH=VALUE`: typed and checked like the file, recorded in the run.
final class OverrideTests: XCTestCase {
    let seq2seq = repositoryRoot + "/configs/seq2seq.yaml"

    func testOverridesChangeTheExperimentLikeTheFileWould() throws {
        let e = try ExperimentParser.load(path: seq2seq, overrides: [
            try Override("train.optimizer.learning_rate=0.005"), try Override("model.1.units=32"),
            try Override("model.2.units=10"), try Override("train.optimizer.clipnorm=1"), try Override("train.metrics=[mse, last_time_step_mse]"),
            try Override("data.split.test=500"), try Override("name=swept"), try Override("model.0.return_sequences=true"),
        ])
        guard let adam = e.train.optimizer.rule as? AdamConfig, case .layers(let layers) = e.model else { return XCTFail("\(e)") }
        XCTAssertEqual(adam.learningRate, 0.005)
        XCTAssertEqual(layers[1] as? SimpleRNNConfig, SimpleRNNConfig(units: 32, returnSequences: true))
        XCTAssertEqual(layers[2] as? TimeDistributedConfig, TimeDistributedConfig(DenseConfig(units: 10)))
        XCTAssertEqual(e.train.clipping, .norm(1))
        XCTAssertEqual(e.train.metrics, [.mse, .last_time_step_mse])
        XCTAssertEqual(e.data.split.test, .count(500))
        XCTAssertEqual(e.name, "swept")
        // The file itself is unchanged by overrides.
        XCTAssertEqual(try ExperimentParser.load(path: seq2seq).name, "seq2seq")
    }

    func testBadOverridesAreConfigErrorsNamingTheOverride() throws {
        let cases: [([String], [String])] = [
            (["train.optimizer.learning_rat=0.1"], ["--set train.optimizer.learning_rat=0.1: error: unknown key 'learning_rat'", "did you mean 'learning_rate'?"]),
            (["model.1.units=0"], ["--set model.1.units=0: error: model.1.units must be between 1 and 1024, found 0"]),
            (["model.7.units=3"], ["--set model.7.units=3: error: '7' is not an index of a list of 3 items"]),
            (["train.epochs.x=3"], ["--set train.epochs.x=3: error: cannot set 'x' inside a single value"]),
            (["data.window"], ["--set data.window: error: expected PATH=VALUE"]),
            (["data..window=3"], ["empty part"]),
            (["data.window=[1"], ["--set data.window=[1: error: the value is not valid YAML"]),
            (["trian.epochs=3"], ["--set trian.epochs=3: error: unknown key 'trian'", "did you mean 'train'?"]),
            (["model.0.return_sequences=false"], ["SimpleRNN reads a sequence"]),
        ]
        for (arguments, expected) in cases {
            XCTAssertThrowsError(try ExperimentParser.load(path: seq2seq, overrides: try arguments.map(Override.init))) { error in
                for words in expected { XCTAssertTrue("\(error)".contains(words), "\(arguments): \(error)") }
            }
        }
    }

    func testTheRunRecordsItsOverrides() throws {
        let runs = try temporaryFolder(self)
        let overrides = [try Override("data.source.series=300"), try Override("data.split={train: 200, valid: 50, test: 50}"),
                         try Override("train.epochs=1"), try Override("train.optimizer.learning_rate=0.02")]
        let experiment = try ExperimentParser.load(path: seq2seq, overrides: overrides)
        let run = try TrainingRun.train(experiment, source: "configs/seq2seq.yaml", overrides: overrides, runsDir: runs, console: .silent)
        let config = try String(contentsOfFile: run.configPath, encoding: .utf8)
        XCTAssertTrue(config.contains("# Override: --set train.optimizer.learning_rate=0.02\n"), config)
        XCTAssertTrue(config.contains("learning_rate: 0.02,"), config)
        XCTAssertEqual(try ExperimentParser.load(path: run.configPath), experiment, "the resolved config alone reproduces the run")
    }
}
