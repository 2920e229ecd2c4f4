import SeqTrainCore

/// `Dropout`: in training, each value is kept with probability 1 − rate and divided by 1 − rate, or set
/// to 0 (Keras's inverted dropout); in evaluation and forecasting the input passes unchanged.
///
/// The masks come from the run's seed: each shard of each batch draws from its own stream (seed,
/// epoch, batch, shard, layer), so runs stay byte-identical on any thread count and on resume.
public struct DropoutConfig: LayerConfig {
    /// The fraction of values dropped, in [0, 1).
    public var rate: Double

    /// Creates the options.
    public init(rate: Double) { self.rate = rate }

    public static let typeName = "Dropout"
    public static let instanceName = "dropout"
    public static let optionKeys: [String]? = ["rate"]

    public static func parse(_ options: inout LayerOptions) -> DropoutConfig? {
        guard options.node("rate") != nil else {
            options.error(options.typeNode, "\(options.path) needs rate", suggestion: "write e.g. Dropout: {rate: 0.2}")
            return nil
        }
        return options.double("rate", default: 0, requirement: "at least 0 and below 1") { $0 >= 0 && $0 < 1 }
            .map(DropoutConfig.init)
    }

    public var options: [(key: String, value: String)] { [("rate", "\(rate)")] }

    public func outputShape(for input: TensorShape, previous: String) throws -> TensorShape { input }

    public func makeLayer(inputShape: TensorShape, name: String, maxBatch: Int) -> any Layer {
        Dropout(self, inputShape: inputShape, name: name, maxBatch: maxBatch)
    }
}

/// The Dropout layer. It keeps the mask of the last training pass for backward.
public final class Dropout: Layer {
    public let name: String
    public let typeName = DropoutConfig.typeName
    public let inputShape: TensorShape
    public var outputShape: TensorShape { inputShape }
    public let parameters: [ParameterSpec] = []
    /// The probability of keeping a value, 1 − rate, in float32 as the scale Keras divides by.
    let keep: Float
    let rate: Double
    /// The stream of the current training pass; nil in inference.
    private var random: SplitMixRandom?
    /// 1 where the last training pass kept the value, 0 where it dropped it.
    private let mask: FloatBuffer

    /// A Dropout layer on `inputShape`, for batches of up to `maxBatch`.
    public init(_ config: DropoutConfig, inputShape: TensorShape, name: String, maxBatch: Int) {
        self.name = name
        self.inputShape = inputShape
        rate = config.rate
        keep = Float(1 - config.rate)
        mask = FloatBuffer(count: maxBatch * inputShape.count)
    }

    /// A multiply per value each way.
    public func flops(inputGradient: Bool) -> FlopCount {
        FlopCount(forward: Double(inputShape.count), backward: inputGradient ? Double(inputShape.count) : 0)
    }

    public func initialize(_ params: UnsafeMutablePointer<Float>, random: inout SplitMixRandom) {}

    public func setMode(_ mode: ForwardMode, index: Int) {
        if case .training(let step) = mode, rate > 0 { random = step.random(purpose: "dropout", layer: index) } else { random = nil }
    }

    public func forward(_ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, _ params: UnsafePointer<Float>, batch: Int) {
        let count = batch * inputShape.count
        guard var random else {
            out.update(from: inp, count: count)
            return
        }
        // A copy of the pass's stream: forward may run again in the same pass (gradient checks) with the same mask.
        let m = mask.pointer
        for i in 0..<count {
            let kept = random.nextDouble() >= rate
            m[i] = kept ? 1 : 0
            out[i] = kept ? inp[i] / keep : 0
        }
    }

    public func backward(_ dinp: UnsafeMutablePointer<Float>?, _ dparams: UnsafeMutablePointer<Float>,
                         _ dout: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, _ out: UnsafePointer<Float>,
                         _ params: UnsafePointer<Float>, batch: Int) {
        guard let dinp else { return }
        let count = batch * inputShape.count
        guard random != nil else {
            dinp.update(from: dout, count: count)
            return
        }
        let m = mask.pointer
        for i in 0..<count { dinp[i] = m[i] != 0 ? dout[i] / keep : 0 }
    }
}

extension DropoutConfig {
    /// The options described for the JSON Schema and `seqtrain help config`.
    public static let optionSchema: [OptionSpec] = [
        OptionSpec("rate", .number, required: true, minimum: 0, maximum: 1, exclusiveMaximum: true, "The fraction of inputs set to zero during training."),
    ]
}
