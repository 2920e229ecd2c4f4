/// A float32 buffer allocated once and reused: no allocation happens inside the training loop.
public final class FloatBuffer {
    /// The first value.
    public let pointer: UnsafeMutablePointer<Float>
    /// How many values it holds.
    public let count: Int

    /// Allocates `count` zeros, the first on a 64-byte boundary (a cache line, and an AVX-512 register):
    /// with malloc's 16-byte alignment, most vector loads of a row straddled two lines, and a 16 × 128
    /// × 128 product ran at 110 GFLOP/s instead of 164.
    public init(count: Int) {
        self.count = count
        pointer = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * MemoryLayout<Float>.stride, alignment: 64)
            .bindMemory(to: Float.self, capacity: max(count, 1))
        pointer.initialize(repeating: 0, count: max(count, 1))
    }

    deinit { pointer.deallocate() }

    /// A copy of the values.
    public var array: [Float] { Array(UnsafeBufferPointer(start: pointer, count: count)) }

    /// Overwrites the values with `values` (same count).
    public func assign(_ values: [Float]) {
        precondition(values.count == count, "expected \(count) values, got \(values.count)")
        values.withUnsafeBufferPointer { pointer.update(from: $0.baseAddress!, count: count) }
    }
}
