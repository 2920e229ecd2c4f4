import Yams

/// The `model:` and `train:` sections, and the shape check that ties them to the data.
extension ExperimentParser {
    static let layerNames = ["SimpleRNN", "Dense", "TimeDistributed", "Flatten"]

    static func parseModel(_ node: Node, reader: inout NodeReader) -> ModelConfig? {
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
            reader.error(node, "model has no layers", suggestion: "add e.g. - SimpleRNN: {units: 20}")
            return nil
        }
        var layers: [LayerConfig] = []
        var ok = true
        for (index, item) in items.enumerated() {
            if let layer = parseLayer(item, path: "model.\(index)", reader: &reader) { layers.append(layer) } else { ok = false }
        }
        return ok ? .layers(layers) : nil
    }

    /// One `- Type: {options}` item (or a bare `- Flatten`).
    private static func parseLayer(_ node: Node, path: String, reader: inout NodeReader) -> LayerConfig? {
        let typeName: String, typeNode: Node, options: Node?
        switch node {
        case .scalar(let scalar):
            (typeName, typeNode, options) = (scalar.string, node, nil)
        case .mapping:
            guard let entries = reader.mapping(node, path), entries.count == 1 else {
                reader.error(node, "\(path) must name exactly one layer, like '- SimpleRNN: {units: 20}'")
                return nil
            }
            (typeName, typeNode, options) = (entries[0].key, entries[0].keyNode, entries[0].value)
        default:
            reader.error(node, "\(path) must be a layer like '- SimpleRNN: {units: 20}', found \(reader.describe(node))")
            return nil
        }
        switch typeName {
        case "SimpleRNN":
            guard let fields = layerOptions(options, path: path, typeName: typeName,
                                            allowed: ["units", "return_sequences", "activation", "use_bias"], reader: &reader),
                  let units = requiredUnits(fields, at: typeNode, path: path, reader: &reader) else { return nil }
            var config = SimpleRNNConfig(units: units)
            if let node = fields["return_sequences"] {
                guard let value = reader.bool(node, "\(path).return_sequences") else { return nil }
                config.returnSequences = value
            }
            if let node = fields["activation"] {
                guard let value = reader.choice(node, "\(path).activation", as: Activation.self) else { return nil }
                config.activation = value
            }
            if let node = fields["use_bias"] {
                guard let value = reader.bool(node, "\(path).use_bias") else { return nil }
                config.useBias = value
            }
            return .simpleRNN(config)
        case "Dense":
            return parseDense(options, at: typeNode, path: path, reader: &reader).map(LayerConfig.dense)
        case "TimeDistributed":
            guard let options, let entries = reader.mapping(options, "\(path).TimeDistributed") else {
                reader.error(typeNode, "TimeDistributed needs the layer it wraps", suggestion: "write TimeDistributed: {Dense: {units: 10}}")
                return nil
            }
            guard entries.count == 1, entries[0].key == "Dense" else {
                let found = entries.first?.key ?? "nothing"
                reader.error(entries.first?.keyNode ?? options, "TimeDistributed wraps exactly one Dense layer, found '\(found)'",
                             suggestion: Suggest.closest(to: found, in: ["Dense"]) != nil ? "did you mean 'Dense'?" : "write TimeDistributed: {Dense: {units: 10}}")
                return nil
            }
            return parseDense(entries[0].value, at: entries[0].keyNode, path: "\(path).Dense", reader: &reader)
                .map(LayerConfig.timeDistributed)
        case "Flatten":
            guard layerOptions(options, path: path, typeName: typeName, allowed: [], reader: &reader) != nil else { return nil }
            return .flatten
        default:
            reader.error(typeNode, "unknown layer '\(typeName)' at \(path)", suggestion: Suggest.hint(for: typeName, in: layerNames))
            return nil
        }
    }

    private static func parseDense(_ options: Node?, at typeNode: Node, path: String, reader: inout NodeReader) -> DenseConfig? {
        guard let fields = layerOptions(options, path: path, typeName: "Dense", allowed: ["units", "activation", "use_bias"], reader: &reader),
              let units = requiredUnits(fields, at: typeNode, path: path, reader: &reader) else { return nil }
        var config = DenseConfig(units: units)
        if let node = fields["activation"] {
            guard let value = reader.choice(node, "\(path).activation", as: Activation.self) else { return nil }
            config.activation = value
        }
        if let node = fields["use_bias"] {
            guard let value = reader.bool(node, "\(path).use_bias") else { return nil }
            config.useBias = value
        }
        return config
    }

    /// The option mapping of a layer (empty for `Type:` with nothing after it), unknown keys reported.
    private static func layerOptions(_ options: Node?, path: String, typeName: String, allowed: [String],
                                     reader: inout NodeReader) -> [String: Node]? {
        guard let options else { return [:] }
        if case .scalar(let scalar) = options, scalar.string.isEmpty, scalar.style == .plain { return [:] }
        guard let entries = reader.mapping(options, "\(path) (\(typeName))") else { return nil }
        let before = reader.diagnostics.count
        reader.checkKeys(entries, allowed: allowed, in: "\(typeName) at \(path)")
        guard reader.diagnostics.count == before else { return nil }
        return Dictionary(entries.map { ($0.key, $0.value) }, uniquingKeysWith: { first, _ in first })
    }

    private static func requiredUnits(_ fields: [String: Node], at typeNode: Node, path: String, reader: inout NodeReader) -> Int? {
        guard let node = fields["units"] else {
            reader.error(typeNode, "\(path) needs units", suggestion: "write e.g. {units: 20}")
            return nil
        }
        return reader.int(node, "\(path).units", in: 1...4096)
    }

    // MARK: - train

    static func parseTrain(_ node: Node?, reader: inout NodeReader) -> TrainConfig? {
        var config = TrainConfig()
        guard let node else { return config }
        guard let entries = reader.mapping(node, "train") else { return nil }
        reader.checkKeys(entries, allowed: ["epochs", "batch_size", "shuffle", "loss", "optimizer", "metrics"], in: "train")
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
                if let value = parseLoss(entry.value, reader: &reader) { config.loss = value } else { ok = false }
            case "optimizer":
                if let value = parseOptimizer(entry.value, reader: &reader) { config.optimizer = value } else { ok = false }
                if let value = parseClipping(entry.value, reader: &reader) { config.clipping = value } else { ok = false }
            case "metrics":
                if let value = parseMetrics(entry.value, reader: &reader) { config.metrics = value } else { ok = false }
            default: break
            }
        }
        return ok ? config : nil
    }

    private static func parseLoss(_ node: Node, reader: inout NodeReader) -> LossConfig? {
        let names = ["mse", "mae", "huber"]
        var name: String?, delta = 1.0
        if case .mapping = node {
            guard let entries = reader.mapping(node, "train.loss") else { return nil }
            reader.checkKeys(entries, allowed: ["name", "delta"], in: "train.loss")
            for entry in entries {
                if entry.key == "name" { name = reader.scalarText(entry.value, "train.loss.name", expected: "a loss name") }
                if entry.key == "delta" {
                    guard let value = reader.double(entry.value, "train.loss.delta", requirement: "greater than 0", { $0 > 0 }) else { return nil }
                    delta = value
                }
            }
        } else {
            name = reader.scalarText(node, "train.loss", expected: "mse, mae or huber")
        }
        switch name {
        case "mse": return .mse
        case "mae": return .mae
        case "huber": return .huber(delta: delta)
        case let other?:
            reader.error(node, "train.loss cannot be '\(other)'", suggestion: Suggest.hint(for: other, in: names))
            return nil
        case nil:
            return nil
        }
    }

    private static func parseMetrics(_ node: Node, reader: inout NodeReader) -> [MetricKind]? {
        guard case .sequence(let items) = node else {
            reader.error(node, "train.metrics must be a list such as [last_time_step_mse], found \(reader.describe(node))")
            return nil
        }
        var metrics: [MetricKind] = []
        for (index, item) in items.enumerated() {
            guard let metric = reader.choice(item, "train.metrics.\(index)", as: MetricKind.self) else { return nil }
            if metrics.contains(metric) {
                reader.error(item, "metric '\(metric.rawValue)' is listed twice")
                return nil
            }
            metrics.append(metric)
        }
        return metrics
    }

    private static func parseOptimizer(_ node: Node, reader: inout NodeReader) -> OptimizerConfig? {
        let fields: [NodeReader.Entry]
        let nameNode: Node
        if case .scalar = node {
            (fields, nameNode) = ([], node)
        } else {
            guard let entries = reader.mapping(node, "train.optimizer") else { return nil }
            // Without a name the optimizer is the default one, Adam (as when optimizer: is absent).
            let named = entries.first(where: { $0.key == "name" })?.value ?? Node("adam")
            (fields, nameNode) = (entries.filter { !["name", "clipnorm", "clipvalue"].contains($0.key) }, named)
        }
        guard let name = reader.scalarText(nameNode, "train.optimizer.name", expected: "adam, sgd or rmsprop") else { return nil }
        let positive = { (v: Double) in v > 0 }
        let unit = { (v: Double) in v >= 0 && v < 1 }
        var ok = true
        func number(_ entry: NodeReader.Entry, _ requirement: String, _ valid: (Double) -> Bool, reader: inout NodeReader) -> Double? {
            let value = reader.double(entry.value, "train.optimizer.\(entry.key)", requirement: requirement, valid)
            if value == nil { ok = false }
            return value
        }
        switch name {
        case "adam":
            var adam = AdamConfig()
            reader.checkKeys(fields, allowed: ["learning_rate", "beta_1", "beta_2", "epsilon", "clipnorm", "clipvalue"], in: "the adam optimizer")
            for entry in fields {
                switch entry.key {
                case "learning_rate": adam.learningRate = number(entry, "greater than 0", positive, reader: &reader) ?? 0
                case "beta_1": adam.beta1 = number(entry, "in [0, 1)", unit, reader: &reader) ?? 0
                case "beta_2": adam.beta2 = number(entry, "in [0, 1)", unit, reader: &reader) ?? 0
                case "epsilon": adam.epsilon = number(entry, "greater than 0", positive, reader: &reader) ?? 0
                default: ok = false
                }
            }
            return ok ? .adam(adam) : nil
        case "sgd":
            var sgd = SGDConfig()
            reader.checkKeys(fields, allowed: ["learning_rate", "momentum", "nesterov", "clipnorm", "clipvalue"], in: "the sgd optimizer")
            for entry in fields {
                switch entry.key {
                case "learning_rate": sgd.learningRate = number(entry, "greater than 0", positive, reader: &reader) ?? 0
                case "momentum": sgd.momentum = number(entry, "in [0, 1)", unit, reader: &reader) ?? 0
                case "nesterov":
                    if let value = reader.bool(entry.value, "train.optimizer.nesterov") { sgd.nesterov = value } else { ok = false }
                default: ok = false
                }
            }
            return ok ? .sgd(sgd) : nil
        case "rmsprop":
            var rmsprop = RMSpropConfig()
            reader.checkKeys(fields, allowed: ["learning_rate", "rho", "epsilon", "clipnorm", "clipvalue"], in: "the rmsprop optimizer")
            for entry in fields {
                switch entry.key {
                case "learning_rate": rmsprop.learningRate = number(entry, "greater than 0", positive, reader: &reader) ?? 0
                case "rho": rmsprop.rho = number(entry, "in [0, 1)", unit, reader: &reader) ?? 0
                case "epsilon": rmsprop.epsilon = number(entry, "greater than 0", positive, reader: &reader) ?? 0
                default: ok = false
                }
            }
            return ok ? .rmsprop(rmsprop) : nil
        default:
            reader.error(nameNode, "unknown optimizer '\(name)'", suggestion: Suggest.hint(for: name, in: ["adam", "sgd", "rmsprop"]))
            return nil
        }
    }

    /// `clipnorm` / `clipvalue` inside the optimizer mapping (nil after reporting an error).
    private static func parseClipping(_ node: Node, reader: inout NodeReader) -> GradientClipping? {
        guard case .mapping = node, let entries = reader.mapping(node, "train.optimizer") else { return GradientClipping.none }
        let clips = entries.filter { $0.key == "clipnorm" || $0.key == "clipvalue" }
        guard !clips.isEmpty else { return GradientClipping.none }
        if clips.count > 1 {
            reader.error(clips[1].keyNode, "train.optimizer takes clipnorm or clipvalue, not both", suggestion: "keep one of them")
            return nil
        }
        guard let value = reader.double(clips[0].value, "train.optimizer.\(clips[0].key)", requirement: "greater than 0", { $0 > 0 }) else {
            return nil
        }
        return clips[0].key == "clipnorm" ? .norm(value) : .value(value)
    }

    // MARK: - shapes

    /// Infers every layer's output shape from the data and checks the last one against the target.
    static func checkShapes(_ layers: [LayerConfig], modelNode: Node, data: DataConfig, train: TrainConfig,
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
                         suggestion: hint)
        }
        if case .vector = shape, train.metrics.contains(.last_time_step_mse) {
            reader.error(trainNode, "metric last_time_step_mse needs a sequence output, but the model outputs \(shape)",
                         suggestion: "use mse, or a sequence target (data.target: sequence)")
        }
    }

    /// The shape of one target sample; with K target columns each step ahead holds K values.
    public static func targetShape(_ data: DataConfig) -> TensorShape {
        let K = data.targetFeatures
        switch data.target {
        case .next: return .vector(K)
        case .vector: return .vector(data.horizon * K)
        case .sequence: return .sequence(steps: data.window, features: data.horizon * K)
        }
    }
}
