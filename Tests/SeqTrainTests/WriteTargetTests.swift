import Foundation
import SeqTrain
import XCTest

/// Writes go only where they belong: a device is written into and never replaced, a folder is
/// refused, and an empty runs folder is a config error rather than the filesystem root.
final class WriteTargetTests: XCTestCase {
    func testADeviceIsWrittenIntoNotReplaced() throws {
        let folder = try temporaryFolder(self)
        // A link to /dev/null: were the device replaced, the link would be replaced (never /dev/null itself).
        let link = folder + "/null"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "/dev/null")
        try AtomicFile.write("step,forecast\n1,0.5\n", to: link)
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: link), "/dev/null", "the link (and the device) stay")
        XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: "/dev/null")[.type] as? FileAttributeType, .typeCharacterSpecial)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder), ["null"], "no temporary file left")
        XCTAssertThrowsError(try AtomicFile.write("x", to: folder)) {
            XCTAssertTrue("\($0)".contains("it is a folder"), "\($0)")
        }
        // A regular file is still replaced atomically.
        try AtomicFile.write("a", to: folder + "/file")
        try AtomicFile.write("b", to: folder + "/file")
        XCTAssertEqual(try String(contentsOfFile: folder + "/file", encoding: .utf8), "b")
    }

    func testAnEmptyRunsFolderIsAConfigError() throws {
        let folder = try temporaryFolder(self)
        try "name: rootless\nmodel: [Flatten, {Dense: {units: 1}}]\ndata: {source: {generator: sine, series: 100}}\ntrain: {epochs: 1}\n"
            .write(toFile: folder + "/r.yaml", atomically: true, encoding: .utf8)
        for arguments in [["r.yaml", "--runs-dir", ""], ["sweep", "r.yaml", "--runs-dir", "", "--grid", "train.epochs=1,2"]] {
            let result = try runSeqtrain(arguments, in: folder)
            XCTAssertEqual(result.status, 2, "\(arguments): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains("--runs-dir: error: the folder is empty (give a folder, e.g. --runs-dir runs)"), result.stderr)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: "/rootless"), "nothing was written at the filesystem root")
    }
}

/// A validation figure that overflows ends training like a NaN loss, even when the training loss stays finite.
final class NonFiniteValidationTests: XCTestCase {
    func testAValidationLossThatOverflowsFailsTheRun() throws {
        let folder = try temporaryFolder(self)
        // 80 rows of small values, then 20 of 1e30: the validation targets' squares overflow float32.
        let rows = (0..<100).map { i in "\(i),\(i < 80 ? String(Double(i % 7) / 7) : "1e30")" }
        try (["t,x"] + rows).joined(separator: "\n").write(toFile: folder + "/big.csv", atomically: true, encoding: .utf8)
        try """
            name: big
            data: {source: {csv: big.csv, columns: [x], time_column: t}, window: 4, standardize: false, split: {train: 0.8, valid: 0.2, test: 0}}
            model: [Flatten, {Dense: {units: 1}}]
            train: {epochs: 3, batch_size: 8}
            """.write(toFile: folder + "/big.yaml", atomically: true, encoding: .utf8)
        let result = try runSeqtrain(["big.yaml"], in: folder)
        XCTAssertEqual(result.status, 1, result.stdout + result.stderr)
        XCTAssertTrue(result.stderr.contains("val_loss became inf after epoch 1; training stopped."), result.stderr)
        let run = try XCTUnwrap(RunIndex.scan(folder + "/runs").first)
        XCTAssertEqual(run.status.state, .failed)
        XCTAssertEqual(run.status.reason, "val_loss became inf after epoch 1")
        XCTAssertEqual(run.epochsDone, 0, "the epoch with the overflowing figure is not recorded")
        let plot = try runSeqtrain(["runs", "runs"], in: folder)
        XCTAssertEqual(plot.status, 0, plot.stderr)
    }
}

/// Outputs stay well-formed whatever the names in them, and requests stay within bounds.
final class OutputFormTests: XCTestCase {
    func testCSVFieldsAndSVGTextAreEscaped() throws {
        XCTAssertEqual(CSVText.field("a,b"), "\"a,b\"")
        XCTAssertEqual(CSVText.field("say \"hi\""), "\"say \"\"hi\"\"\"")
        XCTAssertEqual(CSVText.field("plain"), "plain")
        let chart = LineChart(title: "bell\u{7}, <tag> & \"quote\"", xLabel: "epoch", yLabel: "loss",
                              series: [LineChart.Series(name: "run\u{1}one", points: [(1, 0.5), (2, .infinity), (3, 0.25)], color: 0)])
        let svg = chart.svg()
        XCTAssertFalse(svg.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" && $0 != "\t" && $0 != "\r" }, "no control character")
        XCTAssertTrue(svg.contains("bell\u{FFFD}, &lt;tag&gt; &amp; &quot;quote&quot;"), svg)
        XCTAssertFalse(svg.contains("inf"), "a non-finite point is left out")
    }

    func testAbsurdForecastLengthsAreRefusedAtOnce() throws {
        let folder = try temporaryFolder(self)
        let experiment = try ExperimentParser.parse(yaml: "model: [Flatten, {Dense: {units: 1}}]\n"
            + "data: {source: {generator: sine, series: 100}}\ntrain: {epochs: 1}\n", file: "f.yaml")
        let run = try TrainingRun.train(experiment, source: nil, runsDir: folder, console: .silent)
        let started = Date()
        let result = try runSeqtrain(["eval", run.path, "--steps", "10000000"], in: folder)
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("--steps must be between 1 and 10000"), result.stderr)
        XCTAssertThrowsError(try TrainingRun.evaluateSteps(run: run.path, steps: 10_000_000, checkpoint: "best"))
        XCTAssertLessThan(Date().timeIntervalSince(started), 10)
    }
}
