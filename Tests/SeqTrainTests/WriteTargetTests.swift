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
