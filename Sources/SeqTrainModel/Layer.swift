import SeqTrainCore

/// A named parameter tensor of a layer, in Keras's layout.
public struct ParameterSpec: Equatable, Sendable {
    /// `kernel`, `recurrent_kernel` or `bias`.
    public var name: String
    /// Keras's shape, e.g. `[in, units]`.
    public var shape: [Int]
    /// Values in the tensor.
    public var count: Int { shape.reduce(1, *) }

    /// Creates a spec.
    public init(name: String, shape: [Int]) {
        self.name = name
        self.shape = shape
    }
}

/// Arithmetic per sample (2 per multiply-add of the matrix products, plus bias and activation
/// gradients), for the benchmark's GFLOP/s. Element-wise activation evaluation is not counted.
public struct FlopCount: Equatable, Sendable {
    /// Floating-point operations of the forward pass.
    public var forward: Double
    /// Floating-point operations of the backward pass.
    public var backward: Double

    /// Creates a count.
    public init(forward: Double, backward: Double) {
        self.forward = forward
        self.backward = backward
    }

    /// No arithmetic (layers that only move data).
    public static let zero = FlopCount(forward: 0, backward: 0)
}

/// One layer of a sequential model, built from its `LayerConfig` for one input shape.
///
/// Layers read and write batches in the layout `Dataset` describes (sequences time-major
/// `[T][B][F]`, vectors `[B][F]`). Forward and backward mirror each other, llm.c style:
/// `forward(out, inp, params, batch)` and `backward(dinp, dparams, dout, inp, out, params, batch)`,
/// all pointers into buffers the model owns. `backward` may overwrite `dout`, writes (not adds)
/// `dparams`, and skips `dinp` when nil.
public protocol Layer: AnyObject {
    /// Keras-style instance name, e.g. `simple_rnn_1`.
    var name: String { get }
    /// Keras class name, e.g. `Dense`.
    var typeName: String { get }
    /// Shape of one input sample.
    var inputShape: TensorShape { get }
    /// Shape of one output sample.
    var outputShape: TensorShape { get }
    /// Parameter tensors in the order they sit in the layer's slice of the flat buffer.
    var parameters: [ParameterSpec] { get }
    /// The arithmetic of one sample, forward and backward (with or without the input gradient).
    func flops(inputGradient: Bool) -> FlopCount
    /// Draws initial values into the layer's slice of the flat parameter buffer.
    func initialize(_ params: UnsafeMutablePointer<Float>, random: inout SplitMixRandom)
    /// Computes `out` from `inp` for `batch` samples.
    func forward(_ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, _ params: UnsafePointer<Float>, batch: Int)
    /// Gradients of the loss with respect to the input and the parameters, from those of the output.
    func backward(_ dinp: UnsafeMutablePointer<Float>?, _ dparams: UnsafeMutablePointer<Float>,
                  _ dout: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, _ out: UnsafePointer<Float>,
                  _ params: UnsafePointer<Float>, batch: Int)
}

extension Layer {
    /// Total parameter values of the layer.
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.count } }
}
