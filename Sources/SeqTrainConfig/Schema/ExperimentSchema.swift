import SeqTrainCore
import SeqTrainModel
import SeqTrainOptimizers

/// The JSON Schema (draft 2020-12) of the experiment file, generated from the registries the parser
/// reads with (layers, optimizers, schedules, callbacks, losses, metrics) and `ExperimentKeys`, so that
/// an editor's completion and squiggles follow the parser.
///
/// The schema checks what a schema can express: keys, types, enums, ranges and required options.
/// What needs the whole file (shapes between layers, splits against the data, a monitor against the
/// history columns) stays with `seqtrain check`.
public enum ExperimentSchema {
    /// Where `seqtrain schema > …` output is conventionally referred to from a config.
    public static let id = "https://seqtrain.invalid/experiment.schema.json"

    /// The schema of an experiment file using `vocabulary`.
    public static func json(vocabulary: Vocabulary) -> JSONValue {
        let definitions: [(String, JSONValue)] = [
            ("data", dataSchema),
            ("layer", layerSchema(vocabulary.layers)),
            ("train", trainSchema(vocabulary)),
            ("optimizer", optimizerSchema(vocabulary.optimizers)),
            ("learning_rate", learningRateSchema),
            ("callback", callbackSchema(vocabulary.callbacks)),
            ("sweep", sweepSchema),
        ]
        var properties: [(String, JSONValue)] = []
        for option in ExperimentKeys.root {
            switch option.name {
            case "name": properties.append(("name", merging(option.jsonSchema, [("pattern", .string("^[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}$"))])))
            case "model":
                properties.append(("model", .object([
                    ("description", .string(option.description)),
                    ("anyOf", .array([
                        .object([("enum", .array([.string("naive")]))]),
                        .object([("type", .string("array")), ("minItems", .int(1)), ("items", ref("layer"))]),
                    ])),
                ])))
            case "seed": properties.append(("seed", option.jsonSchema))
            default: properties.append((option.name, merging(ref(option.name), [("description", .string(option.description))])))
            }
        }
        return .object([
            ("$schema", .string("https://json-schema.org/draft/2020-12/schema")),
            ("$id", .string(id)),
            ("title", .string("seqtrain experiment")),
            ("description", .string("An experiment file of seqtrain: data, model, train and an optional sweep.")),
            ("type", .string("object")),
            ("properties", .object(properties)),
            ("additionalProperties", .bool(false)),
            ("required", .array(ExperimentKeys.root.filter(\.required).map { .string($0.name) })),
            ("$defs", .object(definitions)),
        ])
    }

    /// `{"$ref": "#/$defs/name"}`.
    static func ref(_ name: String) -> JSONValue { .object([("$ref", .string("#/$defs/\(name)"))]) }

    /// `schema` (an object) with `pairs` added or replaced.
    static func merging(_ schema: JSONValue, _ pairs: [(String, JSONValue)]) -> JSONValue {
        guard case .object(var existing) = schema else { return schema }
        for (key, value) in pairs {
            if let index = existing.firstIndex(where: { $0.0 == key }) { existing[index].1 = value } else { existing.append((key, value)) }
        }
        return .object(existing)
    }

    /// An object schema of `options`, with some properties replaced by `overrides`.
    static func object(_ options: [OptionSpec], description: String? = nil, overrides: [String: JSONValue] = [:],
                       nullable: Bool = false) -> JSONValue {
        var schema = OptionSpec.objectSchema(options, description: description)
        guard case .object(var pairs) = schema else { return schema }
        if let index = pairs.firstIndex(where: { $0.0 == "properties" }) {
            pairs[index].1 = .object(options.map { option in
                (option.name, overrides[option.name].map { merging($0, [("description", .string(option.description))]) } ?? option.jsonSchema)
            })
        }
        if nullable, let index = pairs.firstIndex(where: { $0.0 == "type" }) {
            pairs[index].1 = .array([.string("object"), .string("null")])  // `Flatten:` with nothing after it
        }
        schema = .object(pairs)
        return schema
    }

    // MARK: - Sections

    static var dataSchema: JSONValue {
        let source = JSONValue.object([("anyOf", .array([
            object(ExperimentKeys.generatorSource, description: "The chapter's generated series."),
            object(ExperimentKeys.csvSource, description: "A CSV file's columns."),
        ]))])
        let split = object(ExperimentKeys.split)
        return object(ExperimentKeys.data, description: "The data section.", overrides: ["source": source, "split": split])
    }

    static func layerSchema(_ catalog: LayerCatalog) -> JSONValue {
        var choices: [JSONValue] = []
        // A bare name (`- Flatten`) for layers that need no option.
        let bare = catalog.types.filter { $0.optionKeys != nil && !$0.optionSchema.contains(where: \.required) }.map { JSONValue.string($0.typeName) }
        if !bare.isEmpty { choices.append(.object([("enum", .array(bare))])) }
        for type in catalog.types {
            // A wrapper (TimeDistributed) takes one layer item as its options.
            let options = type.optionKeys == nil ? ref("layer")
                : object(type.optionSchema, nullable: !type.optionSchema.contains(where: \.required))
            choices.append(.object([
                ("description", .string("A \(type.typeName) layer.")),
                ("type", .string("object")),
                ("properties", .object([(type.typeName, options)])),
                ("required", .array([.string(type.typeName)])),
                ("additionalProperties", .bool(false)),
            ]))
        }
        return .object([("description", .string("One layer: {Type: {options}}.")), ("anyOf", .array(choices))])
    }

    static func trainSchema(_ vocabulary: Vocabulary) -> JSONValue {
        let loss = JSONValue.object([("anyOf", .array([
            .object([("enum", .array(LossConfig.names.map { .string($0) }))]),
            object([OptionSpec("name", .choice(LossConfig.names), required: true, "The loss."),
                    OptionSpec("delta", .number, default: "1", minimum: 0, exclusiveMinimum: true, "Huber's threshold between squared and absolute error.")]),
        ]))])
        let callbacks = JSONValue.object([("type", .string("array")), ("items", ref("callback"))])
        return object(ExperimentKeys.train, description: "The train section.",
                      overrides: ["loss": loss, "optimizer": ref("optimizer"), "callbacks": callbacks])
    }

    static func optimizerSchema(_ catalog: OptimizerCatalog) -> JSONValue {
        var choices: [JSONValue] = [.object([("enum", .array(catalog.names.map { .string($0) }))])]
        for (index, type) in catalog.types.enumerated() {
            // `name` may be left out for the first (default) optimizer.
            let name = OptionSpec("name", .choice([type.name]), default: index == 0 ? type.name : nil, required: index != 0, "The optimizer.")
            let options = [name] + type.optionSchema + OptimizerCatalog.commonOptionSchema
            choices.append(object(options, description: "The \(type.name) optimizer.", overrides: ["learning_rate": ref("learning_rate")]))
        }
        return .object([("description", .string("An optimizer name, or a mapping of its options.")), ("anyOf", .array(choices))])
    }

    static var learningRateSchema: JSONValue {
        var choices: [JSONValue] = [.object([("type", .string("number")), ("exclusiveMinimum", .int(0))])]
        for type in LearningRate.schedules {
            let schedule = OptionSpec("schedule", .choice([type.name]), required: true, "The schedule.")
            choices.append(object([schedule] + type.optionSchema, description: "Keras's \(type.name) schedule."))
        }
        return .object([("description", .string("A number, or {schedule: NAME, ...}.")), ("anyOf", .array(choices))])
    }

    static func callbackSchema(_ catalog: CallbackCatalog) -> JSONValue {
        // A bare name (`- EarlyStopping`) is a callback with its defaults, as the parser reads it.
        let bare = JSONValue.object([("enum", .array(catalog.names.map { .string($0) }))])
        let choices: [JSONValue] = [bare] + catalog.types.map { type in
            .object([
                ("type", .string("object")),
                ("properties", .object([(type.name, object(type.optionSchema, nullable: true))])),
                ("required", .array([.string(type.name)])),
                ("additionalProperties", .bool(false)),
            ])
        }
        return .object([("description", .string("One callback: {Name: {options}}.")), ("anyOf", .array(choices))])
    }

    static var sweepSchema: JSONValue {
        let bounds = JSONValue.object([("type", .string("array")), ("items", .object([("type", .string("number"))])),
                                       ("minItems", .int(2)), ("maxItems", .int(2))])
        let distribution = JSONValue.object([
            ("type", .string("object")),
            ("properties", .object(["uniform", "log_uniform", "int_uniform", "int_log_uniform"].map { ($0, bounds) })),
            ("additionalProperties", .bool(false)), ("minProperties", .int(1)), ("maxProperties", .int(1)),
        ])
        let values = JSONValue.object([("type", .string("array")), ("minItems", .int(1))])
        let parameters = JSONValue.object([("type", .string("object")), ("minProperties", .int(1)),
                                           ("additionalProperties", .object([("anyOf", .array([values, distribution]))]))])
        let method = object(ExperimentKeys.sweep, overrides: ["parameters": parameters, "halving": object(ExperimentKeys.halving)])
        let grid = JSONValue.object([("type", .string("object")), ("minProperties", .int(1)), ("additionalProperties", values)])
        return .object([("description", .string("A grid {path: [values]}, or {method, trials, seed, parameters, halving}.")),
                        ("anyOf", .array([grid, method]))])
    }
}
