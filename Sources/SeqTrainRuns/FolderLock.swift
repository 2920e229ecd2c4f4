import Foundation

/// A run or sweep folder that another process is writing.
public struct FolderInUseError: Error, CustomStringConvertible {
    /// `run folder` or `sweep folder`.
    public var kind: String
    /// The folder.
    public var path: String
    /// Who holds it, as its lock file says: `process 123 (host node1)`.
    public var holder: String

    /// What a user should read.
    public var description: String {
        "\(kind) \(path) is in use by \(holder); wait for it to end, or stop it first"
    }
}

/// One writer per folder: an advisory `flock` on `<folder>/.lock`, held while this object lives.
/// The kernel drops the lock when its process ends in any way (a kill -9 included), so a lock left
/// by a dead process never blocks. The file's text, `<pid> <host>`, only names the holder in the
/// message a second writer gets. Readers (eval, predict, plot, runs) take no lock: every file is
/// replaced atomically, so they see whole files at any instant.
public final class FolderLock {
    private let descriptor: Int32
    /// The lock file.
    public let path: String

    /// Takes the lock of `folder` (a `kind` such as `run folder`, for messages) without waiting:
    /// throws `FolderInUseError` when another process (or another lock in this one) holds it.
    public init(_ folder: String, kind: String) throws {
        path = folder + "/.lock"
        // Not through a link (the lock must be the folder's own); not inherited by the children a sweep starts.
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o644)
        guard fd >= 0 else { throw FileWriteError(path: path, reason: String(cString: strerror(errno))) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let failure = errno
            defer { close(fd) }
            guard failure == EWOULDBLOCK else { throw FileWriteError(path: path, reason: "cannot lock it: \(String(cString: strerror(failure)))") }
            throw FolderInUseError(kind: kind, path: folder, holder: Self.holder(readingFrom: fd))
        }
        descriptor = fd
        let text = "\(getpid()) \(ProcessInfo.processInfo.hostName)\n"
        _ = ftruncate(fd, 0)
        _ = text.withCString { pwrite(fd, $0, strlen($0), 0) }
    }

    deinit { close(descriptor) }

    /// `process N (host H)` from a lock file's text; a generic phrase while the holder has not written it yet.
    private static func holder(readingFrom fd: Int32) -> String {
        var bytes = [UInt8](repeating: 0, count: 256)
        let count = pread(fd, &bytes, bytes.count, 0)
        let fields = String(decoding: bytes.prefix(max(0, count)), as: UTF8.self).split(whereSeparator: \.isWhitespace)
        guard fields.count == 2, let pid = Int32(fields[0]), pid > 0 else { return "another process" }
        return "process \(pid) (host \(fields[1].prefix(100)))"
    }
}
