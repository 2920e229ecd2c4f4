import Foundation
import SeqTrainConfig
import SeqTrainCore
import SeqTrainData
import SeqTrainModel
import SeqTrainOptimizers
import SeqTrainTraining

/// The figures of a run, written as `summary.json`.
public struct RunSummary {
    /// The experiment of the run.
    public let experiment: Experiment
    /// FNV-1a of the resolved config (as in the checkpoints).
    public let configHash: String
    /// FNV-1a of the generated data.
    public let dataHash: UInt64
    /// Epochs finished.
    public var epochs = 0
    /// Training figures of the last epoch.
    public var finalTrain: Evaluation?
    /// Validation figures of the last epoch.
    public var finalValid: Evaluation?
    /// The epoch with the lowest val_loss and its validation figures.
    public var best: (epoch: Int, valid: Evaluation)?
    /// Test-split figures of the best checkpoint.
    public var test: Evaluation?
    /// The naive baseline on the validation split.
    public var naiveValid: Evaluation?
    /// The naive baseline on the test split.
    public var naiveTest: Evaluation?
    /// Trainable values.
    public var parameters = 0
    /// Wall-clock seconds of the whole run.
    public var seconds = 0.0
    /// Wall-clock seconds of each epoch.
    public var epochSeconds: [Double] = []
    /// Threads that trained (they change the speed, not the numbers).
    public var threads = 1
    /// How the run ended (finished, stopped early).
    public var status: RunStatus?
    /// The epoch whose weights the run ended with, when a callback restored them (EarlyStopping's
    /// `restore_best_weights`); nil when they are the last epoch's.
    public var finalWeightsFromEpoch: Int?
    /// For a CSV series: the rows and samples of each split and the standardisation (nil for generated data).
    public var csvData: JSONValue?

    /// Creates an empty summary.
    public init(experiment: Experiment, configHash: String, dataHash: UInt64) {
        self.experiment = experiment
        self.configHash = configHash
        self.dataHash = dataHash
    }

    /// A summary of a run on `dataset`, with what a CSV series was cut into.
    init(experiment: Experiment, configHash: String, dataset: Dataset) {
        self.init(experiment: experiment, configHash: configHash, dataHash: dataset.fingerprint)
        guard case .csv(let csv) = dataset.config.source else { return }
        let splits = SplitName.allCases.map { split -> (String, JSONValue) in
            let rows = dataset.splitExtents[split]!
            return (split.rawValue, .object([("first_row", .int(rows.lowerBound + 1)), ("rows", .int(rows.count)),
                                             ("samples", .int(dataset.indices(of: split).count))]))
        }
        csvData = .object([
            ("file", .string(csv.path)),
            ("splits", .object(splits)),
            ("standardization", .array(dataset.scaling.map {
                .object([("column", .string($0.column)), ("mean", .number($0.mean)), ("std", .number($0.std))])
            })),
        ])
    }

    /// `{"loss": …, "<metric>": …}` with a key prefix.
    func figures(_ evaluation: Evaluation?, prefix: String = "") -> JSONValue {
        guard let evaluation else { return .null }
        var pairs: [(String, JSONValue)] = [(prefix + "loss", .figure(Float(evaluation.loss)))]
        for (metric, value) in zip(experiment.train.metrics, evaluation.metrics) {
            pairs.append((prefix + metric.rawValue, .figure(Float(value))))
        }
        return .object(pairs)
    }

    /// The JSON document.
    public var json: JSONValue {
        let sorted = epochSeconds.sorted()
        let median = sorted.isEmpty ? Double.nan : (sorted[(sorted.count - 1) / 2] + sorted[sorted.count / 2]) / 2
        return .object([
            ("name", .string(experiment.name)),
            ("seqtrain_version", .string(SeqTrainVersion.current)),
            ("config_hash", .string(configHash)),
            ("data_hash", .string(Fingerprint.hex(dataHash))),
            ("model", .string(experiment.model == .naive ? "naive" : "layers")),
            ("parameters", .int(parameters)),
            ("epochs", .int(epochs)),
            ("status", status.map { .string($0.state.rawValue) } ?? .null),
            ("status_reason", status.map { .string($0.reason) } ?? .null),
            ("final", .object([("epoch", .int(epochs)), ("train", figures(finalTrain)), ("valid", figures(finalValid))])),
        ] + (finalWeightsFromEpoch.map { [("final_weights_from_epoch", .int($0))] } ?? []) + [
            ("best", best.map { .object([("epoch", .int($0.epoch)), ("valid", figures($0.valid))]) } ?? .null),
            ("test", figures(test)),
            ("naive", .object([("valid", figures(naiveValid)), ("test", figures(naiveTest))])),
            ("threads", .int(threads)),
            ("seconds", .number((seconds * 1000).rounded() / 1000)),
            ("seconds_per_epoch_median", .number((median * 1e6).rounded() / 1e6)),
        ] + (csvData.map { [("data", $0)] } ?? []))
    }
}
