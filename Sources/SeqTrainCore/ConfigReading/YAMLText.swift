import Foundation

/// How resolved configs spell values in YAML: one fixed form per value, so that a config written
/// twice is the same text (and hashes the same).
public enum YAMLText {
    /// Shortest round-trip form, always with a '.' so that every YAML reader sees a float (1.0e-07, not 1e-07).
    public static func number(_ value: Double) -> String {
        var text = "\(value)"
        if !text.contains("."), let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            text.insert(contentsOf: ".0", at: e)
        }
        return text
    }

    /// A plain YAML scalar when it reads back as the same string, else a double-quoted one.
    public static func string(_ text: String) -> String {
        let plain = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./-")
        let reserved = ["true", "false", "yes", "no", "on", "off", "null", "y", "n", "~"]
        if let first = text.unicodeScalars.first, CharacterSet.letters.contains(first) || first == "_" || first == "/" || first == ".",
           text.unicodeScalars.allSatisfy(plain.contains), !reserved.contains(text.lowercased()) {
            return text
        }
        return JSONValue.quote(text)  // a JSON string is a YAML double-quoted scalar
    }

    /// `[a, b, "c d"]`.
    public static func list(_ names: [String]) -> String { "[" + names.map(string).joined(separator: ", ") + "]" }

    /// A flow mapping `{key: value, …}` of already spelt values, keys in the given order.
    public static func mapping(_ pairs: [(String, String)]) -> String {
        "{" + pairs.map { "\($0.0): \($0.1)" }.joined(separator: ", ") + "}"
    }
}
