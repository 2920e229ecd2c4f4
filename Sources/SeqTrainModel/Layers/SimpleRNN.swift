import SeqTrainCore

/// `SimpleRNN`: `h_t = activation(x_t · kernel + h_{t-1} · recurrent_kernel + bias)`, h_{-1} = 0.
public struct SimpleRNNConfig: LayerConfig {
    /// Size of the hidden state.
    public var units: Int
    /// Output every step `[N, T, units]` rather than the last `[N, units]`.
    public var returnSequences: Bool
    /// Applied to the new state; tanh by default.
    public var activation: Activation
    /// Whether the layer has a bias.
    public var useBias: Bool

    /// Creates the options; defaults are Keras's.
    public init(units: Int, returnSequences: Bool = false, activation: Activation = .tanh, useBias: Bool = true) {
        self.units = units
        self.returnSequences = returnSequences
        self.activation = activation
        self.useBias = useBias
    }

    public static let typeName = "SimpleRNN"
    public static let instanceName = "simple_rnn"
    public static let optionKeys: [String]? = ["units", "return_sequences", "activation", "use_bias"]

    public static func parse(_ options: inout LayerOptions) -> SimpleRNNConfig? {
        guard let units = options.int("units", in: 1...maxRecurrentUnits, example: "20"),
              let returnSequences = options.bool("return_sequences", default: false),
              let activation = options.choice("activation", default: Activation.tanh),
              let useBias = options.bool("use_bias", default: true) else { return nil }
        return SimpleRNNConfig(units: units, returnSequences: returnSequences, activation: activation, useBias: useBias)
    }

    public var options: [(key: String, value: String)] {
        [("units", "\(units)"), ("return_sequences", "\(returnSequences)"), ("activation", activation.rawValue), ("use_bias", "\(useBias)")]
    }

    public func outputShape(for input: TensorShape, previous: String) throws -> TensorShape {
        try recurrentOutputShape(Self.typeName, units: units, returnSequences: returnSequences, input: input, previous: previous)
    }

    public func makeLayer(inputShape: TensorShape, name: String, maxBatch: Int) -> any Layer {
        RecurrentLayer(cell: SimpleRNNCell(self), typeName: Self.typeName, returnSequences: returnSequences,
                       inputShape: inputShape, name: name, maxBatch: maxBatch)
    }

    public func withUnits(_ units: Int) -> (any LayerConfig)? {
        var copy = self
        copy.units = units
        return copy
    }
}

/// SimpleRNN's step: the recurrent term added to the input projection, then the activation.
public final class SimpleRNNCell: RecurrentCell {
    let config: SimpleRNNConfig
    public var units: Int { config.units }
    public var gateWidth: Int { config.units }
    public var biasShape: [Int]? { config.useBias ? [config.units] : nil }
    public let separateRecurrentGradient = false
    public let hasDirectStatePath = false

    /// The cell of a SimpleRNN with these options.
    public init(_ config: SimpleRNNConfig) { self.config = config }

    public func allocate(steps: Int, maxBatch: Int) {}

    public func forward(step t: Int, z: UnsafeMutablePointer<Float>, hPrev: UnsafePointer<Float>?, h: UnsafeMutablePointer<Float>,
                        recurrentKernel: ReusedMatrix, bias: UnsafePointer<Float>?, batch B: Int) {
        let U = config.units
        if let hPrev { recurrentKernel.multiply(B, hPrev, into: z, accumulate: true) }
        h.update(from: z, count: B * U)
        config.activation.apply(h, count: B * U)
    }

    public func backward(step t: Int, dh: UnsafeMutablePointer<Float>, dz: UnsafeMutablePointer<Float>, dq: UnsafeMutablePointer<Float>,
                         z: UnsafePointer<Float>, h: UnsafePointer<Float>, hPrev: UnsafePointer<Float>?, batch B: Int) {
        let count = B * config.units
        dz.update(from: dh, count: count)
        config.activation.backward(dz, output: h, count: count)
    }
}

extension SimpleRNNConfig {
    /// The options described for the JSON Schema and `seqtrain help config`.
    public static let optionSchema: [OptionSpec] = [
        RecurrentOptionSchema.units,
        RecurrentOptionSchema.returnSequences,
        RecurrentOptionSchema.activation,
        RecurrentOptionSchema.useBias,
    ]
}
