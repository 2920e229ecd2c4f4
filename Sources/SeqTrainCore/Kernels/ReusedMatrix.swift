import CKernels

/// A matrix `[K, N]` that many products read in a row (a recurrent kernel at every time step), kept in
/// the layout the kernels read fastest. Products with it give the same bits as with the plain matrix.
///
/// Wide matrices (N ≥ 256, the gate widths of LSTM and GRU from 64 units up) are copied into panels of
/// 64 columns with their rows contiguous: read in place, rows N floats apart fall into a few L1 sets and
/// evict each other (a 16 × 512 × 128 product ran at 73% of the FMA peak in place, 89% packed). Narrower
/// ones are read in place, which measured as fast or faster.
public final class ReusedMatrix {
    /// K.
    public let rows: Int
    /// N.
    public let cols: Int
    private let packed: FloatBuffer?
    private var source: UnsafePointer<Float>?

    /// Space for a `[rows, cols]` matrix; `use(_:)` must be called before a product.
    public init(rows: Int, cols: Int) {
        self.rows = rows
        self.cols = cols
        packed = cols >= 256 ? FloatBuffer(count: st_packed_count(rows, cols)) : nil
    }

    /// The plain row-major matrix last given to `use(_:)`.
    public var values: UnsafePointer<Float> {
        guard let source else { preconditionFailure("ReusedMatrix read before use(_:)") }
        return source
    }

    /// Takes `matrix` `[rows, cols]` for the products that follow; it must stay unchanged until the next call.
    public func use(_ matrix: UnsafePointer<Float>) {
        source = matrix
        if let packed { st_pack(rows, cols, matrix, packed.pointer) }
    }

    /// `c[M,N] (+)= a[M,K] · self`.
    @inline(__always)
    public func multiply(_ m: Int, _ a: UnsafePointer<Float>, into c: UnsafeMutablePointer<Float>, accumulate: Bool) {
        if let packed {
            st_gemm_packed(m, cols, rows, a, rows, 1, packed.pointer, c, accumulate ? 1 : 0)
        } else {
            st_gemm(m, cols, rows, a, rows, 1, values, c, accumulate ? 1 : 0)
        }
    }
}
