import SeqTrainCore

/// `LSTM`: Keras's long short-term memory layer. Gates in Keras's order i, f, c, o:
/// `i = σ(z_i)`, `f = σ(z_f)`, `c̃ = act(z_c)`, `o = σ(z_o)` with `z = x_t · kernel + h_{t-1} · recurrent_kernel + bias`,
/// then `c_t = f ⊙ c_{t-1} + i ⊙ c̃` and `h_t = o ⊙ act(c_t)`; h and c start at zero. σ is `recurrent_activation`.
public struct LSTMConfig: LayerConfig {
    /// Size of the state (h and c).
    public var units: Int
    /// Output every step `[N, T, units]` rather than the last `[N, units]`.
    public var returnSequences: Bool
    /// Applied to the candidate and to the cell state on output; tanh by default.
    public var activation: Activation
    /// Applied to the input, forget and output gates; sigmoid by default.
    public var recurrentActivation: Activation
    /// Whether the layer has a bias.
    public var useBias: Bool
    /// Start the forget gate's bias at 1 (the others at 0).
    public var unitForgetBias: Bool

    /// Creates the options; defaults are Keras's.
    public init(units: Int, returnSequences: Bool = false, activation: Activation = .tanh,
                recurrentActivation: Activation = .sigmoid, useBias: Bool = true, unitForgetBias: Bool = true) {
        self.units = units
        self.returnSequences = returnSequences
        self.activation = activation
        self.recurrentActivation = recurrentActivation
        self.useBias = useBias
        self.unitForgetBias = unitForgetBias
    }

    public static let typeName = "LSTM"
    public static let instanceName = "lstm"
    public static let optionKeys: [String]? = ["units", "return_sequences", "activation", "recurrent_activation", "use_bias",
                                               "unit_forget_bias"]

    public static func parse(_ options: inout LayerOptions) -> LSTMConfig? {
        guard let units = options.int("units", in: 1...maxRecurrentUnits, example: "20"),
              let returnSequences = options.bool("return_sequences", default: false),
              let activation = options.choice("activation", default: Activation.tanh),
              let recurrentActivation = options.choice("recurrent_activation", default: Activation.sigmoid),
              let useBias = options.bool("use_bias", default: true),
              let unitForgetBias = options.bool("unit_forget_bias", default: true) else { return nil }
        return LSTMConfig(units: units, returnSequences: returnSequences, activation: activation,
                          recurrentActivation: recurrentActivation, useBias: useBias, unitForgetBias: unitForgetBias)
    }

    public var options: [(key: String, value: String)] {
        [("units", "\(units)"), ("return_sequences", "\(returnSequences)"), ("activation", activation.rawValue),
         ("recurrent_activation", recurrentActivation.rawValue), ("use_bias", "\(useBias)"), ("unit_forget_bias", "\(unitForgetBias)")]
    }

    public func outputShape(for input: TensorShape, previous: String) throws -> TensorShape {
        try recurrentOutputShape(Self.typeName, units: units, returnSequences: returnSequences, input: input, previous: previous)
    }

    public func makeLayer(inputShape: TensorShape, name: String, maxBatch: Int) -> any Layer {
        RecurrentLayer(cell: LSTMCell(self), typeName: Self.typeName, returnSequences: returnSequences,
                       inputShape: inputShape, name: name, maxBatch: maxBatch)
    }

    public func withUnits(_ units: Int) -> (any LayerConfig)? {
        var copy = self
        copy.units = units
        return copy
    }
}

/// LSTM's step. Dims: B batch, U units, G = 4U. The cell keeps every step's cell state and its
/// activation for back-propagation, and carries dL/dc from step to step.
public final class LSTMCell: RecurrentCell {
    let config: LSTMConfig
    public var units: Int { config.units }
    public var gateWidth: Int { 4 * config.units }
    public var biasShape: [Int]? { config.useBias ? [4 * config.units] : nil }
    public let separateRecurrentGradient = false
    public let hasDirectStatePath = false
    private var steps = 0
    /// c_t of every step `[T][B][U]`, and act(c_t).
    private var cellStates = FloatBuffer(count: 0), cellOutputs = FloatBuffer(count: 0)
    /// dL/dc_t carried back through f ⊙ c_{t-1} `[B][U]`.
    private var dc = FloatBuffer(count: 0)
    /// One step's candidate block `[B][U]`, activated apart from the gates.
    private var candidates = FloatBuffer(count: 0)

    /// The cell of an LSTM with these options.
    public init(_ config: LSTMConfig) { self.config = config }

    public func allocate(steps: Int, maxBatch: Int) {
        self.steps = steps
        cellStates = FloatBuffer(count: steps * maxBatch * units)
        cellOutputs = FloatBuffer(count: steps * maxBatch * units)
        dc = FloatBuffer(count: maxBatch * units)
        candidates = FloatBuffer(count: maxBatch * units)
    }

    /// Zeros, with ones for the forget gate when `unit_forget_bias`.
    public func initializeBias(_ bias: UnsafeMutablePointer<Float>) {
        let U = units
        Initializers.zeros(bias, count: 4 * U)
        if config.unitForgetBias { (bias + U).update(repeating: 1, count: U) }
    }

    public func forward(step t: Int, z: UnsafeMutablePointer<Float>, hPrev: UnsafePointer<Float>?, h: UnsafeMutablePointer<Float>,
                        recurrentKernel: ReusedMatrix, bias: UnsafePointer<Float>?, batch B: Int) {
        let U = units, G = 4 * U
        if let hPrev { recurrentKernel.multiply(B, hPrev, into: z, accumulate: true) }
        // z becomes the gates i, f, c̃, o (kept there for backward): σ over the whole block in one call
        // (the kernels give each element the same bits however they are grouped), the candidate apart.
        let candidate = candidates.pointer
        for b in 0..<B { (candidate + b * U).update(from: z + b * G + 2 * U, count: U) }
        config.recurrentActivation.apply(z, count: B * G)
        config.activation.apply(candidate, count: B * U)
        for b in 0..<B { (z + b * G + 2 * U).update(from: candidate + b * U, count: U) }
        let c = cellStates.pointer + t * B * U, a = cellOutputs.pointer + t * B * U
        let cPrev: UnsafePointer<Float>? = t == 0 ? nil : UnsafePointer(cellStates.pointer + (t - 1) * B * U)
        // c_t = f ⊙ c_{t-1} + i ⊙ c̃ (i ⊙ c̃ at t = 0), 4 units at a time and then one at a time, the
        // same operations per element either way.
        for b in 0..<B {
            let row = z + b * G, cRow = c + b * U
            var u = 0
            if let cPrev {
                let previous = cPrev + b * U
                while u + 4 <= U {
                    let forget = SIMDLoops.load4(row + U + u) * SIMDLoops.load4(previous + u)
                    SIMDLoops.store4(forget + SIMDLoops.load4(row + u) * SIMDLoops.load4(row + 2 * U + u), cRow + u)
                    u += 4
                }
                while u < U { cRow[u] = row[U + u] * previous[u] + row[u] * row[2 * U + u]; u += 1 }
            } else {
                while u + 4 <= U { SIMDLoops.store4(SIMDLoops.load4(row + u) * SIMDLoops.load4(row + 2 * U + u), cRow + u); u += 4 }
                while u < U { cRow[u] = row[u] * row[2 * U + u]; u += 1 }
            }
        }
        a.update(from: c, count: B * U)
        config.activation.apply(a, count: B * U)
        for b in 0..<B {  // h_t = o ⊙ act(c_t)
            let o = z + b * G + 3 * U, aRow = a + b * U, hRow = h + b * U
            var u = 0
            while u + 4 <= U { SIMDLoops.store4(SIMDLoops.load4(o + u) * SIMDLoops.load4(aRow + u), hRow + u); u += 4 }
            while u < U { hRow[u] = o[u] * aRow[u]; u += 1 }
        }
    }

    public func backward(step t: Int, dh: UnsafeMutablePointer<Float>, dz: UnsafeMutablePointer<Float>, dq: UnsafeMutablePointer<Float>,
                         z: UnsafePointer<Float>, h: UnsafePointer<Float>, hPrev: UnsafePointer<Float>?, batch B: Int) {
        let U = units, G = 4 * U
        let dc = dc.pointer, a = cellOutputs.pointer + t * B * U
        let cPrev: UnsafePointer<Float>? = t == 0 ? nil : UnsafePointer(cellStates.pointer + (t - 1) * B * U)
        if t == steps - 1 { dc.update(repeating: 0, count: B * U) }
        let activation = config.activation, gate = config.recurrentActivation
        // dL/do = dh ⊙ act(c_t), then dh becomes dh ⊙ o ⊙ act'(c_t), the part of dL/dc_t through h_t.
        for b in 0..<B {
            for u in 0..<U {
                let k = b * U + u
                dz[b * G + 3 * U + u] = dh[k] * a[k]
                dh[k] *= z[b * G + 3 * U + u]
            }
        }
        activation.backward(dh, output: a, count: B * U)
        let zeros = UnsafePointer(candidates.pointer)  // c_{-1} = 0 (the scratch is zeroed below)
        if cPrev == nil { candidates.pointer.update(repeating: 0, count: B * U) }
        for b in 0..<B {
            let gates = z + b * G, dgates = dz + b * G, previous = (cPrev ?? zeros) + b * U
            let dcRow = dc + b * U, dhRow = dh + b * U
            // 4 units at a time (the same operations per element as one at a time), then the rest.
            var u = 0
            while u + 4 <= U {
                let dC = SIMDLoops.load4(dcRow + u) + SIMDLoops.load4(dhRow + u)  // dL/dc_t by both paths
                SIMDLoops.store4(dC * SIMDLoops.load4(gates + 2 * U + u), dgates + u)
                SIMDLoops.store4(dC * SIMDLoops.load4(previous + u), dgates + U + u)
                SIMDLoops.store4(dC * SIMDLoops.load4(gates + u), dgates + 2 * U + u)
                SIMDLoops.store4(dC * SIMDLoops.load4(gates + U + u), dcRow + u)  // dL/dc_{t-1} through c_t = f ⊙ c_{t-1} + …
                u += 4
            }
            while u < U {
                let dC = dcRow[u] + dhRow[u]
                dgates[u] = dC * gates[2 * U + u]
                dgates[U + u] = dC * previous[u]
                dgates[2 * U + u] = dC * gates[u]
                dcRow[u] = dC * gates[U + u]
                u += 1
            }
            // Through the activations: σ' for i, f, o and act' for c̃, each a contiguous run of the row.
            gate.backward(dgates, output: gates, count: 2 * U)
            activation.backward(dgates + 2 * U, output: gates + 2 * U, count: U)
            gate.backward(dgates + 3 * U, output: gates + 3 * U, count: U)
        }
    }
}

extension LSTMConfig {
    /// The options described for the JSON Schema and `seqtrain help config`.
    public static let optionSchema: [OptionSpec] = [
        RecurrentOptionSchema.units,
        RecurrentOptionSchema.returnSequences,
        RecurrentOptionSchema.activation,
        RecurrentOptionSchema.recurrentActivation,
        RecurrentOptionSchema.useBias,
        .bool("unit_forget_bias", default: true, "Start the forget gate's bias at 1 (Keras's unit_forget_bias)."),
    ]
}
