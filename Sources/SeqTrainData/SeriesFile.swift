import Foundation
import SeqTrainConfig
import SeqTrainCore
import SeqTrainModel

/// Reads a user's series for `predict`: one value per line, or CSV rows whose last column is the value.
public enum SeriesFile {
    /// The values of the file; a first line that is not a number is a header. Fields are split as
    /// the CSV reader splits them (double-quoted fields, `"1.5"` included, with `""` for a quote), and
    /// every row has as many fields as the first. Any other line that is not a number, has another
    /// field count or leaves a quote open is an error naming the file and line.
    public static func read(_ path: String) throws -> [Float] {
        var values: [Float] = []
        var problems: [Diagnostic] = []
        var fieldCount: (count: Int, line: Int)?
        func problem(_ line: Int, _ column: Int, _ message: String, _ suggestion: String? = nil) {
            problems.append(Diagnostic(file: path, position: SourcePosition(line: line, column: column), message: message, suggestion: suggestion))
        }
        for (index, raw) in try CSVFile.lines(path: path).enumerated() {
            if raw.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { continue }
            guard let (fields, starts) = CSVFile.split(raw[...]) else {
                problem(index + 1, 1, "a quoted field is not closed on this line", "close the quote or remove it")
                continue
            }
            if let first = fieldCount, fields.count != first.count {
                problem(index + 1, 1, "this row has \(fields.count) field\(fields.count == 1 ? "" : "s"), but line \(first.line) has \(first.count)",
                        "every row needs the same columns; the value is the last")
                continue
            }
            if fieldCount == nil { fieldCount = (fields.count, index + 1) }
            let field = fields[fields.count - 1].trimmingCharacters(in: .whitespaces)
            guard let value = Float(field), value.isFinite else {
                if index == 0 { continue }  // a header
                problem(index + 1, starts[fields.count - 1], field.isEmpty ? "missing value" : "'\(field.prefix(40))' is not a number")
                continue
            }
            values.append(value)
        }
        if !problems.isEmpty { throw ConfigErrors(problems) }
        return values
    }
}
