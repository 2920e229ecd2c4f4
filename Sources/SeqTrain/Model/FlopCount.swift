/// Arithmetic per sample (2 per multiply-add of the matrix products, plus bias and activation
/// gradients), for the benchmark's GFLOP/s. Element-wise activation evaluation is not counted.
public struct FlopCount: Equatable {
    /// Floating-point operations of the forward pass.
    public var forward: Double
    /// Floating-point operations of the backward pass.
    public var backward: Double
}

extension SimpleRNN {
    /// Input projection and recurrence forward; their weight, state and input gradients backward.
    func flops(inputGradient: Bool) -> FlopCount {
        let (t, f, u) = (Double(T), Double(F), Double(U))
        let projection = 2 * t * f * u, recurrence = 2 * (t - 1) * u * u
        let forward = projection + recurrence + (config.useBias ? t * u : 0)
        var backward = projection + 2 * recurrence + 2 * t * u + (config.useBias ? t * u : 0)
        if inputGradient { backward += projection }
        return FlopCount(forward: forward, backward: backward)
    }
}

extension Dense {
    /// One product forward; the weight (and input) gradient products backward.
    func flops(inputGradient: Bool) -> FlopCount {
        let product = 2 * Double(rowsPerSample * F * U)
        let bias = config.useBias ? Double(rowsPerSample * U) : 0
        return FlopCount(forward: product + bias, backward: product * (inputGradient ? 2 : 1) + bias)
    }
}

extension Sequential {
    /// The arithmetic of one sample through the whole stack (no input gradient for the first layer).
    public var flopsPerSample: FlopCount {
        var total = FlopCount(forward: 0, backward: 0)
        for (i, layer) in layers.enumerated() {
            let count: FlopCount
            switch layer {
            case let rnn as SimpleRNN: count = rnn.flops(inputGradient: i > 0)
            case let dense as Dense: count = dense.flops(inputGradient: i > 0)
            default: count = FlopCount(forward: 0, backward: 0)  // Flatten moves data only
            }
            total.forward += count.forward
            total.backward += count.backward
        }
        return total
    }
}
