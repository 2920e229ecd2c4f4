import SeqTrain
import XCTest

/// Central finite differences against the hand-written backward passes, for every layer in every
/// shape it accepts, whole stacks through `Sequential`, and every loss.
final class GradientCheckTests: XCTestCase {
    /// A deterministic source of test values.
    struct Values {
        var random = SplitMixRandom(seed: 11, purpose: "gradient-check")
        mutating func next(_ count: Int, scale: Double = 1) -> [Float] {
            (0..<count).map { _ in Float(scale * (2 * random.nextDouble() - 1)) }
        }
    }

    /// Compares analytic and numeric dL/dx for every input and parameter value.
    ///
    /// With `kinks` (ReLU), a finite step may straddle a point where the derivative jumps; away from
    /// it one of the one-sided differences is exact, so the analytic value must match one of the three.
    func check(_ layers: [Layer], batch: Int, _ what: String, kinks: Bool = false, file: StaticString = #filePath, line: UInt = #line) {
        var values = Values()
        let input = values.next(batch * layers[0].inputShape.count)
        var parameters = layers.map { values.next($0.parameterCount, scale: 0.7) }
        let upstream = values.next(batch * layers.last!.outputShape.count)
        let harness = LayerHarness(layers: layers, batch: batch)
        let analytic = harness.run(input: input, parameters: parameters, upstream: upstream)
        let eps: Float = 4e-3
        /// Central, forward and backward differences.
        func numeric(_ perturb: (Float) -> Double) -> [Double] {
            let (plus, zero, minus) = (perturb(eps), perturb(0), perturb(-eps))
            let central = (plus - minus) / Double(2 * eps)
            return kinks ? [central, (plus - zero) / Double(eps), (zero - minus) / Double(eps)] : [central]
        }
        func compare(_ a: Float, _ n: [Double], _ label: String) {
            let errors = n.map { abs(Double(a) - $0) - (2e-3 + 1e-2 * abs($0)) }
            XCTAssertLessThanOrEqual(errors.min()!, 0, "\(what): \(label) analytic \(a) vs numeric \(n)", file: file, line: line)
        }
        for i in input.indices {
            let n = numeric { delta in
                var x = input
                x[i] += delta
                return harness.loss(input: x, parameters: parameters, upstream: upstream)
            }
            compare(analytic.dinput[i], n, "input[\(i)]")
        }
        for l in parameters.indices {
            for i in parameters[l].indices {
                let saved = parameters[l][i]
                let n = numeric { delta in
                    parameters[l][i] = saved + delta
                    return harness.loss(input: input, parameters: parameters, upstream: upstream)
                }
                parameters[l][i] = saved
                compare(analytic.dparameters[l][i], n, "layer \(l) parameter \(i)")
            }
        }
    }

    func testSimpleRNNEverySettingAndShape() {
        for activation in Activation.allCases {
            for returnSequences in [true, false] {
                for useBias in [true, false] {
                    let config = SimpleRNNConfig(units: 3, returnSequences: returnSequences, activation: activation, useBias: useBias)
                    let layer = config.makeLayer(inputShape: .sequence(steps: 4, features: 2), name: "rnn", maxBatch: 3)
                    check([layer], batch: 3, "SimpleRNN \(activation) seq=\(returnSequences) bias=\(useBias)", kinks: activation == .relu)
                }
            }
        }
        // One step, and one feature with one unit (the chapter's simple_rnn).
        check([SimpleRNNConfig(units: 2, returnSequences: true).makeLayer(inputShape: .sequence(steps: 1, features: 3), name: "rnn", maxBatch: 2)],
              batch: 2, "SimpleRNN single step")
        check([SimpleRNNConfig(units: 1).makeLayer(inputShape: .sequence(steps: 6, features: 1), name: "rnn", maxBatch: 2)],
              batch: 2, "SimpleRNN(1)")
    }

    func testDenseOnVectorsAndSequences() {
        for activation in Activation.allCases {
            for useBias in [true, false] {
                let config = DenseConfig(units: 3, activation: activation, useBias: useBias)
                check([Dense(config, inputShape: .vector(4), name: "dense")], batch: 3, "Dense 2-D \(activation) bias=\(useBias)",
                      kinks: activation == .relu)
                check([Dense(config, inputShape: .sequence(steps: 3, features: 2), name: "dense")], batch: 2,
                      "Dense 3-D \(activation) bias=\(useBias)", kinks: activation == .relu)
            }
        }
    }

    func testTimeDistributedDense() {
        let layer = TimeDistributedConfig(DenseConfig(units: 4)).makeLayer(inputShape: .sequence(steps: 5, features: 3), name: "td", maxBatch: 3)
        check([layer], batch: 2, "TimeDistributed(Dense)")
    }

    func testFlattenOnSequencesAndVectors() {
        let flatten = Flatten(inputShape: .sequence(steps: 4, features: 2), name: "flatten")
        check([flatten, Dense(DenseConfig(units: 2), inputShape: flatten.outputShape, name: "dense")], batch: 3, "Flatten 3-D")
        let flat2 = Flatten(inputShape: .vector(5), name: "flatten")
        check([flat2, Dense(DenseConfig(units: 2), inputShape: flat2.outputShape, name: "dense")], batch: 3, "Flatten 2-D")
    }

    func testStacksOfTheChapter() {
        let rnn1 = SimpleRNNConfig(units: 3, returnSequences: true).makeLayer(inputShape: .sequence(steps: 4, features: 1), name: "a", maxBatch: 2)
        let rnn2 = SimpleRNNConfig(units: 3).makeLayer(inputShape: rnn1.outputShape, name: "b", maxBatch: 2)
        check([rnn1, rnn2, Dense(DenseConfig(units: 2), inputShape: rnn2.outputShape, name: "c")], batch: 2, "seq2vec stack")
        let rnn3 = SimpleRNNConfig(units: 3, returnSequences: true).makeLayer(inputShape: rnn1.outputShape, name: "d", maxBatch: 2)
        check([rnn1, rnn3, TimeDistributedConfig(DenseConfig(units: 2)).makeLayer(inputShape: rnn3.outputShape, name: "e", maxBatch: 2)],
              batch: 2, "seq2seq stack")
    }

    /// Every loss against finite differences of its own value, on 2-D and sequence shapes.
    func testLossGradients() {
        var values = Values()
        for loss in [LossConfig.mse, .mae, .huber(delta: 1), .huber(delta: 0.3)] {
            for count in [6, 2 * 5 * 3] {
                let prediction = values.next(count, scale: 1.5), target = values.next(count, scale: 1.5)
                var gradient = [Float](repeating: 0, count: count)
                _ = loss.evaluate(prediction: prediction, target: target, count: count, gradient: &gradient)
                for i in 0..<count {
                    let eps: Float = 1e-3
                    var plus = prediction, minus = prediction
                    plus[i] += eps
                    minus[i] -= eps
                    let numeric = (loss.evaluate(prediction: plus, target: target, count: count, gradient: nil)
                        - loss.evaluate(prediction: minus, target: target, count: count, gradient: nil)) / Double(2 * eps)
                    XCTAssertEqual(Double(gradient[i]), numeric, accuracy: 1e-3 + 1e-2 * abs(numeric), "\(loss) element \(i)")
                }
            }
        }
    }

    /// The model's backward pass (loss → every layer → flat gradient buffer) against finite differences.
    func testSequentialWithLossEndToEnd() {
        let layers: [any LayerConfig] = [SimpleRNNConfig(units: 3, returnSequences: true),
                                     SimpleRNNConfig(units: 2, returnSequences: true),
                                     TimeDistributedConfig(DenseConfig(units: 2))]
        let model = Sequential(layers, inputShape: .sequence(steps: 5, features: 1), maxBatch: 3 * Sequential.shardCount)
        model.initialize(seed: 5)
        let replica = model.replicas[0]
        var values = Values()
        replica.input.assign(values.next(replica.input.count))
        let target = values.next(3 * model.outputShape.count)
        func loss() -> Double {
            LossConfig.huber(delta: 0.5).evaluate(prediction: replica.forward(batch: 3), target: target,
                                                  count: target.count, gradient: replica.outputGradient)
        }
        _ = loss()
        replica.backward(batch: 3)
        let analytic = replica.gradients.array
        XCTAssertGreaterThan(analytic.map(abs).max()!, 0)
        for i in 0..<model.parameterCount {
            let saved = model.parameters.pointer[i]
            let eps: Float = 2e-3
            model.parameters.pointer[i] = saved + eps
            let plus = loss()
            model.parameters.pointer[i] = saved - eps
            let minus = loss()
            model.parameters.pointer[i] = saved
            let numeric = (plus - minus) / Double(2 * eps)
            XCTAssertEqual(Double(analytic[i]), numeric, accuracy: 2e-4 + 1e-2 * abs(numeric), "parameter \(i)")
        }
    }
}
