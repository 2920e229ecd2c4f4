import Foundation
import SeqTrain
import XCTest

/// Runs that survive bad numbers, edits and hostile files (in process; signals are in InterruptionTests).
final class RobustnessTests: XCTestCase {
    func experiment(_ extra: String = "", epochs: Int = 3, optimizer: String = "{name: adam, learning_rate: 0.01}") throws -> Experiment {
        try ExperimentParser.parse(yaml: """
            name: robust
            seed: 5
            data: {source: {generator: sine, series: 400}, window: 10, split: {train: 300, valid: 50, test: 50}}
            model:
              - SimpleRNN: {units: 4}
              - Dense: {units: 1}
            train: {epochs: \(epochs), optimizer: \(optimizer)\(extra)}
            """, file: "robust.yaml")
    }

    func testNonFiniteLossStopsAtOnceAndKeepsTheLastGoodCheckpoint() throws {
        let runs = try temporaryFolder(self)
        let exploding = try experiment(optimizer: "{name: sgd, learning_rate: 1.0e+30}")
        var output = ""
        XCTAssertThrowsError(try TrainingRun.train(exploding, source: nil, runsDir: runs, console: Console(interactive: false) { output += $0 })) { error in
            let text = "\(error)"
            XCTAssertTrue(error is RunFailed, text)
            XCTAssertTrue(text.contains("at epoch 1, batch "), text)
            XCTAssertTrue(text.contains("learning_rate") && text.contains("clipnorm"), text)
        }
        let run = try RunFolder(existing: try FileManager.default.contentsOfDirectory(atPath: runs + "/robust").map { runs + "/robust/" + $0 }[0])
        let last = try run.loadCheckpoint("last")
        XCTAssertEqual(last.metadata["epoch"], "0", "the initial weights stay the last good checkpoint")
        XCTAssertTrue(last.tensors.values.allSatisfy { $0.values.allSatisfy(\.isFinite) })
        XCTAssertEqual(try String(contentsOfFile: run.historyPath, encoding: .utf8), "epoch,loss,val_loss,lr\n")
    }

    func testClipping() throws {
        let optimizer = Optimizer(OptimizerConfig(SGDConfig()), parameterCount: 5, clipping: .norm(1), tensors: [0..<2, 2..<5])
        var g: [Float] = [3, 4, 0.1, 0.2, 0.2]
        g.withUnsafeMutableBufferPointer { optimizer.clip($0.baseAddress!) }
        assertClose(g, [0.6, 0.8, 0.1, 0.2, 0.2], tolerance: 1e-7, "clipnorm scales each tensor by its own norm")
        let byValue = Optimizer(OptimizerConfig(SGDConfig()), parameterCount: 3, clipping: .value(0.5))
        var h: [Float] = [-2, 0.25, 7]
        h.withUnsafeMutableBufferPointer { byValue.clip($0.baseAddress!) }
        XCTAssertEqual(h, [-0.5, 0.25, 0.5])

        XCTAssertEqual(try experiment(", batch_size: 32").train.clipping, GradientClipping.none)
        let clipped = try experiment(optimizer: "{name: adam, clipnorm: 1.0}")
        XCTAssertEqual(clipped.train.clipping, .norm(1))
        XCTAssertEqual(try ExperimentParser.parse(yaml: ExperimentWriter.yaml(clipped), file: "resolved"), clipped)
        XCTAssertEqual(try experiment(optimizer: "{name: sgd, clipvalue: 0.5}").train.clipping, .value(0.5))
        XCTAssertThrowsError(try experiment(optimizer: "{name: adam, clipnorm: 1, clipvalue: 1}")) {
            XCTAssertTrue("\($0)".contains("clipnorm or clipvalue, not both"), "\($0)")
        }
        // A clipped run trains where the unclipped one explodes.
        let runs = try temporaryFolder(self)
        XCTAssertNoThrow(try TrainingRun.train(try experiment(optimizer: "{name: sgd, learning_rate: 0.5, clipvalue: 0.01}"),
                                               source: nil, runsDir: runs, console: .silent))
    }

    func testResumeRefusesACheckpointOfAnotherConfig() throws {
        let runs = try temporaryFolder(self)
        let run = try TrainingRun.train(try experiment(epochs: 2), source: nil, runsDir: runs, console: .silent)
        let edited = try String(contentsOfFile: run.configPath, encoding: .utf8).replacingOccurrences(of: "learning_rate: 0.01", with: "learning_rate: 0.02")
        try edited.write(toFile: run.configPath, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try TrainingRun.resume(run.path, console: .silent)) {
            XCTAssertTrue("\($0)".contains("was made for another config"), "\($0)")
        }
        // Every command that reads a checkpoint refuses it alike.
        XCTAssertThrowsError(try TrainingRun.evaluate(run: run.path, split: .valid, checkpoint: "best")) {
            XCTAssertTrue("\($0)".contains("best.safetensors was made for another config"), "\($0)")
        }
        XCTAssertThrowsError(try TrainingRun.evaluateSteps(run: run.path, steps: 3, checkpoint: "last")) {
            XCTAssertTrue("\($0)".contains("last.safetensors was made for another config"), "\($0)")
        }
        XCTAssertThrowsError(try OpenedRun.open(run.path).trainedModel(checkpoint: "best"))
    }

    func testResumeCompletesAHistoryOneRowShortAndAStaleBestCheckpoint() throws {
        let runs = try temporaryFolder(self)
        let full = try TrainingRun.train(try experiment(epochs: 4), source: nil, runsDir: runs, console: .silent)
        let history = try String(contentsOfFile: full.historyPath, encoding: .utf8)
        let best = try full.loadCheckpoint("best")
        // A copy that died right after writing last.safetensors of its final epoch.
        let broken = try RunFolder.create(runsDir: runs, name: "broken")
        for file in ["config.yaml", "timing.csv", "checkpoints/last.safetensors"] {
            try FileManager.default.copyItem(atPath: full.path + "/" + file, toPath: broken.path + "/" + file)
        }
        var lines = history.split(separator: "\n")
        lines.removeLast()
        try (lines.joined(separator: "\n") + "\n").write(toFile: broken.historyPath, atomically: true, encoding: .utf8)
        if best.metadata["epoch"] == "4" {
            // The best checkpoint of the last epoch was never written: leave an older file there.
            try Checkpoint.make(model: Sequential([DenseConfig(units: 1)], inputShape: .vector(1), maxBatch: 1),
                                optimizer: Optimizer(OptimizerConfig(SGDConfig()), parameterCount: 2),
                                state: ["epoch": "1", "iterations": "0", "best_epoch": "1", "best_val_loss": "1"], configHash: "x")
                .serialized().write(to: URL(fileURLWithPath: broken.checkpointPath("best")))
        } else {
            try FileManager.default.copyItem(atPath: full.checkpointPath("best"), toPath: broken.checkpointPath("best"))
        }
        XCTAssertTrue(FileManager.default.createFile(atPath: broken.path + "/.history.csv.tmp-12345", contents: Data("partial".utf8)))
        try TrainingRun.resume(broken.path, console: .silent)
        XCTAssertEqual(try String(contentsOfFile: broken.historyPath, encoding: .utf8), history)
        XCTAssertEqual(FileManager.default.contents(atPath: broken.checkpointPath("best")), FileManager.default.contents(atPath: full.checkpointPath("best")))
        XCTAssertFalse(FileManager.default.fileExists(atPath: broken.path + "/.history.csv.tmp-12345"), "stale temporary files are removed")
    }

    func testVerifyFindsBitLevelDifferences() throws {
        let runs = try temporaryFolder(self)
        let run = try TrainingRun.train(try experiment(epochs: 3), source: nil, runsDir: runs, console: .silent)
        let clean = try TrainingRun.verify(run.path, epochs: nil, threads: 2)
        XCTAssertEqual(clean.epochs, 3)
        XCTAssertEqual(clean.differences, [])
        XCTAssertEqual(Set(clean.checkpointsCompared), Set(["checkpoints/last.safetensors", "checkpoints/best.safetensors"]))
        XCTAssertEqual(try TrainingRun.verify(run.path, epochs: 1).differences, [])
        XCTAssertThrowsError(try TrainingRun.verify(run.path, epochs: 4))
        // Change the last digit of one recorded figure.
        var lines = try String(contentsOfFile: run.historyPath, encoding: .utf8).split(separator: "\n").map(String.init)
        var cells = lines[2].split(separator: ",").map(String.init)
        let value = Float(cells[1])!
        cells[1] = "\(value.nextUp)"
        lines[2] = cells.joined(separator: ",")
        try (lines.joined(separator: "\n") + "\n").write(toFile: run.historyPath, atomically: true, encoding: .utf8)
        let tampered = try TrainingRun.verify(run.path, epochs: 2)
        XCTAssertEqual(tampered.differences, ["epoch 2 loss: recorded \(value.nextUp), retrained \(value)"])
    }

    func testUnwritableRunsFolderIsAClearError() throws {
        let folder = try temporaryFolder(self)
        XCTAssertTrue(FileManager.default.createFile(atPath: folder + "/file", contents: Data()))
        XCTAssertThrowsError(try TrainingRun.train(try experiment(), source: nil, runsDir: folder + "/file/runs", console: .silent)) {
            XCTAssertEqual("\($0)", "cannot write \(folder)/file: it is a file, not a folder")
        }
    }

    /// Hostile files: an error, fast, with bounded memory.
    func testHostileFilesFailFastWithAClearError() throws {
        let folder = try temporaryFolder(self)
        var laughs = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
        for i in 1..<12 { laughs.append("a\(i): &a\(i) [" + [String](repeating: "*a\(i - 1)", count: 10).joined(separator: ", ") + "]") }
        let cases: [(name: String, text: String, expected: String)] = [
            ("laughs", (laughs + ["model: *a11", "train: {metrics: *a11}"]).joined(separator: "\n"), "unknown key 'a0'"),
            ("nested", "model: " + String(repeating: "[", count: 50_000) + String(repeating: "]", count: 50_000), "nesting deeper than"),
            ("blocks", "model:\n" + (1..<1200).map { String(repeating: " ", count: $0) + "- " }.joined(separator: "\n"), "nesting deeper than"),
            ("huge", "name: " + String(repeating: "x", count: 2_000_000) + "\nmodel: naive\n", "experiment files are at most"),
            ("numbers", "seed: 1" + String(repeating: "0", count: 300) + "\nmodel:\n  - SimpleRNN: {units: 1e999}\n", "out of range"),
            ("nan", "model: naive\ntrain: {optimizer: {name: adam, learning_rate: .nan}}\n", "must be a finite number"),
        ]
        for c in cases {
            let path = folder + "/\(c.name).yaml"
            try c.text.write(toFile: path, atomically: true, encoding: .utf8)
            let start = Date()
            XCTAssertThrowsError(try ExperimentParser.load(path: path)) {
                XCTAssertTrue("\($0)".contains(c.expected), "\(c.name): \("\($0)".prefix(300))")
            }
            XCTAssertLessThan(Date().timeIntervalSince(start), 1, "\(c.name) takes under a second")
        }
        XCTAssertLessThan(Benchmark.peakMemoryBytes(), 512 << 20, "memory stays bounded")
    }
}
