import SeqTrain
import XCTest

final class ConfigTests: XCTestCase {
    let chapterConfigs = ["naive", "linear", "simple_rnn", "deep_rnn", "deep_rnn_dense", "seq2vec", "seq2seq", "seq2seq_control", "lstm", "gru", "conv1d_gru", "wavenet"]
    /// Configs training on the CSV series shipped under data/.
    let dataConfigs = ["nino12", "us_unemployment"]

    func testEveryCommittedConfigParsesAndRoundTrips() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: repositoryRoot + "/configs").filter { $0.hasSuffix(".yaml") }
        XCTAssertEqual(Set(files.map { String($0.dropLast(5)) }), Set(chapterConfigs + dataConfigs), "one config per experiment")
        for file in files {
            let experiment = try ExperimentParser.load(path: repositoryRoot + "/configs/" + file)
            XCTAssertEqual(experiment.name + ".yaml", file)
            XCTAssertEqual(experiment.seed, 42)
            if chapterConfigs.contains(experiment.name) {
                XCTAssertEqual(experiment.data.split, Split(train: 7000, valid: 2000, test: 1000))
            } else {
                guard case .csv(let csv) = experiment.data.source else { return XCTFail("\(file) reads a CSV file") }
                XCTAssertTrue(FileManager.default.fileExists(atPath: repositoryRoot + "/" + csv.path), csv.path)
            }
            let resolved = TrainingRun.resolvedConfig(experiment, source: file).text
            XCTAssertEqual(try ExperimentParser.parse(yaml: resolved, file: "resolved"), experiment, "\(file) round-trips")
        }
    }

    func testSeq2SeqIsTheIssueExample() throws {
        let e = try ExperimentParser.load(path: repositoryRoot + "/configs/seq2seq.yaml")
        XCTAssertEqual(e.data, DataConfig(source: .sine(series: 10000), window: 50, target: .sequence, horizon: 10,
                                          split: Split(train: 7000, valid: 2000, test: 1000)))
        XCTAssertEqual(e.model, .layers([SimpleRNNConfig(units: 20, returnSequences: true),
                                         SimpleRNNConfig(units: 20, returnSequences: true),
                                         TimeDistributedConfig(DenseConfig(units: 10))]))
        var adam = AdamConfig()
        adam.learningRate = 0.01
        XCTAssertEqual(e.train, TrainConfig(epochs: 20, batchSize: 32, shuffle: true, loss: .mse, optimizer: OptimizerConfig(adam),
                                            metrics: [.last_time_step_mse]))
    }

    func testDefaultsAreFilledInAndWrittenBack() throws {
        let e = try ExperimentParser.parse(yaml: "model:\n  - SimpleRNN: {units: 1}\n", file: "x.yaml", defaultName: "x")
        XCTAssertEqual(e.name, "x")
        XCTAssertEqual(e.seed, 42)
        XCTAssertEqual(e.data, DataConfig(source: .sine(series: 10000), window: 50, target: .next, horizon: 1,
                                          split: Split(train: 7000, valid: 2000, test: 1000)))
        XCTAssertEqual(e.train, TrainConfig())
        let text = ExperimentWriter.yaml(e)
        for expected in ["return_sequences: false", "activation: tanh", "use_bias: true", "beta_2: 0.999", "epsilon: 1.0e-07",
                         "batch_size: 32", "shuffle: true", "loss: mse", "metrics: []", "horizon: 1"] {
            XCTAssertTrue(text.contains(expected), "resolved config lacks '\(expected)':\n\(text)")
        }
        XCTAssertEqual(try ExperimentParser.parse(yaml: text, file: "resolved"), e)
    }

    func testOptionalSpellings() throws {
        let yaml = """
            data: {target: vector, horizon: 3, window: 8, source: {generator: sine, series: 100}, split: {train: 60, valid: 20}}
            model:
              - Flatten
              - Dense: {units: 3, activation: relu, use_bias: false}
            train: {loss: {name: huber, delta: 0.5}, optimizer: sgd, metrics: [mse, mae], batch_size: 60, shuffle: false}
            """
        let e = try ExperimentParser.parse(yaml: yaml, file: "x.yaml")
        XCTAssertEqual(e.data.split, Split(train: 60, valid: 20, test: 0))
        XCTAssertEqual(e.model, .layers([FlattenConfig(), DenseConfig(units: 3, activation: .relu, useBias: false)]))
        XCTAssertEqual(e.train.loss, .huber(delta: 0.5))
        XCTAssertEqual(e.train.optimizer, OptimizerConfig(SGDConfig()))
        XCTAssertEqual(try ExperimentParser.parse(yaml: ExperimentWriter.yaml(e), file: "resolved"), e)
    }

    /// Broken configs, each with its first reported error's line, column and words (SchemaTests also
    /// checks them against the JSON Schema).
    static let brokenConfigs: [(yaml: String, line: Int, column: Int, contains: [String])] = {
        let base = "data: {target: next}\nmodel:\n  - SimpleRNN: {units: 20, return_sequences: true}\n  - SimpleRNN: {units: 1}\n"
        return [
            ("", 0, 0, ["empty"]),
            ("model: [\n", 2, 1, ["invalid YAML"]),
            ("model:\n\t- Dense: {units: 1}\n", 2, 1, ["invalid YAML", "line 2 contains a tab"]),
            ("seed: 1\nseed: 2\nmodel: naive\n", 1, 1, ["duplicate key 'seed'"]),
            ("model:\n  - SimpleRNN: {units: 20, return_sequence: true}\n  - SimpleRNN: {units: 1}\n", 2, 28,
             ["unknown key 'return_sequence'", "did you mean 'return_sequences'?"]),
            ("model:\n  - SimpleRnn: {units: 1}\n", 2, 5, ["unknown layer 'SimpleRnn'", "did you mean 'SimpleRNN'?"]),
            (base + "train: {optimizer: {name: adam, learning_rat: 0.1}}\n", 5, 33, ["unknown key 'learning_rat'", "did you mean 'learning_rate'?"]),
            ("model:\n  - SimpleRNN: {units: 0}\n", 2, 24, ["units must be between 1 and 1024, found 0"]),
            (base + "train: {optimizer: {name: adam, learning_rate: -0.1}}\n", 5, 48, ["learning_rate must be a finite number greater than 0"]),
            (base + "train: {optimizer: {name: adam, learning_rate: .nan}}\n", 5, 48, ["learning_rate must be a finite number"]),
            (base + "train: {batch_size: 8000}\n", 5, 21, ["batch_size (8000) is larger than the train split (7000 series)"]),
            ("data: {split: {train: 9000, valid: 2000}}\nmodel: naive\n", 1, 15, ["takes 11000 series but the source has only 10000"]),
            ("model:\n  - SimpleRNN: {units: 20}\n  - SimpleRNN: {units: 1}\n", 3, 5,
             ["SimpleRNN reads a sequence", "model.0 (SimpleRNN) outputs (None, 20)", "set return_sequences: true on model.0 (SimpleRNN)"]),
            ("model:\n  - SimpleRNN: {units: 20}\n  - TimeDistributed: {Dense: {units: 1}}\n", 3, 5, ["TimeDistributed", "needs a sequence"]),
            ("data: {target: sequence}\nmodel:\n  - SimpleRNN: {units: 20}\n  - Dense: {units: 10}\ntrain: {metrics: [last_time_step_mse]}\n",
             4, 5, ["the model outputs (None, 10)", "(None, 50, 10)"]),
            ("data: {target: vector, horizon: 10}\nmodel:\n  - SimpleRNN: {units: 20}\n  - Dense: {units: 1}\n", 4, 5,
             ["outputs (None, 1)", "is (None, 10)", "set units: 10 on the last layer"]),
            (base + "train: {metrics: [last_time_step_mse]}\n", 5, 19, ["last_time_step_mse needs a sequence output"]),
            ("data: {target: next, horizon: 5}\nmodel: naive\n", 1, 31, ["horizon must be 1"]),
            ("name: ../../x\nmodel: naive\n", 1, 7, ["name must be a folder name"]),
            ("model: naiv\n", 1, 8, ["model must be a list of layers or 'naive'", "did you mean 'naive'?"]),
            ("model: naive\ntrain: {optimizer: {name: adan}}\n", 2, 27, ["unknown optimizer 'adan'", "did you mean 'adam'?"]),
            ("model: naive\ntrain: {loss: mes}\n", 2, 15, ["train.loss cannot be 'mes'", "did you mean 'mse'?"]),
            ("model: naive\ntrain: {epochs: ten}\n", 2, 17, ["train.epochs must be an integer, found 'ten'"]),
            ("model: naive\ntrian: {epochs: 1}\n", 2, 1, ["unknown key 'trian'", "did you mean 'train'?"]),
            ("data: {window: 0}\nmodel: naive\n", 1, 16, ["data.window must be between 1"]),
            ("- 1\n- 2\n", 1, 1, ["the experiment must be a mapping"]),
            ("data: {}\n", 1, 1, ["no model: section"]),
        ]
    }()

    /// Broken configs: the first reported error's line, column and words.
    func testBrokenConfigsReportPositionAndSuggestion() {
        for c in Self.brokenConfigs {
            do {
                _ = try ExperimentParser.parse(yaml: c.yaml, file: "bad.yaml")
                XCTFail("accepted:\n\(c.yaml)")
            } catch let errors as ConfigErrors {
                let first = errors.diagnostics[0]
                let text = errors.description
                for words in c.contains { XCTAssertTrue(text.contains(words), "'\(words)' not in: \(text)\nfor:\n\(c.yaml)") }
                if c.line > 0 {
                    XCTAssertEqual(first.position, SourcePosition(line: c.line, column: c.column), "\(text)\nfor:\n\(c.yaml)")
                    XCTAssertTrue(first.description.hasPrefix("bad.yaml:\(c.line):\(c.column): error: "), first.description)
                }
            } catch {
                XCTFail("unexpected error \(error) for:\n\(c.yaml)")
            }
        }
    }

    func testAllErrorsOfAFileAtOnce() {
        let yaml = "seed: -1\nmodel:\n  - SimpleRnn: {units: 1}\ntrain: {epochs: 0, optimizer: {name: adam, beta_1: 2}}\n"
        XCTAssertThrowsError(try ExperimentParser.parse(yaml: yaml, file: "bad.yaml")) { error in
            let lines = (error as! ConfigErrors).diagnostics.map(\.description)
            XCTAssertEqual(lines.count, 4, lines.joined(separator: "\n"))
            XCTAssertTrue(lines[0].hasPrefix("bad.yaml:1:7: error: seed"))
            XCTAssertTrue(lines[1].hasPrefix("bad.yaml:3:5: error: unknown layer"))
            XCTAssertTrue(lines[2].hasPrefix("bad.yaml:4:17: error: train.epochs"))
            XCTAssertTrue(lines[3].hasPrefix("bad.yaml:4:52: error: train.optimizer.beta_1"))
        }
    }

    func testFileProblems() throws {
        let folder = try temporaryFolder(self)
        XCTAssertThrowsError(try ExperimentParser.load(path: folder + "/missing.yaml")) {
            XCTAssertTrue("\($0)".contains("missing.yaml: error: no such file"), "\($0)")
        }
        XCTAssertThrowsError(try ExperimentParser.load(path: folder)) { XCTAssertTrue("\($0)".contains("is a directory"), "\($0)") }
        let binary = folder + "/binary.yaml"
        XCTAssertTrue(FileManager.default.createFile(atPath: binary, contents: Data([0x6d, 0x6f, 0xff, 0xfe, 0x00])))
        XCTAssertThrowsError(try ExperimentParser.load(path: binary)) { XCTAssertTrue("\($0)".contains("not valid UTF-8"), "\($0)") }
    }
}
