// swift-tools-version:5.9
import PackageDescription

// libFuzzer targets for seqtrain's parsers, kept out of the main package so that neither `swift build`
// nor `swift test` builds them. Each executable holds only `LLVMFuzzerTestOneInput`, which hands the
// bytes to an entry point of `FuzzTargets`; build and run them with scripts/fuzz/run.sh (it passes
// -sanitize=fuzzer,address), replay the corpora with scripts/fuzz/replay.sh.
let targets = ["experiment", "csv", "safetensors", "runfolder"]

let package = Package(
    name: "seqtrain-fuzz",
    platforms: [.macOS(.v13)],
    dependencies: [.package(name: "seqtrain", path: "..")],
    targets: [
        // The entry points, one per target: what each does with the fuzzer's bytes.
        .target(name: "FuzzTargets", dependencies: [.product(name: "SeqTrain", package: "seqtrain")]),
        // Declares libFuzzer's driver for Swift.
        .target(name: "FuzzDriver"),
    ] + targets.map { name in
        .executableTarget(name: "fuzz-\(name)", dependencies: ["FuzzTargets", "FuzzDriver"])
    }
)
