/// `Flatten`: a sequence `[steps, features]` becomes one vector of `steps * features` values in
/// Keras's order (step-major), i.e. the time-major batch is transposed to row-major.
public final class Flatten: Layer {
    public let name: String
    public let typeName = "Flatten"
    public let inputShape: TensorShape
    public let outputShape: TensorShape
    public let parameters: [ParameterSpec] = []

    /// A Flatten layer on `inputShape`.
    public init(inputShape: TensorShape, name: String) {
        self.name = name
        self.inputShape = inputShape
        outputShape = .vector(inputShape.count)
    }

    public func initialize(_ params: UnsafeMutablePointer<Float>, random: inout SplitMixRandom) {}

    public func forward(_ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, _ params: UnsafePointer<Float>, batch: Int) {
        guard case .sequence(let T, let F) = inputShape else {
            out.update(from: inp, count: batch * inputShape.count)
            return
        }
        for t in 0..<T {
            for b in 0..<batch {
                (out + b * T * F + t * F).update(from: inp + (t * batch + b) * F, count: F)
            }
        }
    }

    public func backward(_ dinp: UnsafeMutablePointer<Float>?, _ dparams: UnsafeMutablePointer<Float>,
                         _ dout: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, _ out: UnsafePointer<Float>,
                         _ params: UnsafePointer<Float>, batch: Int) {
        guard let dinp else { return }
        guard case .sequence(let T, let F) = inputShape else {
            dinp.update(from: dout, count: batch * inputShape.count)
            return
        }
        for t in 0..<T {
            for b in 0..<batch {
                (dinp + (t * batch + b) * F).update(from: dout + b * T * F + t * F, count: F)
            }
        }
    }
}
