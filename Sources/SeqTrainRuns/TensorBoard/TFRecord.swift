import Foundation

/// CRC-32C (Castagnoli), the checksum of TFRecord files, and TensorFlow's masking of it.
public enum CRC32C {
    /// The byte-at-a-time table of the reflected polynomial 0x82F63B78.
    private static let table: [UInt32] = (0..<256).map { byte in
        var crc = UInt32(byte)
        for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
        return crc
    }

    /// The CRC-32C of `bytes` (`"123456789"` gives 0xE3069283).
    public static func checksum<Bytes: Sequence>(_ bytes: Bytes) -> UInt32 where Bytes.Element == UInt8 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }

    /// The checksum as TFRecord stores it: rotated right by 15 bits plus 0xa282ead8 (so that a CRC of
    /// data that holds CRCs stays informative).
    public static func masked<Bytes: Sequence>(_ bytes: Bytes) -> UInt32 where Bytes.Element == UInt8 {
        let crc = checksum(bytes)
        return ((crc >> 15) | (crc << 17)) &+ 0xA282_EAD8
    }
}

/// TFRecord framing, the container of TensorBoard event files: each record is its length (uint64),
/// the masked CRC-32C of those 8 bytes (uint32), the data, and the masked CRC-32C of the data
/// (uint32), all little-endian.
public enum TFRecord {
    /// One record holding `data`.
    public static func frame(_ data: [UInt8]) -> [UInt8] {
        let length = littleEndian(UInt64(data.count))
        return length + littleEndian(CRC32C.masked(length)) + data + littleEndian(CRC32C.masked(data))
    }

    /// The records of a file's bytes, in order, and how many bytes at the end are not a whole record
    /// with valid checksums (a record being written, or a damaged tail: TensorBoard stops there too).
    public static func records(in bytes: [UInt8]) -> (records: [ArraySlice<UInt8>], unreadableTail: Int) {
        var records: [ArraySlice<UInt8>] = []
        var offset = 0
        while bytes.count - offset >= 12 {
            let header = bytes[offset..<(offset + 8)]
            guard readUInt32(bytes, at: offset + 8) == CRC32C.masked(header) else { break }
            let length = header.reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            let available = bytes.count - offset - 16  // after the header and the data's checksum
            guard available >= 0, length <= UInt64(available) else { break }
            let start = offset + 12, end = start + Int(length)
            guard readUInt32(bytes, at: end) == CRC32C.masked(bytes[start..<end]) else { break }
            records.append(bytes[start..<end])
            offset = end + 4
        }
        return (records, bytes.count - offset)
    }

    static func littleEndian<Integer: FixedWidthInteger>(_ value: Integer) -> [UInt8] {
        (0..<(Integer.bitWidth / 8)).map { UInt8(truncatingIfNeeded: value >> ($0 * 8)) }
    }

    private static func readUInt32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[offset + $1]) << ($1 * 8) }
    }
}

/// An event file that records are appended to, each epoch's in one write, so that TensorBoard can
/// read a run while it trains. The file is named as TensorBoard's own writer names it
/// (`events.out.tfevents.<seconds>.<host>.<pid>.<n>`) and starts with the file-version record.
final class EventFileAppender {
    /// The file.
    let path: String
    private let descriptor: Int32

    /// Creates the file `name` in `folder` (and the folder) and writes its first record.
    init(folder: String, name: String, wallTime: Double) throws {
        try RunFolder.makeFolders(folder)
        path = folder + "/" + name
        descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND, 0o644)
        guard descriptor >= 0 else { throw FileWriteError(path: path, reason: String(cString: strerror(errno))) }
        try append([TensorBoardEvent(wallTime: wallTime, step: 0, what: .fileVersion("brain.Event:2", writer: "seqtrain"))])
    }

    deinit { close(descriptor) }

    /// Appends the events in one write.
    func append(_ events: [TensorBoardEvent]) throws {
        let bytes = events.flatMap { TFRecord.frame($0.encoded()) }
        if let failure = bytes.withUnsafeBytes({ writeAll($0, to: descriptor) }) { throw FileWriteError(path: path, reason: failure) }
    }

    /// The events of an event file (empty when it cannot be read); a damaged tail is left out.
    static func events(at path: String) -> [TensorBoardEvent] {
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        return TFRecord.records(in: [UInt8](data)).records.compactMap { try? TensorBoardEvent(decoding: $0) }
    }
}
