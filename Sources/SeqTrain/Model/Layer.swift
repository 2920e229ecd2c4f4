/// A float32 buffer allocated once and reused: no allocation happens inside the training loop.
public final class FloatBuffer {
    /// The first value.
    public let pointer: UnsafeMutablePointer<Float>
    /// How many values it holds.
    public let count: Int

    /// Allocates `count` zeros.
    public init(count: Int) {
        self.count = count
        pointer = .allocate(capacity: max(count, 1))
        pointer.initialize(repeating: 0, count: max(count, 1))
    }

    deinit { pointer.deallocate() }

    /// A copy of the values.
    public var array: [Float] { Array(UnsafeBufferPointer(start: pointer, count: count)) }

    /// Overwrites the values with `values` (same count).
    public func assign(_ values: [Float]) {
        precondition(values.count == count, "expected \(count) values, got \(values.count)")
        values.withUnsafeBufferPointer { pointer.update(from: $0.baseAddress!, count: count) }
    }
}

/// A named parameter tensor of a layer, in Keras's layout.
public struct ParameterSpec: Equatable, Sendable {
    /// `kernel`, `recurrent_kernel` or `bias`.
    public var name: String
    /// Keras's shape, e.g. `[in, units]`.
    public var shape: [Int]
    /// Values in the tensor.
    public var count: Int { shape.reduce(1, *) }
}

/// One layer of a sequential model.
///
/// Layers read and write batches in the layout `Dataset` describes (sequences time-major). Forward
/// and backward mirror each other, llm.c style: `forward(out, inp, params, batch)` and
/// `backward(dinp, dparams, dout, inp, out, params, batch)`, all pointers into buffers the model
/// owns. `backward` may overwrite `dout`, writes (not adds) `dparams`, and skips `dinp` when nil.
public protocol Layer: AnyObject {
    /// Keras-style instance name, e.g. `simple_rnn_1`.
    var name: String { get }
    /// Keras class name, e.g. `SimpleRNN`.
    var typeName: String { get }
    /// Shape of one input sample.
    var inputShape: TensorShape { get }
    /// Shape of one output sample.
    var outputShape: TensorShape { get }
    /// Parameter tensors in the order they sit in the layer's slice of the flat buffer.
    var parameters: [ParameterSpec] { get }
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

/// Keras's initialisers, drawn from our own generator (the distribution matches, not the digits).
enum Initializers {
    /// glorot_uniform: U(±sqrt(6 / (fan_in + fan_out))) for a `[fanIn, fanOut]` kernel.
    static func glorotUniform(_ w: UnsafeMutablePointer<Float>, fanIn: Int, fanOut: Int, random: inout SplitMixRandom) {
        let limit = (6.0 / Double(fanIn + fanOut)).squareRoot()
        for i in 0..<(fanIn * fanOut) { w[i] = Float(limit * (2 * random.nextDouble() - 1)) }
    }

    /// orthogonal (gain 1) for a square `[n, n]` matrix: Q of the QR decomposition of a normal matrix,
    /// signs fixed so that R has a positive diagonal (what Keras does), by Gram-Schmidt in float64.
    static func orthogonal(_ w: UnsafeMutablePointer<Float>, size n: Int, random: inout SplitMixRandom) {
        var a = (0..<(n * n)).map { _ in random.nextNormal() }  // row-major [n, n]; columns are orthonormalised
        for j in 0..<n {
            for _ in 0..<2 {  // twice is enough for float64 orthogonality
                for i in 0..<j {
                    var dot = 0.0
                    for r in 0..<n { dot += a[r * n + i] * a[r * n + j] }
                    for r in 0..<n { a[r * n + j] -= dot * a[r * n + i] }
                }
            }
            var norm = 0.0
            for r in 0..<n { norm += a[r * n + j] * a[r * n + j] }
            norm = norm.squareRoot()
            for r in 0..<n { a[r * n + j] /= norm }
        }
        for i in 0..<(n * n) { w[i] = Float(a[i]) }
    }
}
