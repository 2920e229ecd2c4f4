import Foundation
import SeqTrainConfig
import SeqTrainCore

/// Reads a text file's lines in fixed-size chunks, so that a file of any size costs one buffer of
/// memory (4 MiB, more only for a longer line), not a copy of the file.
///
/// Lines end at LF, CRLF or CR, the same as `CSVFile.lines`; a UTF-8 byte-order mark at the start is
/// dropped. The stream hands over blocks of whole lines; `CSVScan` splits them into lines and fields.
enum CSVLineStream {
    /// The initial buffer size: each block is read in two halves on two threads, and fewer, larger
    /// blocks mean fewer waits for the other thread when other processes keep the cores busy.
    static let chunkBytes = 1 << 22

    /// The error for a path that is a folder or does not exist (`CSVFile.lines` checks with it too).
    static func checkReadable(_ path: String) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw ConfigErrors([Diagnostic(file: path, position: nil, message: "is a directory, expected a CSV file")])
        }
        guard FileManager.default.fileExists(atPath: path) else {
            throw ConfigErrors([Diagnostic(file: path, position: nil, message: "no such CSV file",
                                           suggestion: "paths are read relative to the current directory, "
                                               + FileManager.default.currentDirectoryPath)])
        }
    }

    /// The error for a file whose bytes cannot be read or are not UTF-8.
    static func notUTF8(_ path: String) -> ConfigErrors {
        ConfigErrors([Diagnostic(file: path, position: nil, message: "cannot be read as UTF-8 text")])
    }

    /// Calls `body` with the file in blocks of whole lines, in order (the last block also holds what
    /// follows the last line end), after passing the file's size in bytes to `size` (0 when unknown).
    /// A block is valid only during the call.
    static func forEachBlock(path: String, size: (Int) -> Void,
                             _ body: (_ block: UnsafeBufferPointer<UInt8>, _ isLast: Bool) throws -> Void) throws {
        try checkReadable(path)
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { throw notUTF8(path) }
        defer { close(descriptor) }
        var status = stat()
        size(fstat(descriptor, &status) == 0 ? Int(status.st_size) : 0)

        var capacity = chunkBytes
        var buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
        defer { buffer.deallocate() }
        var filled = 0, atStart = true, atEnd = false
        while !atEnd {
            if filled == capacity {  // one line longer than the buffer: make room for it
                let larger = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity * 2)
                larger.update(from: buffer, count: filled)
                buffer.deallocate()
                (buffer, capacity) = (larger, capacity * 2)
            }
            let got = read(descriptor, buffer + filled, capacity - filled)
            if got < 0 {
                if errno == EINTR { continue }
                throw notUTF8(path)
            }
            atEnd = got == 0
            filled += got
            var start = 0
            if atStart {
                guard filled >= 3 || atEnd else { continue }
                if filled >= 3, buffer[0] == 0xEF, buffer[1] == 0xBB, buffer[2] == 0xBF { start = 3 }
                atStart = false
            }
            // The block ends after the last LF, or after the last CR whose next byte is here and is not an LF.
            var end = filled
            if !atEnd {
                end = start
                var i = filled - 1
                while i >= start {
                    if buffer[i] == 0x0A || (buffer[i] == 0x0D && i + 1 < filled && buffer[i + 1] != 0x0A) { end = i + 1; break }
                    i -= 1
                }
            }
            if end > start || atEnd { try body(UnsafeBufferPointer(start: buffer + start, count: end - start), atEnd) }
            // Keep the unfinished line at the front; the next read appends to it.
            memmove(buffer, buffer + end, filled - end)
            filled -= end
        }
    }
}
