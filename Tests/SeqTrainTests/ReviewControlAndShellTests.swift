import Foundation
import SeqTrain
import XCTest

/// A hostile review of training control (callback state on resume) and of `seqtrain init`: every
/// bad input is a clear error naming the file or key, never a silently wrong run or a file written
/// outside the current folder.
final class ReviewControlAndShellTests: XCTestCase {
    let yaml = """
        name: control
        seed: 3
        data: {source: {generator: sine, series: 300}, window: 10, split: {train: 200, valid: 50, test: 50}}
        model:
          - SimpleRNN: {units: 4}
          - Dense: {units: 1}
        train:
          epochs: 6
          callbacks:
            - EarlyStopping: {patience: 100, restore_best_weights: true}
        """

    /// Stops training (as a signal would) when epoch `stopAt` ends, before its checkpoint.
    final class Interrupter: EpochObserver {
        let stopAt: Int
        init(stopAt: Int) { self.stopAt = stopAt }
        func epochDidEnd(_ record: EpochRecord, loop: TrainingLoop) throws -> TrainingDecision {
            if record.epoch == stopAt { throw TrainingStopped(epoch: record.epoch) }
            return .proceed
        }
    }

    /// A checkpoint whose EarlyStopping state was tampered with is refused on resume, naming the
    /// checkpoint and the entry: a best of nan or inf (never improved on, so the wrong epoch's
    /// weights would be restored), a best epoch after the checkpoint's, a best_weights tensor of
    /// another shape (the message used to lack the file).
    func testTamperedEarlyStoppingStateIsRefusedOnResume() throws {
        let runs = try temporaryFolder(self)
        let experiment = try ExperimentParser.parse(yaml: yaml, file: "control.yaml")
        XCTAssertThrowsError(try TrainingRun.train(experiment, source: nil, runsDir: runs + "/a", console: .silent, callbacks: [Interrupter(stopAt: 3)]))
        let original = runs + "/a/control/" + (try FileManager.default.contentsOfDirectory(atPath: runs + "/a/control")[0])
        let pristine = try RunFolder(existing: original).loadCheckpoint("last")
        XCTAssertEqual(pristine.metadata["epoch"], "2")
        let bestTensor = try XCTUnwrap(pristine.tensors.keys.sorted().first { $0.hasPrefix("callbacks.0.best_weights.") })
        let cases: [(name: String, tamper: (inout Safetensors) -> Void, words: String)] = [
            ("nan", { $0.metadata["callbacks.0.best"] = "nan" }, "callbacks.0.best is 'nan'"),
            ("inf", { $0.metadata["callbacks.0.best"] = "-inf" }, "callbacks.0.best is '-inf'"),
            ("huge", { $0.metadata["callbacks.0.best"] = "1e39" }, "callbacks.0.best is '1e39'"),
            ("late", { $0.metadata["callbacks.0.best_epoch"] = "99" }, "callbacks.0.best_epoch is 99, more than the checkpoint's epoch 2"),
            ("wait", { $0.metadata["callbacks.0.wait"] = "1000000" }, "callbacks.0.wait is 1000000, more than the checkpoint's epoch 2"),
            ("shape", { $0.tensors[bestTensor] = .init(shape: [1], values: [0]) }, "callbacks.0.best_weights has no tensor"),
            // Only ReduceLROnPlateau sets a rate at run time; this run has none, so the rate 0 would silently freeze training.
            ("rate", { $0.metadata["learning_rate"] = "0.0" }, "carries the learning_rate '0.0', but"),
        ]
        for (name, tamper, words) in cases {
            let copy = runs + "/" + name
            try FileManager.default.copyItem(atPath: original, toPath: copy)
            let run = try RunFolder(existing: copy)
            var last = pristine
            tamper(&last)
            try last.serialized().write(to: URL(fileURLWithPath: run.checkpointPath("last")))
            XCTAssertThrowsError(try TrainingRun.resume(copy, console: .silent), name) {
                XCTAssertTrue("\($0)".hasPrefix(run.checkpointPath("last") + " ") || "\($0)".hasPrefix(run.checkpointPath("last") + ": "), "\(name): \($0)")
                XCTAssertTrue("\($0)".contains(words), "\(name): \($0)")
            }
        }
        // Untampered, it resumes.
        XCTAssertNoThrow(try TrainingRun.resume(original, console: .silent))
    }

    /// ReduceLROnPlateau's counters are bounded too: a wait longer than the epochs trained, or a
    /// cooldown left longer than `cooldown`, would silently change when the rate is reduced.
    func testTamperedReduceLROnPlateauStateIsRefusedOnResume() throws {
        let runs = try temporaryFolder(self)
        let plateau = yaml.replacingOccurrences(of: "- EarlyStopping: {patience: 100, restore_best_weights: true}",
                                                with: "- ReduceLROnPlateau: {patience: 1, cooldown: 2}")
        XCTAssertThrowsError(try TrainingRun.train(try ExperimentParser.parse(yaml: plateau, file: "plateau.yaml"), source: nil, runsDir: runs + "/a",
                                                   console: .silent, callbacks: [Interrupter(stopAt: 3)]))
        let original = runs + "/a/control/" + (try FileManager.default.contentsOfDirectory(atPath: runs + "/a/control")[0])
        let pristine = try RunFolder(existing: original).loadCheckpoint("last")
        for (name, key, value, words) in [("wait", "callbacks.0.wait", "7", "callbacks.0.wait is 7, more than the checkpoint's epoch 2"),
                                          ("cooldown", "callbacks.0.cooldown_counter", "5", "callbacks.0.cooldown_counter is 5, more than cooldown 2")] {
            let copy = runs + "/" + name
            try FileManager.default.copyItem(atPath: original, toPath: copy)
            var last = pristine
            last.metadata[key] = value
            try last.serialized().write(to: URL(fileURLWithPath: try RunFolder(existing: copy).checkpointPath("last")))
            XCTAssertThrowsError(try TrainingRun.resume(copy, console: .silent), name) { XCTAssertTrue("\($0)".contains(words), "\(name): \($0)") }
        }
        XCTAssertNoThrow(try TrainingRun.resume(original, console: .silent))
    }

    /// NAME is a name: a path (`../x`, an absolute path such as /dev/null) is refused and nothing is
    /// written outside the current folder.
    func testInitRefusesPathsAsNames() throws {
        let folder = try temporaryFolder(self)
        let inner = folder + "/inner"
        try FileManager.default.createDirectory(atPath: inner, withIntermediateDirectories: true)
        for name in ["../x", inner + "/abs", "sub/y"] {
            let result = try runSeqtrain(["init", name], in: inner)
            XCTAssertEqual(result.status, 1, "\(name): \(result.stdout)")
            XCTAssertTrue(result.stderr.contains("'\(name)' is a path"), result.stderr)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/x.yaml"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: inner + "/abs.yaml"))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: inner), [])
    }

    /// `init --from` a broken experiment reports its errors where they are and writes nothing (the
    /// starter would not pass `seqtrain check`).
    func testInitFromABrokenConfigIsAnErrorAndWritesNothing() throws {
        let folder = try temporaryFolder(self)
        try "name: broken\nmodel:\n  - LSTM: {units: -3}\ntrain: {epochs: abc}\n".write(toFile: folder + "/broken.yaml", atomically: true, encoding: .utf8)
        let result = try runSeqtrain(["init", "mine", "--from", "broken.yaml"], in: folder)
        XCTAssertEqual(result.status, 2, result.stdout)
        XCTAssertTrue(result.stderr.contains("broken.yaml:3:") && result.stderr.contains("units"), result.stderr)
        XCTAssertTrue(result.stderr.contains("broken.yaml:4:") && result.stderr.contains("train.epochs"), result.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/mine.yaml"))
    }

    /// The schema agrees with the parser on callbacks and warm-ups: a bare `- EarlyStopping` (the
    /// parser's defaults) is valid, a negative warmup_target (the parser refuses it) is not.
    func testTheSchemaAcceptsBareCallbacksAndRejectsNegativeWarmupTargets() throws {
        let validator = JSONSchemaValidator(root: ExperimentSchema.json(vocabulary: .standard))
        let bare = yaml.replacingOccurrences(of: "- EarlyStopping: {patience: 100, restore_best_weights: true}", with: "- EarlyStopping\n    - ReduceLROnPlateau")
        XCTAssertEqual(try ExperimentParser.parse(yaml: bare, file: "bare.yaml").train.callbacks.map(\.name), ["EarlyStopping", "ReduceLROnPlateau"])
        XCTAssertEqual(validator.errors(SchemaInstance(try XCTUnwrap(try Yams.compose(yaml: bare)))), [], bare)
        let warmup = yaml + "\n  optimizer: {name: adam, learning_rate: {schedule: cosine_decay, initial_learning_rate: 0.01, decay_steps: 10, warmup_target: -1}}\n"
        XCTAssertThrowsError(try ExperimentParser.parse(yaml: warmup, file: "warmup.yaml")) {
            XCTAssertTrue("\($0)".contains("warmup_target must be a finite number greater than 0"), "\($0)")
        }
        XCTAssertNotEqual(validator.errors(SchemaInstance(try XCTUnwrap(try Yams.compose(yaml: warmup)))), [], warmup)
    }
}
