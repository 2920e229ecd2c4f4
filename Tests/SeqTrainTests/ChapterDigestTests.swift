import Foundation
import SeqTrain
import XCTest

/// Every shipped config, trained by the `seqtrain` executable, gives the same `history.csv` and
/// checkpoint weights as when `Fixtures/chapter_digests.txt` was recorded: a refactor changes no
/// number. The digests are FNV-1a 64 of history.csv and of each checkpoint's tensor bytes (the
/// safetensors data section, so metadata such as the version may change), and the config hash of
/// the resolved config (which every checkpoint records, so a change in how an existing config is
/// written would orphan every run's checkpoints). `scripts/chapter-digests.sh` prints the same
/// comparison with SHA-256 for a release binary.
final class ChapterDigestTests: XCTestCase {
    func testEveryShippedConfigTrainsToTheRecordedBytes() throws {
        let runs = try temporaryFolder(self)
        let expected = try String(contentsOfFile: repositoryRoot + "/Tests/SeqTrainTests/Fixtures/chapter_digests.txt", encoding: .utf8)
            .split(separator: "\n").map(String.init)
        let names = Set(expected.map { String($0.split(separator: " ")[0]) }).sorted()
        XCTAssertEqual(names.count, 13, "every trainable shipped config has digests")
        var actual: [String] = []
        for name in names {
            let result = try runSeqtrain(["configs/\(name).yaml", "--runs-dir", runs, "--threads", "2"], in: repositoryRoot)
            XCTAssertEqual(result.status, 0, result.stderr)
            let folder = runs + "/" + name
            let run = folder + "/" + (try FileManager.default.contentsOfDirectory(atPath: folder).filter { !$0.hasPrefix(".") }.sorted().last ?? "")
            actual.append("\(name) history.csv \(Fingerprint.hex(Fingerprint.fnv1a(try Data(contentsOf: URL(fileURLWithPath: run + "/history.csv")))))")
            for which in ["last", "best"] {
                let bytes = try Data(contentsOf: URL(fileURLWithPath: run + "/checkpoints/\(which).safetensors"))
                let headerLength = bytes.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
                actual.append("\(name) \(which).safetensors \(Fingerprint.hex(Fingerprint.fnv1a(bytes.dropFirst(8 + headerLength))))")
            }
            actual.append("\(name) config_hash \(try OpenedRun.open(run).configHash)")
        }
        XCTAssertEqual(actual, expected.filter { !$0.isEmpty })
    }
}
