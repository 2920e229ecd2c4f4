/// One option of a registered type (a layer, optimizer, schedule or callback) as the JSON Schema,
/// `seqtrain help config` and `seqtrain init` describe it: name, type, default, range, description.
///
/// Each registry's protocol requires `optionSchema`; a test checks that its names equal the
/// `optionKeys` the parser accepts, so the description cannot drift from the parser.
public struct OptionSpec: Sendable {
    /// What kind of YAML value the option takes.
    public indirect enum Kind: Sendable {
        /// A whole number.
        case integer
        /// Any number.
        case number
        /// true or false.
        case boolean
        /// A string.
        case string
        /// One of these names.
        case choice([String])
        /// A list of values of one kind.
        case list(Kind)
        /// A mapping this description does not spell out (checked by the parser).
        case mapping
        /// A number, or a mapping (a learning rate or its schedule).
        case numberOrMapping
        /// A number, or null (Keras's None).
        case nullableNumber
    }

    /// The key in the file.
    public var name: String
    /// Its kind.
    public var kind: Kind
    /// The default as YAML text; nil when the option is required or has no value by default.
    public var defaultValue: String?
    /// Whether the file must write it.
    public var required: Bool
    /// The smallest value allowed (inclusive unless `exclusiveMinimum`).
    public var minimum: Double?
    /// Whether `minimum` itself is excluded.
    public var exclusiveMinimum: Bool
    /// The largest value allowed (inclusive unless `exclusiveMaximum`).
    public var maximum: Double?
    /// Whether `maximum` itself is excluded.
    public var exclusiveMaximum: Bool
    /// What the option does, one sentence.
    public var description: String

    /// An option of `kind`.
    public init(_ name: String, _ kind: Kind, default defaultValue: String? = nil, required: Bool = false,
                minimum: Double? = nil, exclusiveMinimum: Bool = false, maximum: Double? = nil, exclusiveMaximum: Bool = false,
                _ description: String) {
        self.name = name
        self.kind = kind
        self.defaultValue = defaultValue
        self.required = required
        self.minimum = minimum
        self.exclusiveMinimum = exclusiveMinimum
        self.maximum = maximum
        self.exclusiveMaximum = exclusiveMaximum
        self.description = description
    }

    /// A whole number in `range`, required when `default` is nil.
    public static func int(_ name: String, in range: ClosedRange<Int>, default value: Int? = nil, _ description: String) -> OptionSpec {
        OptionSpec(name, .integer, default: value.map { "\($0)" }, required: value == nil,
                   minimum: Double(range.lowerBound), maximum: Double(range.upperBound), description)
    }

    /// true or false.
    public static func bool(_ name: String, default value: Bool, _ description: String) -> OptionSpec {
        OptionSpec(name, .boolean, default: "\(value)", description)
    }

    /// One of `cases`.
    public static func choice(_ name: String, _ cases: [String], default value: String, _ description: String) -> OptionSpec {
        OptionSpec(name, .choice(cases), default: value, description)
    }

    /// The option's type in words, for `seqtrain help config`.
    public var typeDescription: String {
        func describe(_ kind: Kind) -> String {
            switch kind {
            case .integer: return "integer"
            case .number: return "number"
            case .boolean: return "true or false"
            case .string: return "string"
            case .choice(let cases): return "one of " + cases.joined(separator: ", ")
            case .list(let item): return "list of \(describe(item))"
            case .mapping: return "mapping"
            case .numberOrMapping: return "number or mapping"
            case .nullableNumber: return "number or null"
            }
        }
        var text = describe(kind)
        if minimum != nil || maximum != nil {
            let low = minimum.map { "\(Self.format($0)) \(exclusiveMinimum ? "<" : "≤") " } ?? ""
            let high = maximum.map { " \(exclusiveMaximum ? "<" : "≤") \(Self.format($0))" } ?? ""
            text += ", \(low)\(name)\(high)"
        }
        return text
    }

    /// This option's JSON Schema (draft 2020-12).
    public var jsonSchema: JSONValue {
        func schema(_ kind: Kind) -> [(String, JSONValue)] {
            switch kind {
            case .integer: return [("type", .string("integer"))]
            case .number: return [("type", .string("number"))]
            case .boolean: return [("type", .string("boolean"))]
            case .string: return [("type", .string("string"))]
            case .choice(let cases): return [("enum", .array(cases.map { .string($0) }))]
            case .list(let item): return [("type", .string("array")), ("items", .object(schema(item)))]
            case .mapping: return [("type", .string("object"))]
            case .numberOrMapping: return [("type", .array([.string("number"), .string("object")]))]
            case .nullableNumber: return [("type", .array([.string("number"), .string("null")]))]
            }
        }
        var pairs: [(String, JSONValue)] = [("description", .string(description))]
        pairs += schema(kind)
        if let minimum { pairs.append((exclusiveMinimum ? "exclusiveMinimum" : "minimum", Self.json(minimum))) }
        if let maximum { pairs.append((exclusiveMaximum ? "exclusiveMaximum" : "maximum", Self.json(maximum))) }
        if let defaultValue { pairs.append(("default", Self.json(yaml: defaultValue, kind: kind))) }
        return .object(pairs)
    }

    /// A JSON object schema with exactly `options` as its keys.
    public static func objectSchema(_ options: [OptionSpec], description: String? = nil) -> JSONValue {
        var pairs: [(String, JSONValue)] = []
        if let description { pairs.append(("description", .string(description))) }
        pairs.append(("type", .string("object")))
        pairs.append(("properties", .object(options.map { ($0.name, $0.jsonSchema) })))
        pairs.append(("additionalProperties", .bool(false)))
        let required = options.filter(\.required).map { JSONValue.string($0.name) }
        if !required.isEmpty { pairs.append(("required", .array(required))) }
        return .object(pairs)
    }

    static func json(_ value: Double) -> JSONValue {
        value == value.rounded() && abs(value) < 1e15 ? .int(Int(value)) : .number(value)
    }

    static func json(yaml: String, kind: Kind) -> JSONValue {
        switch kind {
        case .integer: return Int(yaml).map { .int($0) } ?? .string(yaml)
        case .number, .numberOrMapping, .nullableNumber: return Double(yaml).map { json($0) } ?? .string(yaml)
        case .boolean: return .bool(yaml == "true")
        case _ where yaml == "null": return .null
        default: return .string(yaml)
        }
    }

    static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? "\(Int(value))" : "\(value)"
    }
}
