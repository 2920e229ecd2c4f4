import SeqTrainCore

/// `TimeDistributed: {Dense: {...}}`: applies the wrapped layer to every time step of a sequence.
///
/// A time-major batch `[T][B][F]` is `T·B` vectors of `F` values in a row, so the wrapped layer runs
/// once on a batch of `T·B` vector samples; its weights are shared by every step.
public struct TimeDistributedConfig: LayerConfig {
    /// The layer applied at each step.
    public var layer: any LayerConfig

    /// Wraps `layer`.
    public init(_ layer: any LayerConfig) { self.layer = layer }

    public static func == (a: TimeDistributedConfig, b: TimeDistributedConfig) -> Bool { a.layer.isEqual(to: b.layer) }

    public static let typeName = "TimeDistributed"
    public static let instanceName = "time_distributed"
    public static let optionKeys: [String]? = nil  // one key: the wrapped layer's name

    public static func parse(_ options: inout LayerOptions) -> TimeDistributedConfig? {
        guard options.entries.count == 1 else {
            let found = options.entries.dropFirst().first
            options.error(found?.keyNode ?? options.typeNode,
                          options.entries.isEmpty ? "TimeDistributed needs the layer it wraps"
                              : "TimeDistributed wraps exactly one layer, found '\(found!.key)' too",
                          suggestion: "write TimeDistributed: {Dense: {units: 10}}")
            return nil
        }
        let entry = options.entries[0]
        return options.layer(typeName: entry.key, typeNode: entry.keyNode, options: entry.value, path: "\(options.path).\(entry.key)")
            .map(TimeDistributedConfig.init)
    }

    public var options: [(key: String, value: String)] {
        [(layer.typeName, YAMLText.mapping(layer.options.map { ($0.key, $0.value) }))]
    }

    public func outputShape(for input: TensorShape, previous: String) throws -> TensorShape {
        guard case .sequence(let steps, let features) = input else {
            throw ShapeError(
                message: "TimeDistributed applies its layer at every time step and needs a sequence "
                    + "[batch, steps, features], but \(previous) outputs \(input)",
                suggestion: "use \(layer.typeName) directly, or set return_sequences: true on \(previous)")
        }
        let step: TensorShape
        do {
            step = try layer.outputShape(for: .vector(features), previous: "each step of \(previous)")
        } catch is ShapeError {
            // The wrapped layer's own advice would be about `previous`, which is not what needs changing.
            throw ShapeError(message: "TimeDistributed gives \(layer.typeName) one step of \(previous) at a time, "
                                 + "a vector \(TensorShape.vector(features)), and \(layer.typeName) cannot take one",
                             suggestion: "wrap a layer that reads vectors, such as Dense, or use \(layer.typeName) in model: directly")
        }
        return .sequence(steps: steps, features: step.count)
    }

    public func makeLayer(inputShape: TensorShape, name: String, maxBatch: Int) -> any Layer {
        TimeDistributed(self, inputShape: inputShape, name: name, maxBatch: maxBatch)
    }
}

/// The TimeDistributed layer: the wrapped layer, built for `[F]` vectors and batches of `T·B`.
public final class TimeDistributed: Layer {
    public let name: String
    public let typeName = TimeDistributedConfig.typeName
    public let inputShape: TensorShape
    public let outputShape: TensorShape
    /// The layer applied at each step.
    public let inner: any Layer
    let T: Int

    /// A TimeDistributed layer on a sequence input.
    public init(_ config: TimeDistributedConfig, inputShape: TensorShape, name: String, maxBatch: Int) {
        guard case .sequence(let steps, let features) = inputShape else {
            preconditionFailure("TimeDistributed needs a sequence input; the config parser checks this")
        }
        T = steps
        self.name = name
        self.inputShape = inputShape
        inner = config.layer.makeLayer(inputShape: .vector(features), name: name, maxBatch: steps * maxBatch)
        outputShape = .sequence(steps: steps, features: inner.outputShape.count)
    }

    public var parameters: [ParameterSpec] { inner.parameters }

    /// The wrapped layer's arithmetic at each of the T steps.
    public func flops(inputGradient: Bool) -> FlopCount {
        let step = inner.flops(inputGradient: inputGradient)
        return FlopCount(forward: Double(T) * step.forward, backward: Double(T) * step.backward)
    }

    public func initialize(_ params: UnsafeMutablePointer<Float>, random: inout SplitMixRandom) {
        inner.initialize(params, random: &random)
    }

    /// The wrapped layer trains or infers with the model (TimeDistributed(Dropout) drops per step).
    public func setMode(_ mode: ForwardMode, index: Int) {
        inner.setMode(mode, index: index)
    }

    public func forward(_ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, _ params: UnsafePointer<Float>, batch: Int) {
        inner.forward(out, inp, params, batch: T * batch)
    }

    public func backward(_ dinp: UnsafeMutablePointer<Float>?, _ dparams: UnsafeMutablePointer<Float>,
                         _ dout: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, _ out: UnsafePointer<Float>,
                         _ params: UnsafePointer<Float>, batch: Int) {
        inner.backward(dinp, dparams, dout, inp, out, params, batch: T * batch)
    }
}

extension TimeDistributedConfig {
    /// The options (TimeDistributed's one key is the wrapped layer, described by the schema itself).
    public static let optionSchema: [OptionSpec] = []
}
