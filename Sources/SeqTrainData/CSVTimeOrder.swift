import Foundation
import SeqTrainCore

/// Checks, row by row, that a time column has a value in every row and, when its values are all
/// numbers or all ISO-style dates written year first (`1950-01`, `2024-03-01T12:00`), that they
/// strictly increase. Only the previous time is kept, so a file of any length costs no memory here.
///
/// Which of the two orders applies is known only at the end, so both are followed until one fails.
struct CSVTimeOrder {
    /// The file name used in messages.
    let path: String
    /// The time column's name.
    let column: String
    /// Rows without a time.
    var missing: CSVFile.Problems
    /// Rows whose time is not after the previous one, compared as numbers.
    var numberProblems: CSVFile.Problems
    /// Rows whose time is not after the previous one, compared as text.
    var textProblems: CSVFile.Problems
    /// Every time so far is a number.
    var allNumbers = true
    /// Every time so far is year-first text of the first time's length.
    var allYearFirst = true
    private var firstLength: Int?
    private var previous: (time: String, number: Double?, line: Int)?

    /// The characters of an ISO-style time.
    private static let isoCharacters = CharacterSet(charactersIn: "0123456789-:T. /")

    init(path: String, column: String) {
        (self.path, self.column) = (path, column)
        missing = CSVFile.Problems(path: path)
        (numberProblems, textProblems) = (missing, missing)
    }

    /// Year first (1950-01, 2024/03/01 12:00): string order is time order. Day- or month-first is not.
    private static func isYearFirst(_ time: String) -> Bool {
        let scalars = Array(time.unicodeScalars)
        return scalars.count >= 4 && scalars[0..<4].allSatisfy { CharacterSet.decimalDigits.contains($0) }
            && (scalars.count == 4 || !CharacterSet.decimalDigits.contains(scalars[4]))
    }

    /// Takes the next row's time (trimmed), at its line and column.
    mutating func add(_ time: String, line: Int, column: Int) {
        if time.isEmpty { missing.add(line: line, column: column, "missing time in column '\(self.column)'") }
        let number = allNumbers ? Double(time) : nil
        if number == nil { allNumbers = false }
        if allYearFirst {
            let length = time.count
            allYearFirst = length == (firstLength ?? length) && time.unicodeScalars.allSatisfy(Self.isoCharacters.contains)
                && Self.isYearFirst(time)
            if firstLength == nil { firstLength = length }
        }
        if let previous {
            let numbersBackwards = allNumbers && number.map { n in previous.number.map { !(n > $0) } ?? false } ?? false
            let textBackwards = allYearFirst && !(time > previous.time)
            if numbersBackwards || textBackwards {
                let message = "time '\(time)' does not come after '\(previous.time)' (line \(previous.line))"
                let suggestion = "rows must be in time order, each time once; sort the file by '\(self.column)'"
                if numbersBackwards { numberProblems.add(line: line, column: column, message, suggestion: suggestion) }
                if textBackwards { textProblems.add(line: line, column: column, message, suggestion: suggestion) }
            }
        }
        previous = (time, number, line)
    }

    /// Throws the missing times, else the order problems of the order that applies (none for free-form labels).
    func check() throws {
        try missing.throwIfAny()
        if allNumbers {
            try numberProblems.throwIfAny()
        } else if allYearFirst {
            try textProblems.throwIfAny()
        }
    }
}
