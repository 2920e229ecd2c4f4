// swift-tools-version:5.9
import PackageDescription

// The library is one target per area, each depending only on the ones below it, so the compiler
// holds the architecture: config → data → model → training → runs, with the CLI a thin shell.
//
//   SeqTrainCore        kernels' Swift entry points, buffers, random streams, YAML reading, JSON
//   SeqTrainModel       tensor shapes, layers and their registry, losses and metrics
//   SeqTrainOptimizers  optimizers and their registry, learning rates, gradient clipping
//   SeqTrainConfig      the experiment file: resolved types, parser, writer, --set overrides
//   SeqTrainData        the data: generator, CSV series, windows, splits, batches
//   SeqTrainTraining    fitting: trainer, epoch observers, history, forecasts, benchmark
//   SeqTrainRuns        run folders, checkpoints, status, sweeps and their executors, plots
//   SeqTrain            re-exports all of the above for the CLI and users
let allLibraryTargets: [Target.Dependency] = [
    "SeqTrainCore", "SeqTrainModel", "SeqTrainOptimizers", "SeqTrainConfig", "SeqTrainData", "SeqTrainTraining", "SeqTrainRuns",
]

let package = Package(
    name: "seqtrain",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "seqtrain", targets: ["seqtrain"]),
        .library(name: "SeqTrain", targets: ["SeqTrain"]),
    ],
    dependencies: [
        // YAML parsing with positions (embeds libyaml).
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        // The command line.
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
    ],
    targets: [
        // The SIMD kernels (matrix products, tanh, sigmoid, element-wise loops), with runtime CPU dispatch.
        .target(name: "CKernels"),
        .target(name: "SeqTrainCore", dependencies: ["CKernels", .product(name: "Yams", package: "Yams")]),
        .target(name: "SeqTrainModel", dependencies: ["SeqTrainCore"]),
        .target(name: "SeqTrainOptimizers", dependencies: ["SeqTrainCore"]),
        .target(name: "SeqTrainConfig", dependencies: ["SeqTrainModel", "SeqTrainOptimizers"]),
        .target(name: "SeqTrainData", dependencies: ["SeqTrainConfig"]),
        .target(name: "SeqTrainTraining", dependencies: ["SeqTrainData"]),
        .target(name: "SeqTrainRuns", dependencies: ["SeqTrainTraining"]),
        .target(name: "SeqTrain", dependencies: allLibraryTargets),
        // The thin command-line front end.
        .executableTarget(
            name: "seqtrain",
            // Every library target named (not only the re-exporting SeqTrain), so that a change in any
            // of them rebuilds the dependents.
            dependencies: ["SeqTrain"] + allLibraryTargets + [.product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .testTarget(
            name: "SeqTrainTests",
            dependencies: ["SeqTrain"] + allLibraryTargets,
            resources: [.copy("Fixtures")]
        ),
    ]
)
