import Dispatch
import Foundation
import SeqTrainConfig
import SeqTrainCore

/// One pass over a CSV file: its header, the shape of every row, the values of some columns
/// (written straight into float32 storage) and the order of a time column.
///
/// A plain line (ASCII, no double quote) is split and parsed from its bytes: no `String` or array is
/// made for it, and `DecimalFloat` parses its numbers. Any other line (non-ASCII text, quotes), the
/// header, and a field `DecimalFloat` leaves alone take the `String` route of the original reader, so
/// every value, message, line and column is the same either way (`CSVDataTests`, `CSVIngestTests`).
struct CSVScan {
    /// The file name used in messages.
    let path: String
    /// The columns whose values are read, in output order.
    let columns: [String]
    /// The config key `columns` come from, for messages.
    let role: String
    /// The column whose order is checked, if any.
    let timeColumn: String?

    /// The header row: its line and its trimmed names.
    var header: (line: Int, fields: [String])?
    /// A `;`-separated header, a name given twice.
    var headerProblems: CSVFile.Problems
    /// Requested columns the header does not name.
    var columnProblems: CSVFile.Problems
    /// A time column the header does not name.
    var timeColumnProblems: CSVFile.Problems
    /// Rows with a wrong number of fields or an open quote.
    var rowProblems: CSVFile.Problems
    /// Missing values and text that is not a finite number, in the requested columns.
    var valueProblems: CSVFile.Problems
    /// The time column's check, once the header names it.
    var timeOrder: CSVTimeOrder?
    /// Well-formed data rows.
    var rowCount = 0
    /// The requested columns' values, row-major `[rowCount, columns.count]` (0 where a value is bad).
    var values: [Float] = []
    /// The header index of each requested column.
    var columnIndices: [Int] = []
    /// Whether data rows may take `readPlainRow`: the requested columns are in file order and no
    /// time column is checked (its check goes through the field's text).
    private var readsPlainRows = false
    private var timeIndex: Int?
    /// False after a header or column problem: the rest of the file is only checked to be UTF-8.
    private var reading = true
    /// The file's size in bytes, to reserve `values` once.
    private var fileSize = 0
    /// The number of the next line to read.
    private var nextLine = 1
    /// Scratch: where each field of the current line starts (0-based), and one past the last field's end.
    private var fieldStarts: UnsafeMutablePointer<Int>?

    private init(path: String, columns: [String], role: String, timeColumn: String?) {
        (self.path, self.columns, self.role, self.timeColumn) = (path, columns, role, timeColumn)
        headerProblems = CSVFile.Problems(path: path)
        columnProblems = headerProblems
        timeColumnProblems = headerProblems
        rowProblems = headerProblems
        valueProblems = headerProblems
    }

    /// Scans the file. Throws for a missing or non-UTF-8 file, a file without a header, a bad
    /// header and requested columns the header lacks; every other problem is left in the result.
    static func run(path: String, columns: [String], role: String, timeColumn: String?) throws -> CSVScan {
        var scan = CSVScan(path: path, columns: columns, role: role, timeColumn: timeColumn)
        defer { scan.fieldStarts?.deallocate() }
        try CSVLineStream.forEachBlock(path: path, size: { scan.fileSize = $0 }) { try scan.process(block: $0, isLast: $1) }
        guard scan.header != nil else {
            throw ConfigErrors([Diagnostic(file: path, position: nil, message: "has no header row",
                                           suggestion: "the first line names the columns, e.g. month,value")])
        }
        try scan.headerProblems.throwIfAny()
        try scan.columnProblems.throwIfAny()
        return scan
    }

    /// The malformed rows, then the bad values, in one report: as many kept as one report keeps.
    var rowAndValueProblems: CSVFile.Problems {
        var merged = rowProblems
        for diagnostic in valueProblems.diagnostics { merged.append(diagnostic) }
        merged.more += valueProblems.more
        return merged
    }

    // The bytes a plain line is split at, as literals so that the compiler compares with immediates.
    private static var space: UInt8 { 0x20 }
    private static var tab: UInt8 { 0x09 }
    private static var comma: UInt8 { 0x2C }
    private static var quote: UInt8 { 0x22 }
    private static var hash: UInt8 { 0x23 }

    /// Pieces a large block is cut into, read by however many threads are free.
    static let piecesPerBlock = 8

    /// Reads a block of lines. Past the header, and without a time column (whose check goes row by
    /// row), a large block is cut at line ends into `piecesPerBlock` pieces, read at once by the
    /// free threads (the calling one included, so a busy core delays at most the piece it holds),
    /// each into its own values and problems, then joined in file order: the result is the one
    /// reading the block in order gives, whatever the number of cores.
    private mutating func process(block: UnsafeBufferPointer<UInt8>, isLast: Bool) throws {
        guard reading, let header, timeColumn == nil, block.count >= 1 << 16 else {
            nextLine = try readLines(in: block, isLast: isLast, firstLine: nextLine)
            return
        }
        var cuts = [0]
        for k in 1..<Self.piecesPerBlock {
            if let cut = Self.lineEnd(near: k * block.count / Self.piecesPerBlock, in: block), cut > cuts[cuts.count - 1] { cuts.append(cut) }
        }
        cuts.append(block.count)
        let pieces = (0..<(cuts.count - 1)).map { UnsafeBufferPointer(rebasing: block[cuts[$0]..<cuts[$0 + 1]]) }
        // Piece 0 is read into this scan; the others into empty copies whose lines count from 1.
        var later = [CSVScan](repeating: self, count: pieces.count - 1)
        for i in later.indices {
            (later[i].values, later[i].rowProblems, later[i].valueProblems, later[i].rowCount, later[i].nextLine)
                = ([], rowProblems.emptied, valueProblems.emptied, 0, 1)
            later[i].fileSize = pieces[i + 1].count  // reserves about the piece's rows
            later[i].fieldStarts = .allocate(capacity: header.fields.count + 1)
        }
        defer { for scan in later { scan.fieldStarts?.deallocate() } }
        var errors = [Error?](repeating: nil, count: pieces.count)
        withUnsafeMutablePointer(to: &self) { first in
            later.withUnsafeMutableBufferPointer { later in
                errors.withUnsafeMutableBufferPointer { errors in
                    DispatchQueue.concurrentPerform(iterations: pieces.count) { part in
                        let scan = part == 0 ? first : later.baseAddress! + (part - 1)
                        do {
                            scan.pointee.nextLine = try scan.pointee.readLines(in: pieces[part], isLast: isLast && part == pieces.count - 1,
                                                                               firstLine: scan.pointee.nextLine)
                        } catch {
                            errors[part] = error
                        }
                    }
                }
            }
        }
        if let error = errors.lazy.compactMap({ $0 }).first { throw error }
        for piece in later {
            let offset = nextLine - 1
            values.append(contentsOf: piece.values)
            rowCount += piece.rowCount
            rowProblems.append(piece.rowProblems, lineOffset: offset)
            valueProblems.append(piece.valueProblems, lineOffset: offset)
            nextLine += piece.nextLine - 1
        }
    }

    /// The position just after the first LF at or after `position`, if it is inside the block.
    private static func lineEnd(near position: Int, in block: UnsafeBufferPointer<UInt8>) -> Int? {
        var i = position
        while i < block.count, block[i] != 0x0A { i += 1 }
        return i + 1 < block.count ? i + 1 : nil
    }

    /// Reads the lines of a block, numbered from `firstLine`, and returns the next line's number.
    ///
    /// Once the header is known, one pass over the bytes finds both the line ends (LF, CRLF, CR) and
    /// the commas; a last block's text after its last line end (possibly empty) is a line too.
    private mutating func readLines(in block: UnsafeBufferPointer<UInt8>, isLast: Bool, firstLine: Int) throws -> Int {
        guard let base = block.baseAddress else {
            if isLast { try process(block, number: firstLine) }
            return isLast ? firstLine + 1 : firstLine
        }
        let n = block.count
        var line = firstLine, lineStart = 0
        while true {
            let splitting = reading && header != nil
            let expected = header?.fields.count ?? 0, starts = fieldStarts
            // Past the first row (which reserves the values' storage), most rows take the one-pass route.
            if splitting, readsPlainRows, rowCount > 0, lineStart < n,
               let end = readPlainRow(base, from: lineStart, end: n, fields: expected) {
                line += 1
                lineStart = end + (base[end] == 0x0D && end + 1 < n && base[end + 1] == 0x0A ? 2 : 1)
                continue
            }
            var i = lineStart, count = 1, plain = true
            starts?[0] = 0
            while i < n {
                let byte = base[i]
                if byte &- 0x2D < 0x53 { i += 1; continue }  // '-' to DEL: digits, letters, '.'; nothing that splits
                if byte == Self.comma {
                    if splitting, count < expected { starts?[count] = i + 1 - lineStart }
                    count += 1
                } else if byte == 0x0A || byte == 0x0D {
                    break
                } else if byte == Self.quote || byte >= 0x80 {
                    plain = false
                }
                i += 1
            }
            if i == n, !isLast { break }  // a block other than the last ends with a line end
            let text = UnsafeBufferPointer(start: base + lineStart, count: i - lineStart)
            if splitting {
                try process(text, number: line, fields: count, plain: plain)
            } else {
                try process(text, number: line)
            }
            line += 1
            if i == n { break }
            i += base[i] == 0x0D && i + 1 < n && base[i + 1] == 0x0A ? 2 : 1
            lineStart = i
        }
        return line
    }

    /// Whether a line is skipped: blank (spaces and tabs), or a comment, unless a combining mark
    /// joins its '#' into another character (which the `String` route then reads as text).
    private static func isBlankOrComment(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
        let n = line.count
        var first = 0
        while first < n, line[first] == space || line[first] == tab { first += 1 }
        return first == n || (line[first] == hash && (first + 1 == n || line[first + 1] < 0x80))
    }

    /// Whether a line is skipped as blank or a comment. Its text must still be UTF-8: the original
    /// reader decoded the whole file first, so a comment that is not UTF-8 made the file unreadable.
    private func skips(_ line: UnsafeBufferPointer<UInt8>) throws -> Bool {
        guard Self.isBlankOrComment(line) else { return false }
        if line.contains(where: { $0 >= 0x80 }) { _ = try decode(line) }
        return true
    }

    /// Reads one line before the header, or after a problem that stops the reading.
    private mutating func process(_ line: UnsafeBufferPointer<UInt8>, number: Int) throws {
        if try skips(line) { return }
        guard reading else {
            if line.contains(where: { $0 >= 0x80 }) { _ = try decode(line) }  // the whole file must still be UTF-8
            return
        }
        try processText(line, number: number)
    }

    /// Reads one data line whose commas `readLines` noted in `fieldStarts`: `fields` fields, `plain`
    /// when it has no quote and no byte outside ASCII.
    private mutating func process(_ line: UnsafeBufferPointer<UInt8>, number: Int, fields count: Int, plain: Bool) throws {
        if try skips(line) { return }
        guard plain, let header, let starts = fieldStarts else { return try processText(line, number: number) }
        let n = line.count, expected = header.fields.count
        guard count == expected else { return addFieldCountProblem(count, expected: expected, line: number) }
        starts[expected] = n + 1
        if rowCount == 0, !columns.isEmpty {
            values.reserveCapacity((fileSize / (n + 1) * 3 / 2 + 64) * columns.count)  // untouched capacity costs no memory
        }
        rowCount += 1
        for index in columnIndices {
            var (low, high) = (starts[index], starts[index + 1] - 1)
            while low < high, line[low] == Self.space || line[low] == Self.tab { low += 1 }
            while high > low, line[high - 1] == Self.space || line[high - 1] == Self.tab { high -= 1 }
            if let value = DecimalFloat.parse(UnsafeBufferPointer(rebasing: line[low..<high])) {
                values.append(value)
            } else {
                let field = String(decoding: UnsafeBufferPointer(rebasing: line[starts[index]..<(starts[index + 1] - 1)]), as: UTF8.self)
                values.append(self.number(field, line: number, column: starts[index] + 1, index: index))
            }
        }
        if let timeIndex {
            let field = UnsafeBufferPointer(rebasing: line[starts[timeIndex]..<(starts[timeIndex + 1] - 1)])
            timeOrder?.add(String(decoding: field, as: UTF8.self).trimmingCharacters(in: .whitespaces),
                           line: number, column: starts[timeIndex] + 1)
        }
    }

    /// Reads one line the way the original reader did, through `String` (non-ASCII text, quotes, the header).
    private mutating func processText(_ bytes: UnsafeBufferPointer<UInt8>, number: Int) throws {
        let line = Substring(try decode(bytes))
        let trimmed = line.drop { $0 == " " || $0 == "\t" }
        if trimmed.isEmpty || trimmed.hasPrefix("#") { return }
        guard let (fields, starts) = CSVFile.split(line) else {
            rowProblems.add(line: number, column: 1, "a quoted field is not closed on this line",
                            suggestion: "fields may not span lines; close the quote or remove it")
            return
        }
        guard let expected = header?.fields.count else { return readHeader(fields, line: number) }
        guard fields.count == expected else { return addFieldCountProblem(fields.count, expected: expected, line: number) }
        rowCount += 1
        for index in columnIndices {
            values.append(self.number(fields[index], line: number, column: starts[index], index: index))
        }
        if let timeIndex {
            timeOrder?.add(fields[timeIndex].trimmingCharacters(in: .whitespaces), line: number, column: starts[timeIndex])
        }
    }

    /// The text of a line; a line that is not UTF-8 makes the whole file unreadable, as before.
    private func decode(_ bytes: UnsafeBufferPointer<UInt8>) throws -> String {
        #if compiler(>=6.0)
        guard let text = String(validating: bytes, as: UTF8.self) else { throw CSVLineStream.notUTF8(path) }
        #else
        guard let text = String(data: Data(bytes), encoding: .utf8) else { throw CSVLineStream.notUTF8(path) }
        #endif
        return text
    }

    private mutating func addFieldCountProblem(_ count: Int, expected: Int, line: Int) {
        rowProblems.add(line: line, column: 1, "this row has \(count) field\(count == 1 ? "" : "s"), the header has \(expected)",
                        suggestion: "every row needs one value per header column")
    }

    /// Takes the first row as the header and finds the requested columns in it.
    private mutating func readHeader(_ fields: [String], line: Int) {
        let names = fields.map { $0.trimmingCharacters(in: .whitespaces) }
        header = (line, names)
        if names.count == 1, names[0].contains(";") {
            headerProblems.add(line: line, column: 1, "the header has one column '\(names[0].prefix(40))'",
                               suggestion: "the file seems to separate fields with ';'; seqtrain reads comma-separated files")
        }
        var seen = Set<String>()  // a set, not a search of the names before: a 50,000-column header took 13 s
        for name in names where !seen.insert(name).inserted {
            headerProblems.add(line: line, column: 1, "the header names column '\(name)' twice")
        }
        columnIndices = columns.map { name in
            if let index = names.firstIndex(of: name) { return index }
            columnProblems.add(line: line, column: 1, "\(role) names column '\(name)', which the header does not have",
                               suggestion: Suggest.hint(for: name, in: names))
            return 0
        }
        if let timeColumn {
            if let index = names.firstIndex(of: timeColumn) {
                timeIndex = index
                timeOrder = CSVTimeOrder(path: path, column: timeColumn)
            } else {
                timeColumnProblems.add(line: line, column: 1,
                                       "data.source.time_column names column '\(timeColumn)', which the header does not have",
                                       suggestion: Suggest.hint(for: timeColumn, in: names))
            }
        }
        reading = headerProblems.diagnostics.isEmpty && columnProblems.diagnostics.isEmpty
        readsPlainRows = timeColumn == nil && zip(columnIndices, columnIndices.dropFirst()).allSatisfy { $0 < $1 }
        fieldStarts = .allocate(capacity: names.count + 1)
    }

    /// The value of one field, or 0 with a problem naming its line, column and header name.
    private mutating func number(_ field: String, line: Int, column: Int, index: Int) -> Float {
        let text = field.trimmingCharacters(in: .whitespaces)
        if let value = Float(text), value.isFinite { return value }
        let name = header?.fields[index] ?? ""
        if CSVFile.missingMarkers.contains(text.lowercased()) {
            valueProblems.add(line: line, column: column, "missing value in column '\(name)'",
                              suggestion: "fill or drop the row: seqtrain does not impute")
        } else {
            valueProblems.add(line: line, column: column, "'\(text.prefix(40))' in column '\(name)' is not a finite number")
        }
        return 0
    }
}
