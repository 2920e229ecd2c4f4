import Foundation
import SeqTrain
import XCTest

/// Issue 14's remaining cases: predict's series file read as CSV, and a sweep whose name is set.
final class HardeningAuditTests: XCTestCase {
    /// predict refused the quoted numbers the README says it reads, and took rows with another field count.
    func testPredictReadsQuotedNumbersAndRefusesRowsOfAnotherWidth() throws {
        let folder = try temporaryFolder(self)
        let experiment = try ExperimentParser.parse(yaml: """
            name: p
            data: {source: {generator: sine, series: 200}, window: 8, split: {train: 120, valid: 40, test: 40}}
            model: [Flatten, {Dense: {units: 1}}]
            train: {epochs: 1}
            """, file: "p.yaml")
        let run = try TrainingRun.train(experiment, source: nil, runsDir: folder + "/runs", console: .silent)
        let values = (0..<8).map { String(format: "%.3f", sin(Double($0) / 3)) }
        try ("\"time\",\"value\"\n" + values.enumerated().map { "\($0),\"\($1)\"" }.joined(separator: "\n") + "\n")
            .write(toFile: folder + "/quoted.csv", atomically: true, encoding: .utf8)
        let quoted = try runSeqtrain(["predict", run.path, "--input", "quoted.csv", "--steps", "2"], in: folder)
        XCTAssertEqual(quoted.status, 0, quoted.stderr)
        try (values.map { "\"\($0)\"" }.joined(separator: "\n") + "\n").write(toFile: folder + "/plain.csv", atomically: true, encoding: .utf8)
        let plain = try runSeqtrain(["predict", run.path, "--input", "plain.csv", "--steps", "2"], in: folder)
        XCTAssertEqual(plain.stdout, quoted.stdout, "the same numbers, quoted or not, with or without a time column")

        try ("t,value\n" + values.enumerated().map { $0 == 4 ? $1 : "\($0),\($1)" }.joined(separator: "\n") + "\n")
            .write(toFile: folder + "/ragged.csv", atomically: true, encoding: .utf8)
        let ragged = try runSeqtrain(["predict", run.path, "--input", "ragged.csv"], in: folder)
        XCTAssertEqual(ragged.status, 2, ragged.stdout)
        XCTAssertTrue(ragged.stderr.contains("ragged.csv:6:1: error: this row has 1 field, but line 1 has 2"), ragged.stderr)
        try "value\n1.0\n\"2.0\n".write(toFile: folder + "/open.csv", atomically: true, encoding: .utf8)
        let open = try runSeqtrain(["predict", run.path, "--input", "open.csv"], in: folder)
        XCTAssertTrue(open.stderr.contains("open.csv:3:1: error: a quoted field is not closed on this line"), open.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/ragged-forecast.csv"))
    }

    /// `sweep --set name=X` and a `name` axis: every point lands in its own folder, sweep.csv finds
    /// them, and a rerun keeps them instead of training a second folder per point.
    func testASweepWithItsNameSetFindsItsPointsAndARerunDuplicatesNothing() throws {
        let folder = try temporaryFolder(self)
        try """
            name: nm
            data: {source: {generator: sine, series: 200}, window: 8, split: {train: 120, valid: 40, test: 40}}
            model: [Flatten, {Dense: {units: 1}}]
            train: {epochs: 2}
            """.write(toFile: folder + "/nm.yaml", atomically: true, encoding: .utf8)
        for arguments in [["--grid", "train.batch_size=16,32", "--set", "name=renamed"], ["--grid", "name=a,b"]] {
            for round in 1...2 {
                let sweep = try runSeqtrain(["sweep", "nm.yaml", "--parallel", "2"] + arguments, in: folder)
                XCTAssertEqual(sweep.status, 0, sweep.stdout + sweep.stderr)
                if round == 2 { XCTAssertTrue(sweep.stdout.contains("2 complete runs kept"), sweep.stdout) }
            }
        }
        for name in ["renamed", "nm"] {
            let sweeps = try FileManager.default.contentsOfDirectory(atPath: folder + "/runs/" + name)
            XCTAssertEqual(sweeps.count, 1, name)
            let sweep = folder + "/runs/\(name)/" + sweeps[0]
            XCTAssertEqual(RunIndex.scan(sweep).count, 2, "one run per point in \(sweep)")
            let csv = try String(contentsOfFile: sweep + "/sweep.csv", encoding: .utf8)
            XCTAssertEqual(csv.components(separatedBy: ",finished,").count, 3, csv)
        }
    }
}
