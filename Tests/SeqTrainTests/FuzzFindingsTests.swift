import SeqTrain
import XCTest

/// Inputs the fuzz targets (Fuzz/, scripts/fuzz/run.sh) found to crash seqtrain, each now a clear
/// error. The same inputs are in the seed corpora, which `.ci/run` replays through the fuzz targets.
final class FuzzFindingsTests: XCTestCase {
    let linear = "model: [Flatten, {Dense: {units: 1}}]\n"

    /// `fuzz-experiment`: a `--set` path part was composed as YAML. A control character made libyaml's
    /// raw error escape the parser (not a `ConfigErrors`), a part such as `#x` composed to nothing and
    /// was force-unwrapped. A part is now a key as written, reported as unknown naming the override.
    func testOverridePathPartsAreKeysAsWritten() throws {
        for argument in ["data.w\u{1}indow=12", "train.#x=1", "train.[=1", "train.*a=1", "train.'=1", "train.&a b=2"] {
            XCTAssertThrowsError(try ExperimentParser.parse(yaml: linear, file: "l.yaml", overrides: [try Override(argument)],
                                                            vocabulary: .standard)) { error in
                guard let errors = error as? ConfigErrors else { return XCTFail("\(argument): \(type(of: error)) \(error)") }
                XCTAssertTrue(errors.description.hasPrefix("--set \(argument): error: unknown key"), "\(argument): \(errors)")
            }
        }
    }

    /// Reviewing the slow `fuzz-csv` runs: the header's duplicate check compared every column name with
    /// every one before it, so a 50,000-column header (340 KB) took 13 s in a release build, and a
    /// wider one minutes. It is one set lookup per name now.
    func testAWideCSVHeaderIsReadInLinearTime() throws {
        let folder = try temporaryFolder(self)
        let names = (0..<50_000).map { "c\($0)" }
        let path = folder + "/wide.csv"
        try (names.joined(separator: ",") + "\n" + names.map { _ in "1" }.joined(separator: ",") + "\n")
            .write(toFile: path, atomically: true, encoding: .utf8)
        let start = Date()
        let file = try CSVFile(path: path)
        XCTAssertEqual(file.header.count, 50_000)
        XCTAssertLessThan(Date().timeIntervalSince(start), 5, "reading a 50,000-column header")
        // Duplicates are still reported, once per repetition.
        try "a,b,a,c,a\n1,2,3,4,5\n".write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try CSVFile(path: path)) { error in
            XCTAssertEqual("\(error)".components(separatedBy: "names column 'a' twice").count - 1, 2, "\(error)")
        }
    }
}
