import Foundation
import SeqTrain
import XCTest

/// Loads a JSON fixture from `Tests/SeqTrainTests/Fixtures/`.
func fixture(_ name: String) throws -> [String: Any] {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/\(name)")
    let data = try Data(contentsOf: url)
    return try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
}

/// A JSON number list as float32 values.
func floats(_ value: Any?) -> [Float] {
    (value as? [Any] ?? []).map { Float(($0 as! NSNumber).doubleValue) }
}

/// A JSON integer list.
func ints(_ value: Any?) -> [Int] {
    (value as? [Any] ?? []).map { ($0 as! NSNumber).intValue }
}

/// Batch-major `[B, T, F]` to the layers' time-major `[T, B, F]` (and `back: true` for the reverse).
func timeMajor(_ values: [Float], batch B: Int, steps T: Int, features F: Int, back: Bool = false) -> [Float] {
    var out = [Float](repeating: 0, count: values.count)
    for b in 0..<B {
        for t in 0..<T {
            for f in 0..<F {
                let batchMajor = (b * T + t) * F + f, timeMajor = (t * B + b) * F + f
                if back { out[batchMajor] = values[timeMajor] } else { out[timeMajor] = values[batchMajor] }
            }
        }
    }
    return out
}

/// Asserts two arrays agree element-wise within `tolerance` (absolute).
func assertClose(_ actual: [Float], _ expected: [Float], tolerance: Float, _ what: String,
                 file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(actual.count, expected.count, "\(what): count", file: file, line: line)
    guard actual.count == expected.count else { return }
    var worst: (index: Int, error: Float) = (0, 0)
    for i in actual.indices where !(abs(actual[i] - expected[i]) <= worst.error) {
        worst = (i, abs(actual[i] - expected[i]))
    }
    XCTAssertLessThanOrEqual(worst.error, tolerance,
                             "\(what): element \(worst.index) is \(actual[worst.index]), expected \(expected[worst.index])",
                             file: file, line: line)
}

/// A fresh temporary folder, removed when the test ends.
func temporaryFolder(_ testCase: XCTestCase) throws -> String {
    let path = NSTemporaryDirectory() + "seqtrain-tests-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    testCase.addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
    return path
}

/// `text` written to the file `name` in a fresh temporary folder (removed when the test ends); its path.
func temporaryFile(_ testCase: XCTestCase, _ text: String, _ name: String) throws -> String {
    let path = try temporaryFolder(testCase) + "/" + name
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return path
}

/// The messages of the `ConfigErrors` that `body` throws; a test failure, and no messages, when it throws
/// nothing or another error.
func configErrorMessages(_ what: @autoclosure () -> String = "", file: StaticString = #filePath, line: UInt = #line,
                         _ body: () throws -> Void) -> [String] {
    do {
        try body()
        XCTFail("expected an error" + (what().isEmpty ? "" : " for\n" + what()), file: file, line: line)
    } catch let errors as ConfigErrors {
        return errors.diagnostics.map(\.description)
    } catch {
        XCTFail("unexpected \(error)", file: file, line: line)
    }
    return []
}

/// The repository root (for the committed configs).
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

/// The built `seqtrain` executable, in the products folder that holds the test bundle (on Linux the
/// bundle URL is that folder itself; on macOS the bundle sits inside it).
var seqtrainExecutable: URL {
    let bundle = Bundle(for: ExecutableLocator.self).bundleURL
    let candidates = [bundle, bundle.deletingLastPathComponent()].map { $0.appendingPathComponent("seqtrain") }
    return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates[0]
}

/// A class to find the test bundle by.
final class ExecutableLocator {}

/// Starts `seqtrain` with `arguments` in `folder`, output going to files there; returns the process.
func startSeqtrain(_ arguments: [String], in folder: String, log: String) throws -> Process {
    let process = Process()
    process.executableURL = seqtrainExecutable
    process.arguments = arguments
    process.currentDirectoryURL = URL(fileURLWithPath: folder)
    XCTAssertTrue(FileManager.default.createFile(atPath: folder + "/\(log).out", contents: nil))
    XCTAssertTrue(FileManager.default.createFile(atPath: folder + "/\(log).err", contents: nil))
    process.standardOutput = FileHandle(forWritingAtPath: folder + "/\(log).out")
    process.standardError = FileHandle(forWritingAtPath: folder + "/\(log).err")
    try process.run()
    return process
}

/// Runs `seqtrain` to completion and returns its exit status and output.
func runSeqtrain(_ arguments: [String], in folder: String) throws -> (status: Int32, stdout: String, stderr: String) {
    let ran = try ChildProcesses.capture(seqtrainExecutable.path, arguments, in: folder)
    return (ran.status, ran.output, ran.error)
}

/// Runs `body` once per instruction set the CPU has (0 plain C, 1 AVX2, 2 AVX-512) and returns each
/// result; the caller's tearDown puts the best level back.
func perLevel<T>(_ body: () -> T) -> [(level: Int, result: T)] {
    (0...SIMDLevel.best).map { level in
        SIMDLevel.limit(to: level)
        return (level, body())
    }
}
