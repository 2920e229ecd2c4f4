import SeqTrainCore

/// How Conv1D pads the sequence, by Keras's names.
public enum Conv1DPadding: String, CaseIterable, Equatable, Sendable {
    /// No padding: only windows that fit, `⌊(T − e)/s⌋ + 1` steps (e = dilation_rate·(kernel_size − 1) + 1).
    case valid
    /// e − 1 zeros on the left only, so step j never sees a later input: `⌈T/s⌉` steps.
    case causal
    /// `⌈T/s⌉` steps, the padding split with the odd zero on the right (XLA's SAME).
    case same
}

/// `Conv1D`: `y[j, o] = act(bias[o] + Σ_{m, f} x[j·s + m·d − pad, f] · kernel[m, f, o])` over a zero-padded
/// sequence (a cross-correlation, as in Keras), with Keras's options and weights `kernel [kernel_size, F, filters]`,
/// `bias [filters]`.
public struct Conv1DConfig: LayerConfig {
    /// Output features per step.
    public var filters: Int
    /// Steps each window spans before dilation.
    public var kernelSize: Int
    /// Steps between consecutive windows.
    public var strides: Int
    /// Where zeros are added.
    public var padding: Conv1DPadding
    /// Steps between the taps of a window.
    public var dilationRate: Int
    /// Applied to the output; linear by default.
    public var activation: Activation
    /// Whether the layer has a bias.
    public var useBias: Bool

    /// Creates the options; defaults are Keras's.
    public init(filters: Int, kernelSize: Int, strides: Int = 1, padding: Conv1DPadding = .valid, dilationRate: Int = 1,
                activation: Activation = .linear, useBias: Bool = true) {
        self.filters = filters
        self.kernelSize = kernelSize
        self.strides = strides
        self.padding = padding
        self.dilationRate = dilationRate
        self.activation = activation
        self.useBias = useBias
    }

    public static let typeName = "Conv1D"
    public static let instanceName = "conv1d"
    public static let optionKeys: [String]? = ["filters", "kernel_size", "strides", "padding", "dilation_rate", "activation", "use_bias"]

    public static func parse(_ options: inout LayerOptions) -> Conv1DConfig? {
        guard let filters = options.int("filters", in: 1...4096, example: "20"),
              let kernelSize = options.int("kernel_size", in: 1...1024, example: "4"),
              let strides = options.int("strides", in: 1...1024, default: 1),
              let padding = options.choice("padding", default: Conv1DPadding.valid),
              let dilationRate = options.int("dilation_rate", in: 1...1024, default: 1),
              let activation = options.choice("activation", default: Activation.linear),
              let useBias = options.bool("use_bias", default: true) else { return nil }
        if strides > 1 && dilationRate > 1 {
            // Keras refuses this combination too.
            options.error(options.node("dilation_rate"), "\(options.path): Conv1D cannot combine strides (\(strides)) with "
                + "dilation_rate (\(dilationRate)); Keras refuses it too", suggestion: "set strides: 1 or dilation_rate: 1")
            return nil
        }
        return Conv1DConfig(filters: filters, kernelSize: kernelSize, strides: strides, padding: padding, dilationRate: dilationRate,
                            activation: activation, useBias: useBias)
    }

    public var options: [(key: String, value: String)] {
        [("filters", "\(filters)"), ("kernel_size", "\(kernelSize)"), ("strides", "\(strides)"), ("padding", padding.rawValue),
         ("dilation_rate", "\(dilationRate)"), ("activation", activation.rawValue), ("use_bias", "\(useBias)")]
    }

    /// Steps one window spans, dilation included: e = dilation_rate·(kernel_size − 1) + 1.
    public var effectiveKernelSize: Int { dilationRate * (kernelSize - 1) + 1 }

    /// Output steps and left padding for `steps` input steps (output steps below 1 when a valid window does not fit).
    public func geometry(steps T: Int) -> (outputSteps: Int, padLeft: Int) {
        let e = effectiveKernelSize, s = strides
        switch padding {
        case .valid: return (T >= e ? (T - e) / s + 1 : 0, 0)
        case .causal: return ((T - 1) / s + 1, e - 1)
        case .same:
            let out = (T - 1) / s + 1
            return (out, max((out - 1) * s + e - T, 0) / 2)
        }
    }

    public func outputShape(for input: TensorShape, previous: String) throws -> TensorShape {
        guard case .sequence(let steps, _) = input else {
            throw ShapeError(message: "Conv1D reads a sequence [batch, steps, features], but \(previous) outputs \(input)",
                             suggestion: previous.hasPrefix("each step of") ? "use Conv1D directly, not inside TimeDistributed"
                                 : "set return_sequences: true on \(previous)")
        }
        let out = geometry(steps: steps).outputSteps
        guard out >= 1 else {
            throw ShapeError(message: "Conv1D with kernel_size \(kernelSize) and dilation_rate \(dilationRate) spans "
                + "\(effectiveKernelSize) steps, but \(previous) outputs only \(steps) (padding valid adds none)",
                             suggestion: "use padding: causal or same, a smaller kernel_size, or a longer data.window")
        }
        return .sequence(steps: out, features: filters)
    }

    /// Output step j sees input steps j·s − pad … j·s − pad + e − 1; the last that exists is its target's step.
    public func lastInputSteps(for input: TensorShape) -> [Int]? {
        guard case .sequence(let steps, _) = input else { return nil }
        let (out, padLeft) = geometry(steps: steps)
        return (0..<max(out, 0)).map { min(steps - 1, $0 * strides - padLeft + effectiveKernelSize - 1) }
    }

    public func makeLayer(inputShape: TensorShape, name: String, maxBatch: Int) -> any Layer {
        Conv1D(self, inputShape: inputShape, name: name, maxBatch: maxBatch)
    }

    public func withUnits(_ units: Int) -> (any LayerConfig)? {
        var copy = self
        copy.filters = units
        return copy
    }
}

/// The Conv1D layer on time-major batches, every product a matrix product. With stride 1, tap m of
/// the kernel reads the input shifted by `m·d − pad` steps, and a run of consecutive steps is one
/// contiguous block of rows, so the output is a sum of K products `x_shifted [·, F] · kernel_m [F, C]`
/// (and backward the same per tap). With a larger stride each output step's windows are first copied
/// into the rows of `windows` (im2col, zeros in the padding), making one product `[T'·B, K·F] · [K·F, C]`.
/// Dims: T, T' input and output steps, B batch, F input features, K kernel size, C filters.
public final class Conv1D: Layer {
    public let name: String
    public let typeName = Conv1DConfig.typeName
    public let inputShape: TensorShape
    public let outputShape: TensorShape
    public let parameters: [ParameterSpec]
    let config: Conv1DConfig
    let T: Int, outSteps: Int, F: Int, K: Int, C: Int, padLeft: Int
    /// Stride 1: one product per tap on shifted rows, no window copies.
    let byTap: Bool
    /// Strided: each output step's windows `[T'][B][K·F]`, and their gradients.
    private let windows: FloatBuffer, dWindows: FloatBuffer
    /// The kernel transposed per tap `[K][C, F]` (by tap), or whole `[C, K·F]` (strided), made once per backward pass.
    private let kernelT: FloatBuffer

    /// A Conv1D layer on a sequence input, for batches of up to `maxBatch`.
    public init(_ config: Conv1DConfig, inputShape: TensorShape, name: String, maxBatch: Int) {
        guard case .sequence(let steps, let features) = inputShape else {
            preconditionFailure("Conv1D needs a sequence input; the config parser checks this")
        }
        self.config = config
        self.name = name
        self.inputShape = inputShape
        (T, F, K, C) = (steps, features, config.kernelSize, config.filters)
        (outSteps, padLeft) = config.geometry(steps: steps)
        outputShape = .sequence(steps: outSteps, features: C)
        parameters = [ParameterSpec(name: "kernel", shape: [K, F, C])] + (config.useBias ? [ParameterSpec(name: "bias", shape: [C])] : [])
        byTap = config.strides == 1
        windows = FloatBuffer(count: byTap ? 0 : outSteps * maxBatch * K * F)
        dWindows = FloatBuffer(count: byTap ? 0 : outSteps * maxBatch * K * F)
        kernelT = FloatBuffer(count: C * K * F)
    }

    /// One product forward; the weight (and input) gradient products backward.
    public func flops(inputGradient: Bool) -> FlopCount {
        let product = 2 * Double(outSteps * K * F * C)
        let bias = config.useBias ? Double(outSteps * C) : 0
        return FlopCount(forward: product + bias, backward: product * (inputGradient ? 2 : 1) + bias)
    }

    public func initialize(_ params: UnsafeMutablePointer<Float>, random: inout SplitMixRandom) {
        // Keras's glorot_uniform on a [K, F, C] kernel: fan_in = K·F, fan_out = K·C.
        let limit = (6.0 / Double(K * F + K * C)).squareRoot()
        for i in 0..<(K * F * C) { params[i] = Float(limit * (2 * random.nextDouble() - 1)) }
        if config.useBias { Initializers.zeros(params + K * F * C, count: C) }
    }

    /// The input step that tap m of output step j reads, or nil in the padding.
    @inline(__always)
    private func source(_ j: Int, _ m: Int) -> Int? {
        let step = j * config.strides + m * config.dilationRate - padLeft
        return step >= 0 && step < T ? step : nil
    }

    /// Stride 1: tap m shifts the input by `shift` steps; output steps `steps` have their input inside the sequence.
    @inline(__always)
    private func tap(_ m: Int) -> (shift: Int, steps: Range<Int>) {
        let shift = m * config.dilationRate - padLeft
        return (shift, max(0, -shift)..<max(max(0, -shift), min(outSteps, T - shift)))
    }

    public func forward(_ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, _ params: UnsafePointer<Float>, batch B: Int) {
        let width = K * F, rows = outSteps * B
        if byTap {
            // A tap that reads an input step for every output step writes first; the others add.
            func add(_ m: Int, accumulate: Bool) {
                let (shift, steps) = tap(m)
                guard !steps.isEmpty else { return }
                Gemm.nn(steps.count * B, C, F, inp + (steps.lowerBound + shift) * B * F, params + m * F * C,
                        out + steps.lowerBound * B * C, accumulate: accumulate)
            }
            let first = (0..<K).first { tap($0).steps.count == outSteps }
            if let first { add(first, accumulate: false) } else { out.update(repeating: 0, count: rows * C) }
            for m in 0..<K where m != first { add(m, accumulate: true) }
        } else {
            let w = windows.pointer
            for j in 0..<outSteps {
                for m in 0..<K {
                    let step = source(j, m)
                    for b in 0..<B {
                        let row = w + (j * B + b) * width + m * F
                        if let step { row.update(from: inp + (step * B + b) * F, count: F) } else { row.update(repeating: 0, count: F) }
                    }
                }
            }
            Gemm.nn(rows, C, width, w, params, out, accumulate: false)
        }
        if config.useBias { Gemm.addRows(rows, C, out, params + width * C) }
        config.activation.apply(out, count: rows * C)
    }

    public func backward(_ dinp: UnsafeMutablePointer<Float>?, _ dparams: UnsafeMutablePointer<Float>,
                         _ dout: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, _ out: UnsafePointer<Float>,
                         _ params: UnsafePointer<Float>, batch B: Int) {
        let width = K * F, rows = outSteps * B
        config.activation.backward(dout, output: out, count: rows * C)  // dout becomes dL/d(pre-activation)
        if config.useBias { Gemm.columnSums(rows, C, dout, dparams + width * C, accumulate: false) }
        if byTap {
            for m in 0..<K {  // dkernel_m = x_shiftedᵀ · dout, over the steps the tap reads
                let (shift, steps) = tap(m)
                Gemm.tn(F, C, steps.count * B, inp + (steps.lowerBound + shift) * B * F, dout + steps.lowerBound * B * C,
                        dparams + m * F * C, accumulate: false)
            }
            guard let dinp else { return }
            // dx_shifted += dout · kernel_mᵀ; a tap that reaches every input step writes first.
            func add(_ m: Int, accumulate: Bool) {
                let (shift, steps) = tap(m)
                guard !steps.isEmpty else { return }
                Gemm.transpose(F, C, params + m * F * C, kernelT.pointer + m * C * F)
                Gemm.nn(steps.count * B, F, C, dout + steps.lowerBound * B * C, kernelT.pointer + m * C * F,
                        dinp + (steps.lowerBound + shift) * B * F, accumulate: accumulate)
            }
            let first = (0..<K).first { tap($0).steps.count == T && tap($0).steps.lowerBound + tap($0).shift == 0 }
            if let first { add(first, accumulate: false) } else { dinp.update(repeating: 0, count: T * B * F) }
            for m in 0..<K where m != first { add(m, accumulate: true) }
            return
        }
        Gemm.tn(width, C, rows, windows.pointer, dout, dparams, accumulate: false)  // dkernel = windowsᵀ · dout
        guard let dinp else { return }
        Gemm.transpose(width, C, params, kernelT.pointer)
        let dw = dWindows.pointer
        Gemm.nn(rows, width, C, dout, kernelT.pointer, dw, accumulate: false)  // dwindows = dout · kernelᵀ
        dinp.update(repeating: 0, count: T * B * F)
        for j in 0..<outSteps {
            for m in 0..<K {
                guard let step = source(j, m) else { continue }
                for b in 0..<B {
                    let from = dw + (j * B + b) * width + m * F, to = dinp + (step * B + b) * F
                    for f in 0..<F { to[f] += from[f] }
                }
            }
        }
    }
}

extension Conv1DConfig {
    /// The options described for the JSON Schema and `seqtrain help config`.
    public static let optionSchema: [OptionSpec] = [
        .int("filters", in: 1...4096, "The number of filters (output channels)."),
        .int("kernel_size", in: 1...1024, "The width of the window each filter sees, in time steps."),
        .int("strides", in: 1...1024, default: 1, "The step between windows (shortens the sequence)."),
        .choice("padding", Conv1DPadding.allCases.map(\.rawValue), default: "valid", "valid: only whole windows; same: pad both ends; causal: pad the start only, so that the output keeps every step and never sees the future."),
        .int("dilation_rate", in: 1...1024, default: 1, "The spacing between the steps a window sees (WaveNet)."),
        .choice("activation", Activation.allCases.map(\.rawValue), default: "linear", "The activation of the output."),
        .bool("use_bias", default: true, "Whether the layer adds a bias vector."),
    ]
}
