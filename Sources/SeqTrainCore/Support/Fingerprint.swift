import CKernels

/// FNV-1a 64-bit hashes: small, dependency-free fingerprints of configs and data.
public enum Fingerprint {
    /// The FNV-1a 64 hash of `bytes`.
    public static func fnv1a<S: Sequence>(_ bytes: S) -> UInt64 where S.Element == UInt8 {
        var hash: UInt64 = 14_695_981_039_346_656_037
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 1_099_511_628_211 }
        return hash
    }

    /// The hash as 16 hex digits.
    public static func hex(_ hash: UInt64) -> String {
        let digits = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}

/// The version written into every run.
public enum SeqTrainVersion {
    /// Semantic version of this build.
    public static let current = "0.1.0"

    /// The git commit the binary was built from: `make install` passes it to the C compiler; a plain
    /// `swift build` leaves it "unknown". Only `--version` shows it (runs record `current` alone, so a
    /// run's bytes never depend on the commit).
    public static var commit: String { String(cString: st_build_commit()) }

    /// What `seqtrain --version` prints: `0.1.0 (commit 63db56c)`.
    public static var description: String { "\(current) (commit \(commit))" }
}
