import CKernels
import Foundation
import SeqTrainCore

/// Element-wise activations, by their Keras names.
public enum Activation: String, CaseIterable, Equatable, Sendable {
    /// Identity.
    case linear
    /// Hyperbolic tangent.
    case tanh
    /// max(0, x).
    case relu
    /// 1 / (1 + exp(-x)).
    case sigmoid

    /// Applies the activation in place to `count` values.
    @inline(__always)
    public func apply(_ x: UnsafeMutablePointer<Float>, count: Int) {
        switch self {
        case .linear: break
        case .tanh: st_tanh(x, count)
        case .relu: st_relu(x, count)  // max(x, 0), Swift's: -0 becomes +0, NaN stays
        case .sigmoid: st_sigmoid(x, count)
        }
    }

    /// Multiplies `grad` in place by the activation's derivative, written in terms of its output `y`.
    @inline(__always)
    public func backward(_ grad: UnsafeMutablePointer<Float>, output y: UnsafePointer<Float>, count: Int) {
        switch self {
        case .linear: break
        case .tanh: st_tanh_backward(grad, y, count)        // g * (1 - y * y)
        case .relu: st_keep_where_positive(grad, y, count)  // y > 0 ? g : 0
        case .sigmoid: st_sigmoid_backward(grad, y, count)  // g * (y * (1 - y))
        }
    }

    /// The derivative at one point, written in terms of the activation's output `y` there.
    @inline(__always)
    public func derivative(output y: Float) -> Float {
        switch self {
        case .linear: return 1
        case .tanh: return 1 - y * y
        case .relu: return y > 0 ? 1 : 0
        case .sigmoid: return y * (1 - y)
        }
    }

    /// Applies the activation to an array (for tests and tools; layers use the pointer form).
    public func applyForTesting(_ values: inout [Float]) {
        values.withUnsafeMutableBufferPointer { apply($0.baseAddress!, count: $0.count) }
    }
}
