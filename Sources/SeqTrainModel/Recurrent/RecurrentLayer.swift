import SeqTrainCore

/// What distinguishes one recurrent layer from another: one time step forward and backward.
///
/// The cell's weights are Keras's: `kernel [F, G]`, `recurrent_kernel [U, G]` and a bias whose first
/// `G` values are added to the input projection (G, the gate width, is U for a plain RNN, 4U for LSTM,
/// 3U for GRU). `RecurrentLayer` computes the input projection `z_t = x_t · kernel + bias` of every
/// step as one matrix product, walks the steps calling the cell, and after back-propagation through
/// time computes every weight gradient as one matrix product over all steps.
public protocol RecurrentCell: AnyObject {
    /// U: the size of the state.
    var units: Int { get }
    /// G: the width of the input projection.
    var gateWidth: Int { get }
    /// The bias's Keras shape (`[G]`, or `[2, G]` when the second row belongs to the recurrent
    /// projection); nil without a bias.
    var biasShape: [Int]? { get }
    /// Whether the gradient of the recurrent projection `h_{t-1} · recurrent_kernel` differs from that of
    /// the input projection (GRU with reset_after); when false the two are one buffer.
    var separateRecurrentGradient: Bool { get }
    /// Whether `dh_{t-1}` has a path besides the recurrent projection (GRU's `z · h_{t-1}`).
    var hasDirectStatePath: Bool { get }
    /// Sizes the cell's per-step caches for `steps` steps of up to `maxBatch` samples.
    func allocate(steps: Int, maxBatch: Int)
    /// Initial values of the bias (zeros unless the cell says otherwise, e.g. LSTM's forget gate).
    func initializeBias(_ bias: UnsafeMutablePointer<Float>)
    /// Step `t` forward: `z` `[B, G]` holds the input projection (the cell may overwrite it), `hPrev`
    /// the previous state (nil at t = 0); writes the state `h` `[B, U]`. `recurrentKernel` `[U, G]` is
    /// the same at every step of a batch.
    func forward(step t: Int, z: UnsafeMutablePointer<Float>, hPrev: UnsafePointer<Float>?, h: UnsafeMutablePointer<Float>,
                 recurrentKernel: ReusedMatrix, bias: UnsafePointer<Float>?, batch B: Int)
    /// Step `t` backward: from `dh` = dL/dh_t `[B, U]` (the cell may overwrite it) writes `dz` = dL/dz_t
    /// `[B, G]` and, when `separateRecurrentGradient`, `dq` = dL/d(recurrent projection) `[B, G]`.
    /// `z` is the step's `[B, G]` block as `forward` left it (e.g. the gates after their activations).
    func backward(step t: Int, dh: UnsafeMutablePointer<Float>, dz: UnsafeMutablePointer<Float>, dq: UnsafeMutablePointer<Float>,
                  z: UnsafePointer<Float>, h: UnsafePointer<Float>, hPrev: UnsafePointer<Float>?, batch B: Int)
    /// Adds the direct part of dL/dh_{t-1} (only called when `hasDirectStatePath`).
    func addDirectStateGradient(step t: Int, into dhPrev: UnsafeMutablePointer<Float>, batch B: Int)
    /// Whether the recurrent kernel multiplies something other than h_{t-1} (GRU with reset_after false
    /// multiplies part of it by r ⊙ h_{t-1}): then the cell computes dL/dh_{t-1} and the recurrent
    /// kernel's gradient itself, through the two methods below, instead of the driver's products.
    var ownsRecurrentGradient: Bool { get }
    /// Writes dL/dh_{t-1} `[B, U]` by every path, after `backward(step: t)` (t ≥ 1; only when `ownsRecurrentGradient`).
    func previousStateGradient(step t: Int, into dhPrev: UnsafeMutablePointer<Float>, batch B: Int)
    /// Writes the recurrent kernel's gradient `[U, G]` after the last backward step, from every step's
    /// state `h` `[T][B][U]` (only when `ownsRecurrentGradient`).
    func recurrentKernelGradient(_ drecurrent: UnsafeMutablePointer<Float>, states h: UnsafePointer<Float>, batch B: Int)
}

extension RecurrentCell {
    /// No bias of its own: zeros.
    public func initializeBias(_ bias: UnsafeMutablePointer<Float>) { Initializers.zeros(bias, count: biasShape?.reduce(1, *) ?? 0) }
    /// No direct path.
    public func addDirectStateGradient(step t: Int, into dhPrev: UnsafeMutablePointer<Float>, batch B: Int) {}
    /// The driver's products: the recurrent kernel multiplies h_{t-1}.
    public var ownsRecurrentGradient: Bool { false }
    /// Not called unless `ownsRecurrentGradient`.
    public func previousStateGradient(step t: Int, into dhPrev: UnsafeMutablePointer<Float>, batch B: Int) {}
    /// Not called unless `ownsRecurrentGradient`.
    public func recurrentKernelGradient(_ drecurrent: UnsafeMutablePointer<Float>, states h: UnsafePointer<Float>, batch B: Int) {}
}

/// The most units a recurrent layer (SimpleRNN, LSTM, GRU) takes. Its recurrent kernel is drawn
/// orthogonal by Gram-Schmidt, which costs gates·units³ and is a chain of dependent additions (it
/// must give the same bits every time): 1024 units take about 1 s (SimpleRNN) to 5 s (LSTM) on a
/// 2026 Xeon core, 2048 units 8 s to 39 s.
public let maxRecurrentUnits = 1024

/// The options SimpleRNN, LSTM and GRU share, described for the JSON Schema and `seqtrain help config`.
public enum RecurrentOptionSchema {
    /// `units`, bounded by `maxRecurrentUnits`.
    public static let units = OptionSpec.int("units", in: 1...maxRecurrentUnits,
        "The number of units (the output width); at most \(maxRecurrentUnits), since drawing the orthogonal recurrent kernel grows as units³.")
    /// `return_sequences`.
    public static let returnSequences = OptionSpec.bool("return_sequences", default: false, "Output every time step (true) or only the last one (false).")
    /// `activation`, tanh by default.
    public static let activation = OptionSpec.choice("activation", Activation.allCases.map(\.rawValue), default: "tanh", "The activation of the output.")
    /// `recurrent_activation` (LSTM and GRU), sigmoid by default.
    public static let recurrentActivation = OptionSpec.choice("recurrent_activation", Activation.allCases.map(\.rawValue), default: "sigmoid",
                                                              "The activation of the gates.")
    /// `use_bias`.
    public static let useBias = OptionSpec.bool("use_bias", default: true, "Whether the layer adds a bias vector.")
}

/// The output shape of a recurrent layer, or why its input is not a sequence.
public func recurrentOutputShape(_ typeName: String, units: Int, returnSequences: Bool, input: TensorShape,
                                 previous: String) throws -> TensorShape {
    guard case .sequence(let steps, _) = input else {
        throw ShapeError(
            message: "\(typeName) reads a sequence [batch, steps, features], but \(previous) outputs \(input): "
                + "a recurrent layer without return_sequences outputs only its last state",
            suggestion: "set return_sequences: true on \(previous)")
    }
    return returnSequences ? .sequence(steps: steps, features: units) : .vector(units)
}

/// The time loop and back-propagation through time, written once for every cell.
///
/// Dims: B batch, T steps, F input features, U units, G gate width. Sequences are time-major, so
/// step t of the batch is one contiguous `[B, ·]` block.
public final class RecurrentLayer<Cell: RecurrentCell>: Layer {
    public let name: String
    public let typeName: String
    public let inputShape: TensorShape
    public let outputShape: TensorShape
    public let parameters: [ParameterSpec]
    /// The cell.
    public let cell: Cell
    /// Output every step's state rather than the last.
    public let returnSequences: Bool
    let T: Int, F: Int, U: Int, G: Int
    /// Every step's input projection `[T][B][G]`.
    private let z: FloatBuffer
    /// Every step's state `[T][B][U]`, kept for backward when only the last step is output.
    private let states: FloatBuffer?
    /// dL/dz of every step `[T][B][G]`, and of the recurrent projection when the cell separates them.
    private let dZ: FloatBuffer, dQ: FloatBuffer?
    /// The state gradient carried to the previous step `[B][U]`.
    private let dh: FloatBuffer
    /// The kernels transposed (`[G, F]` and `[G, U]`), made once per backward pass.
    private let kernelT: FloatBuffer, recurrentT: FloatBuffer
    /// The recurrent kernel `[U, G]` and its transpose `[G, U]`, as every step's product reads them.
    private let recurrentKernel: ReusedMatrix, recurrentKernelT: ReusedMatrix

    /// A recurrent layer of `cell` on a sequence input, sized for batches of up to `maxBatch`.
    public init(cell: Cell, typeName: String, returnSequences: Bool, inputShape: TensorShape, name: String, maxBatch: Int) {
        guard case .sequence(let steps, let features) = inputShape else {
            preconditionFailure("\(typeName) needs a sequence input; the config parser checks this")
        }
        self.cell = cell
        self.typeName = typeName
        self.returnSequences = returnSequences
        self.name = name
        self.inputShape = inputShape
        (T, F, U, G) = (steps, features, cell.units, cell.gateWidth)
        outputShape = returnSequences ? .sequence(steps: T, features: U) : .vector(U)
        var specs = [ParameterSpec(name: "kernel", shape: [F, G]), ParameterSpec(name: "recurrent_kernel", shape: [U, G])]
        if let biasShape = cell.biasShape { specs.append(ParameterSpec(name: "bias", shape: biasShape)) }
        parameters = specs
        z = FloatBuffer(count: T * maxBatch * G)
        states = returnSequences ? nil : FloatBuffer(count: T * maxBatch * U)
        dZ = FloatBuffer(count: T * maxBatch * G)
        dQ = cell.separateRecurrentGradient ? FloatBuffer(count: T * maxBatch * G) : nil
        dh = FloatBuffer(count: maxBatch * U)
        kernelT = FloatBuffer(count: G * F)
        recurrentT = FloatBuffer(count: G * U)
        recurrentKernel = ReusedMatrix(rows: U, cols: G)
        recurrentKernelT = ReusedMatrix(rows: G, cols: U)
        cell.allocate(steps: T, maxBatch: maxBatch)
    }

    /// Input projection and recurrence forward; their weight, state and input gradients backward.
    public func flops(inputGradient: Bool) -> FlopCount {
        let (t, f, u, g) = (Double(T), Double(F), Double(U), Double(G))
        let projection = 2 * t * f * g, recurrence = 2 * (t - 1) * u * g
        let bias = cell.biasShape == nil ? 0 : t * g
        let forward = projection + recurrence + bias
        var backward = projection + 2 * recurrence + 2 * t * g + bias
        if inputGradient { backward += projection }
        return FlopCount(forward: forward, backward: backward)
    }

    public func initialize(_ params: UnsafeMutablePointer<Float>, random: inout SplitMixRandom) {
        Initializers.glorotUniform(params, fanIn: F, fanOut: G, random: &random)
        Initializers.orthogonal(params + F * G, rows: U, cols: G, random: &random)
        if cell.biasShape != nil { cell.initializeBias(params + F * G + U * G) }
    }

    public func forward(_ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, _ params: UnsafePointer<Float>, batch B: Int) {
        let kernel = params, recurrent = params + F * G
        let bias: UnsafePointer<Float>? = cell.biasShape == nil ? nil : params + F * G + U * G
        let h = states?.pointer ?? out, z = z.pointer
        recurrentKernel.use(recurrent)
        Gemm.nn(T * B, G, F, inp, kernel, z, accumulate: false)  // x_t · kernel for every t
        if let bias { Gemm.addRows(T * B, G, z, bias) }
        for t in 0..<T {
            cell.forward(step: t, z: z + t * B * G, hPrev: t == 0 ? nil : UnsafePointer(h + (t - 1) * B * U), h: h + t * B * U,
                         recurrentKernel: recurrentKernel, bias: bias, batch: B)
        }
        if states != nil { out.update(from: h + (T - 1) * B * U, count: B * U) }
    }

    public func backward(_ dinp: UnsafeMutablePointer<Float>?, _ dparams: UnsafeMutablePointer<Float>,
                         _ dout: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, _ out: UnsafePointer<Float>,
                         _ params: UnsafePointer<Float>, batch B: Int) {
        let kernel = params, recurrent = params + F * G
        let dkernel = dparams, drecurrent = dparams + F * G, dbias = dparams + F * G + U * G
        let h = UnsafePointer(states?.pointer) ?? out
        let dz = dZ.pointer, dq = dQ?.pointer ?? dZ.pointer, dh = dh.pointer
        let step = B * U
        Gemm.transpose(U, G, recurrent, recurrentT.pointer)
        recurrentKernelT.use(recurrentT.pointer)
        // dh of the last step: from the output, which is the last step or every step.
        dh.update(from: returnSequences ? dout + (T - 1) * step : dout, count: step)
        for t in stride(from: T - 1, through: 0, by: -1) {
            cell.backward(step: t, dh: dh, dz: dz + t * B * G, dq: dq + t * B * G, z: z.pointer + t * B * G, h: h + t * step,
                          hPrev: t == 0 ? nil : h + (t - 1) * step, batch: B)
            guard t > 0 else { break }
            if cell.ownsRecurrentGradient {
                cell.previousStateGradient(step: t, into: dh, batch: B)
            } else {
                recurrentKernelT.multiply(B, dq + t * B * G, into: dh, accumulate: false)  // dh_{t-1} = dq_t · recurrent_kernelᵀ
                if cell.hasDirectStatePath { cell.addDirectStateGradient(step: t, into: dh, batch: B) }
            }
            if returnSequences {
                SIMDLoops.add(dh, dout + (t - 1) * step, count: step)
            }
        }
        Gemm.tn(F, G, T * B, inp, dz, dkernel, accumulate: false)                     // Σ_t x_tᵀ dz_t
        if cell.ownsRecurrentGradient {
            cell.recurrentKernelGradient(drecurrent, states: h, batch: B)
        } else {
            Gemm.tn(U, G, (T - 1) * B, h, dq + B * G, drecurrent, accumulate: false)  // Σ_t h_{t-1}ᵀ dq_t
        }
        if let biasShape = cell.biasShape {
            Gemm.columnSums(T * B, G, dz, dbias, accumulate: false)
            if biasShape.count == 2 { Gemm.columnSums(T * B, G, dq, dbias + G, accumulate: false) }
        }
        if let dinp {
            Gemm.transpose(F, G, kernel, kernelT.pointer)
            Gemm.nn(T * B, F, G, dz, kernelT.pointer, dinp, accumulate: false)  // dX = dZ · kernelᵀ
        }
    }
}
