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
/// `[T][B][F]`, vectors `[B][F]`), except between two layers that both support feature-major
/// sequences (`useLayouts`). Forward and backward mirror each other, llm.c style:
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
    /// Whether the layer can also read and write sequences feature-major (`SequenceLayout.featureMajor`).
    var supportsFeatureMajor: Bool { get }
    /// Sets how the input and the output batches lie in memory; the model calls it once, before any pass.
    func useLayouts(input: SequenceLayout, output: SequenceLayout)
    /// What the next forward passes are for, set before them by the model (`ModelReplica.setMode`);
    /// `index` is the layer's position in the model. Layers that act the same either way ignore it.
    func setMode(_ mode: ForwardMode, index: Int)
}

extension Layer {
    /// Total parameter values of the layer.
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.count } }

    /// Most layers compute the same thing in training and inference.
    public func setMode(_ mode: ForwardMode, index: Int) {}
    /// Most layers work time-major only.
    public var supportsFeatureMajor: Bool { false }
    /// Layers that work time-major only accept nothing else.
    public func useLayouts(input: SequenceLayout, output: SequenceLayout) {
        precondition(input == .timeMajor && output == .timeMajor, "\(typeName) works time-major only")
    }
}

/// How a batch of sequences lies in memory between two layers.
public enum SequenceLayout: Equatable, Sendable {
    /// `[T][B][F]`: each step's samples, each with its features; what `Dataset` writes and the loss reads.
    case timeMajor
    /// `[T][F][B]`: each step's features, each with the batch's samples side by side, so that vector lanes
    /// run along the batch (Conv1D's products then fill every lane whatever the filter count).
    case featureMajor
}

/// Whether a forward pass trains (layers such as Dropout then draw their randomness) or infers.
public enum ForwardMode: Equatable, Sendable {
    /// Evaluation and forecasting: every layer deterministic, Dropout passes its input through.
    case inference
    /// One shard of one training batch.
    case training(TrainingStep)

    /// Whether this is a training pass.
    public var isTraining: Bool { self != .inference }
}

/// Identifies one shard of one training batch, from which a layer derives its random stream: the
/// same for any thread count and on resume, different for every batch, shard and layer.
public struct TrainingStep: Equatable, Sendable {
    /// The experiment's seed.
    public var seed: UInt32
    /// The epoch, from 1.
    public var epoch: Int
    /// The batch within the epoch, from 1.
    public var batch: Int
    /// The shard of the batch (`Sequential.shardRows`).
    public var shard: Int

    /// Creates a step.
    public init(seed: UInt32, epoch: Int, batch: Int, shard: Int) {
        self.seed = seed
        self.epoch = epoch
        self.batch = batch
        self.shard = shard
    }

    /// The random stream of layer `index` for this shard of this batch.
    public func random(purpose: String, layer index: Int) -> SplitMixRandom {
        // 20 bits of batch, 8 of shard and 12 of layer below the epoch: distinct for any realistic run.
        let key = (epoch << 40) | ((batch & 0xF_FFFF) << 20) | ((shard & 0xFF) << 12) | (index & 0xFFF)
        return SplitMixRandom(seed: seed, purpose: purpose, index: key)
    }
}
