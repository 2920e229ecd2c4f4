import Foundation
import XCTest

/// The `seqtrain` executable: exit statuses and what a user reads.
final class CommandLineTests: XCTestCase {
    func run(_ arguments: [String], in folder: String) throws -> (status: Int32, stdout: String, stderr: String) {
        try runSeqtrain(arguments, in: folder)
    }

    var executable: URL { seqtrainExecutable }

    func testTrainCheckAndEval() throws {
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: executable.path), "seqtrain not built at \(executable.path)")
        let folder = try temporaryFolder(self)
        let config = folder + "/tiny.yaml"
        try """
            data: {source: {generator: sine, series: 300}, window: 10, split: {train: 200, valid: 50, test: 50}}
            model:
              - SimpleRNN: {units: 4}
              - Dense: {units: 1}
            train: {epochs: 2}
            """.write(toFile: config, atomically: true, encoding: .utf8)

        let check = try run(["check", "tiny.yaml"], in: folder)
        XCTAssertEqual(check.status, 0, check.stderr)
        XCTAssertTrue(check.stdout.contains("simple_rnn (SimpleRNN)"), check.stdout)
        XCTAssertTrue(check.stdout.contains("Total params: 29"), check.stdout)

        let train = try run(["tiny.yaml"], in: folder)  // train is the default subcommand
        XCTAssertEqual(train.status, 0, train.stderr)
        XCTAssertTrue(train.stdout.contains("Epoch 2/2\n7/7 [==============================]"), train.stdout)
        let runs = try FileManager.default.contentsOfDirectory(atPath: folder + "/runs/tiny")
        XCTAssertEqual(runs.count, 1)

        let eval = try run(["eval", "runs/tiny/" + runs[0], "--split", "test", "--checkpoint", "last"], in: folder)
        XCTAssertEqual(eval.status, 0, eval.stderr)
        XCTAssertTrue(eval.stdout.hasPrefix("test (last checkpoint): loss: "), eval.stdout)

        let elsewhere = try run(["train", "tiny.yaml", "--runs-dir", "other"], in: folder)
        XCTAssertEqual(elsewhere.status, 0, elsewhere.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder + "/other/tiny"))
    }

    func testBadConfigExitsWithStatusTwoAndNoRun() throws {
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: executable.path), "seqtrain not built at \(executable.path)")
        let folder = try temporaryFolder(self)
        try "model:\n  - SimpleRNN: {units: 20, return_sequence: true}\n".write(toFile: folder + "/bad.yaml", atomically: true, encoding: .utf8)
        for arguments in [["bad.yaml"], ["check", "bad.yaml"]] {
            let result = try run(arguments, in: folder)
            XCTAssertEqual(result.status, 2)
            XCTAssertTrue(result.stderr.hasPrefix("bad.yaml:2:28: error: unknown key 'return_sequence'"), result.stderr)
            XCTAssertTrue(result.stderr.contains("did you mean 'return_sequences'?"), result.stderr)
            XCTAssertFalse(result.stderr.contains("Fatal"), result.stderr)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/runs"), "nothing is written for a bad config")
        let missing = try run(["eval", "nowhere"], in: folder)
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.stderr.contains("no such run folder"), missing.stderr)
    }
}
