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
}
