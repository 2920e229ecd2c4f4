import Foundation
import SeqTrain
import XCTest

/// The scalars of a run's event files, read with seqtrain's decoder: subfolder → tag → (step, value)
/// in file order, every file of the folder in name order (the order TensorBoard reads them in).
func tensorBoardScalars(_ run: String) throws -> [String: [String: [(step: Int64, value: Float)]]] {
    var result: [String: [String: [(step: Int64, value: Float)]]] = [:]
    for subfolder in ["train", "validation"] {
        let folder = run + "/tensorboard/" + subfolder
        for name in try FileManager.default.contentsOfDirectory(atPath: folder).sorted() where name.contains("tfevents") {
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: folder + "/" + name)))
            // A record cut short by a kill is left out, as TensorBoard leaves it out.
            for event in try TFRecord.records(in: bytes).records.map({ try TensorBoardEvent(decoding: $0) }) {
                guard case .summary(let values) = event.what else { continue }
                for value in values {
                    guard case .scalar(let scalar) = value.kind else { continue }
                    result[subfolder, default: [:]][value.tag, default: []].append((event.step, scalar))
                }
            }
        }
    }
    return result
}

/// Every epoch of `history.csv` is in the event files exactly once, with the history's values.
func assertEventFilesMatchHistory(_ run: String, learningRate: Float, file: StaticString = #filePath, line: UInt = #line) throws {
    let rows = try String(contentsOfFile: run + "/history.csv", encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",").map(String.init) }
    let header = rows[0], epochs = rows.dropFirst()
    let scalars = try tensorBoardScalars(run)
    let rates = header.firstIndex(of: "lr").map { column in epochs.map { Float($0[column])! } }
    for (column, name) in header.enumerated().dropFirst() where name != "lr" {
        let (subfolder, tag) = name.hasPrefix("val_") ? ("validation", "epoch_" + name.dropFirst(4)) : ("train", "epoch_" + name)
        let written = scalars[subfolder]?[tag] ?? []
        XCTAssertEqual(written.map(\.step), epochs.map { Int64($0[0])! }, "\(subfolder)/\(tag): each epoch once, in order", file: file, line: line)
        XCTAssertEqual(written.map(\.value), epochs.map { Float($0[column])! }, "\(subfolder)/\(tag) holds the history's values", file: file, line: line)
    }
    XCTAssertEqual(scalars["train"]?["epoch_learning_rate"]?.map(\.step), epochs.map { Int64($0[0])! }, file: file, line: line)
    // The learning rate: the history's lr column (what a plateau callback set), else the configured rate.
    XCTAssertEqual(scalars["train"]?["epoch_learning_rate"]?.map(\.value), rates ?? epochs.map { _ in learningRate }, file: file, line: line)
    XCTAssertEqual(Set(scalars["train"]?.keys ?? [:].keys).count + Set(scalars["validation"]?.keys ?? [:].keys).count,
                   header.count - (rates == nil ? 0 : 1), "one tag per history column but lr, and the learning rate", file: file, line: line)
}

/// Ends training with a "signal" at the end of one epoch, before the run's files record it.
final class InterruptAt: EpochObserver {
    let epoch: Int
    init(epoch: Int) { self.epoch = epoch }
    func epochDidEnd(_ record: EpochRecord, loop: TrainingLoop) throws -> TrainingDecision {
        if record.epoch == epoch { throw TrainingStopped(epoch: epoch) }
        return .proceed
    }
}

/// TensorBoard event files of runs, resumed runs and sweeps, and the key that turns them off.
final class TensorBoardTests: XCTestCase {
    let yaml = """
        name: tb
        data: {source: {generator: sine, series: 300}, window: 8, split: {train: 200, valid: 50, test: 50}}
        model: [{SimpleRNN: {units: 3}}, {Dense: {units: 1}}]
        train: {epochs: 5, metrics: [mae], optimizer: {name: adam, learning_rate: 0.003}}
        """

    func testARunWritesKerasLayoutWithTheHistorysValues() throws {
        let runs = try temporaryFolder(self)
        let run = try TrainingRun.train(try ExperimentParser.parse(yaml: yaml, file: "tb.yaml"), source: nil, runsDir: runs, console: .silent)
        try assertEventFilesMatchHistory(run.path, learningRate: 0.003)
        let scalars = try tensorBoardScalars(run.path)
        XCTAssertEqual(Set(scalars["train"]!.keys), ["epoch_loss", "epoch_mae", "epoch_learning_rate"])
        XCTAssertEqual(Set(scalars["validation"]!.keys), ["epoch_loss", "epoch_mae"])
        for subfolder in ["train", "validation"] {
            let names = try FileManager.default.contentsOfDirectory(atPath: run.path + "/tensorboard/" + subfolder)
            XCTAssertEqual(names.count, 1)
            let name = try XCTUnwrap(names.first)
            XCTAssertNotNil(name.range(of: #"^events\.out\.tfevents\.\d{10}\..+\.\d+\.0$"#, options: .regularExpression), name)
            XCTAssertTrue(name.contains(".\(ProcessInfo.processInfo.hostName).\(getpid())."), "host and process, as TensorBoard names files")
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: run.path + "/tensorboard/\(subfolder)/" + name)))
            XCTAssertEqual(TFRecord.records(in: bytes).unreadableTail, 0, "\(name) ends with a whole record")
            let first = try TensorBoardEvent(decoding: TFRecord.records(in: bytes).records[0])
            XCTAssertEqual(first.what, .fileVersion("brain.Event:2", writer: "seqtrain"))
        }
    }

    /// A kill after history.csv but before the event files: resume writes the missing epoch once, in a
    /// new file that sorts after the first, and the union is the history.
    func testResumeWritesMissingEpochsOnceInANewFile() throws {
        let runs = try temporaryFolder(self)
        let experiment = try ExperimentParser.parse(yaml: yaml, file: "tb.yaml")
        let reference = try TrainingRun.train(experiment, source: nil, runsDir: runs + "/reference", console: .silent)
        XCTAssertThrowsError(try TrainingRun.train(experiment, source: nil, runsDir: runs, console: .silent, callbacks: [InterruptAt(epoch: 3)]))
        let run = try XCTUnwrap(RunIndex.scan(runs + "/tb").first).path
        XCTAssertEqual(try tensorBoardScalars(run)["validation"]?["epoch_loss"]?.map(\.step), [1, 2])
        // As if the process had died right after writing epoch 2's history row: drop epoch 2's events.
        for subfolder in ["train", "validation"] {
            let folder = run + "/tensorboard/" + subfolder
            let name = try XCTUnwrap(try FileManager.default.contentsOfDirectory(atPath: folder).first)
            let records = TFRecord.records(in: [UInt8](try Data(contentsOf: URL(fileURLWithPath: folder + "/" + name)))).records
            let kept = try records.filter { try TensorBoardEvent(decoding: $0).step < 2 }
            try Data(kept.flatMap { TFRecord.frame(Array($0)) }).write(to: URL(fileURLWithPath: folder + "/" + name))
        }
        XCTAssertEqual(try tensorBoardScalars(run)["validation"]?["epoch_loss"]?.map(\.step), [1])
        try TrainingRun.resume(run, console: .silent)
        XCTAssertEqual(FileManager.default.contents(atPath: run + "/history.csv"), FileManager.default.contents(atPath: reference.historyPath))
        try assertEventFilesMatchHistory(run, learningRate: 0.003)
        for subfolder in ["train", "validation"] {
            let names = try FileManager.default.contentsOfDirectory(atPath: run + "/tensorboard/" + subfolder).sorted()
            XCTAssertEqual(names.count, 2, "the resumed process adds its own file")
            let seconds = names.map { Int($0.split(separator: ".")[3])! }
            XCTAssertLessThan(seconds[0], seconds[1], "the new file sorts after the old one, even within the same second")
        }
        // A resume that only has the summary left to write completes the event files too.
        try RunFolder(existing: run).writeStatus(RunStatus(.interrupted, reason: "test", epoch: 5))
        let folder = run + "/tensorboard/validation"
        let newest = try XCTUnwrap(try FileManager.default.contentsOfDirectory(atPath: folder).sorted().last)
        let records = TFRecord.records(in: [UInt8](try Data(contentsOf: URL(fileURLWithPath: folder + "/" + newest)))).records
        try Data(try records.filter { try TensorBoardEvent(decoding: $0).step < 5 }.flatMap { TFRecord.frame(Array($0)) })
            .write(to: URL(fileURLWithPath: folder + "/" + newest))
        try TrainingRun.resume(run, console: .silent)
        try assertEventFilesMatchHistory(run, learningRate: 0.003)
    }

    func testTheConfigKeyTurnsThemOffAndIsWrittenOnlyWhenOff() throws {
        let runs = try temporaryFolder(self)
        let off = try ExperimentParser.parse(yaml: yaml, file: "tb.yaml", overrides: [try Override("train.tensorboard=false")])
        XCTAssertFalse(off.train.tensorboard)
        let run = try TrainingRun.train(off, source: nil, runsDir: runs, console: .silent)
        XCTAssertFalse(FileManager.default.fileExists(atPath: run.path + "/tensorboard"))
        let text = try String(contentsOfFile: run.configPath, encoding: .utf8)
        XCTAssertTrue(text.contains("\n  tensorboard: false\n"), text)
        XCTAssertEqual(try ExperimentParser.parse(yaml: text, file: "config.yaml"), off, "the resolved config round-trips")
        // On is the default and is not written: every shipped config resolves to the text (and hash) it had before.
        for name in try FileManager.default.contentsOfDirectory(atPath: repositoryRoot + "/configs") where name.hasSuffix(".yaml") {
            let experiment = try ExperimentParser.load(path: repositoryRoot + "/configs/" + name)
            XCTAssertTrue(experiment.train.tensorboard, name)
            XCTAssertFalse(ExperimentWriter.yaml(experiment).contains("tensorboard"), name)
        }
        XCTAssertThrowsError(try ExperimentParser.parse(yaml: yaml.replacingOccurrences(of: "metrics: [mae]", with: "tensorboard: no"), file: "tb.yaml")) {
            XCTAssertEqual("\($0)", "tb.yaml:4:33: error: train.tensorboard must be true or false, found 'no'")
        }
    }

    func testASweepWritesHParamsSessionsWithTheirValuesAndBestLoss() throws {
        let folder = try temporaryFolder(self)
        try yaml.replacingOccurrences(of: "epochs: 5", with: "epochs: 2").write(toFile: folder + "/tb.yaml", atomically: true, encoding: .utf8)
        let arguments = ["sweep", "tb.yaml", "--grid", "train.optimizer.learning_rate=0.001,0.01", "--grid", "train.shuffle=true,false", "--parallel", "2"]
        let first = try runSeqtrain(arguments, in: folder)
        XCTAssertEqual(first.status, 0, first.stderr)
        let runs = RunIndex.scan(folder + "/runs/tb").sorted { $0.path < $1.path }
        XCTAssertEqual(runs.count, 4)
        var contents: [Data] = []
        for (index, record) in runs.enumerated() {
            let names = try FileManager.default.contentsOfDirectory(atPath: record.path + "/tensorboard").filter { $0.contains("tfevents") }
            XCTAssertEqual(names.count, 1)
            let data = try Data(contentsOf: URL(fileURLWithPath: record.path + "/tensorboard/" + names[0]))
            contents.append(data)
            let events = try TFRecord.records(in: [UInt8](data)).records.map { try TensorBoardEvent(decoding: $0) }
            let values = events.compactMap { event -> SummaryValue? in
                if case .summary(let values) = event.what { return values.first }
                return nil
            }
            let label = URL(fileURLWithPath: record.path).deletingLastPathComponent().lastPathComponent
            XCTAssertTrue(label.hasPrefix(String(format: "%02d-", index)), label)
            let rate = index < 2 ? 0.001 : 0.01, shuffle = index % 2 == 0
            XCTAssertEqual(values.first?.kind, .hparams(.sessionStart(hparams: [
                HParamsData.HParam(name: "train.optimizer.learning_rate", value: .number(rate)),
                HParamsData.HParam(name: "train.shuffle", value: .bool(shuffle)),
            ], groupName: label, startTime: try XCTUnwrap(values.first.flatMap { value -> Double? in
                if case .hparams(.sessionStart(_, _, let time)) = value.kind { return time }
                return nil
            }))))
            XCTAssertEqual(values.first { $0.tag == "best_val_loss" }?.kind, .scalar(try XCTUnwrap(record.best?.valLoss)))
            XCTAssertEqual(events.first { event in
                if case .summary(let values) = event.what { return values.first?.tag == "best_val_loss" }
                return false
            }?.step, Int64(try XCTUnwrap(record.best?.epoch)))
            XCTAssertNotNil(values.first { $0.tag == "test_loss" })
            guard case .hparams(.sessionEnd(let status, _)) = values.last?.kind else { return XCTFail("a session end") }
            XCTAssertEqual(status, .success)
        }
        // Sweeping again rewrites the same files: nothing is duplicated.
        let second = try runSeqtrain(arguments, in: folder)
        XCTAssertEqual(second.status, 0, second.stderr)
        for (record, data) in zip(runs, contents) {
            let names = try FileManager.default.contentsOfDirectory(atPath: record.path + "/tensorboard").filter { $0.contains("tfevents") }
            XCTAssertEqual(names.count, 1)
            XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: record.path + "/tensorboard/" + names[0])), data)
        }
    }
}
