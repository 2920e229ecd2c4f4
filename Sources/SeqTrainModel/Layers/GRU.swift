import SeqTrainCore

/// `GRU`: Keras's gated recurrent unit. Gates in Keras's order z, r, h; σ is `recurrent_activation`:
/// `z = σ(xz + hz)`, `r = σ(xr + hr)`, `h̃ = act(xh + r ⊙ hh)`, `h_t = z ⊙ h_{t-1} + (1 − z) ⊙ h̃`, where
/// `x· = x_t · kernel + input bias` and, with `reset_after` (Keras 3's default), `h· = h_{t-1} · recurrent_kernel
/// + recurrent bias` (bias `[2, 3U]`). Without it the bias is `[3U]` and the candidate reads
/// `(r ⊙ h_{t-1}) · recurrent_kernel_h`: the reset gate acts before the product.
public struct GRUConfig: LayerConfig {
    /// Size of the state.
    public var units: Int
    /// Output every step `[N, T, units]` rather than the last `[N, units]`.
    public var returnSequences: Bool
    /// Applied to the candidate state; tanh by default.
    public var activation: Activation
    /// Applied to the update and reset gates; sigmoid by default.
    public var recurrentActivation: Activation
    /// Whether the layer has a bias.
    public var useBias: Bool
    /// Apply the reset gate after the recurrent product (Keras 3's default, cuDNN's convention).
    public var resetAfter: Bool

    /// Creates the options; defaults are Keras's.
    public init(units: Int, returnSequences: Bool = false, activation: Activation = .tanh,
                recurrentActivation: Activation = .sigmoid, useBias: Bool = true, resetAfter: Bool = true) {
        self.units = units
        self.returnSequences = returnSequences
        self.activation = activation
        self.recurrentActivation = recurrentActivation
        self.useBias = useBias
        self.resetAfter = resetAfter
    }

    public static let typeName = "GRU"
    public static let instanceName = "gru"
    public static let optionKeys: [String]? = ["units", "return_sequences", "activation", "recurrent_activation", "use_bias", "reset_after"]

    public static func parse(_ options: inout LayerOptions) -> GRUConfig? {
        guard let units = options.int("units", in: 1...maxRecurrentUnits, example: "20"),
              let returnSequences = options.bool("return_sequences", default: false),
              let activation = options.choice("activation", default: Activation.tanh),
              let recurrentActivation = options.choice("recurrent_activation", default: Activation.sigmoid),
              let useBias = options.bool("use_bias", default: true),
              let resetAfter = options.bool("reset_after", default: true) else { return nil }
        return GRUConfig(units: units, returnSequences: returnSequences, activation: activation,
                         recurrentActivation: recurrentActivation, useBias: useBias, resetAfter: resetAfter)
    }

    public var options: [(key: String, value: String)] {
        [("units", "\(units)"), ("return_sequences", "\(returnSequences)"), ("activation", activation.rawValue),
         ("recurrent_activation", recurrentActivation.rawValue), ("use_bias", "\(useBias)"), ("reset_after", "\(resetAfter)")]
    }

    public func outputShape(for input: TensorShape, previous: String) throws -> TensorShape {
        try recurrentOutputShape(Self.typeName, units: units, returnSequences: returnSequences, input: input, previous: previous)
    }

    public func makeLayer(inputShape: TensorShape, name: String, maxBatch: Int) -> any Layer {
        if resetAfter {
            return RecurrentLayer(cell: GRUCell(self), typeName: Self.typeName, returnSequences: returnSequences,
                                  inputShape: inputShape, name: name, maxBatch: maxBatch)
        }
        return RecurrentLayer(cell: GRUResetBeforeCell(self), typeName: Self.typeName, returnSequences: returnSequences,
                              inputShape: inputShape, name: name, maxBatch: maxBatch)
    }

    public func withUnits(_ units: Int) -> (any LayerConfig)? {
        var copy = self
        copy.units = units
        return copy
    }
}

/// The step's end both GRU cells share. Dims: B batch, U units, G = 3U.
extension GRUConfig {
    /// Applies the activation to the candidate block of every row of `z` (the gates z and r are done)
    /// and writes the new state.
    func candidateAndState(_ z: UnsafeMutablePointer<Float>, hPrev: UnsafePointer<Float>?, h: UnsafeMutablePointer<Float>, batch B: Int) {
        for b in 0..<B { activation.apply(z + b * 3 * units + 2 * units, count: units) }
        newState(z, hPrev: hPrev, h: h, batch: B)
    }

    /// `h_t = z ⊙ h_{t-1} + (1 − z) ⊙ h̃` from the activated gates in `z`, with h_{-1} = 0; 4 units at a
    /// time, then one at a time (the same operations per element).
    func newState(_ z: UnsafePointer<Float>, hPrev: UnsafePointer<Float>?, h: UnsafeMutablePointer<Float>, batch B: Int) {
        let U = units, G = 3 * U
        for b in 0..<B {
            let update = z + b * G, candidate = z + b * G + 2 * U, state = h + b * U
            var u = 0
            if let hPrev {
                let previous = hPrev + b * U
                while u + 4 <= U {
                    let zu = SIMDLoops.load4(update + u)
                    SIMDLoops.store4(zu * SIMDLoops.load4(previous + u) + (1 - zu) * SIMDLoops.load4(candidate + u), state + u)
                    u += 4
                }
                while u < U { state[u] = update[u] * previous[u] + (1 - update[u]) * candidate[u]; u += 1 }
            } else {
                while u + 4 <= U { SIMDLoops.store4((1 - SIMDLoops.load4(update + u)) * SIMDLoops.load4(candidate + u), state + u); u += 4 }
                while u < U { state[u] = (1 - update[u]) * candidate[u]; u += 1 }
            }
        }
    }
}

/// GRU's step with `reset_after` (Keras 3's default): the recurrent projection `h_{t-1} · recurrent_kernel
/// + recurrent bias` is one product; its gradient differs from the input projection's only in the
/// candidate block (scaled by r), and h_{t-1} also reaches h_t directly through z.
public final class GRUCell: RecurrentCell {
    let config: GRUConfig
    public var units: Int { config.units }
    public var gateWidth: Int { 3 * config.units }
    public var biasShape: [Int]? { config.useBias ? [2, 3 * config.units] : nil }
    public let separateRecurrentGradient = true
    public let hasDirectStatePath = true
    /// The candidate block of every step's recurrent projection `[T][B][U]` (needed for dL/dr).
    private var recurrentCandidate = FloatBuffer(count: 0)
    /// One step's recurrent projection `[B][3U]`, and dL/dh_t ⊙ z kept for the direct path `[B][U]`.
    private var projection = FloatBuffer(count: 0), direct = FloatBuffer(count: 0)
    /// One step's candidate block `[B][U]`, activated apart from the gates.
    private var candidates = FloatBuffer(count: 0)

    /// The cell of a GRU with these options (`reset_after` true).
    public init(_ config: GRUConfig) { self.config = config }

    public func allocate(steps: Int, maxBatch: Int) {
        recurrentCandidate = FloatBuffer(count: steps * maxBatch * units)
        projection = FloatBuffer(count: maxBatch * gateWidth)
        direct = FloatBuffer(count: maxBatch * units)
        candidates = FloatBuffer(count: maxBatch * units)
    }

    public func forward(step t: Int, z: UnsafeMutablePointer<Float>, hPrev: UnsafePointer<Float>?, h: UnsafeMutablePointer<Float>,
                        recurrentKernel: ReusedMatrix, bias: UnsafePointer<Float>?, batch B: Int) {
        let U = units, G = 3 * U, q = projection.pointer
        if let hPrev { recurrentKernel.multiply(B, hPrev, into: q, accumulate: false) } else { q.update(repeating: 0, count: B * G) }
        if let bias { Gemm.addRows(B, G, q, bias + G) }  // the recurrent bias, row 1 of [2, 3U]
        let kept = recurrentCandidate.pointer + t * B * U, candidate = candidates.pointer
        for b in 0..<B {
            let row = z + b * G, qRow = q + b * G
            SIMDLoops.add(row, qRow, count: 2 * U)  // xz + hz, xr + hr
            (candidate + b * U).update(from: row + 2 * U, count: U)
            (kept + b * U).update(from: qRow + 2 * U, count: U)
        }
        // The gates in one call over the whole block (each element gets the same bits however the
        // kernel groups them; the candidate block's values there are replaced below), the candidate apart.
        config.recurrentActivation.apply(z, count: B * G)
        for b in 0..<B {
            let reset = z + b * G + U, hh = kept + b * U, pre = candidate + b * U
            var u = 0
            while u + 4 <= U { SIMDLoops.store4(SIMDLoops.load4(pre + u) + SIMDLoops.load4(reset + u) * SIMDLoops.load4(hh + u), pre + u); u += 4 }
            while u < U { pre[u] = pre[u] + reset[u] * hh[u]; u += 1 }  // xh + r ⊙ hh
        }
        config.activation.apply(candidate, count: B * U)
        for b in 0..<B { (z + b * G + 2 * U).update(from: candidate + b * U, count: U) }
        config.newState(z, hPrev: hPrev, h: h, batch: B)
    }

    public func backward(step t: Int, dh: UnsafeMutablePointer<Float>, dz: UnsafeMutablePointer<Float>, dq: UnsafeMutablePointer<Float>,
                         z: UnsafePointer<Float>, h: UnsafePointer<Float>, hPrev: UnsafePointer<Float>?, batch B: Int) {
        let U = units, G = 3 * U, kept = recurrentCandidate.pointer + t * B * U, direct = direct.pointer
        let activation = config.activation, gate = config.recurrentActivation
        for b in 0..<B {
            let gates = z + b * G, dx = dz + b * G, dr = dq + b * G
            // Through h_t = z ⊙ h_{t-1} + (1 − z) ⊙ h̃, then each block through its activation (runs of U).
            for u in 0..<U {
                let k = b * U + u, update = gates[u]
                dx[2 * U + u] = dh[k] * (1 - update)
                dx[u] = dh[k] * ((hPrev?[k] ?? 0) - gates[2 * U + u])
                direct[k] = dh[k] * update
            }
            activation.backward(dx + 2 * U, output: gates + 2 * U, count: U)  // dL/d(candidate pre-activation)
            gate.backward(dx, output: gates, count: U)                        // dL/d(z pre-activation)
            for u in 0..<U { dx[U + u] = dx[2 * U + u] * kept[b * U + u] }      // dL/dr = dL/dh̃ ⊙ hh
            gate.backward(dx + U, output: gates + U, count: U)
            // The recurrent projection's gradient: the same, but the candidate block scaled by r.
            (dr).update(from: dx, count: 2 * U)
            for u in 0..<U { dr[2 * U + u] = dx[2 * U + u] * gates[U + u] }
        }
    }

    public func addDirectStateGradient(step t: Int, into dhPrev: UnsafeMutablePointer<Float>, batch B: Int) {
        let direct = direct.pointer
        for k in 0..<(B * units) { dhPrev[k] += direct[k] }
    }
}

/// GRU's step with `reset_after: false`: the candidate's recurrent product reads `r ⊙ h_{t-1}`, so the
/// recurrent kernel is used as two column blocks (z and r `[U, 2U]`, h `[U, U]`), copied out once per
/// forward pass, and the cell computes dL/dh_{t-1} and the recurrent kernel's gradient itself.
public final class GRUResetBeforeCell: RecurrentCell {
    let config: GRUConfig
    public var units: Int { config.units }
    public var gateWidth: Int { 3 * config.units }
    public var biasShape: [Int]? { config.useBias ? [3 * config.units] : nil }
    public let separateRecurrentGradient = false
    public let hasDirectStatePath = true
    public var ownsRecurrentGradient: Bool { true }
    private var steps = 0
    /// The recurrent kernel's z, r columns `[U, 2U]` and h columns `[U, U]`, and their transposes.
    private var kernelZR = FloatBuffer(count: 0), kernelH = FloatBuffer(count: 0)
    private var kernelZRT = FloatBuffer(count: 0), kernelHT = FloatBuffer(count: 0)
    /// r ⊙ h_{t-1} of every step `[T][B][U]` (zero at t = 0).
    private var resetStates = FloatBuffer(count: 0)
    /// dL/d(z, r pre-activations) `[T][B][2U]` and dL/d(candidate pre-activation) `[T][B][U]`, kept
    /// contiguous for the weight-gradient products.
    private var dGates = FloatBuffer(count: 0), dCandidates = FloatBuffer(count: 0)
    /// One step's products `[B][2U]`, `[B][U]`, and dL/d(r ⊙ h_{t-1}) and the direct part of dL/dh_{t-1} `[B][U]`.
    private var productZR = FloatBuffer(count: 0), productH = FloatBuffer(count: 0)
    private var dReset = FloatBuffer(count: 0), direct = FloatBuffer(count: 0)
    /// The recurrent kernel's gradient in two blocks, `[U, 2U]` and `[U, U]`.
    private var kernelGradientZR = FloatBuffer(count: 0), kernelGradientH = FloatBuffer(count: 0)

    /// The cell of a GRU with these options (`reset_after` false).
    public init(_ config: GRUConfig) { self.config = config }

    public func allocate(steps: Int, maxBatch: Int) {
        let U = units
        self.steps = steps
        kernelZR = FloatBuffer(count: U * 2 * U); kernelH = FloatBuffer(count: U * U)
        kernelZRT = FloatBuffer(count: U * 2 * U); kernelHT = FloatBuffer(count: U * U)
        resetStates = FloatBuffer(count: steps * maxBatch * U)
        dGates = FloatBuffer(count: steps * maxBatch * 2 * U)
        dCandidates = FloatBuffer(count: steps * maxBatch * U)
        productZR = FloatBuffer(count: maxBatch * 2 * U); productH = FloatBuffer(count: maxBatch * U)
        dReset = FloatBuffer(count: maxBatch * U); direct = FloatBuffer(count: maxBatch * U)
        kernelGradientZR = FloatBuffer(count: U * 2 * U); kernelGradientH = FloatBuffer(count: U * U)
    }

    public func forward(step t: Int, z: UnsafeMutablePointer<Float>, hPrev: UnsafePointer<Float>?, h: UnsafeMutablePointer<Float>,
                        recurrentKernel: ReusedMatrix, bias: UnsafePointer<Float>?, batch B: Int) {
        let U = units, G = 3 * U
        if t == 0 { splitKernel(recurrentKernel.values) }
        let rh = resetStates.pointer + t * B * U
        guard let hPrev else {
            rh.update(repeating: 0, count: B * U)
            for b in 0..<B { config.recurrentActivation.apply(z + b * G, count: 2 * U) }
            config.candidateAndState(z, hPrev: nil, h: h, batch: B)
            return
        }
        let qZR = productZR.pointer, qH = productH.pointer
        Gemm.nn(B, 2 * U, U, hPrev, kernelZR.pointer, qZR, accumulate: false)
        for b in 0..<B {
            let row = z + b * G
            for u in 0..<(2 * U) { row[u] += qZR[b * 2 * U + u] }
            config.recurrentActivation.apply(row, count: 2 * U)
            for u in 0..<U { rh[b * U + u] = row[U + u] * hPrev[b * U + u] }
        }
        Gemm.nn(B, U, U, rh, kernelH.pointer, qH, accumulate: false)  // (r ⊙ h_{t-1}) · recurrent_kernel_h
        for b in 0..<B {
            for u in 0..<U { z[b * G + 2 * U + u] += qH[b * U + u] }
        }
        config.candidateAndState(z, hPrev: hPrev, h: h, batch: B)
    }

    /// Copies the column blocks of the recurrent kernel `[U, 3U]` and their transposes.
    private func splitKernel(_ kernel: UnsafePointer<Float>) {
        let U = units
        for i in 0..<U {
            (kernelZR.pointer + i * 2 * U).update(from: kernel + i * 3 * U, count: 2 * U)
            (kernelH.pointer + i * U).update(from: kernel + i * 3 * U + 2 * U, count: U)
        }
        Gemm.transpose(U, 2 * U, kernelZR.pointer, kernelZRT.pointer)
        Gemm.transpose(U, U, kernelH.pointer, kernelHT.pointer)
    }

    public func backward(step t: Int, dh: UnsafeMutablePointer<Float>, dz: UnsafeMutablePointer<Float>, dq: UnsafeMutablePointer<Float>,
                         z: UnsafePointer<Float>, h: UnsafePointer<Float>, hPrev: UnsafePointer<Float>?, batch B: Int) {
        let U = units, G = 3 * U
        let activation = config.activation, gate = config.recurrentActivation
        let dZR = dGates.pointer + t * B * 2 * U, dH = dCandidates.pointer + t * B * U
        let dRH = dReset.pointer, direct = direct.pointer
        for b in 0..<B {
            for u in 0..<U {
                let k = b * U + u, gates = z + b * G
                dH[k] = dh[k] * (1 - gates[u]) * activation.derivative(output: gates[2 * U + u])
                dZR[b * 2 * U + u] = dh[k] * ((hPrev?[k] ?? 0) - gates[2 * U + u]) * gate.derivative(output: gates[u])
                direct[k] = dh[k] * gates[u]
            }
        }
        if let hPrev {
            Gemm.nn(B, U, U, dH, kernelHT.pointer, dRH, accumulate: false)  // dL/d(r ⊙ h_{t-1})
            for b in 0..<B {
                for u in 0..<U {
                    let k = b * U + u, reset = z[b * G + U + u]
                    dZR[b * 2 * U + U + u] = dRH[k] * hPrev[k] * gate.derivative(output: reset)
                    direct[k] += dRH[k] * reset
                }
            }
        } else {
            for b in 0..<B { (dZR + b * 2 * U + U).update(repeating: 0, count: U) }
        }
        for b in 0..<B {
            (dz + b * G).update(from: dZR + b * 2 * U, count: 2 * U)
            (dz + b * G + 2 * U).update(from: dH + b * U, count: U)
        }
    }

    public func previousStateGradient(step t: Int, into dhPrev: UnsafeMutablePointer<Float>, batch B: Int) {
        let U = units, direct = direct.pointer
        Gemm.nn(B, U, 2 * U, dGates.pointer + t * B * 2 * U, kernelZRT.pointer, dhPrev, accumulate: false)
        for k in 0..<(B * U) { dhPrev[k] += direct[k] }
    }

    public func recurrentKernelGradient(_ drecurrent: UnsafeMutablePointer<Float>, states h: UnsafePointer<Float>, batch B: Int) {
        let U = units, T = steps
        // Σ_t h_{t-1}ᵀ dL/d(z, r) and Σ_t (r ⊙ h_{t-1})ᵀ dL/dh̃ over t ≥ 1, then interleaved into Keras's [U, 3U].
        let zr = kernelGradientZR.pointer, hh = kernelGradientH.pointer
        Gemm.tn(U, 2 * U, (T - 1) * B, h, dGates.pointer + B * 2 * U, zr, accumulate: false)
        Gemm.tn(U, U, (T - 1) * B, resetStates.pointer + B * U, dCandidates.pointer + B * U, hh, accumulate: false)
        for i in 0..<U {
            (drecurrent + i * 3 * U).update(from: zr + i * 2 * U, count: 2 * U)
            (drecurrent + i * 3 * U + 2 * U).update(from: hh + i * U, count: U)
        }
    }
}

extension GRUConfig {
    /// The options described for the JSON Schema and `seqtrain help config`.
    public static let optionSchema: [OptionSpec] = [
        RecurrentOptionSchema.units,
        RecurrentOptionSchema.returnSequences,
        RecurrentOptionSchema.activation,
        RecurrentOptionSchema.recurrentActivation,
        RecurrentOptionSchema.useBias,
        .bool("reset_after", default: true, "Apply the reset gate after the matrix product (Keras 2+ and cuDNN style)."),
    ]
}
