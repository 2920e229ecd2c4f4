import Foundation
import SeqTrainConfig
import SeqTrainCore
import SeqTrainModel

/// Reads a user's series for `predict`: one value per line, or CSV rows whose last column is the value.
public enum SeriesFile {
    /// The values of the file; a first line that is not a number is a header. Any other line that is
    /// not a number is an error naming the file and line.
    public static func read(_ path: String) throws -> [Float] {
        var values: [Float] = []
        var problems: [Diagnostic] = []
        for (index, raw) in try CSVFile.lines(path: path).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty { continue }
            let field = String(line.split(separator: ",", omittingEmptySubsequences: false).last ?? "").trimmingCharacters(in: .whitespaces)
            guard let value = Float(field), value.isFinite else {
                if index == 0 { continue }  // a header
                problems.append(Diagnostic(file: path, position: SourcePosition(line: index + 1, column: 1),
                                           message: field.isEmpty ? "missing value" : "'\(field.prefix(40))' is not a number"))
                continue
            }
            values.append(value)
        }
        if !problems.isEmpty { throw ConfigErrors(problems) }
        return values
    }
}
