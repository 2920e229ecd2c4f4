import Foundation
import SeqTrainConfig
import SeqTrainCore
import SeqTrainModel

/// A comma-separated file with a header row, read for its named numeric columns. Every problem is
/// reported with its line and column, all of them at once (up to `maxProblems`).
///
/// Accepted: a UTF-8 byte-order mark, CRLF line ends, blank lines and lines starting with `#`
/// (skipped, as pandas does with `comment='#'`), and double-quoted fields with `""` for a quote.
public struct CSVFile {
    /// Problems reported before the rest are only counted.
    static let maxProblems = 20
    /// Field texts read as a missing value.
    static let missingMarkers: Set<String> = ["", "na", "n/a", "nan", "null", "none", "-"]

    /// One data row: its 1-based line in the file, its fields and the 1-based column each starts at.
    struct Record {
        let line: Int
        let fields: [String]
        let starts: [Int]
    }

    /// The file name used in messages.
    public let path: String
    /// The column names of the header row.
    public let header: [String]
    /// The header's line number.
    let headerLine: Int
    /// The data rows, in file order (malformed rows left out).
    let records: [Record]
    /// The malformed rows: reported with the value problems of `numbers`, so that one run shows all.
    let rowProblems: Problems

    /// Number of data rows (time steps).
    public var rowCount: Int { records.count }

    /// Reads and splits the file. A malformed row (a wrong number of fields, an open quote) is kept
    /// aside and reported by `numbers`; a file without a usable header is an error here.
    public init(path: String) throws {
        self.path = path
        var header: (line: Int, fields: [String])?
        var records: [Record] = []
        var problems = Problems(path: path)
        for (index, line) in try Self.lines(path: path).enumerated() {
            let trimmed = line.drop { $0 == " " || $0 == "\t" }
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            guard let (fields, starts) = Self.split(line) else {
                problems.add(line: index + 1, column: 1, "a quoted field is not closed on this line",
                             suggestion: "fields may not span lines; close the quote or remove it")
                continue
            }
            guard let expected = header?.fields.count else {
                header = (index + 1, fields.map { $0.trimmingCharacters(in: .whitespaces) })
                continue
            }
            if fields.count != expected {
                problems.add(line: index + 1, column: 1, "this row has \(fields.count) field\(fields.count == 1 ? "" : "s"), "
                    + "the header has \(expected)", suggestion: "every row needs one value per header column")
                continue
            }
            records.append(Record(line: index + 1, fields: fields, starts: starts))
        }
        guard let header else {
            throw ConfigErrors([Diagnostic(file: path, position: nil, message: "has no header row",
                                           suggestion: "the first line names the columns, e.g. month,value")])
        }
        var headerProblems = Problems(path: path)
        if header.fields.count == 1, header.fields[0].contains(";") {
            headerProblems.add(line: header.line, column: 1, "the header has one column '\(header.fields[0].prefix(40))'",
                         suggestion: "the file seems to separate fields with ';'; seqtrain reads comma-separated files")
        }
        var seen = Set<String>()  // a set, not a search of the names before: a 50,000-column header took 13 s
        for name in header.fields where !seen.insert(name).inserted {
            headerProblems.add(line: header.line, column: 1, "the header names column '\(name)' twice")
        }
        try headerProblems.throwIfAny()
        self.header = header.fields
        self.headerLine = header.line
        self.records = records
        rowProblems = problems
    }

    /// The lines of a UTF-8 text file (a byte-order mark dropped); only LF, CRLF and CR end a line.
    /// A missing file, a folder or text that is not UTF-8 is an error naming the path.
    static func lines(path: String) throws -> [Substring] {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw ConfigErrors([Diagnostic(file: path, position: nil, message: "is a directory, expected a CSV file")])
        }
        guard FileManager.default.fileExists(atPath: path) else {
            throw ConfigErrors([Diagnostic(file: path, position: nil, message: "no such CSV file",
                                           suggestion: "paths are read relative to the current directory, "
                                               + FileManager.default.currentDirectoryPath)])
        }
        guard let data = FileManager.default.contents(atPath: path), var text = String(data: data, encoding: .utf8) else {
            throw ConfigErrors([Diagnostic(file: path, position: nil, message: "cannot be read as UTF-8 text")])
        }
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        return text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" })
    }

    /// Splits one line at commas outside double quotes; nil when a quote is left open.
    static func split(_ line: Substring) -> (fields: [String], starts: [Int])? {
        let characters = Array(line)
        var fields: [String] = [], starts: [Int] = [1]
        var field = "", quoted = false, i = 0
        while i < characters.count {
            let c = characters[i]
            if quoted {
                if c == "\"" {
                    if i + 1 < characters.count, characters[i + 1] == "\"" { field.append("\""); i += 1 } else { quoted = false }
                } else {
                    field.append(c)
                }
            } else if c == "\"", field.allSatisfy({ $0 == " " }) {
                quoted = true
                field = ""
            } else if c == "," {
                fields.append(field)
                field = ""
                starts.append(i + 2)  // 1-based column of the next field
            } else {
                field.append(c)
            }
            i += 1
        }
        if quoted { return nil }
        fields.append(field)
        return (fields, starts)
    }

    /// The values of `columns`, row-major `[rowCount, columns.count]`. A missing value or a field
    /// that is not a finite number is an error naming its line, column and header name. `role`
    /// names the config key the columns come from, for messages.
    public func numbers(_ columns: [String], role: String) throws -> [Float] {
        let indices = try columnIndices(columns, role: role)
        var problems = rowProblems
        var values = [Float](repeating: 0, count: records.count * indices.count)
        for (r, record) in records.enumerated() {
            for (c, index) in indices.enumerated() {
                let text = record.fields[index].trimmingCharacters(in: .whitespaces)
                if let value = Float(text), value.isFinite {
                    values[r * indices.count + c] = value
                } else if Self.missingMarkers.contains(text.lowercased()) {
                    problems.add(line: record.line, column: record.starts[index], "missing value in column '\(header[index])'",
                                 suggestion: "fill or drop the row: seqtrain does not impute")
                } else {
                    problems.add(line: record.line, column: record.starts[index],
                                 "'\(text.prefix(40))' in column '\(header[index])' is not a finite number")
                }
            }
        }
        try problems.throwIfAny()
        return values
    }

    /// Checks that a time column has a value in every row and, when its values are all numbers or
    /// all ISO-style dates (`1950-01`, `2024-03-01T12:00`), that they strictly increase.
    public func checkTimeOrder(_ column: String) throws {
        let index = try columnIndices([column], role: "data.source.time_column")[0]
        var problems = Problems(path: path)
        let times = records.map { $0.fields[index].trimmingCharacters(in: .whitespaces) }
        for (record, time) in zip(records, times) where time.isEmpty {
            problems.add(line: record.line, column: record.starts[index], "missing time in column '\(column)'")
        }
        try problems.throwIfAny()
        let isoCharacters = CharacterSet(charactersIn: "0123456789-:T. /")
        // Year first (1950-01, 2024/03/01 12:00): string order is time order. Day- or month-first is not.
        let yearFirst = { (time: String) -> Bool in
            let scalars = Array(time.unicodeScalars)
            return scalars.count >= 4 && scalars[0..<4].allSatisfy { CharacterSet.decimalDigits.contains($0) }
                && (scalars.count == 4 || !CharacterSet.decimalDigits.contains(scalars[4]))
        }
        let numbers = times.compactMap(Double.init)
        let comparable: ((Int) -> Bool)?
        if numbers.count == times.count {
            comparable = { numbers[$0] > numbers[$0 - 1] }
        } else if times.allSatisfy({ $0.count == times[0].count && $0.unicodeScalars.allSatisfy(isoCharacters.contains) && yearFirst($0) }) {
            comparable = { times[$0] > times[$0 - 1] }
        } else {
            comparable = nil  // free-form labels: no order to check
        }
        guard let comparable else { return }
        for i in 1..<max(1, times.count) where !comparable(i) {
            problems.add(line: records[i].line, column: records[i].starts[index],
                         "time '\(times[i])' does not come after '\(times[i - 1])' (line \(records[i - 1].line))",
                         suggestion: "rows must be in time order, each time once; sort the file by '\(column)'")
        }
        try problems.throwIfAny()
    }

    private func columnIndices(_ columns: [String], role: String) throws -> [Int] {
        var problems = Problems(path: path)
        let indices = columns.map { name -> Int in
            if let index = header.firstIndex(of: name) { return index }
            problems.add(line: headerLine, column: 1, "\(role) names column '\(name)', which the header does not have",
                         suggestion: Suggest.hint(for: name, in: header))
            return 0
        }
        try problems.throwIfAny()
        return indices
    }

    /// Diagnostics of one file, reported in line order, the first `maxProblems` of them and a count of the rest.
    struct Problems {
        let path: String
        var diagnostics: [Diagnostic] = []
        var more = 0

        init(path: String) { self.path = path }

        mutating func add(line: Int, column: Int, _ message: String, suggestion: String? = nil) {
            guard diagnostics.count < 100 * CSVFile.maxProblems else { more += 1; return }  // bounds memory on a wrong file
            diagnostics.append(Diagnostic(file: path, position: SourcePosition(line: line, column: column),
                                          message: message, suggestion: suggestion))
        }

        func throwIfAny() throws {
            guard !diagnostics.isEmpty else { return }
            let sorted = diagnostics.enumerated().sorted {
                ($0.element.position?.line ?? 0, $0.element.position?.column ?? 0, $0.offset)
                    < ($1.element.position?.line ?? 0, $1.element.position?.column ?? 0, $1.offset)
            }.map(\.element)
            var shown = Array(sorted.prefix(CSVFile.maxProblems))
            let rest = sorted.count - shown.count + more
            if rest > 0 { shown.append(Diagnostic(file: path, position: nil, message: "and \(rest) more problem\(rest == 1 ? "" : "s")")) }
            throw ConfigErrors(shown)
        }
    }
}
