import Foundation
import SeqTrainConfig
import SeqTrainCore
import SeqTrainData
import SeqTrainModel
import SeqTrainOptimizers
import SeqTrainTraining

/// Where a checkpoint stands: enough, with the weights, optimizer slots and the observers' state
/// in its metadata, to continue training later.
public struct CheckpointPosition: Equatable, Sendable {
    /// Epochs finished.
    public var epoch: Int
    /// Optimizer steps taken.
    public var iterations: Int
}

/// Checkpoints in the safetensors format: weights named `layers.<i>.kernel`, `layers.<i>.recurrent_kernel`,
/// `layers.<i>.bias` in Keras's layout, optimizer slots as `optimizer.<slot>.layers.<i>.<name>`, and the
/// training state in the metadata.
public enum Checkpoint {
    /// The format tag in the metadata.
    public static let format = "seqtrain-checkpoint-1"

    /// Why a checkpoint cannot be used.
    public struct MismatchError: Error, CustomStringConvertible {
        /// What does not match.
        public var description: String
    }

    /// Builds the checkpoint of a model and its optimizer; `state` is the training state (epoch,
    /// iterations and every observer's entries, from `TrainingLoop.checkpointMetadata`), `copies`
    /// the observers' copies of the parameters (`TrainingLoop.checkpointParameters`), each stored
    /// as `<name>.<weight name>` in the weights' layout.
    public static func make(model: Sequential, optimizer: Optimizer, state: [String: String], copies: [String: [Float]] = [:],
                            configHash: String) -> Safetensors {
        var tensors: [String: Safetensors.Tensor] = [:]
        let weights = model.parameters.array
        for tensor in model.namedTensors {
            tensors[tensor.name] = .init(shape: tensor.shape, values: Array(weights[tensor.range]))
            for slot in optimizer.slots {
                let values = UnsafeBufferPointer(start: slot.buffer.pointer + tensor.range.lowerBound, count: tensor.range.count)
                tensors["optimizer.\(slot.name).\(tensor.name)"] = .init(shape: tensor.shape, values: Array(values))
            }
            for (name, copy) in copies where copy.count == weights.count {
                tensors["\(name).\(tensor.name)"] = .init(shape: tensor.shape, values: Array(copy[tensor.range]))
            }
        }
        var metadata = state
        metadata["format"] = format
        metadata["seqtrain_version"] = SeqTrainVersion.current
        metadata["config_hash"] = configHash
        metadata["optimizer"] = optimizer.config.name
        return Safetensors(tensors: tensors, metadata: metadata)
    }

    /// The epoch and optimizer steps a checkpoint records, checked to be counts.
    public static func position(_ file: Safetensors) throws -> CheckpointPosition {
        func count(_ key: String) throws -> Int {
            guard let text = file.metadata[key], let value = Int(text), value >= 0 else {
                throw MismatchError(description: "the checkpoint's \(key) is \(file.metadata[key].map { "'\($0.prefix(40))'" } ?? "missing"), not a count")
            }
            return value
        }
        return CheckpointPosition(epoch: try count("epoch"), iterations: try count("iterations"))
    }

    /// What a CSV run's checkpoint records of its data: the fingerprint of the values it was trained
    /// on and, when standardised, each column's mean and standard deviation (so that `predict` needs
    /// only the checkpoint). Generated data is fixed by the config and records nothing.
    static func dataMetadata(_ dataset: Dataset) -> [String: String] {
        guard case .csv = dataset.config.source else { return [:] }
        var metadata = ["data_hash": Fingerprint.hex(dataset.fingerprint)]
        if !dataset.scaling.isEmpty {
            metadata["standardization"] = "[" + dataset.scaling.map {
                "{\"column\":\(JSONValue.quote($0.column)),\"mean\":\($0.mean),\"std\":\($0.std)}"
            }.joined(separator: ",") + "]"
        }
        return metadata
    }

    /// The standardisation recorded by `dataMetadata` (empty when there is none).
    static func scaling(_ metadata: [String: String]) throws -> [ColumnScaling] {
        guard let text = metadata["standardization"] else { return [] }
        guard let items = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]] else {
            throw MismatchError(description: "the checkpoint's standardization metadata is not a JSON list")
        }
        return try items.map { item in
            guard let column = item["column"] as? String, let mean = (item["mean"] as? NSNumber)?.doubleValue,
                  let std = (item["std"] as? NSNumber)?.doubleValue, std > 0 else {
                throw MismatchError(description: "the checkpoint's standardization metadata has a malformed entry")
            }
            return ColumnScaling(column: column, mean: mean, std: std)
        }
    }

    /// The copy of the parameters named `name` (see `make`), nil when the checkpoint has none.
    public static func copy(_ name: String, in file: Safetensors, model: Sequential) throws -> [Float]? {
        guard file.tensors.keys.contains(where: { $0.hasPrefix(name + ".") }) else { return nil }
        var values = [Float](repeating: 0, count: model.parameterCount)
        for tensor in model.namedTensors {
            guard let stored = file.tensors["\(name).\(tensor.name)"], stored.shape == tensor.shape else {
                throw MismatchError(description: "the checkpoint's \(name) has no tensor \(tensor.name) of shape \(tensor.shape)")
            }
            values.replaceSubrange(tensor.range, with: stored.values)
        }
        return values
    }

    /// Loads weights (and, when given, optimizer slots) from a checkpoint made for the same model.
    @discardableResult
    public static func restore(_ file: Safetensors, into model: Sequential, optimizer: Optimizer? = nil) throws -> CheckpointPosition {
        guard file.metadata["format"] == format else {
            throw MismatchError(description: "not a seqtrain checkpoint (format '\(file.metadata["format"] ?? "none")')")
        }
        var weights = model.parameters.array
        var slots = optimizer?.slots.map { $0.buffer.array } ?? []
        for tensor in model.namedTensors {
            guard let stored = file.tensors[tensor.name] else {
                throw MismatchError(description: "the checkpoint has no tensor \(tensor.name); it was made for another model")
            }
            guard stored.shape == tensor.shape else {
                throw MismatchError(description: "\(tensor.name) is \(stored.shape) in the checkpoint but \(tensor.shape) in the model")
            }
            weights.replaceSubrange(tensor.range, with: stored.values)
            for (s, slot) in (optimizer?.slots ?? []).enumerated() {
                guard let values = file.tensors["optimizer.\(slot.name).\(tensor.name)"]?.values, values.count == tensor.range.count else {
                    throw MismatchError(description: "the checkpoint has no optimizer slot \(slot.name) for \(tensor.name)")
                }
                slots[s].replaceSubrange(tensor.range, with: values)
            }
        }
        let position = try position(file)
        // A rate set at run time (ReduceLROnPlateau) goes on from where it was.
        let rate = file.metadata["learning_rate"]
        if let rate, !(Double(rate).map { $0.isFinite && $0 >= 0 } ?? false) {
            throw MismatchError(description: "the checkpoint's learning_rate is '\(rate.prefix(40))', not a learning rate")
        }
        model.parameters.assign(weights)
        if let optimizer {
            for (s, slot) in optimizer.slots.enumerated() { slot.buffer.assign(slots[s]) }
            optimizer.restore(iterations: position.iterations)
            if let rate = rate.flatMap(Double.init) { optimizer.setLearningRate(rate) }
        }
        return position
    }
}
