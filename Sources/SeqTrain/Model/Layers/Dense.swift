/// `Dense`: `y = activation(x · kernel + bias)` on the last axis, so on a sequence it acts at every
/// step (which is also what `TimeDistributed(Dense)` does).
public final class Dense: Layer {
    public let name: String
    public let typeName: String
    public let inputShape: TensorShape
    public let outputShape: TensorShape
    public let parameters: [ParameterSpec]
    let config: DenseConfig
    /// F: input features; U: units.
    let F: Int, U: Int
    /// Rows a sample contributes (steps for a sequence, 1 for a vector).
    let rowsPerSample: Int
    /// The kernel transposed `[U, F]`, made once per backward pass.
    private let kernelT: FloatBuffer

    /// A Dense layer (or, with `typeName: "TimeDistributed"`, its time-distributed form) on `inputShape`.
    public init(_ config: DenseConfig, inputShape: TensorShape, name: String, typeName: String = "Dense") {
        self.config = config
        self.name = name
        self.typeName = typeName
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

    public func initialize(_ params: UnsafeMutablePointer<Float>, random: inout SplitMixRandom) {
        Initializers.glorotUniform(params, fanIn: F, fanOut: U, random: &random)
        if config.useBias { (params + F * U).update(repeating: 0, count: U) }
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
