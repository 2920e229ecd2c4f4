import Foundation
import SeqTrain
import XCTest

/// Training control in real runs: the `lr` column, early-stopped runs and their status, the restored
/// weights in the last checkpoint, resuming at any point of the end of a run, `--set`, and runs made
/// before the `lr` column.
final class TrainingControlRunTests: XCTestCase {
    /// ReduceLROnPlateau fires at epochs 4 and 6, EarlyStopping stops after epoch 7 and restores epoch 5's weights.
    let yaml = """
        name: control
        seed: 3
        data: {source: {generator: sine, series: 700}, window: 20, target: sequence, horizon: 3, split: {train: 500, valid: 100, test: 100}}
        model:
          - SimpleRNN: {units: 8, return_sequences: true}
          - TimeDistributed: {Dense: {units: 3}}
        train:
          epochs: 12
          optimizer: {name: adamw, learning_rate: 0.02, weight_decay: 0.01}
          metrics: [last_time_step_mse]
          callbacks:
            - EarlyStopping: {monitor: val_last_time_step_mse, patience: 2, min_delta: 0.0005, restore_best_weights: true}
            - ReduceLROnPlateau: {factor: 0.5, patience: 1, min_delta: 0.001}
        """

    /// Fails on purpose: `TrainingStopped` (as a signal would) when epoch `stopAt` ends, before its
    /// checkpoint is written, or an error at the end of training, before the final checkpoint.
    final class Interrupter: EpochObserver {
        let stopAt: Int?, failAtEnd: Bool
        init(stopAt: Int? = nil, failAtEnd: Bool = false) { (self.stopAt, self.failAtEnd) = (stopAt, failAtEnd) }
        struct Killed: Error {}
        func epochDidEnd(_ record: EpochRecord, loop: TrainingLoop) throws -> TrainingDecision {
            if record.epoch == stopAt { throw TrainingStopped(epoch: record.epoch) }
            return .proceed
        }
        func trainingDidEnd(loop: TrainingLoop) throws { if failAtEnd { throw Killed() } }
    }

    func bytes(_ run: RunFolder, _ file: String) -> Data? { FileManager.default.contents(atPath: run.path + "/" + file) }

    func testAnEarlyStoppedRunRecordsWhyAndKeepsTheBestWeightsAsItsLast() throws {
        let runs = try temporaryFolder(self)
        var output = ""
        let run = try TrainingRun.train(try ExperimentParser.parse(yaml: yaml, file: "control.yaml"), source: nil, runsDir: runs,
                                        console: Console(interactive: false) { output += $0 })
        let reason = "stopped early at epoch 7 (best epoch 5, patience 2)"
        XCTAssertTrue(output.contains("Stopped early: \(reason)\nRestored the weights of epoch 5 (EarlyStopping's restore_best_weights)\n"), output)
        let opened = try OpenedRun.open(run.path)
        XCTAssertEqual(opened.status, RunStatus(.stoppedEarly, reason: reason, epoch: 7))
        XCTAssertEqual(RunIndex.read(run.path).status.summary, reason, "seqtrain runs shows the reason")
        let summary = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: run.summaryPath))) as? [String: Any])
        XCTAssertEqual(summary["status"] as? String, "stopped_early")
        XCTAssertEqual(summary["status_reason"] as? String, reason)
        XCTAssertEqual(summary["final_weights_from_epoch"] as? Int, 5)
        // lr: the rate at the end of each epoch, before that epoch's reduction.
        XCTAssertEqual(try opened.historyColumn("lr"), [0.02, 0.02, 0.02, 0.02, 0.01, 0.01, 0.005])
        // The last checkpoint holds epoch 5's weights: they give epoch 5's validation figures again.
        let last = try opened.checkpoint("last")
        XCTAssertEqual(last.metadata["epoch"], "7")
        XCTAssertEqual(last.metadata["weights_from_epoch"], "5")
        XCTAssertEqual(last.metadata["learning_rate"], "\(Double(Float(0.0025)))", "the reduced rate goes on after a resume")
        let epoch5 = try opened.history().rows[4]
        let valid = try TrainingRun.evaluate(run: run.path, split: .valid, checkpoint: "last").1
        XCTAssertEqual(["\(Float(valid.loss))", "\(Float(valid.metrics[0]))"], [epoch5[3], epoch5[4]])
        // Nothing to resume; verify retrains to the same bytes, the restored last checkpoint included.
        var said = ""
        try TrainingRun.resume(run.path, console: Console(interactive: false) { said += $0 })
        XCTAssertEqual(said, "\(run.path) is \(reason); nothing to resume.\n")
        let verification = try TrainingRun.verify(run.path, epochs: nil)
        XCTAssertEqual(verification.differences, [])
        XCTAssertEqual(verification.checkpointsCompared, ["checkpoints/last.safetensors", "checkpoints/best.safetensors"])
    }

    func testResumingAtEveryStepOfTheEndGivesTheSameBytes() throws {
        let runs = try temporaryFolder(self)
        let experiment = try ExperimentParser.parse(yaml: yaml, file: "control.yaml")
        let reference = try TrainingRun.train(experiment, source: nil, runsDir: runs + "/reference", console: .silent)
        let files = ["history.csv", "checkpoints/last.safetensors", "checkpoints/best.safetensors", "timing.csv"]
        // Killed mid-run (epoch 3 abandoned), at the end before the restored weights were written,
        // and after everything but the status.
        let cases: [(String, [any EpochObserver])] = [("mid-run", [Interrupter(stopAt: 3)]), ("before the final checkpoint", [Interrupter(failAtEnd: true)]),
                                                      ("after the final checkpoint", [])]
        for (when, observers) in cases {
            let run: RunFolder
            do {
                run = try TrainingRun.train(experiment, source: nil, runsDir: runs + "/" + when, console: .silent, callbacks: observers)
            } catch {
                run = try RunFolder(existing: runs + "/" + when + "/control/" + (try FileManager.default.contentsOfDirectory(atPath: runs + "/" + when + "/control")[0]))
            }
            // What a kill leaves: a status that says nothing ended.
            try run.writeStatus(RunStatus(.interrupted, epoch: 0))
            var said = ""
            try TrainingRun.resume(run.path, console: Console(interactive: false) { said += $0 })
            if when != "mid-run" { XCTAssertTrue(said.hasPrefix("\(run.path) was stopped early at epoch 7"), "\(when): \(said)") }
            for file in files where file != "timing.csv" {
                XCTAssertEqual(bytes(run, file), bytes(reference, file), "\(file) after a resume \(when)")
            }
            XCTAssertEqual(try OpenedRun.open(run.path).status.state, .stoppedEarly, when)
        }
    }

    func testSetReachesEveryNewKey() throws {
        let file = try temporaryFolder(self) + "/control.yaml"
        try yaml.write(toFile: file, atomically: true, encoding: .utf8)
        let e = try ExperimentParser.load(path: file, overrides: try [
            "train.callbacks.0.EarlyStopping.patience=5", "train.callbacks.1.factor=0.2", "train.callbacks.1.ReduceLROnPlateau.cooldown=2",
            "train.optimizer.weight_decay=0.05", "train.optimizer.name=adam",
        ].map(Override.init))
        let stopping = try XCTUnwrap(e.train.callbacks[0] as? EarlyStopping), plateau = try XCTUnwrap(e.train.callbacks[1] as? ReduceLROnPlateau)
        XCTAssertEqual([stopping.patience, plateau.cooldown], [5, 2])
        XCTAssertEqual(plateau.factor, 0.2)
        XCTAssertEqual(e.train.optimizer.name, "adam")
        XCTAssertEqual(e.train.optimizer.weightDecay, 0.05)
        // A schedule, and a key inside it; callbacks added to a config that has none.
        let scheduled = try ExperimentParser.load(path: repositoryRoot + "/configs/seq2seq.yaml", overrides: try [
            "train.optimizer.learning_rate={schedule: cosine_decay, initial_learning_rate: 0.01, decay_steps: 100}",
            "train.optimizer.learning_rate.decay_steps=4000", "train.callbacks=[EarlyStopping]", "train.callbacks.0.patience=3",
        ].map(Override.init))
        XCTAssertEqual(scheduled.train.optimizer.rule.learningRate, .schedule(CosineDecay(initialLearningRate: 0.01, decaySteps: 4000)))
        XCTAssertEqual((scheduled.train.callbacks.first as? EarlyStopping)?.patience, 3)
        // Misspelt keys are reported against the override, with a suggestion.
        for (argument, words) in [("train.callbacks.0.EarlyStopping.patiance=5", "unknown key 'patiance' in EarlyStopping at train.callbacks.0 (did you mean 'patience'?)"),
                                  ("train.callbacks.0.monitor=val_lss", "names 'val_lss', which is not a column of history.csv"),
                                  ("train.callbacks.3.patience=1", "'3' is not an index of a list of 2 items")] {
            XCTAssertThrowsError(try ExperimentParser.load(path: file, overrides: [try Override(argument)])) {
                XCTAssertTrue("\($0)".contains("--set \(argument): error: ") && "\($0)".contains(words), "\($0)")
            }
        }
    }

    /// A run made before the `lr` column: `runs`, `diff`, `plot` and `verify` read it, and `resume`
    /// continues it in its own layout, to the bytes the older seqtrain would have written.
    func testRunsMadeBeforeTheLRColumnAreReadAndResumed() throws {
        let runs = try temporaryFolder(self)
        let plain = try ExperimentParser.parse(yaml: yaml.components(separatedBy: "\n  callbacks:")[0]
            .replacingOccurrences(of: "epochs: 12", with: "epochs: 4"), file: "plain.yaml")
        let reference = try TrainingRun.train(plain, source: nil, runsDir: runs + "/reference", console: .silent)
        XCTAssertThrowsError(try TrainingRun.train(plain, source: nil, runsDir: runs + "/old", console: .silent, callbacks: [Interrupter(stopAt: 3)]))
        let old = try RunFolder(existing: runs + "/old/control/" + (try FileManager.default.contentsOfDirectory(atPath: runs + "/old/control")[0]))
        // Make it as seqtrain wrote it before: no lr column in history.csv, nor in the checkpoint's history row.
        let withoutLR = { (text: String) in text.split(separator: "\n").map { $0.split(separator: ",").dropLast().joined(separator: ",") }.joined(separator: "\n") + "\n" }
        try withoutLR(try String(contentsOfFile: old.historyPath, encoding: .utf8)).write(toFile: old.historyPath, atomically: true, encoding: .utf8)
        var last = try old.loadCheckpoint("last")
        last.metadata["history_row"] = withoutLR(last.metadata["history_row"]!).trimmingCharacters(in: .newlines)
        try last.serialized().write(to: URL(fileURLWithPath: old.checkpointPath("last")))
        XCTAssertEqual(try OpenedRun.open(old.path).history().header, ["epoch", "loss", "last_time_step_mse", "val_loss", "val_last_time_step_mse"])
        XCTAssertEqual(RunIndex.read(old.path).epochsDone, 2)

        try TrainingRun.resume(old.path, console: .silent)
        let expected = withoutLR(try String(contentsOfFile: reference.historyPath, encoding: .utf8))
        XCTAssertEqual(try String(contentsOfFile: old.historyPath, encoding: .utf8), expected, "the old layout, the same numbers")
        XCTAssertEqual(try Safetensors(data: bytes(old, "checkpoints/last.safetensors")!).tensors,
                       try Safetensors(data: bytes(reference, "checkpoints/last.safetensors")!).tensors)
        let comparison = try RunComparison(runs: [try OpenedRun.open(old.path), try OpenedRun.open(reference.path)])
        XCTAssertEqual(comparison.configDifferences, [])
        XCTAssertEqual(comparison.verdict(labels: ["A", "B"]).prefix(16), "tie on best val_")
        XCTAssertTrue(try RunPlots.overlay([try OpenedRun.open(old.path)], metric: "val_loss", logScale: nil).contains("<svg"))
        XCTAssertThrowsError(try OpenedRun.open(old.path).historyColumn("lr")) { XCTAssertTrue("\($0)".contains("it has no column 'lr'"), "\($0)") }
        XCTAssertEqual(try TrainingRun.verify(old.path, epochs: nil).differences, [], "verify compares the columns the run has")
    }
}
