/// The protocol-buffer wire format, as much of it as TensorBoard's event files need: varints,
/// 32- and 64-bit little-endian values, and length-delimited bytes (strings and nested messages).
/// Fields are written in the order they are given; callers give them in field-number order and
/// leave out proto3 defaults, as protobuf's own serializers do, so the bytes match theirs.
struct ProtoWriter {
    /// The message so far.
    private(set) var bytes: [UInt8] = []

    private mutating func key(_ field: Int, _ wireType: UInt64) { appendVarint(UInt64(field) << 3 | wireType) }

    private mutating func appendVarint(_ value: UInt64) {
        var rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(rest & 0x7F) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }

    /// An integer, enum or bool field (wire type 0); negative values take ten bytes, as in protobuf.
    mutating func varint(_ field: Int, _ value: Int64) {
        key(field, 0)
        appendVarint(UInt64(bitPattern: value))
    }

    /// A `double` field (wire type 1).
    mutating func double(_ field: Int, _ value: Double) {
        key(field, 1)
        bytes += TFRecord.littleEndian(value.bitPattern)
    }

    /// A `float` field (wire type 5).
    mutating func float(_ field: Int, _ value: Float) {
        key(field, 5)
        bytes += TFRecord.littleEndian(value.bitPattern)
    }

    /// A `bytes` field, or a nested message already encoded (wire type 2).
    mutating func bytes(_ field: Int, _ value: [UInt8]) {
        key(field, 2)
        appendVarint(UInt64(value.count))
        bytes += value
    }

    /// A `string` field, UTF-8.
    mutating func string(_ field: Int, _ value: String) { bytes(field, Array(value.utf8)) }

    /// A nested message, built by `fill`.
    mutating func message(_ field: Int, _ fill: (inout ProtoWriter) -> Void) {
        var inner = ProtoWriter()
        fill(&inner)
        bytes(field, inner.bytes)
    }
}

/// A protocol-buffer message read field by field. Unknown fields are returned like known ones, for
/// the caller to skip; malformed input throws instead of reading past the end.
struct ProtoReader {
    /// A field's value by wire type.
    enum Value {
        case varint(UInt64)
        case fixed64(UInt64)
        case bytes(ArraySlice<UInt8>)
        case fixed32(UInt32)

        /// The value as a double (fixed64) or float (fixed32); nil for other wire types.
        var double: Double? {
            switch self {
            case .fixed64(let bits): return Double(bitPattern: bits)
            case .fixed32(let bits): return Double(Float(bitPattern: bits))
            default: return nil
            }
        }

        /// The value as UTF-8 text, when it is length-delimited.
        var string: String? {
            guard case .bytes(let bytes) = self else { return nil }
            return String(decoding: bytes, as: UTF8.self)
        }
    }

    /// Not a protocol-buffer message.
    struct Malformed: Error {}

    private let bytes: ArraySlice<UInt8>
    private var offset: Int

    /// A reader of one message's bytes.
    init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        offset = bytes.startIndex
    }

    private mutating func readVarint() throws -> UInt64 {
        var value: UInt64 = 0
        for shift in stride(from: 0, to: 70, by: 7) {
            guard offset < bytes.endIndex else { throw Malformed() }
            let byte = bytes[offset]
            offset += 1
            value |= UInt64(byte & 0x7F) << UInt64(shift)
            if byte < 0x80 { return value }
        }
        throw Malformed()
    }

    private mutating func take(_ count: Int) throws -> ArraySlice<UInt8> {
        guard count >= 0, bytes.endIndex - offset >= count else { throw Malformed() }
        defer { offset += count }
        return bytes[offset..<(offset + count)]
    }

    /// The next field and its value, or nil at the end of the message.
    mutating func next() throws -> (field: Int, value: Value)? {
        guard offset < bytes.endIndex else { return nil }
        let key = try readVarint()
        let field = Int(truncatingIfNeeded: key >> 3)
        let little = { (part: ArraySlice<UInt8>) in part.reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) } }
        switch key & 7 {
        case 0: return (field, .varint(try readVarint()))
        case 1: return (field, .fixed64(little(try take(8))))
        case 2: return (field, .bytes(try take(Int(truncatingIfNeeded: try readVarint()))))
        case 5: return (field, .fixed32(UInt32(little(try take(4)))))
        default: throw Malformed()
        }
    }
}
