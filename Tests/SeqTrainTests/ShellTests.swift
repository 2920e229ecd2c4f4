import Foundation
import XCTest

/// What meets a user in the shell: `--version`, completion scripts.
final class ShellTests: XCTestCase {
    func testVersionNamesTheCommitOrSaysUnknown() throws {
        let folder = try temporaryFolder(self)
        let result = try runSeqtrain(["--version"], in: folder)
        XCTAssertEqual(result.status, 0, result.stderr)
        let line = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        // A plain `swift build` (what the tests run) has no commit; `make install` passes one.
        let pattern = #"^0\.1\.0 \(commit (unknown|[0-9a-f]{7,40}(-dirty)?)\)$"#
        XCTAssertNotNil(line.range(of: pattern, options: .regularExpression), line)
    }

    func testBashCompletionNamesTheSubcommandsAndCompletesYAMLFilesAndFolders() throws {
        let folder = try temporaryFolder(self)
        let result = try runSeqtrain(["--generate-completion-script", "bash"], in: folder)
        XCTAssertEqual(result.status, 0, result.stderr)
        let script = result.stdout
        for subcommand in ["train", "check", "eval", "backtest", "resume", "verify", "sweep", "runs", "diff", "plot", "bench"] {
            XCTAssertTrue(script.contains(subcommand), "the script does not mention \(subcommand)")
        }
        XCTAssertTrue(script.contains("!*.@(yaml|yml)"), "config arguments complete to .yaml files")
        XCTAssertTrue(script.contains("__seqtrain_add_completions -d"), "run folders complete to directories")
        for shell in ["zsh", "fish"] {
            let other = try runSeqtrain(["--generate-completion-script", shell], in: folder)
            XCTAssertEqual(other.status, 0, other.stderr)
            XCTAssertTrue(other.stdout.contains("yaml"), "\(shell) completes configs to .yaml files")
        }
    }
}
