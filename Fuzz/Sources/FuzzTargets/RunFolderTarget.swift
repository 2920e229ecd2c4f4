import Foundation
import SeqTrain

/// The files a fuzzed run folder may hold, by the name its archive section gives.
public let runFolderFiles = [
    "config.yaml", "history.csv", "status.json", "timing.csv", "summary.json", "failed.txt",
    "checkpoints/last.safetensors", "checkpoints/best.safetensors",
]

/// The start of each section of a run-folder archive: `@@ NAME` on a line of its own.
public let sectionMarker: [UInt8] = Array("@@ ".utf8)

/// Splits an archive into (file name, bytes): each section starts with a line `@@ NAME`; the bytes
/// after that line up to the newline before the next `@@ ` line are the file. Names not in
/// `runFolderFiles` are skipped; a later section of the same name replaces an earlier one.
public func unpackRunFolder(_ bytes: UnsafeBufferPointer<UInt8>) -> [String: ArraySlice<UInt8>] {
    var starts: [Int] = []  // where each `@@ ` line begins
    var i = 0
    while i + sectionMarker.count <= bytes.count {
        if (i == 0 || bytes[i - 1] == 0x0A), bytes[i..<(i + sectionMarker.count)].elementsEqual(sectionMarker) { starts.append(i) }
        i += 1
    }
    var files: [String: ArraySlice<UInt8>] = [:]
    for (k, start) in starts.enumerated() {
        let end = k + 1 < starts.count ? starts[k + 1] - 1 : bytes.count  // the newline before the next marker is not content
        let section = Array(bytes[(start + sectionMarker.count)..<max(end, start + sectionMarker.count)])[...]
        let nameEnd = section.firstIndex(of: 0x0A) ?? section.endIndex
        let name = String(decoding: section[..<nameEnd], as: UTF8.self)
        guard runFolderFiles.contains(name) else { continue }
        files[name] = nameEnd < section.endIndex ? section[(nameEnd + 1)...] : []
    }
    return files
}

/// Opening a run folder, as `runs`, `eval`, `predict`, `plot` and `diff` read one before using it. The
/// input is an archive (see `unpackRunFolder`) that is written out as a run folder in a scratch
/// folder; it is then listed, opened, its status, history and checkpoints read, its model built with
/// the best checkpoint's weights, and compared with itself. Every problem must be a thrown error.
public func fuzzRunFolder(_ bytes: UnsafeBufferPointer<UInt8>) {
    Scratch.remove("runs")
    let path = Scratch.folder + "/runs/fuzz/20261130T000000Z"
    try! FileManager.default.createDirectory(atPath: path + "/checkpoints", withIntermediateDirectories: true)
    for (name, content) in unpackRunFolder(bytes) { Scratch.write(content, to: "runs/fuzz/20261130T000000Z/" + name) }

    let records = RunIndex.scan(Scratch.folder + "/runs")
    require(records.count == (FileManager.default.fileExists(atPath: path + "/config.yaml") ? 1 : 0), "runs lists \(records.count) runs")
    for record in records { _ = record.status.summary }
    guard let run = try? OpenedRun.open(path) else { return }
    _ = run.status.summary
    if let history = try? run.history() {
        _ = history.bestRow
        for name in history.header { _ = try? run.historyColumn(name) }
    }
    _ = try? RunComparison(runs: [run, run])
    for which in ["last", "best"] {
        if let file = try? run.checkpoint(which) { _ = try? Checkpoint.position(file) }
    }
    // Building the model allocates what the config asks for; units and windows far beyond the shipped
    // configs' are a question for the config's limits, not for reading a run's files.
    guard case .layers(let layers) = run.experiment.model, run.experiment.data.inputShape.count <= 500,
          layers.allSatisfy({ $0.options.allSatisfy { Int($0.value).map { $0 <= 128 } ?? true } }) else { return }
    if let trained = try? run.trainedModel(checkpoint: "best") { _ = trained.targetScaling }
}
