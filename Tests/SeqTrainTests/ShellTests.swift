import Foundation
import XCTest
import SeqTrain

/// What meets a user in the shell: `--version`, completion scripts, `init`, `schema`, `help config`.
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

    func testInitWritesStartersThatPassCheckAndNeverOverwrites() throws {
        let folder = try temporaryFolder(self)
        var rows = "month,sst,note\n"
        for month in 0..<240 { rows += "\(1950 + month / 12)-\(String(format: "%02d", month % 12 + 1)),\(20 + sin(Double(month) / 2)),x\n" }
        try rows.write(toFile: folder + "/sst.csv", atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: folder + "/configs", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: repositoryRoot + "/configs/seq2vec.yaml", toPath: folder + "/configs/seq2vec.yaml")
        let schema = ExperimentSchema.json(vocabulary: .standard)
        for (arguments, file) in [(["init"], "experiment.yaml"), (["init", "mine", "--csv", "sst.csv"], "mine.yaml"),
                                  (["init", "copy", "--from", "seq2vec"], "copy.yaml")] {
            let made = try runSeqtrain(arguments, in: folder)
            XCTAssertEqual(made.status, 0, made.stderr)
            let check = try runSeqtrain(["check", file], in: folder)
            XCTAssertEqual(check.status, 0, "\(arguments): \(check.stderr)")
            XCTAssertTrue(check.stdout.hasPrefix("\(file): ok"), check.stdout)
            let text = try String(contentsOfFile: folder + "/" + file, encoding: .utf8)
            XCTAssertTrue(text.hasPrefix("# "), "a starter is commented")
            let document = try XCTUnwrap(try Yams.compose(yaml: text))
            XCTAssertEqual(JSONSchemaValidator(root: schema).errors(SchemaInstance(document)), [], file)
            // Again: refused, the file untouched.
            let again = try runSeqtrain(arguments, in: folder)
            XCTAssertEqual(again.status, 1)
            XCTAssertTrue(again.stderr.contains("already exists"), again.stderr)
            XCTAssertEqual(try String(contentsOfFile: folder + "/" + file, encoding: .utf8), text)
        }
        let csvStarter = try String(contentsOfFile: folder + "/mine.yaml", encoding: .utf8)
        XCTAssertTrue(csvStarter.contains("columns: [sst], targets: [sst], time_column: month"), csvStarter)
        XCTAssertTrue(csvStarter.contains("not numeric, left out: note"), csvStarter)
        XCTAssertTrue(try String(contentsOfFile: folder + "/copy.yaml", encoding: .utf8).contains("\nname: copy\n"))
    }

    func testSchemaAndHelpConfig() throws {
        let folder = try temporaryFolder(self)
        let schema = try runSeqtrain(["schema"], in: folder)
        XCTAssertEqual(schema.status, 0, schema.stderr)
        XCTAssertEqual(schema.stdout, ExperimentSchema.json(vocabulary: .standard).rendered())
        XCTAssertTrue(schema.stdout.contains("\"$schema\": \"https://json-schema.org/draft/2020-12/schema\""))
        let window = try runSeqtrain(["help", "config", "data.window"], in: folder)
        XCTAssertEqual(window.status, 0, window.stderr)
        XCTAssertEqual(window.stdout, "data.window\n  The input steps of one sample.\n  type: integer, 1 ≤ window ≤ 100000\n  default: 50\n")
        let units = try runSeqtrain(["help", "config", "LSTM.units"], in: folder)
        XCTAssertTrue(units.stdout.contains("required"), units.stdout)
        let typo = try runSeqtrain(["help", "config", "windw"], in: folder)
        XCTAssertEqual(typo.status, 1)
        XCTAssertTrue(typo.stderr.contains("did you mean 'data.window'?"), typo.stderr)
        for subcommand in ["train", "check", "eval", "backtest", "predict", "resume", "verify", "sweep", "sweep-point", "runs", "diff",
                           "plot", "bench", "init", "schema"] {
            let help = try runSeqtrain([subcommand, "--help"], in: folder)
            XCTAssertTrue(help.stdout.contains("Example"), "\(subcommand) --help has no example")
        }
    }
}
