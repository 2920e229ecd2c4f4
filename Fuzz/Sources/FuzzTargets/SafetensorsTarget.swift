import Foundation
import SeqTrain

/// A small model (configs/linear.yaml's: Flatten and Dense(1) over 50 steps, 51 weights) and its
/// Adam optimizer, into which each accepted checkpoint is restored as `eval`, `predict` and `resume` do.
private let linear: (model: Sequential, optimizer: Optimizer, experiment: Experiment) = {
    let yaml = """
        name: linear
        data: {source: {generator: sine}}
        model: [Flatten, {Dense: {units: 1}}]
        """
    let experiment = try! ExperimentParser.parse(yaml: yaml, file: "linear.yaml", vocabulary: .standard)
    guard case .layers(let layers) = experiment.model else { fatalError("linear.yaml has no layers") }
    let model = Sequential(layers, inputShape: experiment.data.inputShape, maxBatch: 4)
    return (model, Optimizer(experiment.train.optimizer, parameterCount: model.parameterCount), experiment)
}()

/// The safetensors reader and what is done with a checkpoint. The input is the file's bytes. Bad input
/// must be `Safetensors.FormatError`; a file read must serialise back to a file that reads the same,
/// and restoring it into a model either works or is a `Checkpoint.MismatchError`.
public func fuzzSafetensors(_ bytes: UnsafeBufferPointer<UInt8>) {
    let file: Safetensors
    do {
        file = try Safetensors(data: Data(bytes))
    } catch is Safetensors.FormatError {
        return
    } catch {
        fatalError("Safetensors(data:) threw \(type(of: error)), not FormatError: \(error)")
    }
    for tensor in file.tensors.values {
        require(tensor.values.count == tensor.shape.reduce(1, *), "a tensor of shape \(tensor.shape) holds \(tensor.values.count) values")
    }
    let again = try? Safetensors(data: file.serialized())
    require(again.map { sameBits($0, file) } ?? false, "a file read does not read the same after serialising")
    _ = try? Checkpoint.position(file)
    for optimizer in [nil, linear.optimizer] {
        do {
            try Checkpoint.restore(file, into: linear.model, optimizer: optimizer)
        } catch is Checkpoint.MismatchError {
        } catch {
            fatalError("Checkpoint.restore threw \(type(of: error)), not MismatchError: \(error)")
        }
    }
    _ = try? Checkpoint.copy("best_weights", in: file, model: linear.model)
}

/// Equal tensors bit for bit (a NaN equals itself) and equal metadata.
private func sameBits(_ a: Safetensors, _ b: Safetensors) -> Bool {
    a.metadata == b.metadata && a.tensors.count == b.tensors.count && a.tensors.allSatisfy { name, tensor in
        guard let other = b.tensors[name] else { return false }
        return other.shape == tensor.shape && other.values.map(\.bitPattern) == tensor.values.map(\.bitPattern)
    }
}
