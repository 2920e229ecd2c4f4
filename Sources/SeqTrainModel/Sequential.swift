import Foundation
import SeqTrainCore

/// One shard's copy of the layers: its own activations, scratch and gradients, reading the shared
/// parameters. Shards of a batch run independently (on any thread) and their gradients are summed
/// in shard order, so the result never depends on how many threads ran them.
public final class ModelReplica {
    /// The layers of this replica.
    public let layers: [any Layer]
    /// Largest batch this replica holds.
    public let maxBatch: Int
    /// The input batch (time-major), filled by the caller.
    public let input: FloatBuffer
    /// This replica's parameter gradients, laid out like the parameters.
    public let gradients: FloatBuffer
    private let parameters: UnsafeMutablePointer<Float>
    private let offsets: [Int]
    private let activations: [FloatBuffer]
    private let gradientsOfActivations: [FloatBuffer]

    init(layers: [any Layer], inputShape: TensorShape, maxBatch: Int, parameters: FloatBuffer, offsets: [Int]) {
        self.layers = layers
        self.maxBatch = maxBatch
        self.parameters = parameters.pointer
        self.offsets = offsets
        input = FloatBuffer(count: maxBatch * inputShape.count)
        gradients = FloatBuffer(count: parameters.count)
        activations = layers.map { FloatBuffer(count: maxBatch * $0.outputShape.count) }
        gradientsOfActivations = layers.map { FloatBuffer(count: maxBatch * $0.outputShape.count) }
    }

    /// Tells every layer what the next forward passes are for (training draws Dropout's masks).
    public func setMode(_ mode: ForwardMode) {
        for (index, layer) in layers.enumerated() { layer.setMode(mode, index: index) }
    }

    /// Runs the layers on the first `batch` samples of `input`; returns the output batch.
    @discardableResult
    public func forward(batch: Int) -> UnsafeMutablePointer<Float> {
        precondition(batch <= maxBatch)
        var x = UnsafePointer(input.pointer)
        for (i, layer) in layers.enumerated() {
            layer.forward(activations[i].pointer, x, parameters + offsets[i], batch: batch)
            x = UnsafePointer(activations[i].pointer)
        }
        return activations.last!.pointer
    }

    /// Where the loss writes dLoss/dOutput before `backward`.
    public var outputGradient: UnsafeMutablePointer<Float> { gradientsOfActivations.last!.pointer }

    /// Back-propagates `outputGradient` through every layer into `gradients` (after `forward`).
    public func backward(batch: Int) {
        for i in stride(from: layers.count - 1, through: 0, by: -1) {
            let inp = i == 0 ? UnsafePointer(input.pointer) : UnsafePointer(activations[i - 1].pointer)
            let dinp = i == 0 ? nil : gradientsOfActivations[i - 1].pointer
            layers[i].backward(dinp, gradients.pointer + offsets[i], gradientsOfActivations[i].pointer,
                               inp, activations[i].pointer, parameters + offsets[i], batch: batch)
        }
    }
}

/// A stack of layers with all parameters in one flat buffer (so the optimizer and the checkpoint
/// are simple loops), run as a fixed number of shards per batch, each on its own `ModelReplica`.
public final class Sequential {
    /// How many shards a batch is cut into. Fixed, so results do not depend on the thread count.
    public static let shardCount = 2
    /// The layers, in order (those of the first replica).
    public var layers: [any Layer] { replicas[0].layers }
    /// Shape of one input sample.
    public let inputShape: TensorShape
    /// Shape of one output sample.
    public var outputShape: TensorShape { layers.last!.outputShape }
    /// Largest batch the model holds.
    public let maxBatch: Int
    /// All parameters, layer after layer, each layer's tensors in its `parameters` order.
    public let parameters: FloatBuffer
    /// The gradients of the last batch, summed over its shards.
    public let gradients: FloatBuffer
    /// Where each layer's slice of `parameters` starts.
    public let offsets: [Int]
    /// One replica per shard.
    public let replicas: [ModelReplica]

    /// Builds the layers of `configs` on `inputShape`; the config parser has checked the shapes.
    public init(_ configs: [any LayerConfig], inputShape: TensorShape, maxBatch: Int) {
        self.inputShape = inputShape
        self.maxBatch = maxBatch
        let shardBatch = (maxBatch + Self.shardCount - 1) / Self.shardCount
        let stacks = (0..<Self.shardCount).map { _ in Self.makeLayers(configs, inputShape: inputShape, maxBatch: shardBatch) }
        var offsets: [Int] = []
        var total = 0
        for layer in stacks[0] {
            offsets.append(total)
            total += layer.parameterCount
        }
        self.offsets = offsets
        let parameters = FloatBuffer(count: total)
        self.parameters = parameters
        gradients = FloatBuffer(count: total)
        replicas = stacks.map { ModelReplica(layers: $0, inputShape: inputShape, maxBatch: shardBatch, parameters: parameters, offsets: offsets) }
    }

    private static func makeLayers(_ configs: [any LayerConfig], inputShape: TensorShape, maxBatch: Int) -> [any Layer] {
        var layers: [any Layer] = []
        var shape = inputShape
        var counters: [String: Int] = [:]
        for config in configs {
            // Keras's instance names: dense, dense_1, dense_2, …
            let base = type(of: config).instanceName
            counters[base, default: 0] += 1
            let name = counters[base]! == 1 ? base : "\(base)_\(counters[base]! - 1)"
            let layer = config.makeLayer(inputShape: shape, name: name, maxBatch: maxBatch)
            layers.append(layer)
            shape = layer.outputShape
        }
        chooseLayouts(layers)
        return layers
    }

    /// Neighbours that both work feature-major pass their batches so, saving a transpose each way; the
    /// stack's input and output stay time-major.
    public static func chooseLayouts(_ layers: [any Layer]) {
        for (i, layer) in layers.enumerated() where layer.supportsFeatureMajor {
            let input = i > 0 && layers[i - 1].supportsFeatureMajor
            let output = i + 1 < layers.count && layers[i + 1].supportsFeatureMajor
            layer.useLayouts(input: input ? .featureMajor : .timeMajor, output: output ? .featureMajor : .timeMajor)
        }
    }

    /// The arithmetic of one sample through the whole stack (no input gradient for the first layer).
    public var flopsPerSample: FlopCount {
        var total = FlopCount.zero
        for (i, layer) in layers.enumerated() {
            let count = layer.flops(inputGradient: i > 0)
            total.forward += count.forward
            total.backward += count.backward
        }
        return total
    }

    /// Number of trainable values.
    public var parameterCount: Int { parameters.count }

    /// The rows of a batch that shard `shard` takes: consecutive, as equal as possible.
    public static func shardRows(_ shard: Int, batch: Int) -> Range<Int> {
        let size = (batch + shardCount - 1) / shardCount
        return min(batch, shard * size)..<min(batch, (shard + 1) * size)
    }

    /// Draws initial weights: layer i uses its own stream of the experiment seed.
    public func initialize(seed: UInt32) {
        for (i, layer) in layers.enumerated() {
            var random = SplitMixRandom(seed: seed, purpose: "init", index: i)
            layer.initialize(parameters.pointer + offsets[i], random: &random)
        }
    }

    /// Sums the replicas' gradients `range` into `gradients`, in shard order (shards that had rows only):
    /// each value's additions are its own, so slices summed on any threads give the same bytes.
    public func reduceGradients(batch: Int, range: Range<Int>) {
        let (start, count) = (range.lowerBound, range.count)
        let g = gradients.pointer + start
        g.update(from: replicas[0].gradients.pointer + start, count: count)
        for shard in 1..<Self.shardCount where !Self.shardRows(shard, batch: batch).isEmpty {
            SIMDLoops.add(g, replicas[shard].gradients.pointer + start, count: count)  // the same additions, 16 lanes at a time
        }
    }

    /// Every parameter tensor with its checkpoint name (`layers.<i>.kernel`), shape and flat range.
    public var namedTensors: [(name: String, shape: [Int], range: Range<Int>)] {
        var result: [(String, [Int], Range<Int>)] = []
        for (i, layer) in layers.enumerated() {
            var start = offsets[i]
            for spec in layer.parameters {
                result.append(("layers.\(i).\(spec.name)", spec.shape, start..<(start + spec.count)))
                start += spec.count
            }
        }
        return result
    }

    /// Keras-style `model.summary()` text.
    public func summary(title: String) -> String {
        let rows = layers.map { ("\($0.name) (\($0.typeName))", $0.outputShape.description, Self.grouped($0.parameterCount)) }
        let w0 = max(28, (rows.map(\.0.count).max() ?? 0) + 2), w1 = 25, w2 = 12
        func pad(_ s: String, _ w: Int) -> String { s.count >= w ? s + " " : s + String(repeating: " ", count: w - s.count) }
        let rule = String(repeating: "─", count: w0 + w1 + w2)
        var lines = ["Model: \"\(title)\"", rule, pad("Layer (type)", w0) + pad("Output Shape", w1) + "Param #",
                     String(repeating: "═", count: w0 + w1 + w2)]
        for row in rows { lines.append(pad(row.0, w0) + pad(row.1, w1) + row.2) }
        lines.append(rule)
        lines.append(" Total params: \(Self.grouped(parameterCount)) (\(Self.bytes(parameterCount * 4)))")
        lines.append(" Trainable params: \(Self.grouped(parameterCount)) (\(Self.bytes(parameterCount * 4)))")
        lines.append(" Non-trainable params: 0 (0.00 B)")
        return lines.joined(separator: "\n")
    }

    /// `1470` as `1,470`, as Keras prints counts.
    static func grouped(_ n: Int) -> String {
        var digits = String(n)
        var index = digits.count - 3
        while index > 0 {
            digits.insert(",", at: digits.index(digits.startIndex, offsetBy: index))
            index -= 3
        }
        return digits
    }

    /// `5.74 KB`, as Keras prints sizes.
    static func bytes(_ n: Int) -> String {
        if n < 1024 { return "\(n).00 B" }
        let kb = Double(n) / 1024
        if kb < 1024 { return String(format: "%.2f KB", kb) }
        return String(format: "%.2f MB", kb / 1024)
    }
}
