import Foundation
import SeqTrain
import XCTest

final class RunTests: XCTestCase {
    /// A small experiment that trains in well under a second.
    func smallExperiment(epochs: Int = 4, metrics: [MetricKind] = [.last_time_step_mse]) throws -> Experiment {
        try ExperimentParser.parse(yaml: """
            name: small
            seed: 7
            data:
              source: {generator: sine, series: 700}
              window: 20
              target: sequence
              horizon: 3
              split: {train: 500, valid: 100, test: 100}
            model:
              - SimpleRNN: {units: 8, return_sequences: true}
              - TimeDistributed: {Dense: {units: 3}}
            train:
              epochs: \(epochs)
              batch_size: 32
              optimizer: {name: adam, learning_rate: 0.01}
              metrics: [\(metrics.map(\.rawValue).joined(separator: ", "))]
            """, file: "small.yaml")
    }

    func testSafetensorsRoundTripAndLayout() throws {
        let file = Safetensors(tensors: ["b": .init(shape: [2], values: [1, -2]), "a.kernel": .init(shape: [2, 3], values: [0, 1, 2, 3, 4, 5.5])],
                               metadata: ["epoch": "3"])
        let data = file.serialized()
        XCTAssertEqual(try Safetensors(data: data), file)
        var headerLength: UInt64 = 0
        for i in 0..<8 { headerLength |= UInt64(data[i]) << (8 * UInt64(i)) }
        XCTAssertEqual(headerLength % 8, 0)
        let header = String(decoding: data[8..<(8 + Int(headerLength))], as: UTF8.self)
        XCTAssertTrue(header.contains("\"a.kernel\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]}"), header)
        XCTAssertEqual(data.count, 8 + Int(headerLength) + 8 * 4)
        // Raw little-endian float32 after the header, tensors in name order.
        XCTAssertEqual(Array(data[(8 + Int(headerLength))...].prefix(8)), [0, 0, 0, 0, 0, 0, 0x80, 0x3f])
        for bad in [Data(), Data([1, 2, 3]), Data([200, 0, 0, 0, 0, 0, 0, 0, 0x7b, 0x7d]), data.prefix(data.count - 4)] {
            XCTAssertThrowsError(try Safetensors(data: bad))
        }
    }

    func testRunFolderHasEveryFileAndReadsBack() throws {
        let runs = try temporaryFolder(self)
        let experiment = try smallExperiment()
        var output = ""
        let run = try TrainingRun.train(experiment, source: "small.yaml", runsDir: runs, console: Console(interactive: false) { output += $0 })
        XCTAssertTrue(run.path.hasPrefix(runs + "/small/"))
        XCTAssertTrue(output.contains("Model: \"small\""), output)
        XCTAssertTrue(output.contains("16/16 [==============================]"), output)
        XCTAssertTrue(output.contains("Run saved to \(run.path)"), output)
        XCTAssertFalse(output.contains("\r"), "no redraws into a pipe")

        // config.yaml: the resolved experiment.
        XCTAssertEqual(try ExperimentParser.load(path: run.configPath), experiment)
        // history.csv: header and one row per epoch, float32 shortest form.
        let history = try String(contentsOfFile: run.historyPath, encoding: .utf8).split(separator: "\n").map(String.init)
        XCTAssertEqual(history[0], "epoch,loss,last_time_step_mse,val_loss,val_last_time_step_mse,lr")
        XCTAssertEqual(history.count, 5)
        XCTAssertTrue(history.dropFirst().allSatisfy { $0.hasSuffix(",0.01") }, "lr: the constant rate at the end of each epoch")
        let rows = history.dropFirst().map { $0.split(separator: ",").map { Float($0)! } }
        XCTAssertEqual(rows.map { Int($0[0]) }, [1, 2, 3, 4])
        XCTAssertLessThan(rows.last![1], rows.first![1], "training lowers the loss")
        // timing.csv
        let timing = try String(contentsOfFile: run.timingPath, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(timing.count, 5)
        XCTAssertEqual(timing[0], "epoch,seconds")
        // summary.json
        let summary = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: run.summaryPath))) as? [String: Any])
        let best = try XCTUnwrap(summary["best"] as? [String: Any])
        let bestEpoch = best["epoch"] as! Int
        let bestValLoss = Float(((best["valid"] as! [String: Any])["loss"] as! NSNumber).doubleValue)
        XCTAssertEqual(bestValLoss, rows.map { $0[3] }.min())
        XCTAssertEqual(rows[bestEpoch - 1][3], bestValLoss)
        XCTAssertEqual(summary["parameters"] as? Int, 8 + 64 + 8 + 24 + 3)
        XCTAssertNotNil((summary["test"] as? [String: Any])?["last_time_step_mse"])
        let naive = try XCTUnwrap((summary["naive"] as? [String: Any])?["valid"] as? [String: Any])
        XCTAssertLessThan(bestValLoss, Float((naive["loss"] as! NSNumber).doubleValue), "beats the naive baseline")

        // Checkpoints: Keras names and layout, and they reproduce the history's figures.
        let last = try run.loadCheckpoint("last")
        XCTAssertEqual(last.tensors["layers.0.kernel"]?.shape, [1, 8])
        XCTAssertEqual(last.tensors["layers.0.recurrent_kernel"]?.shape, [8, 8])
        XCTAssertEqual(last.tensors["layers.0.bias"]?.shape, [8])
        XCTAssertEqual(last.tensors["layers.1.kernel"]?.shape, [8, 3])
        XCTAssertEqual(last.tensors["optimizer.m.layers.1.kernel"]?.shape, [8, 3])
        XCTAssertEqual(last.metadata["epoch"], "4")
        XCTAssertEqual(last.metadata["iterations"], "64")
        let (_, lastEval) = try TrainingRun.evaluate(run: run.path, split: .valid, checkpoint: "last")
        XCTAssertEqual(Float(lastEval.loss), rows.last![3])
        XCTAssertEqual(Float(lastEval.metrics[0]), rows.last![4])
        let (_, bestEval) = try TrainingRun.evaluate(run: run.path, split: .valid, checkpoint: "best")
        XCTAssertEqual(Float(bestEval.loss), bestValLoss)
        let (_, testEval) = try TrainingRun.evaluate(run: run.path, split: .test, checkpoint: "best")
        XCTAssertEqual(Float(testEval.loss), Float(((summary["test"] as! [String: Any])["loss"] as! NSNumber).doubleValue))

        // A restored checkpoint carries the optimizer state.
        let trainer = Trainer(experiment: experiment, dataset: try Dataset(config: experiment.data, seed: experiment.seed))
        let state = try Checkpoint.restore(last, into: trainer.model, optimizer: trainer.optimizer)
        XCTAssertEqual(state.epoch, 4)
        XCTAssertEqual(trainer.optimizer.iterations, 64)
        XCTAssertEqual(trainer.optimizer.slots[0].buffer.array.prefix(8), last.tensors["optimizer.m.layers.0.kernel"]!.values[...].prefix(8))
    }

    func testSameConfigSameBytes() throws {
        let runs = try temporaryFolder(self)
        let experiment = try smallExperiment(epochs: 3)
        let a = try TrainingRun.train(experiment, source: nil, runsDir: runs, console: .silent)
        let b = try TrainingRun.train(experiment, source: nil, runsDir: runs, console: .silent)
        XCTAssertNotEqual(a.path, b.path, "a run folder is never reused")
        for file in ["history.csv", "config.yaml", "checkpoints/last.safetensors", "checkpoints/best.safetensors"] {
            XCTAssertEqual(FileManager.default.contents(atPath: a.path + "/" + file), FileManager.default.contents(atPath: b.path + "/" + file), file)
        }
        var other = experiment
        other.seed = 8
        let c = try TrainingRun.train(other, source: nil, runsDir: runs, console: .silent)
        XCTAssertNotEqual(FileManager.default.contents(atPath: a.historyPath), FileManager.default.contents(atPath: c.historyPath))
    }

    func testNaiveRun() throws {
        let runs = try temporaryFolder(self)
        let experiment = try ExperimentParser.load(path: repositoryRoot + "/configs/naive.yaml")
        var output = ""
        let run = try TrainingRun.train(experiment, source: nil, runsDir: runs, console: Console(interactive: false) { output += $0 })
        XCTAssertTrue(output.contains("val_loss: 0.0202"), output)
        let summary = try String(contentsOfFile: run.summaryPath, encoding: .utf8)
        XCTAssertTrue(summary.contains("\"loss\": 0.020211367"), summary)
        XCTAssertEqual(try String(contentsOfFile: run.historyPath, encoding: .utf8), "epoch,loss,val_loss,lr\n")
        XCTAssertEqual(try TrainingRun.evaluate(run: run.path, split: .valid, checkpoint: "best").1.loss, 0.020211366079705268, accuracy: 1e-15)
    }

    /// Two chapter experiments trained for their full 20 epochs land in the chapter's range (1.3 x the book's figure).
    func testChapterFiguresLinearAndSimpleRNN() throws {
        let runs = try temporaryFolder(self)
        for (name, bound) in [("linear", 1.3 * 0.0042), ("simple_rnn", 1.3 * 0.0109)] {
            let experiment = try ExperimentParser.load(path: repositoryRoot + "/configs/\(name).yaml")
            let run = try TrainingRun.train(experiment, source: nil, runsDir: runs, console: .silent)
            let history = try String(contentsOfFile: run.historyPath, encoding: .utf8).split(separator: "\n")
            XCTAssertEqual(history.count, 21)
            let finalValLoss = Double(history.last!.split(separator: ",")[2])!
            XCTAssertLessThan(finalValLoss, bound, "\(name) after 20 epochs")
        }
    }

    func testProgressLineRedrawsOnATerminal() throws {
        var output = ""
        let progress = ProgressLine(totalSteps: 3, interactive: true) { output += $0 }
        progress.beginEpoch(1, of: 2)
        progress.update(step: 3, loss: 0.5)
        progress.endEpoch(figures: [("loss", 0.5), ("val_loss", 0.00012)])
        XCTAssertTrue(output.hasPrefix("Epoch 1/2\n\r3/3 [==============================]"), output)
        XCTAssertTrue(output.hasSuffix(" - loss: 0.5000 - val_loss: 1.2000e-04\u{1B}[K\n"), output)
    }
}
