import CKernels
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

/// The Conv1D layer. With stride 1 it computes on step-feature-major batches `[T][F][B]`, the batch
/// along the vector lanes, so that the forward and input-gradient multiply-adds fill all lanes whatever
/// the filter count (see conv1d.c); it reads and writes that layout directly when its neighbours do too
/// (a WaveNet stack), and transposes from and to time-major `[T][B][F]` otherwise. Every sum keeps the
/// order of the time-major products, so the values are the same bits either way. With a larger stride
/// each output step's windows are first copied into the rows of `windows` (im2col, zeros in the
/// padding), making one time-major product `[T'·B, K·F] · [K·F, C]`.
/// Dims: T, T' input and output steps, B batch, F input features, K kernel size, C filters.
public final class Conv1D: Layer {
    public let name: String
    public let typeName = Conv1DConfig.typeName
    public let inputShape: TensorShape
    public let outputShape: TensorShape
    public let parameters: [ParameterSpec]
    let config: Conv1DConfig
    let T: Int, outSteps: Int, F: Int, K: Int, C: Int, padLeft: Int
    let maxBatch: Int
    /// Stride 1: the feature-major products of conv1d.c.
    let byTap: Bool
    private var inputLayout = SequenceLayout.timeMajor, outputLayout = SequenceLayout.timeMajor
    private var copiesSized = false
    /// Samples the gradient copies hold: sized by the first backward pass, whose (training) batches are
    /// smaller than the evaluation batches `maxBatch` allows for.
    private var gradientBatch = 0
    /// Whether the gradient copies serve an input gradient too (not in a first layer).
    private var gradientCopiesForInput = false
    /// The input, output and input gradient feature-major where the neighbours pass them time-major, and
    /// the output gradient in the layout it did not arrive in (the weight gradient reads it time-major,
    /// the input gradient feature-major). Empty where not needed.
    private var inputFM = FloatBuffer(count: 0), outputFM = FloatBuffer(count: 0), inputGradientFM = FloatBuffer(count: 0)
    private var outputGradientCopy = FloatBuffer(count: 0)
    /// Per tap m, the input step that output step i reads is i + shifts[m]; backward, the reverse.
    private let shifts: UnsafeMutablePointer<Int>, reverseShifts: UnsafeMutablePointer<Int>
    /// The taps in the order their products are summed, forward and for the input gradient.
    private let forwardOrder: UnsafeMutablePointer<Int>, backwardOrder: UnsafeMutablePointer<Int>
    /// Strided: each output step's windows `[T'][B][K·F]`, and their gradients.
    private let windows: FloatBuffer, dWindows: FloatBuffer
    /// The kernel transposed, per tap `[K][C, F]` (stride 1) or whole `[C, K·F]` (strided), made once per backward pass.
    private let kernelT: FloatBuffer

    /// A Conv1D layer on a sequence input, for batches of up to `maxBatch`.
    public init(_ config: Conv1DConfig, inputShape: TensorShape, name: String, maxBatch: Int) {
        guard case .sequence(let steps, let features) = inputShape else {
            preconditionFailure("Conv1D needs a sequence input; the config parser checks this")
        }
        self.config = config
        self.name = name
        self.inputShape = inputShape
        self.maxBatch = maxBatch
        (T, F, K, C) = (steps, features, config.kernelSize, config.filters)
        (outSteps, padLeft) = config.geometry(steps: steps)
        outputShape = .sequence(steps: outSteps, features: C)
        parameters = [ParameterSpec(name: "kernel", shape: [K, F, C])] + (config.useBias ? [ParameterSpec(name: "bias", shape: [C])] : [])
        byTap = config.strides == 1
        windows = FloatBuffer(count: byTap ? 0 : outSteps * maxBatch * K * F)
        dWindows = FloatBuffer(count: byTap ? 0 : outSteps * maxBatch * K * F)
        kernelT = FloatBuffer(count: C * K * F)
        (shifts, reverseShifts) = (.allocate(capacity: K), .allocate(capacity: K))
        (forwardOrder, backwardOrder) = (.allocate(capacity: K), .allocate(capacity: K))
        for m in 0..<K {
            shifts[m] = m * config.dilationRate - padLeft
            reverseShifts[m] = -shifts[m]
        }
        // The order of a time-major product per tap: a tap that covers every step first (it wrote, the
        // others added), then the rest by index. Kept, so that forward values are the same bits.
        let (T, outSteps) = (T, outSteps)
        func covering(_ m: Int, _ shift: Int, _ from: Int, _ to: Int) -> Bool { (0..<to).allSatisfy { (0..<from).contains($0 + shift) } }
        let first = (0..<K).first { covering($0, shifts[$0], T, outSteps) }
        let firstBack = (0..<K).first { covering($0, -shifts[$0], outSteps, T) }
        for (buffer, lead) in [(forwardOrder, first), (backwardOrder, firstBack)] {
            for (q, m) in ((lead.map { [$0] } ?? []) + (0..<K).filter { $0 != lead }).enumerated() { buffer[q] = m }
        }
    }

    deinit {
        for pointer in [shifts, reverseShifts, forwardOrder, backwardOrder] { pointer.deallocate() }
    }

    public var supportsFeatureMajor: Bool { byTap }

    public func useLayouts(input: SequenceLayout, output: SequenceLayout) {
        precondition(byTap || (input == .timeMajor && output == .timeMajor), "a strided Conv1D works time-major only")
        (inputLayout, outputLayout) = (input, output)
        (copiesSized, gradientBatch, gradientCopiesForInput) = (false, 0, false)
    }

    /// Sizes the feature-major copies for the layouts in use, at the first pass: the model sets the
    /// layouts after building the layer, and copies made for the default ones would raise peak memory.
    private func sizeCopies() {
        copiesSized = true
        // One feature per step is the same memory either way: no copy.
        let copyInput = inputLayout == .timeMajor && F > 1, copyOutput = outputLayout == .timeMajor && C > 1
        inputFM = FloatBuffer(count: copyInput ? T * maxBatch * F : 0)
        outputFM = FloatBuffer(count: copyOutput ? outSteps * maxBatch * C : 0)
    }

    /// Sizes the gradient copies for batches of `B` samples; without an input gradient (a first layer)
    /// only the time-major output gradient is needed, and only when it arrives feature-major.
    private func sizeGradientCopies(batch B: Int, inputGradient: Bool) {
        (gradientBatch, gradientCopiesForInput) = (B, inputGradient)
        inputGradientFM = FloatBuffer(count: inputGradient && inputLayout == .timeMajor && F > 1 ? T * B * F : 0)
        let copyOutputGradient = C > 1 && (inputGradient || outputLayout == .featureMajor)
        outputGradientCopy = FloatBuffer(count: copyOutputGradient ? outSteps * B * C : 0)
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

    /// The products' geometry for `B` samples: forward (and weight gradient) or, `reverse`, input gradient.
    private func geometry(batch B: Int, reverse: Bool = false) -> st_conv_geometry {
        reverse
            ? st_conv_geometry(steps_in: outSteps, steps_out: T, batch: B, in_dim: C, out_dim: F, taps: K, shift: reverseShifts,
                               order: backwardOrder, w_tap: F * C, w_in: F)  // on kernelT
            : st_conv_geometry(steps_in: T, steps_out: outSteps, batch: B, in_dim: F, out_dim: C, taps: K, shift: shifts,
                               order: forwardOrder, w_tap: F * C, w_in: C)
    }

    public func forward(_ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, _ params: UnsafePointer<Float>, batch B: Int) {
        guard byTap else { return forwardStrided(out, inp, params, batch: B) }
        if !copiesSized { sizeCopies() }
        var x = inp
        if inputFM.count > 0 {
            st_transpose_steps(T, B, F, inp, inputFM.pointer)
            x = UnsafePointer(inputFM.pointer)
        }
        let y = outputFM.count > 0 ? outputFM.pointer : out
        var g = geometry(batch: B)
        let relu = config.activation == .relu
        st_conv_apply(&g, x, params, config.useBias ? params + K * F * C : nil, relu ? 1 : 0, y)
        if !relu { config.activation.apply(y, count: outSteps * B * C) }
        if outputFM.count > 0 { st_transpose_steps(outSteps, C, B, y, out) }
    }

    public func backward(_ dinp: UnsafeMutablePointer<Float>?, _ dparams: UnsafeMutablePointer<Float>,
                         _ dout: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, _ out: UnsafePointer<Float>,
                         _ params: UnsafePointer<Float>, batch B: Int) {
        guard byTap else { return backwardStrided(dinp, dparams, dout, inp, out, params, batch: B) }
        if !copiesSized { sizeCopies() }
        let forInput = gradientCopiesForInput || dinp != nil
        if B > gradientBatch || forInput != gradientCopiesForInput { sizeGradientCopies(batch: max(B, gradientBatch), inputGradient: forInput) }
        config.activation.backward(dout, output: out, count: outSteps * B * C)  // dout becomes dL/d(pre-activation)
        // The output gradient both ways, one of them a copy (one filter is the same memory either way):
        // time-major for the bias and weight gradients, feature-major for the input gradient.
        let copy = outputGradientCopy.count > 0 ? outputGradientCopy.pointer : nil
        var dyTM = UnsafePointer(dout)
        if let copy, outputLayout == .featureMajor {
            st_transpose_steps(outSteps, C, B, dout, copy)
            dyTM = UnsafePointer(copy)
        }
        var g = geometry(batch: B)
        st_conv_weight_gradient(&g, inputFM.count > 0 ? UnsafePointer(inputFM.pointer) : inp, dyTM, dparams,
                                config.useBias ? dparams + K * F * C : nil)
        guard let dinp else { return }
        var dyFM = UnsafePointer(dout)
        if let copy, outputLayout == .timeMajor {
            st_transpose_steps(outSteps, B, C, dout, copy)
            dyFM = UnsafePointer(copy)
        }
        st_transpose_steps(K, F, C, params, kernelT.pointer)  // each tap's [C, F]
        var back = geometry(batch: B, reverse: true)
        st_conv_apply(&back, dyFM, kernelT.pointer, nil, 0, inputGradientFM.count > 0 ? inputGradientFM.pointer : dinp)
        if inputGradientFM.count > 0 { st_transpose_steps(T, F, B, inputGradientFM.pointer, dinp) }
    }

    /// The input step that tap m of output step j reads, or nil in the padding.
    @inline(__always)
    private func source(_ j: Int, _ m: Int) -> Int? {
        let step = j * config.strides + m * config.dilationRate - padLeft
        return step >= 0 && step < T ? step : nil
    }

    private func forwardStrided(_ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, _ params: UnsafePointer<Float>, batch B: Int) {
        let width = K * F, rows = outSteps * B
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
        if config.useBias { Gemm.addRows(rows, C, out, params + width * C) }
        config.activation.apply(out, count: rows * C)
    }

    private func backwardStrided(_ dinp: UnsafeMutablePointer<Float>?, _ dparams: UnsafeMutablePointer<Float>,
                                 _ dout: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, _ out: UnsafePointer<Float>,
                                 _ params: UnsafePointer<Float>, batch B: Int) {
        let width = K * F, rows = outSteps * B
        config.activation.backward(dout, output: out, count: rows * C)  // dout becomes dL/d(pre-activation)
        if config.useBias { Gemm.columnSums(rows, C, dout, dparams + width * C, accumulate: false) }
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
