import SeqTrainCore

/// Figures reported per epoch besides the loss. Everything about a metric is here: its name, how a
/// list of them is read, and its value.
public enum MetricKind: String, CaseIterable, Equatable, Sendable {
    /// Mean squared error over every element.
    case mse
    /// Mean absolute error over every element.
    case mae
    /// Mean squared error over the last time step of a sequence output.
    case last_time_step_mse

    /// Whether the metric needs a sequence output (checked against the model before training).
    public var needsSequence: Bool { self == .last_time_step_mse }

    /// `train.metrics`: a list of names, each at most once; nil after reporting the problems.
    public static func parseList(_ node: Node, reader: inout NodeReader) -> [MetricKind]? {
        guard case .sequence(let items) = node else {
            reader.error(node, "train.metrics must be a list such as [last_time_step_mse], found \(reader.describe(node))")
            return nil
        }
        var metrics: [MetricKind] = []
        for (index, item) in items.enumerated() {
            guard let metric = reader.choice(item, "train.metrics.\(index)", as: MetricKind.self) else { return nil }
            if metrics.contains(metric) {
                reader.error(item, "metric '\(metric.rawValue)' is listed twice")
                return nil
            }
            metrics.append(metric)
        }
        return metrics
    }

    /// Values per sample the metric averages over.
    public func elementsPerSample(_ shape: TensorShape) -> Int {
        switch self {
        case .mse, .mae: return shape.count
        case .last_time_step_mse: return shape.features
        }
    }

    /// The metric's sum over a batch of `batch` samples in the layout of `shape` (sequences time-major).
    public func sum(prediction p: UnsafePointer<Float>, target y: UnsafePointer<Float>, shape: TensorShape, batch: Int) -> Double {
        switch self {
        case .mse: return LossConfig.mse.sum(prediction: p, target: y, count: batch * shape.count, gradient: nil, scale: 0)
        case .mae: return LossConfig.mae.sum(prediction: p, target: y, count: batch * shape.count, gradient: nil, scale: 0)
        case .last_time_step_mse:
            guard case .sequence(let steps, let features) = shape else {
                preconditionFailure("last_time_step_mse needs a sequence output; the config parser checks this")
            }
            // In the time-major layout the last step is one contiguous [batch, features] block.
            let offset = (steps - 1) * batch * features
            return LossConfig.mse.sum(prediction: p + offset, target: y + offset, count: batch * features, gradient: nil, scale: 0)
        }
    }

    /// The metric's mean over a batch.
    public func evaluate(prediction p: UnsafePointer<Float>, target y: UnsafePointer<Float>, shape: TensorShape, batch: Int) -> Double {
        sum(prediction: p, target: y, shape: shape, batch: batch) / Double(batch * elementsPerSample(shape))
    }
}
