/// `SimpleRNN`: `h_t = activation(x_t · kernel + h_{t-1} · recurrent_kernel + bias)`, h_{-1} = 0.
///
/// Forward computes the input projection of every step as one matrix product, then walks the
/// steps adding the recurrent term. Backward (BPTT) walks the steps in reverse carrying dh, keeping
/// each step's pre-activation gradient dZ; the weight gradients are then single matrix products
/// over all steps.
public final class SimpleRNN: Layer {
    public let name: String
    public let typeName = "SimpleRNN"
    public let inputShape: TensorShape
    public let outputShape: TensorShape
    public let parameters: [ParameterSpec]
    let config: SimpleRNNConfig
    /// T: steps; F: input features; U: units.
    let T: Int, F: Int, U: Int
    /// Every step's state `[T][B][U]`, kept for backward when only the last step is output.
    private let states: FloatBuffer?
    /// Pre-activation gradients of every step `[T][B][U]`.
    private let dZ: FloatBuffer
    /// The state gradient carried to the previous step `[B][U]`.
    private let dh: FloatBuffer
    /// The kernels transposed (`[U, F]` and `[U, U]`), made once per backward pass.
    private let kernelT: FloatBuffer, recurrentT: FloatBuffer

    /// A SimpleRNN on a sequence input, sized for batches of up to `maxBatch`.
    public init(_ config: SimpleRNNConfig, inputShape: TensorShape, name: String, maxBatch: Int) {
        guard case .sequence(let steps, let features) = inputShape else {
            preconditionFailure("SimpleRNN needs a sequence input; the config parser checks this")
        }
        self.config = config
        self.name = name
        self.inputShape = inputShape
        (T, F, U) = (steps, features, config.units)
        outputShape = config.returnSequences ? .sequence(steps: T, features: U) : .vector(U)
        var specs = [ParameterSpec(name: "kernel", shape: [F, U]), ParameterSpec(name: "recurrent_kernel", shape: [U, U])]
        if config.useBias { specs.append(ParameterSpec(name: "bias", shape: [U])) }
        parameters = specs
        states = config.returnSequences ? nil : FloatBuffer(count: T * maxBatch * U)
        dZ = FloatBuffer(count: T * maxBatch * U)
        dh = FloatBuffer(count: maxBatch * U)
        kernelT = FloatBuffer(count: U * F)
        recurrentT = FloatBuffer(count: U * U)
    }

    public func initialize(_ params: UnsafeMutablePointer<Float>, random: inout SplitMixRandom) {
        Initializers.glorotUniform(params, fanIn: F, fanOut: U, random: &random)
        Initializers.orthogonal(params + F * U, size: U, random: &random)
        if config.useBias { (params + F * U + U * U).update(repeating: 0, count: U) }
    }

    public func forward(_ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, _ params: UnsafePointer<Float>, batch B: Int) {
        let kernel = params, recurrent = params + F * U, bias = params + F * U + U * U
        let h = states?.pointer ?? out
        let step = B * U
        Gemm.nn(T * B, U, F, inp, kernel, h, accumulate: false)  // x_t · kernel for every t
        if config.useBias { Gemm.addRows(T * B, U, h, bias) }
        for t in 0..<T {
            let ht = h + t * step
            if t > 0 { Gemm.nn(B, U, U, ht - step, recurrent, ht, accumulate: true) }
            config.activation.apply(ht, count: step)
        }
        if states != nil { out.update(from: h + (T - 1) * step, count: step) }
    }

    public func backward(_ dinp: UnsafeMutablePointer<Float>?, _ dparams: UnsafeMutablePointer<Float>,
                         _ dout: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, _ out: UnsafePointer<Float>,
                         _ params: UnsafePointer<Float>, batch B: Int) {
        let kernel = params, recurrent = params + F * U
        let dkernel = dparams, drecurrent = dparams + F * U, dbias = dparams + F * U + U * U
        let h = UnsafePointer(states?.pointer) ?? out
        let dz = dZ.pointer, dh = dh.pointer
        let step = B * U
        Gemm.transpose(U, U, recurrent, recurrentT.pointer)
        // dh of the last step: from the output, which is the last step or every step.
        dh.update(from: config.returnSequences ? dout + (T - 1) * step : dout, count: step)
        for t in stride(from: T - 1, through: 0, by: -1) {
            let dzt = dz + t * step
            dzt.update(from: dh, count: step)
            config.activation.backward(dzt, output: h + t * step, count: step)
            guard t > 0 else { break }
            Gemm.nn(B, U, U, dzt, recurrentT.pointer, dh, accumulate: false)  // dh_{t-1} = dz_t · recurrent_kernelᵀ
            if config.returnSequences {
                let douts = dout + (t - 1) * step
                for i in 0..<step { dh[i] += douts[i] }
            }
        }
        Gemm.tn(F, U, T * B, inp, dz, dkernel, accumulate: false)                 // Σ_t x_tᵀ dz_t
        Gemm.tn(U, U, (T - 1) * B, h, dz + step, drecurrent, accumulate: false)  // Σ_t h_{t-1}ᵀ dz_t
        if config.useBias { Gemm.columnSums(T * B, U, dz, dbias, accumulate: false) }
        if let dinp {
            Gemm.transpose(F, U, kernel, kernelT.pointer)
            Gemm.nn(T * B, F, U, dz, kernelT.pointer, dinp, accumulate: false)  // dX = dZ · kernelᵀ
        }
    }
}
