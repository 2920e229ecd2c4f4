import Foundation
import SeqTrainCore

/// Where a run stands, as written to its `status.json` whenever that changes: when it starts or
/// resumes (`running`), and when it ends (`finished`, `stopped_early`, `interrupted`, `failed`, with
/// the reason). `runs`, `sweep` and `resume` read it; nothing infers a status from an epoch count.
public struct RunStatus: Equatable, Sendable {
    /// The states a run can be in.
    public enum State: String, Equatable, Sendable, CaseIterable {
        /// A process is training it (or was, until it was killed without a word: see `current`).
        case running
        /// Every epoch trained and the summary written.
        case finished
        /// An observer (early stopping) ended training before the last epoch; the summary is written.
        case stoppedEarly = "stopped_early"
        /// Stopped by Ctrl-C, SIGTERM, a kill or a failed write: `seqtrain resume` continues it.
        case interrupted
        /// Training cannot go on (the loss stopped being a number); resuming would repeat it.
        case failed
        /// The folder's files cannot be read (set by readers, never written).
        case unreadable

        /// Whether nothing is left to train.
        public var isComplete: Bool { self == .finished || self == .stoppedEarly }
    }

    /// The state.
    public var state: State
    /// Why it ended as it did (empty for `running` and `finished`).
    public var reason: String
    /// Epochs finished when it was written.
    public var epoch: Int
    /// For `running`: the process and host training it.
    public var pid: Int32?
    /// The host name of that process.
    public var host: String?
    /// When that process started (boot and start time, from /proc), so that its pid, reused by
    /// another process after a crash or a reboot, is not taken for it.
    public var processStart: String?

    /// Creates a status.
    public init(_ state: State, reason: String = "", epoch: Int, pid: Int32? = nil, host: String? = nil, processStart: String? = nil) {
        self.state = state
        self.reason = reason
        self.epoch = epoch
        self.pid = pid
        self.host = host
        self.processStart = processStart
    }

    /// `running`, by this process on this host.
    public static func running(epoch: Int) -> RunStatus {
        RunStatus(.running, epoch: epoch, pid: getpid(), host: ProcessInfo.processInfo.hostName, processStart: processStart(of: getpid()))
    }

    /// `<boot id>/<start time in clock ticks>` of a process of this host; nil where /proc cannot tell.
    public static func processStart(of pid: Int32) -> String? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let boot = try? String(contentsOfFile: "/proc/sys/kernel/random/boot_id", encoding: .utf8),
              let nameEnd = stat.lastIndex(of: ")") else { return nil }
        // After the name in parentheses come fields 3, 4, …; the start time is field 22.
        let fields = stat[stat.index(after: nameEnd)...].split(separator: " ")
        guard fields.count > 19 else { return nil }
        return boot.trimmingCharacters(in: .whitespacesAndNewlines) + "/" + fields[19]
    }

    /// The file's JSON.
    public var json: JSONValue {
        var pairs: [(String, JSONValue)] = [("status", .string(state.rawValue)), ("epoch", .int(epoch))]
        if !reason.isEmpty { pairs.append(("reason", .string(reason))) }
        if let pid { pairs.append(("pid", .int(Int(pid)))) }
        if let host { pairs.append(("host", .string(host))) }
        if let processStart { pairs.append(("process_start", .string(processStart))) }
        return .object(pairs)
    }

    /// Parses a `status.json`; nil when it is not one.
    public init?(json data: Data) {
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let name = object["status"] as? String, let state = State(rawValue: name), state != .unreadable,
              let epoch = (object["epoch"] as? NSNumber)?.intValue, epoch >= 0 else { return nil }
        var pid: Int32?
        if let number = object["pid"] {
            guard let value = (number as? NSNumber).flatMap({ Int32(exactly: $0.doubleValue) }), value > 0 else { return nil }
            pid = value
        }
        self.init(state, reason: object["reason"] as? String ?? "", epoch: epoch, pid: pid, host: object["host"] as? String,
                  processStart: object["process_start"] as? String)
    }

    /// The status as it stands now: `running` written by a process of this host that no longer exists
    /// (or whose pid now belongs to a process started later) was killed without a word: `interrupted`.
    public var current: RunStatus {
        guard state == .running, let pid, pid > 0, host == ProcessInfo.processInfo.hostName else { return self }
        let alive = kill(pid, 0) == 0 || errno == EPERM
        if alive && (processStart == nil || Self.processStart(of: pid).map { $0 == processStart } ?? true) { return self }
        return RunStatus(.interrupted, reason: "its process (\(pid)) ended without saying why (killed?)", epoch: epoch)
    }

    /// The process training a `running` run, for messages: `process 123 on host`.
    public var trainer: String {
        guard let pid else { return "a process that status.json does not name" }
        return "process \(pid)" + (host.map { " on \($0)" } ?? "")
    }

    /// One line for tables: `finished`, `stopped early at epoch 12 (…)`, `failed: …`.
    public var summary: String {
        switch state {
        case .running: return "running" + (pid == nil ? "" : " (\(trainer))")
        case .finished: return "finished"
        case .stoppedEarly: return reason.isEmpty ? "stopped early at epoch \(epoch)" : reason
        case .interrupted, .failed, .unreadable: return state.rawValue + (reason.isEmpty ? "" : ": " + reason)
        }
    }
}
