import Foundation
import SeqTrain

/// A folder of this process's own under the temporary directory, made once, where the targets that
/// read files (CSV, run folders) write each input before reading it back through the library's path API.
enum Scratch {
    /// The folder, e.g. `/dev/shm/seqtrain-fuzz-1234`: in memory where there is /dev/shm (deleting files
    /// on a disk took a third of the run-folder target's time), else under $TMPDIR or /tmp.
    static let folder: String = {
        let environment = ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 }
        let base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : environment ?? "/tmp"
        let path = base + "/seqtrain-fuzz-\(getpid())"
        // libFuzzer leaves some runs (-runs=0, a crash) with _exit, past the cleanup below: remove the
        // folders of processes that are gone.
        for name in (try? FileManager.default.contentsOfDirectory(atPath: base)) ?? [] where name.hasPrefix("seqtrain-fuzz-") {
            if let pid = pid_t(name.dropFirst("seqtrain-fuzz-".count)), kill(pid, 0) != 0, errno == ESRCH {
                try? FileManager.default.removeItem(atPath: base + "/" + name)
            }
        }
        try? FileManager.default.removeItem(atPath: path)
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(atPath: Scratch.folder) }  // libFuzzer ends with exit()
        return path
    }()

    /// Writes `bytes` to `name` inside the scratch folder (creating its folders); returns the file's path.
    @discardableResult
    static func write(_ bytes: some Collection<UInt8>, to name: String) -> String {
        let path = folder + "/" + name
        let parent = (path as NSString).deletingLastPathComponent
        try! FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        try! Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// Removes `name` (a file or folder) from the scratch folder.
    static func remove(_ name: String) {
        try? FileManager.default.removeItem(atPath: folder + "/" + name)
    }
}

/// A property every input must keep; a violation stops the fuzzer with the message (a finding).
func require(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
    if !condition() { fatalError("fuzz property violated: " + message()) }
}
