import Foundation

/// A JSON document with ordered keys, written deterministically (for `summary.json`).
public indirect enum JSONValue: Equatable {
    /// A float64 number, written in shortest round-trip form (`null` when not finite).
    case number(Double)
    /// A float32 figure, written in its own shortest round-trip form.
    case figure(Float)
    /// An integer.
    case int(Int)
    /// A string.
    case string(String)
    /// true / false.
    case bool(Bool)
    /// null.
    case null
    /// A list.
    case array([JSONValue])
    /// An object with keys in the given order.
    case object([(String, JSONValue)])

    /// Pretty-printed text with two-space indentation and a final newline.
    public func rendered() -> String { render(indent: "") + "\n" }

    private func render(indent: String) -> String {
        let inner = indent + "  "
        switch self {
        case .number(let value): return value.isFinite ? "\(value)" : "null"
        case .figure(let value): return value.isFinite ? "\(value)" : "null"
        case .int(let value): return "\(value)"
        case .string(let value): return Self.quote(value)
        case .bool(let value): return value ? "true" : "false"
        case .null: return "null"
        case .array(let items):
            if items.isEmpty { return "[]" }
            return "[\n" + items.map { inner + $0.render(indent: inner) }.joined(separator: ",\n") + "\n\(indent)]"
        case .object(let pairs):
            if pairs.isEmpty { return "{}" }
            return "{\n" + pairs.map { inner + Self.quote($0.0) + ": " + $0.1.render(indent: inner) }
                .joined(separator: ",\n") + "\n\(indent)}"
        }
    }

    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool { lhs.rendered() == rhs.rendered() }

    /// A JSON string literal, which is also a YAML double-quoted scalar: control characters, DEL,
    /// the C1 controls, the line and paragraph separators, the byte-order mark and the non-characters
    /// are escaped, as libyaml would refuse or fold them raw.
    public static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                let v = scalar.value
                if v < 0x20 || (0x7F...0x9F).contains(v) || v == 0x2028 || v == 0x2029 || v == 0xFEFF || v == 0xFFFE || v == 0xFFFF {
                    out += String(format: "\\u%04x", v)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
