import Foundation
import SeqTrain
import XCTest

/// A run whose own files are symbolic links is refused, naming the link: a linked checkpoints/ let
/// resume write its checkpoints outside the run folder.
final class LinkedRunTests: XCTestCase {
    func testLinkedRunInternalsAreRefusedAndNothingIsWrittenThroughThem() throws {
        let folder = try temporaryFolder(self)
        let experiment = try ExperimentParser.parse(yaml: """
            name: linked
            data: {source: {generator: sine, series: 200}, window: 8, split: {train: 120, valid: 40, test: 40}}
            model: [Flatten, {Dense: {units: 1}}]
            train: {epochs: 3}
            """, file: "linked.yaml")
        let run = try TrainingRun.train(experiment, source: nil, runsDir: folder + "/runs", console: .silent, untilEpoch: 1)
        let outside = folder + "/outside"
        try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: true)
        for name in ["checkpoints", "history.csv", "status.json", "checkpoints/last.safetensors"] {
            let path = run.path + "/" + name
            let moved = outside + "/" + name.replacingOccurrences(of: "/", with: "-")
            try FileManager.default.moveItem(atPath: path, toPath: moved)
            try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: moved)
            let before = try FileManager.default.subpathsOfDirectory(atPath: outside).sorted()
            let resume = try runSeqtrain(["resume", run.path], in: folder)
            XCTAssertEqual(resume.status, 1, name)
            XCTAssertTrue(resume.stderr.contains("cannot read \(path): it is a symbolic link"), resume.stderr)
            XCTAssertEqual(try FileManager.default.subpathsOfDirectory(atPath: outside).sorted(), before, "resume wrote through \(name)")
            let eval = try runSeqtrain(["eval", run.path], in: folder)
            XCTAssertEqual(eval.status, 1, name)
            XCTAssertTrue(eval.stderr.contains("it is a symbolic link"), eval.stderr)
            // Put it back: the run resumes as before.
            try FileManager.default.removeItem(atPath: path)
            try FileManager.default.moveItem(atPath: moved, toPath: path)
        }
        // The run folder itself may be a link (runs/latest → …), and the run resumes through it.
        try FileManager.default.createSymbolicLink(atPath: folder + "/latest", withDestinationPath: run.path)
        let resumed = try runSeqtrain(["resume", "latest"], in: folder)
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertEqual(try OpenedRun.open(run.path).status.state, .finished)
    }
}
