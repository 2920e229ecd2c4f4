import Foundation

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
            var source = "  source: {csv: \(string(csv.path)), columns: \(list(csv.columns)), targets: \(list(csv.targets))"
            if let time = csv.timeColumn { source += ", time_column: \(string(time))" }
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
            lines += layers.map { "  - " + layerText($0) }
        }
        let train = experiment.train
        lines.append("train:")
        lines.append("  epochs: \(train.epochs)")
        lines.append("  batch_size: \(train.batchSize)")
        lines.append("  shuffle: \(train.shuffle)")
        switch train.loss {
        case .mse, .mae: lines.append("  loss: \(train.loss.name)")
        case .huber(let delta): lines.append("  loss: {name: huber, delta: \(number(delta))}")
        }
        var optimizer = optimizerText(train.optimizer)
        switch train.clipping {
        case .none: break
        case .norm(let value): optimizer = String(optimizer.dropLast()) + ", clipnorm: \(number(value))}"
        case .value(let value): optimizer = String(optimizer.dropLast()) + ", clipvalue: \(number(value))}"
        }
        lines.append("  optimizer: " + optimizer)
        lines.append("  metrics: [" + train.metrics.map(\.rawValue).joined(separator: ", ") + "]")
        return lines.joined(separator: "\n") + "\n"
    }

    private static func splitSize(_ size: SplitSize) -> String {
        switch size {
        case .count(let n): return "\(n)"
        case .fraction(let f): return number(f)
        }
    }

    private static func list(_ names: [String]) -> String { "[" + names.map(string).joined(separator: ", ") + "]" }

    /// A plain YAML scalar when it reads back as the same string, else a double-quoted one.
    static func string(_ text: String) -> String {
        let plain = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./-")
        let reserved = ["true", "false", "yes", "no", "on", "off", "null", "y", "n", "~"]
        if let first = text.unicodeScalars.first, CharacterSet.letters.contains(first) || first == "_" || first == "/" || first == ".",
           text.unicodeScalars.allSatisfy(plain.contains), !reserved.contains(text.lowercased()) {
            return text
        }
        return JSONValue.quote(text)  // a JSON string is a YAML double-quoted scalar
    }

    static func layerText(_ layer: LayerConfig) -> String {
        switch layer {
        case .simpleRNN(let rnn):
            return "SimpleRNN: {units: \(rnn.units), return_sequences: \(rnn.returnSequences), "
                + "activation: \(rnn.activation.rawValue), use_bias: \(rnn.useBias)}"
        case .dense(let dense):
            return "Dense: " + denseText(dense)
        case .timeDistributed(let dense):
            return "TimeDistributed: {Dense: " + denseText(dense) + "}"
        case .flatten:
            return "Flatten: {}"
        }
    }

    private static func denseText(_ dense: DenseConfig) -> String {
        "{units: \(dense.units), activation: \(dense.activation.rawValue), use_bias: \(dense.useBias)}"
    }

    private static func optimizerText(_ optimizer: OptimizerConfig) -> String {
        switch optimizer {
        case .adam(let c):
            return "{name: adam, learning_rate: \(number(c.learningRate)), beta_1: \(number(c.beta1)), "
                + "beta_2: \(number(c.beta2)), epsilon: \(number(c.epsilon))}"
        case .sgd(let c):
            return "{name: sgd, learning_rate: \(number(c.learningRate)), momentum: \(number(c.momentum)), nesterov: \(c.nesterov)}"
        case .rmsprop(let c):
            return "{name: rmsprop, learning_rate: \(number(c.learningRate)), rho: \(number(c.rho)), epsilon: \(number(c.epsilon))}"
        }
    }

    /// Shortest round-trip form, always with a '.' so that every YAML reader sees a float (1.0e-07, not 1e-07).
    static func number(_ value: Double) -> String {
        var text = "\(value)"
        if !text.contains("."), let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            text.insert(contentsOf: ".0", at: e)
        }
        return text
    }
}
