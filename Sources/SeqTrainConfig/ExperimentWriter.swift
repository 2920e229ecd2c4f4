import Foundation
import SeqTrainCore
import SeqTrainModel
import SeqTrainOptimizers

/// Writes a resolved experiment back as YAML, every default spelt out, in a fixed key order.
public enum ExperimentWriter {
    /// The YAML text of `experiment`; parsing it gives back the same experiment.
    public static func yaml(_ experiment: Experiment, header: [String] = []) -> String {
        var lines = header.map { "# " + $0 }
        lines.append("name: \(experiment.name)")
        lines.append("seed: \(experiment.seed)")
        let data = experiment.data
        lines.append("data:")
        switch data.source {
        case .sine(let series):
            lines.append("  source: {generator: sine, series: \(series)}")
        case .csv(let csv):
            var source = "  source: {csv: \(YAMLText.string(csv.path)), columns: \(YAMLText.list(csv.columns)), targets: \(YAMLText.list(csv.targets))"
            if let time = csv.timeColumn { source += ", time_column: \(YAMLText.string(time))" }
            lines.append(source + "}")
        }
        lines.append("  window: \(data.window)")
        lines.append("  target: \(data.target.rawValue)")
        lines.append("  horizon: \(data.horizon)")
        if case .csv = data.source {
            lines.append("  stride: \(data.stride)")
            lines.append("  standardize: \(data.standardize)")
        }
        let split = [("train", data.split.train), ("valid", data.split.valid), ("test", data.split.test)]
        lines.append("  split: {" + split.map { "\($0): \(splitSize($1))" }.joined(separator: ", ") + "}")
        switch experiment.model {
        case .naive:
            lines.append("model: naive")
        case .layers(let layers):
            lines.append("model:")
            lines += layers.map { "  - " + $0.yaml }
        }
        let train = experiment.train
        lines.append("train:")
        lines.append("  epochs: \(train.epochs)")
        lines.append("  batch_size: \(train.batchSize)")
        lines.append("  shuffle: \(train.shuffle)")
        lines.append("  loss: \(train.loss.yaml)")
        lines.append("  optimizer: " + train.optimizer.yamlOpening + train.clipping.yamlSuffix + "}")
        lines.append("  metrics: [" + train.metrics.map(\.rawValue).joined(separator: ", ") + "]")
        // Written only when there are some, so that a config without callbacks reads (and hashes) as before.
        if !train.callbacks.isEmpty {
            lines.append("  callbacks:")
            lines += train.callbacks.map { "    - " + $0.yaml }
        }
        // Written only when off: the resolved text (and so the config hash every checkpoint records)
        // of a config that keeps the default stays what it was before the key existed.
        if !train.tensorboard { lines.append("  tensorboard: false") }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func splitSize(_ size: SplitSize) -> String {
        switch size {
        case .count(let n): return "\(n)"
        case .fraction(let f): return YAMLText.number(f)
        }
    }
}
