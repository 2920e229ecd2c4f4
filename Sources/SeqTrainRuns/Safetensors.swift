import Foundation
import SeqTrainConfig
import SeqTrainCore
import SeqTrainData
import SeqTrainModel
import SeqTrainOptimizers
import SeqTrainTraining

/// A safetensors file: an 8-byte little-endian header length, a JSON header naming each tensor's
/// dtype, shape and byte range, then the raw little-endian data. Only F32 tensors are written.
public struct Safetensors: Equatable {
    /// One float32 tensor.
    public struct Tensor: Equatable {
        /// Dimensions, outermost first.
        public var shape: [Int]
        /// Values, row-major.
        public var values: [Float]
        /// Creates a tensor; `values.count` must equal the product of `shape`.
        public init(shape: [Int], values: [Float]) {
            precondition(values.count == shape.reduce(1, *), "shape \(shape) does not hold \(values.count) values")
            self.shape = shape
            self.values = values
        }
    }

    /// Tensors by name.
    public var tensors: [String: Tensor]
    /// The `__metadata__` strings.
    public var metadata: [String: String]

    /// Creates a file's content.
    public init(tensors: [String: Tensor], metadata: [String: String] = [:]) {
        self.tensors = tensors
        self.metadata = metadata
    }

    /// Why a file could not be read.
    public struct FormatError: Error, CustomStringConvertible {
        /// What is wrong.
        public var description: String
    }

    /// The file's bytes: tensors in name order, header padded with spaces to 8 bytes.
    public func serialized() -> Data {
        let names = tensors.keys.sorted()
        var offset = 0
        var entries: [String] = []
        if !metadata.isEmpty {
            let pairs = metadata.keys.sorted().map { "\(JSONValue.quote($0)):\(JSONValue.quote(metadata[$0]!))" }
            entries.append("\"__metadata__\":{" + pairs.joined(separator: ",") + "}")
        }
        for name in names {
            let tensor = tensors[name]!
            let end = offset + tensor.values.count * 4
            entries.append("\(JSONValue.quote(name)):{\"dtype\":\"F32\",\"shape\":[\(tensor.shape.map(String.init).joined(separator: ","))],"
                + "\"data_offsets\":[\(offset),\(end)]}")
            offset = end
        }
        var header = Data(("{" + entries.joined(separator: ",") + "}").utf8)
        while header.count % 8 != 0 { header.append(0x20) }
        var data = Data(capacity: 8 + header.count + offset)
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(header)
        for name in names {
            for value in tensors[name]!.values {
                withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) }
            }
        }
        return data
    }

    /// The number of values a shape holds; nil for a negative dimension or a product past `Int.max`.
    static func elementCount(_ shape: [Int]) -> Int? {
        var count = 1
        for dimension in shape {
            guard dimension >= 0 else { return nil }
            let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
            if overflow { return nil }
            count = product
        }
        return count
    }

    /// Parses a file's bytes; F32 tensors only.
    public init(data: Data) throws {
        let bytes = [UInt8](data)
        guard bytes.count >= 8 else { throw FormatError(description: "file is shorter than the 8-byte header length") }
        var headerLength: UInt64 = 0
        for i in 0..<8 { headerLength |= UInt64(bytes[i]) << (8 * UInt64(i)) }
        guard headerLength <= UInt64(bytes.count - 8) else { throw FormatError(description: "header length exceeds the file") }
        let dataStart = 8 + Int(headerLength)
        guard let json = try? JSONSerialization.jsonObject(with: Data(bytes[8..<dataStart])) as? [String: Any] else {
            throw FormatError(description: "header is not a JSON object")
        }
        var tensors: [String: Tensor] = [:]
        var metadata: [String: String] = [:]
        for (name, value) in json {
            if name == "__metadata__" {
                guard let strings = value as? [String: String] else { throw FormatError(description: "__metadata__ must map strings to strings") }
                metadata = strings
                continue
            }
            guard let entry = value as? [String: Any], let dtype = entry["dtype"] as? String,
                  let shape = entry["shape"] as? [Int], let offsets = entry["data_offsets"] as? [Int], offsets.count == 2 else {
                throw FormatError(description: "tensor '\(name)' has a malformed entry")
            }
            guard dtype == "F32" else { throw FormatError(description: "tensor '\(name)' is \(dtype); only F32 is supported") }
            // Bounded before any arithmetic on them, so that no shape or offset can overflow.
            let size = bytes.count - dataStart
            guard let count = Self.elementCount(shape), offsets[0] >= 0, offsets[0] <= offsets[1], offsets[1] <= size,
                  count <= size / 4, offsets[1] - offsets[0] == count * 4 else {
                throw FormatError(description: "tensor '\(name)' has data_offsets that do not match its shape \(shape)")
            }
            let begin = dataStart + offsets[0]
            var values = [Float](repeating: 0, count: count)
            for i in 0..<count {
                let p = begin + 4 * i
                let bits = UInt32(bytes[p]) | UInt32(bytes[p + 1]) << 8 | UInt32(bytes[p + 2]) << 16 | UInt32(bytes[p + 3]) << 24
                values[i] = Float(bitPattern: bits)
            }
            tensors[name] = Tensor(shape: shape, values: values)
        }
        self.init(tensors: tensors, metadata: metadata)
    }
}
