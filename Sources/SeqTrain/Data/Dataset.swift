/// The three splits of an experiment.
public enum SplitName: String, CaseIterable, Sendable {
    /// Samples the model is fitted on.
    case train
    /// Samples for val_loss and best-checkpoint selection.
    case valid
    /// Held-out samples, evaluated on the best checkpoint.
    case test
}

/// The series of an experiment and how they become (input, target) samples.
///
/// Batches are laid out the way the layers want them: a sequence `[batch, steps, features]` is stored
/// time-major (`[steps][batch][features]`) so that each step of a recurrent layer reads one contiguous
/// `[batch, features]` block; a vector `[batch, features]` is stored row-major.
public struct Dataset: Sendable {
    /// The data section this was made from.
    public let config: DataConfig
    /// All series, row-major `[seriesCount, stepsPerSeries]`.
    public let series: [Float]

    /// Generates the data of an experiment.
    public init(config: DataConfig, seed: UInt32) {
        self.config = config
        switch config.source {
        case .sine(let count):
            series = SineGenerator.generate(seed: seed, seriesCount: count, steps: config.stepsPerSeries)
        }
    }

    /// The shape of one input sample: `window` steps of one feature.
    public var inputShape: TensorShape { config.inputShape }

    /// The shape of one target sample.
    public var targetShape: TensorShape { ExperimentParser.targetShape(config) }

    /// The series indices of a split.
    public func indices(of split: SplitName) -> Range<Int> {
        let s = config.split
        switch split {
        case .train: return 0..<s.train
        case .valid: return s.train..<(s.train + s.valid)
        case .test: return (s.train + s.valid)..<(s.train + s.valid + s.test)
        }
    }

    /// FNV-1a 64 over the little-endian bytes of every value: identifies the data a run saw.
    public var fingerprint: UInt64 {
        series.withUnsafeBytes { Fingerprint.fnv1a($0) }  // little-endian on every platform Swift runs on
    }

    /// Writes the inputs and targets of the samples `rows` into time-major / row-major batch buffers.
    public func fillBatch(rows: UnsafeBufferPointer<Int>, inputs x: UnsafeMutablePointer<Float>,
                          targets y: UnsafeMutablePointer<Float>) {
        let B = rows.count, T = config.window, H = config.horizon, S = config.stepsPerSeries
        series.withUnsafeBufferPointer { data in
            for (b, row) in rows.enumerated() {
                let s = data.baseAddress! + row * S
                for t in 0..<T { x[t * B + b] = s[t] }
                switch config.target {
                case .next: y[b] = s[T]
                case .vector: for k in 0..<H { y[b * H + k] = s[T + k] }
                case .sequence:
                    for t in 0..<T { for k in 0..<H { y[(t * B + b) * H + k] = s[t + 1 + k] } }
                }
            }
        }
    }

    /// The naive forecast of the same samples, in the target's layout: the last value seen, repeated.
    public func fillNaivePrediction(rows: UnsafeBufferPointer<Int>, prediction p: UnsafeMutablePointer<Float>) {
        let B = rows.count, T = config.window, H = config.horizon, S = config.stepsPerSeries
        series.withUnsafeBufferPointer { data in
            for (b, row) in rows.enumerated() {
                let s = data.baseAddress! + row * S
                switch config.target {
                case .next: p[b] = s[T - 1]
                case .vector: for k in 0..<H { p[b * H + k] = s[T - 1] }
                case .sequence:
                    for t in 0..<T { for k in 0..<H { p[(t * B + b) * H + k] = s[t] } }
                }
            }
        }
    }
}
