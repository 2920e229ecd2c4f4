import Foundation
import SeqTrain

/// A YAML document as JSON Schema sees it: null, booleans, numbers, strings, arrays, objects.
indirect enum SchemaInstance {
    case null, bool(Bool), int(Int), number(Double), string(String), array([SchemaInstance]), object([(String, SchemaInstance)])

    /// The document of `node`, with YAML 1.1's tags resolved as Yams resolves them.
    init(_ node: Node) {
        switch node {
        case .scalar(let scalar):
            switch String(describing: node.tag).split(separator: ":").last ?? "" {
            case "null": self = .null
            case "bool": self = node.bool.map(SchemaInstance.bool) ?? .string(scalar.string)
            case "int": self = node.int.map(SchemaInstance.int) ?? .string(scalar.string)
            case "float": self = node.float.map(SchemaInstance.number) ?? .string(scalar.string)
            default: self = .string(scalar.string)
            }
        case .mapping(let mapping): self = .object(mapping.map { ($0.key.string ?? "", SchemaInstance($0.value)) })
        case .sequence(let sequence): self = .array(sequence.map(SchemaInstance.init))
        case .alias: self = .null
        }
    }
}

/// A JSON Schema validator for the subset of draft 2020-12 seqtrain's schema uses: type, properties,
/// additionalProperties, required, enum, minimum/maximum (and exclusive), minItems/maxItems,
/// minProperties/maxProperties, pattern, items, anyOf/oneOf, $ref into $defs. An unknown keyword is a
/// failure (so the schema cannot use one the validator would silently ignore).
struct JSONSchemaValidator {
    let root: JSONValue

    /// The problems of `instance`, each with its path; empty when it is valid.
    func errors(_ instance: SchemaInstance) -> [String] { errors(instance, root, at: "$") }

    static let annotations: Set<String> = ["$schema", "$id", "$defs", "title", "description", "default"]

    func errors(_ instance: SchemaInstance, _ schema: JSONValue, at path: String) -> [String] {
        guard case .object(let keywords) = schema else { return ["\(path): schema is not an object"] }
        var problems: [String] = []
        let value = { (key: String) in keywords.first { $0.0 == key }?.1 }
        for (keyword, argument) in keywords {
            switch keyword {
            case _ where Self.annotations.contains(keyword): continue
            case "$ref":
                guard case .string(let reference) = argument, reference.hasPrefix("#/$defs/"),
                      let target = Self.member(root, "$defs").flatMap({ Self.member($0, String(reference.dropFirst(8))) }) else {
                    problems.append("\(path): unresolvable $ref \(argument)"); continue
                }
                problems += errors(instance, target, at: path)
            case "type":
                let names: [String]
                switch argument {
                case .string(let name): names = [name]
                case .array(let items): names = items.compactMap { if case .string(let s) = $0 { return s } else { return nil } }
                default: names = []
                }
                if !names.contains(where: { Self.isType(instance, $0) }) { problems.append("\(path): expected \(names.joined(separator: " or "))") }
            case "enum":
                guard case .array(let allowed) = argument else { continue }
                if !allowed.contains(where: { Self.equal(instance, $0) }) { problems.append("\(path): not one of \(allowed.map { $0.rendered() })") }
            case "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum":
                guard let number = Self.number(instance), let bound = Self.number(argument) else { continue }
                let ok = keyword == "minimum" ? number >= bound : keyword == "maximum" ? number <= bound
                    : keyword == "exclusiveMinimum" ? number > bound : number < bound
                if !ok { problems.append("\(path): \(number) fails \(keyword) \(bound)") }
            case "pattern":
                guard case .string(let text) = instance, case .string(let pattern) = argument else { continue }
                if text.range(of: pattern, options: .regularExpression) == nil { problems.append("\(path): '\(text)' does not match \(pattern)") }
            case "minItems", "maxItems":
                guard case .array(let items) = instance, let bound = Self.number(argument) else { continue }
                if keyword == "minItems" ? Double(items.count) < bound : Double(items.count) > bound { problems.append("\(path): \(keyword) \(bound)") }
            case "minProperties", "maxProperties":
                guard case .object(let pairs) = instance, let bound = Self.number(argument) else { continue }
                if keyword == "minProperties" ? Double(pairs.count) < bound : Double(pairs.count) > bound { problems.append("\(path): \(keyword) \(bound)") }
            case "items":
                guard case .array(let items) = instance else { continue }
                for (index, item) in items.enumerated() { problems += errors(item, argument, at: "\(path)[\(index)]") }
            case "required":
                guard case .object(let pairs) = instance, case .array(let names) = argument else { continue }
                for case .string(let name) in names where !pairs.contains(where: { $0.0 == name }) { problems.append("\(path): missing \(name)") }
            case "properties":
                guard case .object(let pairs) = instance else { continue }
                for (key, item) in pairs {
                    if let property = Self.member(argument, key) { problems += errors(item, property, at: "\(path).\(key)") }
                }
            case "additionalProperties":
                guard case .object(let pairs) = instance else { continue }
                let declared = value("properties")
                for (key, item) in pairs where declared.flatMap({ Self.member($0, key) }) == nil {
                    if case .bool(false) = argument { problems.append("\(path): unexpected key \(key)") } else if case .object = argument {
                        problems += errors(item, argument, at: "\(path).\(key)")
                    }
                }
            case "anyOf", "oneOf":
                guard case .array(let choices) = argument else { continue }
                let passing = choices.filter { errors(instance, $0, at: path).isEmpty }.count
                if keyword == "anyOf" ? passing == 0 : passing != 1 {
                    problems.append("\(path): \(passing) of the \(keyword) choices match")
                }
            default:
                problems.append("\(path): the validator does not know the keyword \(keyword)")
            }
        }
        return problems
    }

    static func member(_ object: JSONValue, _ key: String) -> JSONValue? {
        guard case .object(let pairs) = object else { return nil }
        return pairs.first { $0.0 == key }?.1
    }

    static func number(_ value: SchemaInstance) -> Double? {
        switch value {
        case .int(let n): return Double(n)
        case .number(let x): return x
        default: return nil
        }
    }

    static func number(_ value: JSONValue) -> Double? {
        switch value {
        case .int(let n): return Double(n)
        case .number(let x): return x
        case .figure(let x): return Double(x)
        default: return nil
        }
    }

    static func isType(_ instance: SchemaInstance, _ name: String) -> Bool {
        switch (instance, name) {
        case (.null, "null"), (.bool, "boolean"), (.string, "string"), (.array, "array"), (.object, "object"): return true
        case (.int, "integer"), (.int, "number"), (.number, "number"): return true
        case (.number(let x), "integer"): return x == x.rounded()
        default: return false
        }
    }

    static func equal(_ instance: SchemaInstance, _ value: JSONValue) -> Bool {
        switch (instance, value) {
        case (.string(let a), .string(let b)): return a == b
        case (.bool(let a), .bool(let b)): return a == b
        case (.null, .null): return true
        default:
            if let a = number(instance), let b = number(value) { return a == b }
            return false
        }
    }
}
