import SeqTrainCore

/// `Dense`: `y = activation(x · kernel + bias)` on the last axis, so on a sequence it acts at every
/// step (which is also what `TimeDistributed(Dense)` does).
public struct DenseConfig: LayerConfig {
    /// Output size.
    public var units: Int
    /// Applied to the output; linear by default.
    public var activation: Activation
    /// Whether the layer has a bias.
    public var useBias: Bool

    /// Creates the options; defaults are Keras's.
    public init(units: Int, activation: Activation = .linear, useBias: Bool = true) {
        self.units = units
        self.activation = activation
        self.useBias = useBias
    }

    public static let typeName = "Dense"
    public static let instanceName = "dense"
    public static let optionKeys: [String]? = ["units", "activation", "use_bias"]

    public static func parse(_ options: inout LayerOptions) -> DenseConfig? {
        guard let units = options.int("units", in: 1...4096, example: "20"),
              let activation = options.choice("activation", default: Activation.linear),
              let useBias = options.bool("use_bias", default: true) else { return nil }
        return DenseConfig(units: units, activation: activation, useBias: useBias)
    }

    public var options: [(key: String, value: String)] {
        [("units", "\(units)"), ("activation", activation.rawValue), ("use_bias", "\(useBias)")]
    }

    public func outputShape(for input: TensorShape, previous: String) throws -> TensorShape {
        switch input {
        case .sequence(let steps, _): return .sequence(steps: steps, features: units)
        case .vector: return .vector(units)
        }
    }

    public func makeLayer(inputShape: TensorShape, name: String, maxBatch: Int) -> any Layer {
        Dense(self, inputShape: inputShape, name: name)
    }
}

/// The Dense layer on one input shape. Dims: F input features, U units, rows = samples × steps.
public final class Dense: Layer {
    public let name: String
    public let typeName = DenseConfig.typeName
    public let inputShape: TensorShape
    public let outputShape: TensorShape
    public let parameters: [ParameterSpec]
    let config: DenseConfig
    let F: Int, U: Int
    /// Rows a sample contributes (steps for a sequence, 1 for a vector).
    let rowsPerSample: Int
    /// The kernel transposed `[U, F]`, made once per backward pass.
    private let kernelT: FloatBuffer

    /// A Dense layer on `inputShape`.
    public init(_ config: DenseConfig, inputShape: TensorShape, name: String) {
        self.config = config
        self.name = name
        self.inputShape = inputShape
        F = inputShape.features
        U = config.units
        switch inputShape {
        case .sequence(let steps, _):
            rowsPerSample = steps
            outputShape = .sequence(steps: steps, features: U)
        case .vector:
            rowsPerSample = 1
            outputShape = .vector(U)
        }
        var specs = [ParameterSpec(name: "kernel", shape: [F, U])]
        if config.useBias { specs.append(ParameterSpec(name: "bias", shape: [U])) }
        parameters = specs
        kernelT = FloatBuffer(count: U * F)
    }

    /// One product forward; the weight (and input) gradient products backward.
    public func flops(inputGradient: Bool) -> FlopCount {
        let product = 2 * Double(rowsPerSample * F * U)
        let bias = config.useBias ? Double(rowsPerSample * U) : 0
        return FlopCount(forward: product + bias, backward: product * (inputGradient ? 2 : 1) + bias)
    }

    public func initialize(_ params: UnsafeMutablePointer<Float>, random: inout SplitMixRandom) {
        Initializers.glorotUniform(params, fanIn: F, fanOut: U, random: &random)
        if config.useBias { Initializers.zeros(params + F * U, count: U) }
    }

    public func forward(_ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, _ params: UnsafePointer<Float>, batch: Int) {
        // Time-major [T][B][F] and row-major [B][F] are both plain [rows, F] matrices here.
        let rows = rowsPerSample * batch
        Gemm.nn(rows, U, F, inp, params, out, accumulate: false)
        if config.useBias { Gemm.addRows(rows, U, out, params + F * U) }
        config.activation.apply(out, count: rows * U)
    }

    public func backward(_ dinp: UnsafeMutablePointer<Float>?, _ dparams: UnsafeMutablePointer<Float>,
                         _ dout: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, _ out: UnsafePointer<Float>,
                         _ params: UnsafePointer<Float>, batch: Int) {
        let rows = rowsPerSample * batch
        config.activation.backward(dout, output: out, count: rows * U)  // dout becomes dZ
        Gemm.tn(F, U, rows, inp, dout, dparams, accumulate: false)      // dkernel = Xᵀ · dZ
        if config.useBias { Gemm.columnSums(rows, U, dout, dparams + F * U, accumulate: false) }
        if let dinp {
            Gemm.transpose(F, U, params, kernelT.pointer)
            Gemm.nn(rows, F, U, dout, kernelT.pointer, dinp, accumulate: false)  // dX = dZ · kernelᵀ
        }
    }
}

extension DenseConfig {
    /// The options described for the JSON Schema and `seqtrain help config`.
    public static let optionSchema: [OptionSpec] = [
        .int("units", in: 1...4096, "The number of units (the output width)."),
        .choice("activation", Activation.allCases.map(\.rawValue), default: "linear", "The activation of the output."),
        .bool("use_bias", default: true, "Whether the layer adds a bias vector."),
    ]
}
