import SeqTrain
import XCTest

/// Finite differences against the backward passes of LSTM, GRU, Conv1D and Dropout in every option
/// and shape, and of the chapter's stacks made of them.
extension GradientCheckTests {
    func testLSTMEveryOption() {
        for activation in Activation.allCases {
            for returnSequences in [true, false] {
                for useBias in [true, false] {
                    let config = LSTMConfig(units: 3, returnSequences: returnSequences, activation: activation, useBias: useBias)
                    check([config.makeLayer(inputShape: .sequence(steps: 4, features: 2), name: "lstm", maxBatch: 3)], batch: 3,
                          "LSTM \(activation) seq=\(returnSequences) bias=\(useBias)", kinks: activation == .relu)
                }
            }
        }
        for recurrent in [Activation.tanh, .linear] {
            let config = LSTMConfig(units: 2, returnSequences: true, recurrentActivation: recurrent, unitForgetBias: false)
            check([config.makeLayer(inputShape: .sequence(steps: 3, features: 2), name: "lstm", maxBatch: 2)], batch: 2,
                  "LSTM recurrent_activation \(recurrent)")
        }
        check([LSTMConfig(units: 2, returnSequences: true).makeLayer(inputShape: .sequence(steps: 1, features: 3), name: "lstm", maxBatch: 2)],
              batch: 2, "LSTM single step")
    }

    func testGRUEveryOption() {
        for resetAfter in [true, false] {
            for activation in Activation.allCases {
                for returnSequences in [true, false] {
                    for useBias in [true, false] {
                        let config = GRUConfig(units: 3, returnSequences: returnSequences, activation: activation, useBias: useBias,
                                               resetAfter: resetAfter)
                        check([config.makeLayer(inputShape: .sequence(steps: 4, features: 2), name: "gru", maxBatch: 3)], batch: 3,
                              "GRU reset_after=\(resetAfter) \(activation) seq=\(returnSequences) bias=\(useBias)", kinks: activation == .relu)
                    }
                }
            }
            let config = GRUConfig(units: 2, returnSequences: true, recurrentActivation: .tanh, resetAfter: resetAfter)
            check([config.makeLayer(inputShape: .sequence(steps: 3, features: 2), name: "gru", maxBatch: 2)], batch: 2,
                  "GRU reset_after=\(resetAfter) recurrent_activation tanh")
            check([GRUConfig(units: 2, resetAfter: resetAfter).makeLayer(inputShape: .sequence(steps: 1, features: 2), name: "gru", maxBatch: 2)],
                  batch: 2, "GRU reset_after=\(resetAfter) single step")
        }
    }

    func testConv1DEveryPaddingStrideAndDilation() {
        for padding in Conv1DPadding.allCases {
            for (strides, dilation) in [(1, 1), (2, 1), (3, 1), (1, 2), (1, 3)] {
                for kernel in [1, 2, 3] {
                    let config = Conv1DConfig(filters: 2, kernelSize: kernel, strides: strides, padding: padding, dilationRate: dilation)
                    let input = TensorShape.sequence(steps: 7, features: 2)
                    guard (try? config.outputShape(for: input, previous: "x")) != nil else { continue }
                    check([config.makeLayer(inputShape: input, name: "conv", maxBatch: 2)], batch: 2,
                          "Conv1D \(padding) k=\(kernel) s=\(strides) d=\(dilation)")
                }
            }
        }
        // Stride-1 convolutions in a row pass their batches feature-major, as a model sets them up; one
        // filter (and one input feature) is the same memory either way and is read in place.
        for padding in Conv1DPadding.allCases {
            for (filters, dilation) in [(2, 1), (1, 2), (3, 3)] {
                var layers: [any Layer] = []
                var shape = TensorShape.sequence(steps: 7, features: 2)
                for (i, config) in [Conv1DConfig(filters: filters, kernelSize: 2, padding: padding, dilationRate: dilation, activation: .tanh),
                                    Conv1DConfig(filters: 2, kernelSize: 3, padding: padding, activation: .sigmoid),
                                    Conv1DConfig(filters: 2, kernelSize: 1)].enumerated() {
                    guard (try? config.outputShape(for: shape, previous: "x")) != nil else { break }
                    layers.append(config.makeLayer(inputShape: shape, name: "conv\(i)", maxBatch: 3))
                    shape = layers.last!.outputShape
                }
                Sequential.chooseLayouts(layers)
                check(layers, batch: 3, "feature-major Conv1D chain, \(padding), \(filters) filters, d=\(dilation)")
            }
        }
        for activation in Activation.allCases {
            for useBias in [true, false] {
                let config = Conv1DConfig(filters: 3, kernelSize: 2, padding: .causal, dilationRate: 2, activation: activation, useBias: useBias)
                check([config.makeLayer(inputShape: .sequence(steps: 6, features: 2), name: "conv", maxBatch: 2)], batch: 2,
                      "Conv1D causal \(activation) bias=\(useBias)", kinks: activation == .relu)
            }
        }
    }

    func testDropoutInTrainingAndInference() {
        let dropout = DropoutConfig(rate: 0.4).makeLayer(inputShape: .sequence(steps: 4, features: 3), name: "dropout", maxBatch: 3)
        let dense = DenseConfig(units: 2).makeLayer(inputShape: dropout.outputShape, name: "dense", maxBatch: 3)
        dropout.setMode(.training(TrainingStep(seed: 1, epoch: 2, batch: 3, shard: 0)), index: 0)
        check([dropout, dense], batch: 3, "Dropout training")
        dropout.setMode(.inference, index: 0)
        check([dropout, dense], batch: 3, "Dropout inference")
        let wrapped = TimeDistributedConfig(DropoutConfig(rate: 0.5)).makeLayer(inputShape: .sequence(steps: 3, features: 2), name: "td", maxBatch: 2)
        wrapped.setMode(.training(TrainingStep(seed: 1, epoch: 1, batch: 1, shard: 1)), index: 0)
        check([wrapped], batch: 2, "TimeDistributed(Dropout) training")
    }

    func testStacksOfSection15_4() {
        // The book's Conv1D → GRU → GRU → TimeDistributed(Dense), small.
        let conv = Conv1DConfig(filters: 3, kernelSize: 4, strides: 2).makeLayer(inputShape: .sequence(steps: 11, features: 1), name: "c", maxBatch: 2)
        let gru1 = GRUConfig(units: 3, returnSequences: true).makeLayer(inputShape: conv.outputShape, name: "g1", maxBatch: 2)
        let gru2 = GRUConfig(units: 2, returnSequences: true).makeLayer(inputShape: gru1.outputShape, name: "g2", maxBatch: 2)
        let head = TimeDistributedConfig(DenseConfig(units: 2)).makeLayer(inputShape: gru2.outputShape, name: "td", maxBatch: 2)
        check([conv, gru1, gru2, head], batch: 2, "Conv1D → GRU → GRU → TimeDistributed(Dense)")
        // WaveNet: causal dilated convolutions (relu) and a 1×1 convolution.
        var layers: [any Layer] = []
        var shape = TensorShape.sequence(steps: 9, features: 1)
        for dilation in [1, 2, 4] {
            layers.append(Conv1DConfig(filters: 3, kernelSize: 2, padding: .causal, dilationRate: dilation, activation: .relu)
                .makeLayer(inputShape: shape, name: "w\(dilation)", maxBatch: 2))
            shape = layers.last!.outputShape
        }
        layers.append(Conv1DConfig(filters: 2, kernelSize: 1).makeLayer(inputShape: shape, name: "out", maxBatch: 2))
        check(layers, batch: 2, "WaveNet stack, time-major between layers", kinks: true)
        Sequential.chooseLayouts(layers)  // as a model runs it: feature-major between the convolutions
        check(layers, batch: 2, "WaveNet stack, feature-major between layers", kinks: true)
        // LSTM → Dropout → LSTM → TimeDistributed(Dense), dropping in training.
        let lstm1 = LSTMConfig(units: 3, returnSequences: true).makeLayer(inputShape: .sequence(steps: 4, features: 1), name: "l1", maxBatch: 2)
        let drop = DropoutConfig(rate: 0.3).makeLayer(inputShape: lstm1.outputShape, name: "d", maxBatch: 2)
        let lstm2 = LSTMConfig(units: 2, returnSequences: true).makeLayer(inputShape: lstm1.outputShape, name: "l2", maxBatch: 2)
        let dense = TimeDistributedConfig(DenseConfig(units: 2)).makeLayer(inputShape: lstm2.outputShape, name: "td", maxBatch: 2)
        drop.setMode(.training(TrainingStep(seed: 9, epoch: 1, batch: 1, shard: 0)), index: 1)
        check([lstm1, drop, lstm2, dense], batch: 2, "LSTM → Dropout → LSTM → TimeDistributed(Dense)")
    }
}
