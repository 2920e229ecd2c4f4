import Foundation
import SeqTrain
import XCTest

/// A layer defined here, in the test target only: `Scale` multiplies each feature by a weight and
/// adds a bias (`y = x ⊙ kernel + bias` on the last axis). It is one type conforming to
/// `LayerConfig` plus its `Layer`, and no library file knows it.
struct ScaleConfig: LayerConfig {
    var useBias = true

    static let typeName = "Scale"
    static let instanceName = "scale"
    static let optionKeys: [String]? = ["use_bias"]
    static let optionSchema: [OptionSpec] = [.bool("use_bias", default: true, "Whether the layer adds a bias.")]

    static func parse(_ options: inout LayerOptions) -> ScaleConfig? {
        options.bool("use_bias", default: true).map { ScaleConfig(useBias: $0) }
    }

    var options: [(key: String, value: String)] { [("use_bias", "\(useBias)")] }

    func outputShape(for input: TensorShape, previous: String) throws -> TensorShape { input }

    func makeLayer(inputShape: TensorShape, name: String, maxBatch: Int) -> any Layer {
        Scale(config: self, inputShape: inputShape, name: name)
    }
}

/// The Scale layer. Dims: F features, R rows (samples × steps).
final class Scale: Layer {
    let name: String
    let typeName = ScaleConfig.typeName
    let inputShape: TensorShape
    var outputShape: TensorShape { inputShape }
    let parameters: [ParameterSpec]
    let config: ScaleConfig
    let F: Int, rowsPerSample: Int

    init(config: ScaleConfig, inputShape: TensorShape, name: String) {
        self.config = config
        self.name = name
        self.inputShape = inputShape
        F = inputShape.features
        rowsPerSample = inputShape.count / F
        parameters = [ParameterSpec(name: "kernel", shape: [F])] + (config.useBias ? [ParameterSpec(name: "bias", shape: [F])] : [])
    }

    func flops(inputGradient: Bool) -> FlopCount {
        let n = Double(inputShape.count)
        return FlopCount(forward: 2 * n, backward: (inputGradient ? 3 : 2) * n)
    }

    func initialize(_ params: UnsafeMutablePointer<Float>, random: inout SplitMixRandom) {
        params.update(repeating: 1, count: F)
        if config.useBias { (params + F).update(repeating: 0, count: F) }
    }

    func forward(_ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, _ params: UnsafePointer<Float>, batch: Int) {
        for r in 0..<(rowsPerSample * batch) {
            for f in 0..<F { out[r * F + f] = inp[r * F + f] * params[f] + (config.useBias ? params[F + f] : 0) }
        }
    }

    func backward(_ dinp: UnsafeMutablePointer<Float>?, _ dparams: UnsafeMutablePointer<Float>, _ dout: UnsafeMutablePointer<Float>,
                  _ inp: UnsafePointer<Float>, _ out: UnsafePointer<Float>, _ params: UnsafePointer<Float>, batch: Int) {
        dparams.update(repeating: 0, count: parameterCount)
        for r in 0..<(rowsPerSample * batch) {
            for f in 0..<F {
                dparams[f] += dout[r * F + f] * inp[r * F + f]
                if config.useBias { dparams[F + f] += dout[r * F + f] }
                dinp?[r * F + f] = dout[r * F + f] * params[f]
            }
        }
    }
}

/// The extension points: a layer from outside the library, the recurrent scaffolding's initialiser,
/// observers and their checkpointed state, and the recorded run status.
final class ExtensionPointTests: XCTestCase {
    let vocabulary = Vocabulary(layers: LayerCatalog.standard.adding(ScaleConfig.self))
    let yaml = """
        name: scaled
        data: {source: {generator: sine, series: 200}, split: {train: 120, valid: 50, test: 30}}
        model:
          - Flatten
          - Dense: {units: 1}
          - Scale: {}
        train: {epochs: 4, batch_size: 16, optimizer: {name: adam, learning_rate: 0.01}}
        """

    func testALayerDefinedOutsideTheLibraryTrainsFromYAML() throws {
        let runs = try temporaryFolder(self)
        let experiment = try ExperimentParser.parse(yaml: yaml, file: "scaled.yaml", vocabulary: vocabulary)
        guard case .layers(let layers) = experiment.model else { return XCTFail("no layers") }
        XCTAssertEqual(layers.last as? ScaleConfig, ScaleConfig(useBias: true))
        // The standard vocabulary does not know it, and says so at its line.
        XCTAssertThrowsError(try ExperimentParser.parse(yaml: yaml, file: "scaled.yaml")) {
            XCTAssertTrue("\($0)".contains("scaled.yaml:6:5: error: unknown layer 'Scale' at model.2"), "\($0)")
        }
        // Its options are checked like any layer's, and --set reaches them.
        XCTAssertThrowsError(try ExperimentParser.parse(yaml: yaml.replacingOccurrences(of: "Scale: {}", with: "Scale: {use_bais: true}"),
                                                        file: "s.yaml", vocabulary: vocabulary)) {
            XCTAssertTrue("\($0)".contains("unknown key 'use_bais' in Scale at model.2 (did you mean 'use_bias'?)"), "\($0)")
        }
        let unbiased = try ExperimentParser.parse(yaml: yaml, file: "s.yaml", overrides: [try Override("model.2.use_bias=false")],
                                                  vocabulary: vocabulary)
        guard case .layers(let changed) = unbiased.model else { return XCTFail("no layers") }
        XCTAssertEqual(changed.last as? ScaleConfig, ScaleConfig(useBias: false))

        let run = try TrainingRun.train(experiment, source: nil, runsDir: runs, console: .silent)
        let opened = try OpenedRun.open(run.path, vocabulary: vocabulary)
        XCTAssertTrue(opened.configText.contains("\n  - Scale: {use_bias: true}\n"), opened.configText)
        XCTAssertEqual(opened.experiment, experiment, "the resolved config reads back as the same experiment")
        let losses = try opened.historyColumn("loss")
        XCTAssertEqual(losses.count, 4)
        XCTAssertLessThan(losses[3], losses[0] * 0.8, "\(losses)")
        let checkpoint = try opened.checkpoint("last")
        XCTAssertEqual(checkpoint.tensors["layers.2.kernel"]?.shape, [1])
        XCTAssertNotEqual(checkpoint.tensors["layers.2.kernel"]?.values, [1], "the layer's weights were trained")
        XCTAssertEqual(opened.status.state, .finished)
        // The model summary and FLOP count come from the layer itself.
        let model = try opened.trainedModel(checkpoint: "best").model
        XCTAssertTrue(model.summary(title: "scaled").contains("scale (Scale)"), model.summary(title: "scaled"))
        XCTAssertEqual(model.flopsPerSample.forward, 2 * 50 + 1 + 2 * 1)
    }

    func testOrthogonalInitializerMatchesKerasShapes() {
        for (rows, cols) in [(5, 5), (3, 12), (12, 3)] {
            var random = SplitMixRandom(seed: 7, purpose: "orthogonal")
            var w = [Float](repeating: 0, count: rows * cols)
            w.withUnsafeMutableBufferPointer { Initializers.orthogonal($0.baseAddress!, rows: rows, cols: cols, random: &random) }
            // Keras: orthonormal columns when rows >= cols, orthonormal rows otherwise (an LSTM's [U, 4U]).
            let byRows = rows < cols
            let (n, length) = byRows ? (rows, cols) : (cols, rows)
            for i in 0..<n {
                for j in 0..<n {
                    var dot = 0.0
                    for k in 0..<length {
                        let a = byRows ? w[i * cols + k] : w[k * cols + i], b = byRows ? w[j * cols + k] : w[k * cols + j]
                        dot += Double(a) * Double(b)
                    }
                    XCTAssertEqual(dot, i == j ? 1 : 0, accuracy: 1e-6, "\(rows)x\(cols) (\(i), \(j))")
                }
            }
        }
    }

    /// Stops training after a given epoch, and counts the epochs it has seen in the checkpoint.
    final class StopAfter: EpochObserver {
        let epoch: Int
        var seen = 0
        init(epoch: Int) { self.epoch = epoch }
        func checkpointState() -> [String: String] { ["test.stop_after.seen": "\(seen)"] }
        func restore(from metadata: [String: String]) throws { seen = Int(metadata["test.stop_after.seen"] ?? "") ?? -1 }
        func epochDidEnd(_ record: EpochRecord, loop: TrainingLoop) throws -> TrainingDecision {
            seen += 1
            return record.epoch >= epoch ? .stop(reason: "stopped early at epoch \(record.epoch) (test)") : .proceed
        }
    }

    func testAnObserverStopsTrainingAndTheStatusSaysSo() throws {
        let runs = try temporaryFolder(self)
        let experiment = try ExperimentParser.parse(yaml: yaml, file: "scaled.yaml", vocabulary: vocabulary)
        let run = try TrainingRun.train(experiment, source: nil, runsDir: runs, console: .silent, callbacks: [StopAfter(epoch: 2)])
        let opened = try OpenedRun.open(run.path, vocabulary: vocabulary)
        XCTAssertEqual(opened.status, RunStatus(.stoppedEarly, reason: "stopped early at epoch 2 (test)", epoch: 2))
        XCTAssertEqual(try opened.history().rows.count, 2)
        let last = try opened.checkpoint("last")
        XCTAssertEqual(last.metadata["test.stop_after.seen"], "2", "an observer's state is in the checkpoint")
        let summary = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: run.summaryPath))) as? [String: Any])
        XCTAssertEqual(summary["status"] as? String, "stopped_early")
        XCTAssertEqual(summary["status_reason"] as? String, "stopped early at epoch 2 (test)")
    }

    func testObserverStateGoesThroughTheCheckpoint() throws {
        let experiment = try ExperimentParser.parse(yaml: yaml, file: "scaled.yaml", vocabulary: vocabulary)
        let dataset = try Dataset(config: experiment.data, seed: experiment.seed)
        let first = StopAfter(epoch: 99)
        let loop = TrainingLoop(trainer: Trainer(experiment: experiment, dataset: dataset), observers: [first])
        XCTAssertEqual(try loop.run(through: 3) { false }, .completed)
        let metadata = loop.checkpointMetadata()
        XCTAssertEqual(metadata["epoch"], "3")
        XCTAssertEqual(metadata["iterations"], "\(3 * 8)")
        let second = StopAfter(epoch: 99)
        let resumed = TrainingLoop(trainer: Trainer(experiment: experiment, dataset: dataset), observers: [second], epoch: 3)
        try resumed.restoreObservers(from: metadata)
        XCTAssertEqual(second.seen, 3)
        XCTAssertEqual(try resumed.run(through: 4) { false }, .completed)
        XCTAssertEqual(second.seen, 4)
    }

    func testStatusIsRecordedAndRead() throws {
        let runs = try temporaryFolder(self)
        let experiment = try ExperimentParser.parse(yaml: yaml.replacingOccurrences(of: "epochs: 4", with: "epochs: 2"), file: "s.yaml",
                                                    vocabulary: vocabulary)
        let run = try TrainingRun.train(experiment, source: nil, runsDir: runs, console: .silent)
        XCTAssertEqual(run.readStatus(), RunStatus(.finished, epoch: 2))
        // A run left `running` by a process that is gone was killed: it reads as interrupted.
        try run.writeStatus(RunStatus(.running, epoch: 1, pid: Int32.max - 1, host: ProcessInfo.processInfo.hostName))
        let status = try OpenedRun.open(run.path, vocabulary: vocabulary).status
        XCTAssertEqual(status.state, .interrupted)
        XCTAssertTrue(status.reason.contains("ended without saying why"), status.reason)
        // One that this process is running reads as running, and resume refuses it.
        try run.writeStatus(.running(epoch: 1))
        XCTAssertEqual(try OpenedRun.open(run.path, vocabulary: vocabulary).status.state, .running)
        // A complete run has nothing to resume, and resume changes none of its files.
        let runs2 = try temporaryFolder(self)
        let plain = try TrainingRun.train(try ExperimentParser.parse(yaml: "model: [Flatten, {Dense: {units: 1}}]\n"
            + "data: {source: {generator: sine, series: 100}}\ntrain: {epochs: 1}\n", file: "p.yaml"), source: nil, runsDir: runs2, console: .silent)
        let before = try String(contentsOfFile: plain.historyPath, encoding: .utf8)
        var said = ""
        try TrainingRun.resume(plain.path, console: Console(interactive: false) { said += $0 })
        XCTAssertTrue(said.contains("is finished; nothing to resume"), said)
        try plain.writeStatus(.running(epoch: 0))
        XCTAssertThrowsError(try TrainingRun.resume(plain.path, console: .silent)) {
            XCTAssertTrue("\($0)".contains("is being trained by process \(getpid())"), "\($0)")
        }
        XCTAssertEqual(try String(contentsOfFile: plain.historyPath, encoding: .utf8), before)
        XCTAssertEqual(RunStatus(json: Data("{\"status\": \"bogus\", \"epoch\": 1}".utf8)), nil)
    }
}
