import SeqTrain
import XCTest

/// LSTM, GRU (both reset_after), Conv1D (every padding, stride and dilation) and the book's
/// Conv1D → GRU → TimeDistributed(Dense) and WaveNet stacks against Keras 3: outputs, input gradients
/// and every weight gradient for fixed inputs and weights, within 1e-5
/// (fixture: scripts/golden/make_keras_golden_rnn.py → keras_golden_rnn.json).
final class KerasGoldenRNNTests: XCTestCase {
    let tolerance: Float = 1e-5

    /// The seqtrain layer of one Keras layer description of the fixture.
    func layerConfig(_ description: [String: Any]) throws -> any LayerConfig {
        let config = try XCTUnwrap(description["config"] as? [String: Any])
        func activation(_ key: String) throws -> Activation { try XCTUnwrap(Activation(rawValue: config[key] as? String ?? "")) }
        switch description["class_name"] as? String {
        case "LSTM":
            return LSTMConfig(units: config["units"] as! Int, returnSequences: config["return_sequences"] as! Bool,
                              activation: try activation("activation"), recurrentActivation: try activation("recurrent_activation"),
                              useBias: config["use_bias"] as! Bool, unitForgetBias: config["unit_forget_bias"] as! Bool)
        case "GRU":
            return GRUConfig(units: config["units"] as! Int, returnSequences: config["return_sequences"] as! Bool,
                             activation: try activation("activation"), recurrentActivation: try activation("recurrent_activation"),
                             useBias: config["use_bias"] as! Bool, resetAfter: config["reset_after"] as! Bool)
        case "Conv1D":
            return Conv1DConfig(filters: config["filters"] as! Int, kernelSize: config["kernel_size"] as! Int,
                                strides: config["strides"] as! Int, padding: try XCTUnwrap(Conv1DPadding(rawValue: config["padding"] as! String)),
                                dilationRate: config["dilation_rate"] as! Int, activation: try activation("activation"),
                                useBias: config["use_bias"] as! Bool)
        case "TimeDistributed":
            let inner = try XCTUnwrap((config["layer"] as? [String: Any])?["config"] as? [String: Any])
            return TimeDistributedConfig(DenseConfig(units: inner["units"] as! Int, activation: try XCTUnwrap(Activation(rawValue: inner["activation"] as! String)),
                                                     useBias: inner["use_bias"] as! Bool))
        default:
            throw XCTSkip("unknown layer \(description)")
        }
    }

    /// Batch-major `[B, T, F]` or `[B, F]` of the fixture to the layers' layout (time-major sequences).
    func toLayer(_ values: [Float], _ shape: [Int]) -> [Float] {
        shape.count == 3 ? timeMajor(values, batch: shape[0], steps: shape[1], features: shape[2]) : values
    }

    func fromLayer(_ values: [Float], _ shape: [Int]) -> [Float] {
        shape.count == 3 ? timeMajor(values, batch: shape[0], steps: shape[1], features: shape[2], back: true) : values
    }

    func testEveryCaseMatchesKeras() throws {
        let json = try fixture("keras_golden_rnn.json")
        let names = try XCTUnwrap(json["cases"] as? [String])
        XCTAssertEqual(names.count, 27)
        for name in names {
            let c = try XCTUnwrap(json[name] as? [String: Any])
            let descriptions = try XCTUnwrap(c["layers"] as? [[String: Any]])
            let inputShape = ints(c["input_shape"])
            let B = inputShape[0]
            var shape = TensorShape.sequence(steps: inputShape[1], features: inputShape[2])
            var layers: [any Layer] = [], parameters: [[Float]] = [], gradients: [Float] = [], expectedShapes: [[Int]] = []
            for (i, description) in descriptions.enumerated() {
                let config = try layerConfig(description)
                let layer = config.makeLayer(inputShape: shape, name: "\(name)_\(i)", maxBatch: B)
                let prefix = description["key_prefix"] as? String ?? ""
                let weights = try XCTUnwrap(description["weights"] as? [String])
                XCTAssertEqual(layer.parameters.map(\.name), weights, "\(name) layer \(i): Keras's weight names and order")
                XCTAssertEqual(layer.parameters.map(\.shape), weights.map { ints(c[prefix + $0 + "_shape"]) }, "\(name) layer \(i): Keras's shapes")
                XCTAssertEqual(try config.outputShape(for: shape, previous: "the input"), layer.outputShape)
                let output = ints(description["output_shape"])
                XCTAssertEqual(layer.outputShape.count, output.dropFirst().reduce(1, *), "\(name) layer \(i) output shape")
                parameters.append(weights.flatMap { floats(c[prefix + $0]) })
                gradients += weights.flatMap { floats(c["grad_" + prefix + $0]) }
                expectedShapes.append(output)
                layers.append(layer)
                shape = layer.outputShape
            }
            let outShape = ints(c["output_shape"])
            let result = LayerHarness(layers: layers, batch: B)
                .run(input: toLayer(floats(c["input"]), inputShape), parameters: parameters, upstream: toLayer(floats(c["upstream"]), outShape))
            assertClose(fromLayer(result.output, outShape), floats(c["output"]), tolerance: tolerance, "\(name) output")
            assertClose(fromLayer(result.dinput, inputShape), floats(c["grad_input"]), tolerance: tolerance, "\(name) grad_input")
            assertClose(result.dparameters.flatMap { $0 }, gradients, tolerance: tolerance, "\(name) weight gradients")
        }
    }
}
