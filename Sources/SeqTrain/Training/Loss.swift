/// Loss values and their gradients, reduced as Keras does: the mean over every element.
extension LossConfig {
    /// The mean loss of `count` predictions, accumulated in float64; when `gradient` is given, writes
    /// dLoss/dPrediction there (each element scaled by 1 / count).
    public func evaluate(prediction p: UnsafePointer<Float>, target y: UnsafePointer<Float>, count: Int,
                         gradient g: UnsafeMutablePointer<Float>?) -> Double {
        let scale = 1 / Float(count)
        var sum = 0.0
        switch self {
        case .mse:
            for i in 0..<count {
                let e = p[i] - y[i]
                sum += Double(e * e)
                g?[i] = 2 * e * scale
            }
        case .mae:
            for i in 0..<count {
                let e = p[i] - y[i]
                sum += Double(abs(e))
                g?[i] = (e > 0 ? 1 : (e < 0 ? -1 : 0)) * scale
            }
        case .huber(let delta):
            let d = Float(delta)
            for i in 0..<count {
                let e = p[i] - y[i]
                if abs(e) <= d {
                    sum += Double(0.5 * e * e)
                    g?[i] = e * scale
                } else {
                    sum += Double(d * abs(e) - 0.5 * d * d)
                    g?[i] = (e > 0 ? d : -d) * scale
                }
            }
        }
        return sum / Double(count)
    }
}

extension MetricKind {
    /// The metric over a batch of `batch` samples in the layout of `shape` (sequences time-major).
    public func evaluate(prediction p: UnsafePointer<Float>, target y: UnsafePointer<Float>,
                         shape: TensorShape, batch: Int) -> Double {
        switch self {
        case .mse: return LossConfig.mse.evaluate(prediction: p, target: y, count: batch * shape.count, gradient: nil)
        case .mae: return LossConfig.mae.evaluate(prediction: p, target: y, count: batch * shape.count, gradient: nil)
        case .last_time_step_mse:
            guard case .sequence(let steps, let features) = shape else {
                preconditionFailure("last_time_step_mse needs a sequence output; the config parser checks this")
            }
            // In the time-major layout the last step is one contiguous [batch, features] block.
            let offset = (steps - 1) * batch * features
            return LossConfig.mse.evaluate(prediction: p + offset, target: y + offset, count: batch * features, gradient: nil)
        }
    }
}
