import Foundation
import SeqTrain
import XCTest

/// Big CSV files: read in 4 MiB blocks, each cut in two halves read at once, with every value and
/// every error the same as reading the file line by line through `String` and `Float(String)`.
final class CSVIngestTests: XCTestCase {
    /// The reader's buffer (`CSVLineStream.chunkBytes`).
    private let chunk = 1 << 22

    private func write(_ text: String, _ name: String) throws -> String { try temporaryFile(self, text, name) }

    /// Numbers written in the ways files write them, with spaces, signs and exponents.
    private func field(_ random: inout SplitMixRandom) -> String {
        let x = (random.nextDouble() - 0.5) * pow(10, Double(random.nextInt(below: 12)) - 4)
        switch random.nextInt(below: 9) {
        case 0: return String(format: "%.6f", x)
        case 1: return String(format: "%.9g", x)
        case 2: return String(format: "%.17g", x)
        case 3: return String(format: "%.3e", x)
        case 4: return " \(Float(x)) "
        case 5: return "\(Int(x * 1000))"
        case 6: return String(format: "%+.2f\t", x)
        case 7: return "\(x)"
        default: return String(format: "%.22f", x)  // more than 19 digits: Float(String)'s
        }
    }

    /// 300,000 rows (about 12 MB: a dozen blocks) in every number format, with LF, CRLF and CR line
    /// ends, comments, blank and quoted lines: each value is exactly `Float(String)`'s.
    func testValuesOfABigFileAreExactlyFloatStrings() throws {
        var random = SplitMixRandom(seed: 1, purpose: "csv-ingest-test")
        var text = "\u{FEFF}# a big file\nt,a,b,note\n"
        var expected: [Float] = []
        let ends = ["\n", "\r\n", "\r"]
        for row in 0..<300_000 {
            let (a, b) = (field(&random), field(&random))
            expected += [Float(a.trimmingCharacters(in: .whitespaces))!, Float(b.trimmingCharacters(in: .whitespaces))!]
            let note = row % 1000 == 7 ? "\"a, \"\"quoted\"\" note\"" : row % 777 == 0 ? "café" : "x"
            text += "\(row),\(a),\(b),\(note)" + ends[(row / 5000) % 3]
            if row % 50_000 == 1 { text += "# a comment\n  \n" }
        }
        let path = try write(text, "big.csv")
        let (values, rows) = try CSVFile.read(path: path, columns: ["a", "b"], role: "columns")
        XCTAssertEqual(rows, 300_000)
        XCTAssertEqual(values.count, expected.count)
        XCTAssertEqual(values.map(\.bitPattern), expected.map(\.bitPattern))
        XCTAssertEqual(try CSVFile(path: path).rowCount, 300_000)
        XCTAssertNoThrow(try CSVFile(path: path).checkTimeOrder("t"))  // the time column is read row by row
    }

    /// Problems deep in a big file come with their lines and columns, in one report, whichever half
    /// of a block they fall in.
    func testErrorsDeepInABigFileKeepTheirLinesAndColumns() throws {
        var lines = ["a,b,c"] + (1...400_000).map { "\($0 % 977).25,-\($0 % 13).5e-2,\($0)" }
        // lines[k] is line k + 1 of the file.
        lines[150_000] = "1.5,,3"
        lines[150_001] = "1.5,2x4,3"
        lines[222_222] = "1.5,2"
        lines[250_000] = "1.5,2,3,4"  // one field too many: read past the last requested column
        lines[260_000] = "1.5 ,2,\t3"  // spaces around numbers are trimmed, as ever
        lines[300_000] = "1.5,\"open,3"
        lines[333_333] = "１,2,3"  // a full-width digit: not a number
        lines[399_999] = "1.5,inf,NA"
        let path = try write(lines.joined(separator: "\n") + "\n", "errors.csv")
        XCTAssertEqual(configErrorMessages { _ = try CSVFile.read(path: path, columns: ["a", "b", "c"], role: "data.source.columns") }, [
            "\(path):150001:5: error: missing value in column 'b' (fill or drop the row: seqtrain does not impute)",
            "\(path):150002:5: error: '2x4' in column 'b' is not a finite number",
            "\(path):222223:1: error: this row has 2 fields, the header has 3 (every row needs one value per header column)",
            "\(path):250001:1: error: this row has 4 fields, the header has 3 (every row needs one value per header column)",
            "\(path):300001:1: error: a quoted field is not closed on this line (fields may not span lines; close the quote or remove it)",
            "\(path):333334:1: error: '１' in column 'a' is not a finite number",
            "\(path):400000:5: error: 'inf' in column 'b' is not a finite number",
            "\(path):400000:9: error: missing value in column 'c' (fill or drop the row: seqtrain does not impute)",
        ])
        // Only the columns read are checked; the malformed rows are reported whatever the columns.
        XCTAssertEqual(configErrorMessages { _ = try CSVFile.read(path: path, columns: ["c"], role: "columns") }.count, 4)

        // A time column goes row by row: a step back deep in the file is found at its line.
        var times = ["t,v"] + (0..<250_000).map { "\(1_000_000 + $0),\($0 % 7)" }
        times[200_000] = "1000000,1"
        let timed = try write(times.joined(separator: "\n"), "times.csv")
        XCTAssertEqual(configErrorMessages { _ = try CSVFile.read(path: timed, columns: ["v"], role: "columns", timeColumn: "t") }, [
            "\(timed):200001:1: error: time '1000000' does not come after '1199998' (line 200000) "
                + "(rows must be in time order, each time once; sort the file by 't')",
        ])
    }

    /// A CR at the very end of the buffer may be half of a CRLF; a line longer than the buffer grows it.
    func testBufferBoundaries() throws {
        // The header takes 8 bytes and each row 9, so the CR of a row falls on the buffer's last byte.
        XCTAssertEqual((chunk - 1 - 8 - 7) % 9, 0)
        let rowCount = 2 * chunk / 9
        let crlf = try write("abcdef\r\n" + String(repeating: "1234567\r\n", count: rowCount), "crlf.csv")
        XCTAssertEqual(try CSVFile(path: crlf).rowCount, rowCount)
        let values = try CSVFile.read(path: crlf, columns: ["abcdef"], role: "columns").values
        XCTAssertEqual(values.count, rowCount)
        XCTAssertTrue(values.allSatisfy { $0 == 1_234_567 })
        let cr = try write("abcdef\r\r" + String(repeating: "1234567\r\r", count: rowCount / 2), "cr.csv")  // blank lines between rows
        XCTAssertEqual(try CSVFile(path: cr).rowCount, rowCount / 2)
        let long = String(repeating: "y", count: 3 * chunk)
        let wide = try write("v,note\n1,x\n2,\(long)\n3,x\n4,\(long)\n5\n", "wide.csv")
        XCTAssertEqual(configErrorMessages { _ = try CSVFile.read(path: wide, columns: ["v"], role: "columns") },
                       ["\(wide):6:1: error: this row has 1 field, the header has 2 (every row needs one value per header column)"])
    }

    /// Standardising a big array on several threads gives each value exactly `ColumnScaling.apply`'s.
    func testStandardizingABigArrayIsEachValuesApply() {
        var random = SplitMixRandom(seed: 3, purpose: "csv-ingest-test")
        let scaling = [ColumnScaling(column: "a", mean: 20.1, std: 3.7), ColumnScaling(column: "b", mean: -0.3, std: 0.01),
                       ColumnScaling(column: "c", mean: 0, std: 1.3)]
        let raw = (0..<(3 * 200_001)).map { _ in Float(Double(random.next() >> 11) / Double(1 << 53) * 40 - 10) }
        var standardized = raw
        ColumnScaling.standardize(&standardized, with: scaling)
        XCTAssertEqual(standardized.map(\.bitPattern), raw.indices.map { scaling[$0 % 3].apply(raw[$0]).bitPattern })
    }

    /// A comment or blank-looking line is skipped, but its bytes must still be UTF-8, as when the
    /// whole file was decoded first: before the header, among few rows, and deep in a big file.
    func testACommentThatIsNotUTF8MakesTheFileUnreadable() throws {
        let rows = (0..<200_000).map { "\($0),\($0 % 7).5\n" }.joined()
        for (name, bytes) in [
            ("before.csv", Data("# caf".utf8) + Data([0xE9]) + Data("\nt,v\n1,2\n".utf8)),
            ("among.csv", Data("t,v\n1,2\n# caf".utf8) + Data([0xE9]) + Data("\n3,4\n".utf8)),
            ("deep.csv", Data("t,v\n".utf8) + Data(rows.utf8) + Data("  #".utf8) + Data([0xFF, 0xFE]) + Data("\n".utf8) + Data(rows.utf8)),
        ] {
            let path = try temporaryFolder(self) + "/" + name
            try bytes.write(to: URL(fileURLWithPath: path))
            XCTAssertEqual(configErrorMessages { _ = try CSVFile.read(path: path, columns: ["v"], role: "columns") },
                           ["\(path): error: cannot be read as UTF-8 text"], name)
            XCTAssertEqual(configErrorMessages { _ = try CSVFile(path: path) }, ["\(path): error: cannot be read as UTF-8 text"], name)
        }
    }
}
