/// Loss values and their gradients, reduced as Keras does: the mean over every element.
extension LossConfig {
    /// The sum of the per-element losses of `count` predictions, in float64; when `gradient` is given,
    /// writes dLoss/dPrediction there, scaled by `scale` (1 / the element count of the whole batch).
    public func sum(prediction p: UnsafePointer<Float>, target y: UnsafePointer<Float>, count: Int,
                    gradient g: UnsafeMutablePointer<Float>?, scale: Float) -> Double {
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
        return sum
    }

    /// The mean loss of `count` predictions; `gradient` gets dMean/dPrediction.
    public func evaluate(prediction p: UnsafePointer<Float>, target y: UnsafePointer<Float>, count: Int,
                         gradient g: UnsafeMutablePointer<Float>?) -> Double {
        sum(prediction: p, target: y, count: count, gradient: g, scale: 1 / Float(count)) / Double(count)
    }
}

extension MetricKind {
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
