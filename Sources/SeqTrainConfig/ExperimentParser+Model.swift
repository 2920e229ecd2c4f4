import SeqTrainCore
import SeqTrainModel
import SeqTrainOptimizers

/// The `model:` and `train:` sections, and the shape check that ties them to the data.
extension ExperimentParser {
    static func parseModel(_ node: Node, layers catalog: LayerCatalog, reader: inout NodeReader) -> ModelConfig? {
        if case .scalar(let scalar) = node {
            if scalar.string == "naive" { return .naive }
            reader.error(node, "model must be a list of layers or 'naive', found \(reader.describe(node))",
                         suggestion: Suggest.closest(to: scalar.string, in: ["naive"]) != nil ? "did you mean 'naive'?" : nil)
            return nil
        }
        guard case .sequence(let items) = node else {
            reader.error(node, "model must be a list of layers or 'naive', found \(reader.describe(node))")
            return nil
        }
        if items.isEmpty {
            reader.error(node, "model has no layers", suggestion: "add layers, e.g. - Dense: {units: 1}")
            return nil
        }
        var layers: [any LayerConfig] = []
        var ok = true
        for (index, item) in items.enumerated() {
            if let layer = catalog.parseLayer(item, path: "model.\(index)", reader: &reader) { layers.append(layer) } else { ok = false }
        }
        return ok ? .layers(layers) : nil
    }

    // MARK: - train

    static func parseTrain(_ node: Node?, vocabulary: Vocabulary, reader: inout NodeReader) -> TrainConfig? {
        var config = TrainConfig()
        guard let node else { return config }
        guard let entries = reader.mapping(node, "train") else { return nil }
        reader.checkKeys(entries, allowed: ExperimentKeys.train.map(\.name), in: "train")
        var ok = true
        for entry in entries {
            switch entry.key {
            case "epochs":
                if let value = reader.int(entry.value, "train.epochs", in: 1...1_000_000) { config.epochs = value } else { ok = false }
            case "batch_size":
                if let value = reader.int(entry.value, "train.batch_size", in: 1...10_000_000) { config.batchSize = value } else { ok = false }
            case "shuffle":
                if let value = reader.bool(entry.value, "train.shuffle") { config.shuffle = value } else { ok = false }
            case "loss":
                if let value = LossConfig.parse(entry.value, reader: &reader) { config.loss = value } else { ok = false }
            case "optimizer":
                if let value = vocabulary.optimizers.parse(entry.value, reader: &reader) { config.optimizer = value } else { ok = false }
                if let value = GradientClipping.parse(entry.value, reader: &reader) { config.clipping = value } else { ok = false }
            case "metrics":
                if let value = MetricKind.parseList(entry.value, reader: &reader) { config.metrics = value } else { ok = false }
            case "tensorboard":
                if let value = reader.bool(entry.value, "train.tensorboard") { config.tensorboard = value } else { ok = false }
            default: break
            }
        }
        // Callbacks last: their monitors are checked against the history columns the metrics make.
        if let callbacks = entries.first(where: { $0.key == "callbacks" })?.value {
            let context = CallbackContext(historyColumns: config.historyColumns,
                                          learningRateIsScheduled: config.optimizer.rule.learningRate.isScheduled,
                                          learningRateNode: entries.first { $0.key == "optimizer" }?.value["learning_rate"])
            if let value = vocabulary.callbacks.parseList(callbacks, context: context, reader: &reader) {
                config.callbacks = value
            } else {
                ok = false
            }
        }
        return ok ? config : nil
    }

    // MARK: - shapes

    /// Infers every layer's output shape from the data and checks the last one against the target.
    static func checkShapes(_ layers: [any LayerConfig], modelNode: Node, data: DataConfig, dataNode: Node?, train: TrainConfig,
                            trainNode: Node?, reader: inout NodeReader) {
        guard case .sequence(let items) = modelNode else { return }
        var shape = data.inputShape
        var previous = "the data"
        for (index, layer) in layers.enumerated() {
            do {
                shape = try layer.outputShape(for: shape, previous: previous)
            } catch let error as ShapeError {
                reader.error(items[index], "model.\(index): \(error.message)", suggestion: error.suggestion)
                return
            } catch {
                return
            }
            previous = "model.\(index) (\(layer.typeName))"
        }
        let expected = targetShape(data)
        if shape != expected {
            var hint = "the last layer must output \(expected)"
            if expected.features != shape.features { hint = "set units: \(expected.features) on the last layer" }
            if case .sequence = shape, case .vector = expected { hint = "set return_sequences: false on the last recurrent layer, or end with Flatten and Dense(\(expected.features))" }
            if case .vector = shape, case .sequence = expected { hint = "keep return_sequences: true up to the end and finish with TimeDistributed: {Dense: {units: \(expected.features)}}" }
            reader.error(items[layers.count - 1], "the model outputs \(shape) but data.target \(data.target.rawValue) with horizon \(data.horizon)"
                + (data.targetFeatures > 1 ? " and \(data.targetFeatures) target columns" : "") + " is \(expected)",
                         related: [("data.target", dataNode?["target"]), ("data.horizon", dataNode?["horizon"])], suggestion: hint)
        }
        if case .vector = shape, let metric = train.metrics.first(where: \.needsSequence) {
            // At the metric in train.metrics, naming the last layer that makes the output a vector.
            let metricsNode = trainNode?["metrics"]
            let metricNode = metricsNode?.sequence?.first { $0.scalar?.string == metric.rawValue } ?? metricsNode
            reader.error(metricNode ?? trainNode, "metric \(metric.rawValue) needs a sequence output, but the model outputs \(shape)",
                         related: [("model.\(layers.count - 1)", items[layers.count - 1])],
                         suggestion: "use mse, or a sequence target (data.target: sequence)")
        }
    }

    /// The shape of one target sample; with K target columns each step ahead holds K values. A sequence
    /// target has one step per output step of the model (`data.targetSteps`).
    public static func targetShape(_ data: DataConfig) -> TensorShape {
        let K = data.targetFeatures
        switch data.target {
        case .next: return .vector(K)
        case .vector: return .vector(data.horizon * K)
        case .sequence: return .sequence(steps: data.targetSteps?.count ?? data.window, features: data.horizon * K)
        }
    }

    /// For a sequence target and a model whose output steps are not the input's, the input step whose
    /// targets each output step is trained on (the last it sees); nil when every step is its own.
    public static func alignedTargetSteps(_ layers: [any LayerConfig], data: DataConfig) -> [Int]? {
        guard data.target == .sequence, let steps = StepAlignment.lastInputSteps(of: layers, input: data.inputShape),
              !StepAlignment.isIdentity(steps, count: data.window) else { return nil }
        return steps
    }
}
