import Foundation
import SeqTrain
import XCTest

/// Chapter 15.4 from YAML: the layers' options and errors, targets that follow a strided Conv1D
/// (the book's `Y[:, 3::2]`), Dropout's training masks, and the configs' weights in Keras's layout.
final class Section15_4Tests: XCTestCase {
    func testTheShippedConfigsAreTheBooksModels() throws {
        func load(_ name: String) throws -> Experiment { try ExperimentParser.load(path: repositoryRoot + "/configs/\(name).yaml") }
        let lstm = try load("lstm"), gru = try load("gru"), convGRU = try load("conv1d_gru"), wavenet = try load("wavenet")
        for e in [lstm, gru, convGRU, wavenet] {
            XCTAssertEqual(e.data.window, 50)
            XCTAssertEqual(e.data.target, .sequence)
            XCTAssertEqual(e.data.horizon, 10)
            XCTAssertEqual(e.train.optimizer, OptimizerConfig(AdamConfig()), "Adam with its default learning rate")
            XCTAssertEqual(e.train.metrics, [.last_time_step_mse])
            XCTAssertEqual(e.train.epochs, 20)
            XCTAssertEqual(e.train.batchSize, 32)
        }
        let head = TimeDistributedConfig(DenseConfig(units: 10))
        XCTAssertEqual(lstm.model, .layers([LSTMConfig(units: 20, returnSequences: true), LSTMConfig(units: 20, returnSequences: true), head]))
        XCTAssertEqual(gru.model, .layers([GRUConfig(units: 20, returnSequences: true), GRUConfig(units: 20, returnSequences: true), head]))
        XCTAssertEqual(convGRU.model, .layers([Conv1DConfig(filters: 20, kernelSize: 4, strides: 2), GRUConfig(units: 20, returnSequences: true),
                                               GRUConfig(units: 20, returnSequences: true), head]))
        let dilated = [1, 2, 4, 8, 1, 2, 4, 8].map {
            Conv1DConfig(filters: 20, kernelSize: 2, padding: .causal, dilationRate: $0, activation: .relu) as any LayerConfig
        }
        XCTAssertEqual(wavenet.model, .layers(dilated + [Conv1DConfig(filters: 10, kernelSize: 1)]))
        // Keras's parameter counts of the book's summaries.
        let counts = [lstm, gru, convGRU, wavenet].map { e -> Int in
            guard case .layers(let layers) = e.model else { return 0 }
            return Sequential(layers, inputShape: e.data.inputShape, maxBatch: 2).parameterCount
        }
        XCTAssertEqual(counts, [1_760 + 3_280 + 210, 1_380 + 2_520 + 210, 100 + 2_520 + 2_520 + 210, 60 + 7 * 820 + 210])
    }

    func testAStridedConvolutionTrainsOnTheTargetsOfTheLastStepItSees() throws {
        let e = try ExperimentParser.load(path: repositoryRoot + "/configs/conv1d_gru.yaml")
        let expected = Array(stride(from: 3, through: 49, by: 2))
        XCTAssertEqual(e.data.targetSteps, expected, "the book's Y[:, 3::2]")
        XCTAssertEqual(ExperimentParser.targetShape(e.data), .sequence(steps: 24, features: 10))
        XCTAssertEqual(StepAlignment.describe(expected, inputSteps: 50), "Y[:, 3::2]")
        XCTAssertEqual(StepAlignment.summary(expected, inputSteps: 50), "targets: the model outputs 24 of the 50 steps; output step j is "
            + "trained on the targets of input step 3 + 2j, the last it sees: Y[:, 3::2]")
        // The aligned batch holds, at output step j, the targets the unaligned batch holds at step 2j + 3.
        var small = e.data
        small.source = .sine(series: 20)
        small.split = Split(train: 10, valid: 5, test: 5)
        var plain = small
        plain.targetSteps = nil
        let aligned = try Dataset(config: small, seed: 42), full = try Dataset(config: plain, seed: 42)
        let rows = [3, 0, 7], B = rows.count, H = 10
        var x = [Float](repeating: 0, count: B * 50), y = [Float](repeating: 0, count: B * 24 * H)
        var x2 = x, y2 = [Float](repeating: 0, count: B * 50 * H)
        var naive = y
        rows.withUnsafeBufferPointer { r in
            aligned.fillBatch(rows: r, inputs: &x, targets: &y)
            full.fillBatch(rows: r, inputs: &x2, targets: &y2)
            aligned.fillNaivePrediction(rows: r, prediction: &naive)
        }
        XCTAssertEqual(x, x2, "the inputs do not move")
        for (j, t) in expected.enumerated() {
            for b in 0..<B {
                XCTAssertEqual(Array(y[((j * B + b) * H)..<((j * B + b + 1) * H)]), Array(y2[((t * B + b) * H)..<((t * B + b + 1) * H)]))
                XCTAssertEqual(naive[(j * B + b) * H], x[t * B + b], "the naive forecast repeats the value of the step seen last")
            }
        }
        // Layers that keep the steps keep every step its own, and a vector output has no alignment.
        for name in ["seq2seq", "lstm", "gru", "wavenet"] {
            XCTAssertNil(try ExperimentParser.load(path: repositoryRoot + "/configs/\(name).yaml").data.targetSteps, name)
        }
        XCTAssertNil(StepAlignment.lastInputSteps(of: [GRUConfig(units: 3)], input: .sequence(steps: 5, features: 1)))
    }

    func testConv1DGeometryOfEveryPadding() {
        let T = TensorShape.sequence(steps: 10, features: 1)
        func steps(_ c: Conv1DConfig) -> [Int]? { c.lastInputSteps(for: T) }
        XCTAssertEqual(steps(Conv1DConfig(filters: 1, kernelSize: 3)), Array(2...9), "valid: step j sees j … j + 2")
        XCTAssertEqual(steps(Conv1DConfig(filters: 1, kernelSize: 3, strides: 3)), [2, 5, 8])
        XCTAssertEqual(steps(Conv1DConfig(filters: 1, kernelSize: 2, dilationRate: 3)), Array(3...9))
        XCTAssertEqual(steps(Conv1DConfig(filters: 1, kernelSize: 3, padding: .causal, dilationRate: 2)), Array(0...9), "causal keeps the steps")
        XCTAssertEqual(steps(Conv1DConfig(filters: 1, kernelSize: 3, strides: 2, padding: .causal)), [0, 2, 4, 6, 8])
        XCTAssertEqual(steps(Conv1DConfig(filters: 1, kernelSize: 3, padding: .same)), Array(1...9) + [9], "same looks one step ahead")
        XCTAssertEqual(steps(Conv1DConfig(filters: 1, kernelSize: 4, strides: 2, padding: .same)), [2, 4, 6, 8, 9])
        // Composed through a stack: the second convolution's step j sees the first's step 2j + 1, which sees 2(2j + 1) + 1.
        let stack: [any LayerConfig] = [Conv1DConfig(filters: 2, kernelSize: 2, strides: 2), Conv1DConfig(filters: 2, kernelSize: 2, strides: 2),
                                        GRUConfig(units: 2, returnSequences: true), TimeDistributedConfig(DenseConfig(units: 1))]
        XCTAssertEqual(StepAlignment.lastInputSteps(of: stack, input: .sequence(steps: 20, features: 1)), [3, 7, 11, 15, 19])
    }

    /// Each error at its line and column, before anything is trained.
    func testLayerErrorsAtTheirLine() {
        let data = "data: {target: sequence, window: 12, source: {generator: sine, series: 100}, split: {train: 60, valid: 20}}\n"
        let cases: [(yaml: String, line: Int, column: Int, contains: [String])] = [
            (data + "model:\n  - Conv1D: {filters: 4, kernel_size: 13}\n  - Dense: {units: 10}\n", 3, 5,
             ["model.0: Conv1D with kernel_size 13 and dilation_rate 1 spans 13 steps, but the data outputs only 12",
              "use padding: causal or same"]),
            (data + "model:\n  - Conv1D: {filters: 4, kernel_size: 2, strides: 2, dilation_rate: 2}\n", 3, 69,
             ["cannot combine strides (2) with dilation_rate (2)", "set strides: 1 or dilation_rate: 1"]),
            (data + "model:\n  - Conv1D: {filters: 4, kernel_size: 2, padding: full}\n", 3, 51, ["padding", "full"]),
            (data + "model:\n  - Conv1D: {filter: 4, kernel_size: 2}\n", 3, 14, ["unknown key 'filter'", "did you mean 'filters'?"]),
            (data + "model:\n  - Conv1D: {kernel_size: 2}\n", 3, 5, ["model.0 needs filters"]),
            (data + "model:\n  - LSTM: {units: 20}\n  - Conv1D: {filters: 10, kernel_size: 2}\n", 4, 5,
             ["Conv1D reads a sequence", "model.0 (LSTM) outputs (None, 20)", "set return_sequences: true on model.0 (LSTM)"]),
            (data + "model:\n  - TimeDistributed: {Conv1D: {filters: 10, kernel_size: 1}}\n", 3, 5,
             ["TimeDistributed gives Conv1D one step of the data at a time", "use Conv1D in model: directly"]),
            (data + "model:\n  - GRU: {units: 4, reset_after: maybe}\n", 3, 34, ["reset_after", "maybe"]),
            (data + "model:\n  - LSTM: {units: 4, recurrent_activation: hard_sigmoid}\n", 3, 44, ["recurrent_activation", "hard_sigmoid"]),
            (data + "model:\n  - LSTM: {units: 4, unit_forget_bias: 1}\n  - Dense: {units: 10}\n", 3, 40, ["unit_forget_bias"]),
            (data + "model:\n  - Dropout: {rate: 1}\n  - Dense: {units: 10}\n", 3, 21, ["model.0.rate must be a finite number at least 0 and below 1, found 1"]),
            (data + "model:\n  - Dropout: {}\n  - Dense: {units: 10}\n", 3, 5, ["model.0 needs rate", "Dropout: {rate: 0.2}"]),
            (data + "model:\n  - Conv1D: {filters: 4, kernel_size: 4, strides: 2}\n  - GRU: {units: 3, return_sequences: true}\n"
                + "  - TimeDistributed: {Dense: {units: 9}}\n", 5, 5, ["the model outputs (None, 5, 9)", "is (None, 5, 10)", "set units: 10"]),
        ]
        for c in cases {
            XCTAssertThrowsError(try ExperimentParser.parse(yaml: c.yaml, file: "bad.yaml"), c.yaml) { error in
                guard let errors = error as? ConfigErrors else { return XCTFail("\(error)") }
                let text = errors.description
                for words in c.contains { XCTAssertTrue(text.contains(words), "'\(words)' not in: \(text)\nfor:\n\(c.yaml)") }
                XCTAssertEqual(errors.diagnostics[0].position, SourcePosition(line: c.line, column: c.column), "\(text)\nfor:\n\(c.yaml)")
            }
        }
    }

    func testOptionsAreWrittenBackAndReachedBySet() throws {
        let yaml = """
            data: {target: sequence, window: 12, source: {generator: sine, series: 100}, split: {train: 60, valid: 20}}
            model:
              - Conv1D: {filters: 4, kernel_size: 2, padding: causal}
              - Dropout: {rate: 0.25}
              - LSTM: {units: 3, return_sequences: true, unit_forget_bias: false}
              - GRU: {units: 3, return_sequences: true, reset_after: false}
              - TimeDistributed: {Dense: {units: 10}}
            """
        let e = try ExperimentParser.parse(yaml: yaml, file: "x.yaml")
        let text = ExperimentWriter.yaml(e)
        for line in ["- Conv1D: {filters: 4, kernel_size: 2, strides: 1, padding: causal, dilation_rate: 1, activation: linear, use_bias: true}",
                     "- Dropout: {rate: 0.25}",
                     "- LSTM: {units: 3, return_sequences: true, activation: tanh, recurrent_activation: sigmoid, use_bias: true, unit_forget_bias: false}",
                     "- GRU: {units: 3, return_sequences: true, activation: tanh, recurrent_activation: sigmoid, use_bias: true, reset_after: false}"] {
            XCTAssertTrue(text.contains(line), "\(line) not in:\n\(text)")
        }
        XCTAssertEqual(try ExperimentParser.parse(yaml: text, file: "resolved"), e)
        let changed = try ExperimentParser.parse(yaml: yaml, file: "x.yaml", overrides: [try Override("model.0.strides=2"),
                                                                                          try Override("model.1.rate=0.5")])
        guard case .layers(let layers) = changed.model else { return XCTFail() }
        XCTAssertEqual((layers[0] as? Conv1DConfig)?.strides, 2)
        XCTAssertEqual((layers[1] as? DropoutConfig)?.rate, 0.5)
        XCTAssertEqual(changed.data.targetSteps, [0, 2, 4, 6, 8, 10], "causal with stride 2: step j sees 2j last")
    }

    func testLSTMStartsItsForgetGateAtOne() {
        for unitForgetBias in [true, false] {
            let layer = LSTMConfig(units: 3, unitForgetBias: unitForgetBias).makeLayer(inputShape: .sequence(steps: 2, features: 2), name: "l", maxBatch: 1)
            var params = [Float](repeating: .nan, count: layer.parameterCount)
            var random = SplitMixRandom(seed: 1, purpose: "init")
            params.withUnsafeMutableBufferPointer { layer.initialize($0.baseAddress!, random: &random) }
            XCTAssertEqual(Array(params.suffix(12)), [0, 0, 0] + [Float](repeating: unitForgetBias ? 1 : 0, count: 3) + [0, 0, 0, 0, 0, 0])
            // The recurrent kernel [3, 12] is orthogonal by rows, as Keras's Orthogonal makes it.
            let r = Array(params[24..<60])
            for i in 0..<3 {
                for j in 0..<3 {
                    let dot = (0..<12).reduce(Float(0)) { $0 + r[i * 12 + $1] * r[j * 12 + $1] }
                    XCTAssertEqual(dot, i == j ? 1 : 0, accuracy: 1e-5)
                }
            }
        }
    }

    func testDropoutMasksAreDeterministicPerBatchShardAndLayer() {
        let layer = DropoutConfig(rate: 0.3).makeLayer(inputShape: .vector(1000), name: "d", maxBatch: 2)
        let input = [Float](repeating: 2, count: 2000)
        func run(_ mode: ForwardMode, index: Int = 0) -> [Float] {
            layer.setMode(mode, index: index)
            var out = [Float](repeating: .nan, count: 2000)
            input.withUnsafeBufferPointer { x in out.withUnsafeMutableBufferPointer { layer.forward($0.baseAddress!, x.baseAddress!, x.baseAddress!, batch: 2) } }
            return out
        }
        XCTAssertEqual(run(.inference), input, "inference passes the input through")
        let step = TrainingStep(seed: 42, epoch: 3, batch: 7, shard: 1)
        let a = run(.training(step))
        XCTAssertEqual(a, run(.training(step)), "the same batch, shard and layer draw the same mask")
        XCTAssertTrue(a.allSatisfy { $0 == 0 || $0 == 2 / Float(0.7) }, "kept values are divided by 1 - rate")
        let dropped = Double(a.filter { $0 == 0 }.count) / 2000
        XCTAssertEqual(dropped, 0.3, accuracy: 0.04)
        var others = [run(.training(step), index: 1)]
        for changed in [TrainingStep(seed: 42, epoch: 4, batch: 7, shard: 1), TrainingStep(seed: 42, epoch: 3, batch: 8, shard: 1),
                        TrainingStep(seed: 42, epoch: 3, batch: 7, shard: 0), TrainingStep(seed: 43, epoch: 3, batch: 7, shard: 1)] {
            others.append(run(.training(changed)))
        }
        for other in others { XCTAssertNotEqual(other, a, "another layer, epoch, batch, shard or seed draws another mask") }
    }

    /// Every new layer in one model: the same bytes on every instruction set the CPU has (plain C,
    /// AVX2, AVX-512) and on 1, 2 and 3 threads.
    func testEveryNewLayerIsBitIdenticalAcrossInstructionSetsAndThreads() throws {
        let yaml = """
            name: everything
            data: {target: sequence, window: 16, horizon: 3, source: {generator: sine, series: 200}, split: {train: 120, valid: 50, test: 30}}
            model:
              - Conv1D: {filters: 5, kernel_size: 2, padding: causal, dilation_rate: 2, activation: relu}
              - Conv1D: {filters: 4, kernel_size: 3, padding: causal, activation: tanh}
              - Conv1D: {filters: 6, kernel_size: 3, strides: 2, padding: same}
              - LSTM: {units: 5, return_sequences: true}
              - Dropout: {rate: 0.1}
              - GRU: {units: 4, return_sequences: true, reset_after: false}
              - GRU: {units: 4, return_sequences: true}
              - TimeDistributed: {Dense: {units: 3}}
            train: {epochs: 2, batch_size: 16, metrics: [last_time_step_mse]}
            """
        let e = try ExperimentParser.parse(yaml: yaml, file: "everything.yaml")
        let dataset = try Dataset(config: e.data, seed: e.seed)
        defer { SIMDLevel.limit(to: 2) }
        var reference: ([Float], [Evaluation])?
        for level in 0...SIMDLevel.best {
            SIMDLevel.limit(to: level)
            for threads in [1, 2, 3] {
                let trainer = Trainer(experiment: e, dataset: dataset, threads: threads)
                var figures: [Evaluation] = []
                for epoch in 1...2 { figures.append(try trainer.trainEpoch(epoch)); figures.append(trainer.evaluate(.valid)) }
                let result = (trainer.model.parameters.array, figures)
                if let reference {
                    XCTAssertEqual(result.0, reference.0, "weights at SIMD level \(level), \(threads) threads")
                    XCTAssertEqual(result.1, reference.1, "figures at SIMD level \(level), \(threads) threads")
                } else {
                    reference = result
                }
            }
        }
        XCTAssertTrue(reference!.1.allSatisfy { $0.loss.isFinite })
    }

    /// A model with Dropout trains byte-identically on 1 and 2 threads, evaluates without dropping,
    /// and a run resumed from its checkpoint ends where an uninterrupted one does.
    func testDropoutRunsAreReproducibleAndResumable() throws {
        let yaml = """
            name: dropout
            data: {target: sequence, window: 12, source: {generator: sine, series: 300}, split: {train: 200, valid: 60, test: 40}}
            model:
              - Conv1D: {filters: 6, kernel_size: 3, strides: 2}
              - Dropout: {rate: 0.2}
              - GRU: {units: 6, return_sequences: true}
              - TimeDistributed: {Dense: {units: 10}}
            train: {epochs: 3, batch_size: 16, metrics: [last_time_step_mse]}
            """
        let e = try ExperimentParser.parse(yaml: yaml, file: "dropout.yaml")
        let dataset = try Dataset(config: e.data, seed: e.seed)
        func train(threads: Int, epochs: ClosedRange<Int>, from trainer: Trainer? = nil) throws -> (Trainer, [Evaluation]) {
            let trainer = trainer ?? Trainer(experiment: e, dataset: dataset, threads: threads)
            var figures: [Evaluation] = []
            for epoch in epochs { figures.append(try trainer.trainEpoch(epoch)); figures.append(trainer.evaluate(.valid)) }
            return (trainer, figures)
        }
        let (one, a) = try train(threads: 1, epochs: 1...3)
        let (two, b) = try train(threads: 2, epochs: 1...3)
        XCTAssertEqual(a, b)
        XCTAssertEqual(one.model.parameters.array, two.model.parameters.array)
        XCTAssertEqual(one.evaluate(.valid), one.evaluate(.valid), "evaluation draws no mask")
        // Resume: epochs 2-3 on a fresh trainer holding epoch 1's weights and optimizer state.
        let (first, _) = try train(threads: 2, epochs: 1...1)
        let resumed = Trainer(experiment: e, dataset: dataset, threads: 1)
        resumed.model.parameters.assign(first.model.parameters.array)
        for (slot, saved) in zip(resumed.optimizer.slots, first.optimizer.slots) { slot.buffer.assign(saved.buffer.array) }
        resumed.optimizer.restore(iterations: first.optimizer.iterations)
        let (_, c) = try train(threads: 1, epochs: 2...3, from: resumed)
        XCTAssertEqual(Array(a.suffix(4)), c)
    }
}
