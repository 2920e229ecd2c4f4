// swift-tools-version:5.9
import PackageDescription

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
        // The SIMD kernels (matrix products, tanh), with runtime CPU dispatch.
        .target(name: "CKernels"),
        // Everything: config, data, model, training, runs.
        .target(
            name: "SeqTrain",
            dependencies: ["CKernels", .product(name: "Yams", package: "Yams")]
        ),
        // The thin command-line front end.
        .executableTarget(
            name: "seqtrain",
            dependencies: [
                "SeqTrain",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "SeqTrainTests",
            dependencies: ["SeqTrain"],
            resources: [.copy("Fixtures")]
        ),
    ]
)
