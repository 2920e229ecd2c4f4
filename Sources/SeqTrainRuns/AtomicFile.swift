import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a file of a run could not be written.
public struct FileWriteError: Error, CustomStringConvertible {
    /// The file.
    public var path: String
    /// The system's reason.
    public var reason: String
    /// What a user should read.
    public var description: String { "cannot write \(path): \(reason)" }
}

/// Writes all of `bytes` to `fd` with write(2), again after a signal interrupts it; nil when done,
/// else the reason it failed (strerror).
func writeAll(_ bytes: UnsafeRawBufferPointer, to fd: Int32) -> String? {
    var offset = 0
    while offset < bytes.count {
        let written = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
        if written < 0 {
            if errno == EINTR { continue }
            return String(cString: strerror(errno))
        }
        offset += written
    }
    return nil
}

/// Writes files so that a reader sees either the old content or the new, never a mix: the data
/// goes to a temporary file in the same folder, is flushed to disk, then renamed over the target.
public enum AtomicFile {
    /// Replaces `path` with `data` atomically. A device, pipe or socket there (`/dev/null`,
    /// `/dev/stdout`) is written into, never replaced; a folder is refused.
    public static func write(_ data: Data, to path: String) throws {
        var info = stat()
        if stat(path, &info) == 0 {
            switch info.st_mode & S_IFMT {
            case S_IFREG: break
            case S_IFDIR: throw FileWriteError(path: path, reason: "it is a folder")
            default: return try writeInPlace(data, to: path)
            }
        }
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().path
        let temporary = folder + "/." + url.lastPathComponent + ".tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw FileWriteError(path: path, reason: String(cString: strerror(errno))) }
        var failure = data.withUnsafeBytes { writeAll($0, to: fd) }
        if failure == nil, fsync(fd) != 0 { failure = String(cString: strerror(errno)) }
        close(fd)
        if let failure {
            unlink(temporary)
            throw FileWriteError(path: path, reason: failure)
        }
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw FileWriteError(path: path, reason: reason)
        }
        syncFolder(folder)
    }

    /// Throws the error `write` would give for `path` when that is foreseeable without writing: an
    /// empty path, a folder, a missing or unwritable folder, an unwritable file. For a command that
    /// writes its file only after a long computation.
    public static func checkWritable(_ path: String) throws {
        guard !path.isEmpty else { throw FileWriteError(path: path, reason: "an empty path names no file") }
        var info = stat()
        if stat(path, &info) == 0 {
            if info.st_mode & S_IFMT == S_IFDIR { throw FileWriteError(path: path, reason: "it is a folder") }
            if info.st_mode & S_IFMT != S_IFREG {  // a device or pipe is written into
                guard access(path, W_OK) == 0 else { throw FileWriteError(path: path, reason: String(cString: strerror(errno))) }
                return
            }
        }
        // A regular file is replaced through a temporary file beside it: its folder must take one.
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        var folderInfo = stat()
        guard stat(folder, &folderInfo) == 0 else { throw FileWriteError(path: path, reason: String(cString: strerror(errno))) }
        guard folderInfo.st_mode & S_IFMT == S_IFDIR else { throw FileWriteError(path: path, reason: "\(folder) is not a folder") }
        guard access(folder, W_OK | X_OK) == 0 else { throw FileWriteError(path: path, reason: String(cString: strerror(errno))) }
    }

    /// Writes `data` into an existing device or pipe, as a shell's `>` would.
    private static func writeInPlace(_ data: Data, to path: String) throws {
        let fd = open(path, O_WRONLY)
        guard fd >= 0 else { throw FileWriteError(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        if let failure = data.withUnsafeBytes({ writeAll($0, to: fd) }) { throw FileWriteError(path: path, reason: failure) }
    }

    /// Replaces `path` with UTF-8 `text` atomically.
    public static func write(_ text: String, to path: String) throws {
        try write(Data(text.utf8), to: path)
    }

    /// Flushes a folder's entries (so a rename survives a crash).
    static func syncFolder(_ folder: String) {
        let fd = open(folder, O_RDONLY)
        if fd >= 0 {
            fsync(fd)
            close(fd)
        }
    }
}
