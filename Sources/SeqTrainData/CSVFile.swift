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

    /// The file name used in messages.
    public let path: String
    /// The column names of the header row.
    public let header: [String]
    /// The header's line number.
    let headerLine: Int
    /// Number of data rows (time steps); malformed rows are not counted.
    public let rowCount: Int

    /// Reads the header and counts the rows. A malformed row (a wrong number of fields, an open
    /// quote) is reported by `numbers`; a file without a usable header is an error here.
    public init(path: String) throws {
        let scan = try CSVScan.run(path: path, columns: [], role: "", timeColumn: nil)
        self.path = path
        header = scan.header?.fields ?? []
        headerLine = scan.header?.line ?? 1
        rowCount = scan.rowCount
    }

    /// Reads `columns` of the file in one pass over it, and checks `timeColumn`'s order when given:
    /// the values row-major `[rowCount, columns.count]` and the number of rows. Problems are reported
    /// as `numbers` and `checkTimeOrder` report them: the header, the columns, malformed rows and bad
    /// values together, then the time column. `role` names the config key of `columns`, for messages.
    ///
    /// The file is read in chunks and the values go straight into float32 storage, so memory stays
    /// about the values' size whatever the file's (`CSVIngestTests`).
    public static func read(path: String, columns: [String], role: String,
                            timeColumn: String? = nil) throws -> (values: [Float], rowCount: Int) {
        var scan = try CSVScan.run(path: path, columns: columns, role: role, timeColumn: timeColumn)
        try scan.rowAndValueProblems.throwIfAny()
        if timeColumn != nil {
            try scan.timeColumnProblems.throwIfAny()
            try scan.timeOrder?.check()
        }
        let rows = scan.rowCount
        var values: [Float] = []
        swap(&values, &scan.values)  // hand over the only reference: no copy
        return (values, rows)
    }

    /// The lines of a UTF-8 text file (a byte-order mark dropped); only LF, CRLF and CR end a line.
    /// A missing file, a folder or text that is not UTF-8 is an error naming the path.
    static func lines(path: String) throws -> [Substring] {
        try CSVLineStream.checkReadable(path)
        guard let data = FileManager.default.contents(atPath: path), var text = String(data: data, encoding: .utf8) else {
            throw CSVLineStream.notUTF8(path)
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
    /// that is not a finite number is an error naming its line, column and header name, reported
    /// with the malformed rows. `role` names the config key the columns come from, for messages.
    public func numbers(_ columns: [String], role: String) throws -> [Float] {
        try Self.read(path: path, columns: columns, role: role).values
    }

    /// Checks that a time column has a value in every row and, when its values are all numbers or
    /// all ISO-style dates (`1950-01`, `2024-03-01T12:00`), that they strictly increase.
    public func checkTimeOrder(_ column: String) throws {
        let scan = try CSVScan.run(path: path, columns: [], role: "", timeColumn: column)
        try scan.timeColumnProblems.throwIfAny()
        try scan.timeOrder?.check()
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

        /// The same file's list, with no problems yet.
        var emptied: Problems { Problems(path: path) }

        /// Adds the problems of the next part of the file, read apart with its lines numbered from 1.
        mutating func append(_ later: Problems, lineOffset: Int) {
            for var diagnostic in later.diagnostics {
                diagnostic.position?.line += lineOffset
                append(diagnostic)
            }
            more += later.more
        }

        /// Adds a problem found by another pass, keeping the same bound.
        mutating func append(_ diagnostic: Diagnostic) {
            guard diagnostics.count < 100 * CSVFile.maxProblems else { more += 1; return }
            diagnostics.append(diagnostic)
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
