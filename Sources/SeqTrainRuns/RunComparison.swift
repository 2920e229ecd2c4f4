import Foundation
import SeqTrainConfig
import SeqTrainCore
import SeqTrainData
import SeqTrainModel
import SeqTrainOptimizers
import SeqTrainTraining

/// What `seqtrain diff` shows: the config keys that differ between runs, one history column side by
/// side, each run's best epoch, and which run is better.
public struct RunComparison {
    /// One config key whose value differs, with each run's value ("-" when absent).
    public struct ConfigDifference: Equatable {
        /// Dotted key, e.g. `train.optimizer.learning_rate`.
        public var key: String
        /// The value in each run, in run order.
        public var values: [String]

        /// Creates a difference.
        public init(key: String, values: [String]) {
            self.key = key
            self.values = values
        }
    }

    /// The run folders, in the order given.
    public let runs: [String]
    /// The history column compared (e.g. `val_loss`).
    public let metric: String
    /// Config keys whose values differ.
    public let configDifferences: [ConfigDifference]
    /// Per epoch (from 1), each run's value, nil where a run has no such epoch.
    public let epochs: [[Float?]]
    /// Each run's lowest value of the metric and its epoch (nil for an empty history).
    public let best: [(epoch: Int, value: Float)?]

    /// Reads the runs' configs and histories and compares `metric` (default `val_loss`).
    public init(runs: [OpenedRun], metric: String = "val_loss") throws {
        self.runs = runs.map(\.path)
        self.metric = metric
        var columns: [[Float]] = []
        var flattened: [[String: String]] = []
        for run in runs {
            guard let node = try? Yams.compose(yaml: run.configText) else {
                throw RunReadError(path: run.folder.configPath, problem: "not valid YAML")
            }
            var values: [String: String] = [:]
            Self.flatten(node, prefix: "", into: &values)
            flattened.append(values)
            columns.append(try run.historyColumn(metric))
        }
        let keys = Set(flattened.flatMap(\.keys)).sorted()
        configDifferences = keys.compactMap { key in
            let values = flattened.map { $0[key] ?? "-" }
            return Set(values).count > 1 ? ConfigDifference(key: key, values: values) : nil
        }
        let count = columns.map(\.count).max() ?? 0
        epochs = (0..<count).map { e in columns.map { e < $0.count ? $0[e] : nil } }
        best = columns.map { column in
            var found: (Int, Float)?
            for (index, value) in column.enumerated() where found == nil || value < found!.1 { found = (index + 1, value) }
            return found.map { (epoch: $0.0, value: $0.1) }
        }
    }

    /// `a.b.c: value` for every scalar of a YAML tree; list items by index, a layer as `model.<i>.<Type>.<option>`.
    static func flatten(_ node: Node, prefix: String, into values: inout [String: String]) {
        switch node {
        case .mapping(let mapping):
            for (key, value) in mapping {
                flatten(value, prefix: prefix.isEmpty ? (key.string ?? "?") : prefix + "." + (key.string ?? "?"), into: &values)
            }
        case .sequence(let sequence):
            if sequence.allSatisfy({ $0.scalar != nil }) {
                values[prefix] = "[" + sequence.compactMap(\.string).joined(separator: ", ") + "]"
            } else {
                for (index, item) in sequence.enumerated() { flatten(item, prefix: prefix + ".\(index)", into: &values) }
            }
        case .scalar(let scalar):
            values[prefix] = scalar.string
        case .alias:
            values[prefix] = "*alias"
        }
    }

    /// The index of the run with the lowest best value (nil when no run has any epoch).
    public var winner: Int? {
        best.enumerated().compactMap { index, best in best.map { (index, $0.value) } }.min { $0.1 < $1.1 }?.0
    }

    /// One line saying which run is better on the best value of the metric, and by how much.
    public func verdict(labels: [String]) -> String {
        guard let winner, let top = best[winner] else { return "no run has a finished epoch" }
        let others = best.enumerated().filter { $0.offset != winner }.compactMap { $0.element.map { ($0.value) } }
        guard let runnerUp = others.min() else { return "\(labels[winner]) is the only run with a finished epoch" }
        if runnerUp == top.value { return "tie on best \(metric): \(top.value)" }
        let margin = runnerUp - top.value
        let percent = String(format: "%.1f", Double(margin / runnerUp) * 100)
        return "\(labels[winner]) is better on best \(metric): \(top.value) at epoch \(top.epoch), lower by \(margin) (\(percent)%)"
    }
}
