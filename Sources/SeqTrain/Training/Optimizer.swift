import Foundation

/// Applies gradient steps to the flat parameter buffer, with Keras's update formulas.
public final class Optimizer {
    /// The configuration it was built from.
    public let config: OptimizerConfig
    /// Steps taken so far (Keras's `iterations`).
    public private(set) var iterations: Int = 0
    /// Per-parameter state: Adam's m and v, SGD's momentum, RMSprop's velocity.
    public let slots: [(name: String, buffer: FloatBuffer)]
    /// Clipping applied to the gradients before each update.
    public let clipping: GradientClipping
    /// The flat ranges of the parameter tensors (clipnorm clips each tensor by its own norm).
    private let tensors: [Range<Int>]

    /// An optimizer for `parameterCount` values, made of the tensors `tensors` (default: one tensor).
    public init(_ config: OptimizerConfig, parameterCount: Int, clipping: GradientClipping = .none, tensors: [Range<Int>]? = nil) {
        self.config = config
        self.clipping = clipping
        self.tensors = tensors ?? [0..<parameterCount]
        switch config {
        case .adam: slots = [("m", FloatBuffer(count: parameterCount)), ("v", FloatBuffer(count: parameterCount))]
        case .sgd(let c): slots = c.momentum > 0 ? [("momentum", FloatBuffer(count: parameterCount))] : []
        case .rmsprop: slots = [("velocity", FloatBuffer(count: parameterCount))]
        }
    }

    /// Restores the step count (from a checkpoint).
    public func restore(iterations: Int) { self.iterations = iterations }

    /// Applies `clipping` to the gradients in place, as Keras does before an update.
    public func clip(_ g: UnsafeMutablePointer<Float>) {
        switch clipping {
        case .none:
            return
        case .value(let limit):
            let v = Float(limit)
            for range in tensors { for i in range { g[i] = min(max(g[i], -v), v) } }
        case .norm(let limit):
            let c = Float(limit)
            for range in tensors {
                var squares = 0.0
                for i in range { squares += Double(g[i]) * Double(g[i]) }
                let norm = Float(squares.squareRoot())
                guard norm > c else { continue }
                for i in range { g[i] = g[i] * c / norm }
            }
        }
    }

    /// One update of `count` parameters `w` with gradients `g`.
    public func step(_ w: UnsafeMutablePointer<Float>, _ g: UnsafePointer<Float>, count: Int) {
        iterations += 1
        switch config {
        case .adam(let c):
            // Keras: alpha = lr·sqrt(1-β2^t)/(1-β1^t); w -= alpha·m/(sqrt(v)+ε), ε outside the root.
            let t = Double(iterations)
            let alpha = Float(c.learningRate * (1 - pow(c.beta2, t)).squareRoot() / (1 - pow(c.beta1, t)))
            let b1 = Float(c.beta1), b2 = Float(c.beta2), eps = Float(c.epsilon)
            let m = slots[0].buffer.pointer, v = slots[1].buffer.pointer
            for i in 0..<count {
                m[i] += (g[i] - m[i]) * (1 - b1)
                v[i] += (g[i] * g[i] - v[i]) * (1 - b2)
                w[i] -= alpha * m[i] / (v[i].squareRoot() + eps)
            }
        case .sgd(let c):
            let lr = Float(c.learningRate), mu = Float(c.momentum)
            guard let velocity = slots.first?.buffer.pointer else {
                for i in 0..<count { w[i] -= lr * g[i] }
                return
            }
            for i in 0..<count {
                velocity[i] = mu * velocity[i] - lr * g[i]
                w[i] += c.nesterov ? mu * velocity[i] - lr * g[i] : velocity[i]
            }
        case .rmsprop(let c):
            // Keras 3: v = ρ·v + (1-ρ)·g²; w -= lr·g / sqrt(v + ε), ε inside the root.
            let lr = Float(c.learningRate), rho = Float(c.rho), eps = Float(c.epsilon)
            let v = slots[0].buffer.pointer
            for i in 0..<count {
                v[i] = rho * v[i] + (1 - rho) * g[i] * g[i]
                w[i] -= lr * g[i] / (v[i] + eps).squareRoot()
            }
        }
    }
}
