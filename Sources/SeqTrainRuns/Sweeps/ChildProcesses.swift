import CKernels
import Foundation

/// Child processes that stop with their parent. seqtrain's children (a sweep's points, bench's
/// measurement) run in process groups of their own, so a Ctrl-C at the terminal reaches only the
/// parent: the parent passes the signal on to each child and waits for it (a training child stops
/// at its next batch and records its run as interrupted). Should the parent end without doing so
/// (a kill -9, a second Ctrl-C), the kernel tells each child (Linux's parent-death signal), which
/// then stops as if it had been sent SIGTERM.
public enum ChildProcesses {
    /// The environment variable naming the parent a child stops with.
    public static let parentVariable = "SEQTRAIN_PARENT_PID"

    /// This process's environment plus the variable naming this process as the parent.
    public static var childEnvironment: [String: String] {
        ProcessInfo.processInfo.environment.merging([parentVariable: "\(getpid())"]) { $1 }
    }

    /// In a child started with `childEnvironment`: stops when the parent ends (`graceful`: as training
    /// stops on SIGTERM, at the next batch; else at once), and refuses to start when it has ended
    /// already. Nothing happens in a process started otherwise.
    public static func stopWithParent(graceful: Bool) throws {
        guard let value = ProcessInfo.processInfo.environment[parentVariable], let parent = Int32(value), parent > 1 else { return }
        guard st_stop_with_parent(parent, graceful ? 1 : 0) == 0 else {
            throw StoppedBySignal(signal: SIGTERM, what: "the parent process \(parent) ended before this one started")
        }
    }

    /// The signal number of a pending SIGINT or SIGTERM (after `st_stop_install`), or 0.
    public static var stopRequested: Int32 { st_stop_requested() }

    /// Makes SIGINT and SIGTERM requests to stop (a second one ends the process), until `uninstall`.
    public static func install() { st_stop_install() }

    /// Restores the default actions of SIGINT and SIGTERM.
    public static func uninstall() { st_stop_uninstall() }

    /// Runs `path` with `arguments` (in `folder`, or here) to its end; returns its exit status, standard
    /// output and standard error. Both pipes are read while it runs: a pipe holds 64 KiB, and a child
    /// that fills the one not being read waits for a reader forever.
    public static func capture(_ path: String, _ arguments: [String], in folder: String? = nil) throws
        -> (status: Int32, output: String, error: String)
    {
        final class Collected: @unchecked Sendable { var data = Data() }  // written before `reading` is left
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        if let folder { process.currentDirectoryURL = URL(fileURLWithPath: folder) }
        let out = Pipe(), err = Pipe(), error = Collected(), reading = DispatchGroup()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        DispatchQueue.global().async(group: reading) { error.data = err.fileHandleForReading.readDataToEndOfFile() }
        let output = out.fileHandleForReading.readDataToEndOfFile()
        reading.wait()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self), String(decoding: error.data, as: UTF8.self))
    }
}

/// The children running now, from any thread.
final class RunningChildren: @unchecked Sendable {
    private let lock = NSLock()
    private var processes: [Int32: Process] = [:]

    /// Adds a started child.
    func add(_ process: Process) {
        lock.lock()
        defer { lock.unlock() }
        processes[process.processIdentifier] = process
    }

    /// Removes an ended child.
    func remove(_ process: Process) {
        lock.lock()
        defer { lock.unlock() }
        processes[process.processIdentifier] = nil
    }

    /// How many are running.
    var count: Int {
        lock.lock()
        defer { lock.unlock() }
        return processes.count
    }

    /// Sends `signal` to every running child.
    func send(_ signal: Int32) {
        lock.lock()
        defer { lock.unlock() }
        for pid in processes.keys { kill(pid, signal) }
    }
}

/// A command stopped by SIGINT or SIGTERM once it had put things in order (its children stopped and waited for, its scratch files removed).
public struct StoppedBySignal: Error, CustomStringConvertible {
    /// SIGINT or SIGTERM.
    public var signal: Int32
    /// What was stopped, and how to go on.
    public var what: String

    /// Creates the error.
    public init(signal: Int32, what: String) {
        self.signal = signal
        self.what = what
    }

    /// What a user should read.
    public var description: String { "stopped by \(signal == SIGINT ? "SIGINT" : signal == SIGTERM ? "SIGTERM" : "signal \(signal)"): \(what)" }
}
