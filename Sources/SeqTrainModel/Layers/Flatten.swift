import SeqTrainCore

/// `Flatten` (written `- Flatten` or `- Flatten: {}`): a sequence `[steps, features]` becomes one
/// vector of `steps * features` values in Keras's order (step-major).
public struct FlattenConfig: LayerConfig {
    /// Flatten has no options.
    public init() {}

    public static let typeName = "Flatten"
    public static let instanceName = "flatten"
    public static let optionKeys: [String]? = []

    public static func parse(_ options: inout LayerOptions) -> FlattenConfig? { FlattenConfig() }

    public var options: [(key: String, value: String)] { [] }

    public func outputShape(for input: TensorShape, previous: String) throws -> TensorShape { .vector(input.count) }

    public func makeLayer(inputShape: TensorShape, name: String, maxBatch: Int) -> any Layer {
        Flatten(inputShape: inputShape, name: name)
    }
}

/// The Flatten layer: the time-major batch `[T][B][F]` is transposed to row-major `[B][T·F]`.
public final class Flatten: Layer {
    public let name: String
    public let typeName = FlattenConfig.typeName
    public let inputShape: TensorShape
    public let outputShape: TensorShape
    public let parameters: [ParameterSpec] = []

    /// A Flatten layer on `inputShape`.
    public init(inputShape: TensorShape, name: String) {
        self.name = name
        self.inputShape = inputShape
        outputShape = .vector(inputShape.count)
    }

    /// Flatten moves data only.
    public func flops(inputGradient: Bool) -> FlopCount { .zero }

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

extension FlattenConfig {
    /// The options described for the JSON Schema and `seqtrain help config`.
    public static let optionSchema: [OptionSpec] = []
}
