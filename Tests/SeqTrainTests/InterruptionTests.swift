import Foundation
import SeqTrain
import XCTest

/// Signals and kills against the real executable: the run folder stays consistent at any instant,
/// and resuming ends byte-identical to a run that was never interrupted.
final class InterruptionTests: XCTestCase {
    let config = """
        name: killme
        seed: 11
        data: {source: {generator: sine, series: 8000}, window: 50, split: {train: 7000, valid: 500, test: 500}}
        model:
          - SimpleRNN: {units: 32, return_sequences: true}
          - SimpleRNN: {units: 32}
          - Dense: {units: 1}
        train: {epochs: 16, optimizer: {name: adam, learning_rate: 0.003}}
        """
    let compared = ["history.csv", "checkpoints/last.safetensors", "checkpoints/best.safetensors"]

    /// A folder with the config and the run of it that was never interrupted.
    func prepare() throws -> (folder: String, reference: RunFolder) {
        let folder = try temporaryFolder(self)
        try config.write(toFile: folder + "/killme.yaml", atomically: true, encoding: .utf8)
        let experiment = try ExperimentParser.load(path: folder + "/killme.yaml")
        let reference = try TrainingRun.train(experiment, source: nil, runsDir: folder + "/reference", threads: 2, console: .silent)
        return (folder, reference)
    }

    func runFolders(_ folder: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder + "/runs/killme")) ?? []).filter { !$0.hasPrefix(".") }
            .map { folder + "/runs/killme/" + $0 }
    }

    /// What must hold after a kill at any instant.
    func assertConsistent(_ path: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let run = try RunFolder(existing: path)
        let last = try run.loadCheckpoint("last")
        let epoch = try XCTUnwrap(Int(last.metadata["epoch"] ?? ""), file: file, line: line)
        let rows = try String(contentsOfFile: run.historyPath, encoding: .utf8).split(separator: "\n").count - 1
        XCTAssertTrue(rows == epoch || rows == epoch - 1, "history has \(rows) rows, checkpoint epoch \(epoch)", file: file, line: line)
        XCTAssertNotNil(try? ExperimentParser.load(path: run.configPath), file: file, line: line)
    }

    func testKillNineAtRandomInstantsThenResumeGivesTheSameBytes() throws {
        let (folder, reference) = try prepare()
        var random = SplitMixRandom(seed: 2024, purpose: "kill-instants")
        var kills = 0, finished = false
        for round in 0..<40 where !finished {
            let existing = runFolders(folder)
            let arguments = existing.isEmpty ? ["killme.yaml", "--threads", "2"] : ["resume", existing[0], "--threads", "2"]
            let process = try startSeqtrain(arguments, in: folder, log: "round\(round)")
            usleep(UInt32(30_000 + random.nextInt(below: 220_000)))
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                kills += 1
            }
            process.waitUntilExit()
            finished = process.terminationReason == .exit && process.terminationStatus == 0
            XCTAssertLessThanOrEqual(runFolders(folder).count, 1, "a resume never starts another run")
            if let run = runFolders(folder).first {
                try assertConsistent(run)
                // The event files never run ahead of the history, and hold no epoch twice.
                let rows = try String(contentsOfFile: run + "/history.csv", encoding: .utf8).split(separator: "\n").count - 1
                let steps = (try? tensorBoardScalars(run))?["validation"]?["epoch_loss"]?.map(\.step) ?? []
                XCTAssertEqual(steps, (0..<Int64(steps.count)).map { $0 + 1 })
                XCTAssertLessThanOrEqual(steps.count, rows)
            }
        }
        print("kill -9 test: \(kills) kills before the run finished")
        XCTAssertGreaterThanOrEqual(kills, 3, "the test killed the process mid-run several times")
        let run = try XCTUnwrap(runFolders(folder).first)
        if !finished {
            let result = try runSeqtrain(["resume", run], in: folder)
            XCTAssertEqual(result.status, 0, result.stderr)
        }
        for file in compared {
            XCTAssertEqual(FileManager.default.contents(atPath: run + "/" + file), FileManager.default.contents(atPath: reference.path + "/" + file),
                           "\(file) after \(kills) kills and resumes")
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: run + "/summary.json"))
        // Across the files of every process that trained it, TensorBoard sees each epoch once.
        try assertEventFilesMatchHistory(run, learningRate: 0.003)
        print("kill -9 test: \(try FileManager.default.contentsOfDirectory(atPath: run + "/tensorboard/train").count) event files in train/")
    }

    func testInterruptSaysHowToResumeAndResumeFinishesTheSameRun() throws {
        let (folder, reference) = try prepare()
        let process = try startSeqtrain(["killme.yaml", "--threads", "1"], in: folder, log: "sigint")
        // Wait for the first finished epoch, then interrupt.
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            if let run = runFolders(folder).first,
               let history = try? String(contentsOfFile: run + "/history.csv", encoding: .utf8), history.split(separator: "\n").count >= 2 { break }
            usleep(5_000)
        }
        kill(process.processIdentifier, SIGINT)
        process.waitUntilExit()
        let stderr = try String(contentsOfFile: folder + "/sigint.err", encoding: .utf8)
        let run = try XCTUnwrap(runFolders(folder).first)
        if process.terminationStatus == 0 {
            // The machine was fast enough to finish before the signal landed; nothing to resume.
            XCTAssertEqual(FileManager.default.contents(atPath: run + "/history.csv"), FileManager.default.contents(atPath: reference.historyPath))
            return
        }
        XCTAssertEqual(process.terminationStatus, 130, stderr)
        XCTAssertTrue(stderr.contains("stopped during epoch"), stderr)
        XCTAssertTrue(stderr.contains("seqtrain resume \(run.replacingOccurrences(of: folder + "/", with: ""))"), stderr)
        try assertConsistent(run)
        let result = try runSeqtrain(["resume", run], in: folder)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("Resuming "), result.stdout)
        for file in compared {
            XCTAssertEqual(FileManager.default.contents(atPath: run + "/" + file), FileManager.default.contents(atPath: reference.path + "/" + file), file)
        }
        let verify = try runSeqtrain(["verify", run, "--epochs", "3"], in: folder)
        XCTAssertEqual(verify.status, 0, verify.stderr)
        XCTAssertTrue(verify.stdout.hasPrefix("verified: epochs 1-3 of history.csv"), verify.stdout)
    }
}
