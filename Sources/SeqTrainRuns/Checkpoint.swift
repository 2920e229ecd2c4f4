import Foundation
import SeqTrainConfig
import SeqTrainCore
import SeqTrainData
import SeqTrainModel
import SeqTrainOptimizers
import SeqTrainTraining

/// Where training stands: enough, with the weights and optimizer slots, to continue later.
public struct TrainingState: Equatable, Sendable {
    /// Epochs finished.
    public var epoch: Int
    /// Optimizer steps taken.
    public var iterations: Int
    /// The epoch with the lowest val_loss so far (0 before any).
    public var bestEpoch: Int
    /// That val_loss (as written in history.csv).
    public var bestValLoss: Float

    /// Creates a state.
    public init(epoch: Int, iterations: Int, bestEpoch: Int, bestValLoss: Float) {
        self.epoch = epoch
        self.iterations = iterations
        self.bestEpoch = bestEpoch
        self.bestValLoss = bestValLoss
    }
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

    /// Builds the checkpoint of a model, its optimizer and the training state.
    public static func make(model: Sequential, optimizer: Optimizer, state: TrainingState, configHash: String) -> Safetensors {
        var tensors: [String: Safetensors.Tensor] = [:]
        let weights = model.parameters.array
        for tensor in model.namedTensors {
            tensors[tensor.name] = .init(shape: tensor.shape, values: Array(weights[tensor.range]))
            for slot in optimizer.slots {
                let values = UnsafeBufferPointer(start: slot.buffer.pointer + tensor.range.lowerBound, count: tensor.range.count)
                tensors["optimizer.\(slot.name).\(tensor.name)"] = .init(shape: tensor.shape, values: Array(values))
            }
        }
        let metadata = [
            "format": format,
            "seqtrain_version": SeqTrainVersion.current,
            "config_hash": configHash,
            "optimizer": optimizer.config.name,
            "epoch": "\(state.epoch)",
            "iterations": "\(state.iterations)",
            "best_epoch": "\(state.bestEpoch)",
            "best_val_loss": "\(state.bestValLoss)",
        ]
        return Safetensors(tensors: tensors, metadata: metadata)
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

    /// Loads weights (and, when given, optimizer slots) from a checkpoint made for the same model.
    @discardableResult
    public static func restore(_ file: Safetensors, into model: Sequential, optimizer: Optimizer? = nil) throws -> TrainingState {
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
        model.parameters.assign(weights)
        let state = TrainingState(epoch: Int(file.metadata["epoch"] ?? "") ?? 0,
                                  iterations: Int(file.metadata["iterations"] ?? "") ?? 0,
                                  bestEpoch: Int(file.metadata["best_epoch"] ?? "") ?? 0,
                                  bestValLoss: Float(file.metadata["best_val_loss"] ?? "") ?? .infinity)
        if let optimizer {
            for (s, slot) in optimizer.slots.enumerated() { slot.buffer.assign(slots[s]) }
            optimizer.restore(iterations: state.iterations)
        }
        return state
    }
}
