// swift-tools-version: 6.1
import PackageDescription

/// Every target: `any` spelled out for existentials, and imports internal unless marked `public import`.
let strictSettings: [SwiftSetting] = [.enableUpcomingFeature("ExistentialAny"), .enableUpcomingFeature("InternalImportsByDefault")]

let package = Package(
    name: "llm-client",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "llm-client", targets: ["llm-client"]),
        .library(name: "LLMClientKit", targets: ["LLMClientKit"]),
        .library(name: "LLMResults", targets: ["LLMResults"]),
        .library(name: "LLMExperiment", targets: ["LLMExperiment"]),
        .library(name: "LLMSimulator", targets: ["LLMSimulator"]),
        .library(name: "LLMBench", targets: ["LLMBench"]),
        .library(name: "LLMReport", targets: ["LLMReport"]),
        .library(name: "LLMTracking", targets: ["LLMTracking"]),
        .library(name: "LLMChat", targets: ["LLMChat"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
    ],
    targets: [
        // OpenAI-compatible wire types shared by the client and the simulator.
        .target(name: "OpenAIAPI"),
        // Small tools shared by the simulator and the benchmark: a FIFO semaphore, a seeded random generator.
        .target(name: "LLMSupport"),
        // The HTTP client: requests, SSE streaming, timing, batches.
        .target(
            name: "LLMClientKit",
            dependencies: [
                "OpenAIAPI", "LLMSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        // The result files' types, shared by the engines, the report and tracking: run and bench
        // documents, the one summary, distributions, the JSON configuration, the loader, comparisons.
        .target(name: "LLMResults", dependencies: ["LLMClientKit", "LLMSupport", "OpenAIAPI"]),
        // Workloads in, results out: prompt files, JSON/JSONL/CSV writers, terminal summaries.
        .target(name: "LLMExperiment", dependencies: ["LLMClientKit", "LLMResults", "LLMSupport"]),
        // Load generation and serving metrics: arrival schedules, workloads, histograms, SLOs, sweeps.
        .target(
            name: "LLMBench",
            dependencies: [
                "LLMClientKit", "LLMExperiment", "LLMResults", "LLMSupport",
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ]
        ),
        // The OpenAI-compatible simulator server with a latency model and fault injection.
        .target(
            name: "LLMSimulator",
            dependencies: [
                "OpenAIAPI", "LLMSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Self-contained HTML reports with SVG charts for runs, sweeps and comparisons.
        .target(name: "LLMReport", dependencies: ["LLMResults", "LLMClientKit", "LLMSupport"]),
        // Experiment tracking: MLflow's REST API (experiments, runs, params, metrics, artifacts).
        .target(
            name: "LLMTracking",
            dependencies: [
                "LLMResults", "LLMClientKit", "LLMSupport", "OpenAIAPI",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        // libedit (BSD licence) for line editing and history in the interactive chat.
        .systemLibrary(
            name: "CLibEdit", path: "Sources/CLibEdit", pkgConfig: "libedit",
            providers: [.apt(["libedit-dev"])]
        ),
        // The interactive chat: conversation state, slash commands, line editing.
        .target(name: "LLMChat", dependencies: ["LLMClientKit", "LLMExperiment", "LLMSupport", "CLibEdit"]),
        // The thin command-line front end.
        .executableTarget(
            name: "llm-client",
            dependencies: [
                "LLMClientKit", "LLMResults", "LLMExperiment", "LLMSimulator", "LLMBench", "LLMReport", "LLMTracking", "LLMChat", "LLMSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),
        // Benchmarks: print numbers, assert nothing.
        .executableTarget(
            name: "llm-client-benchmarks",
            dependencies: [
                "LLMClientKit", "LLMSimulator", "LLMBench", "LLMResults", "LLMSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            path: "Benchmarks/llm-client-benchmarks"
        ),
        .testTarget(
            name: "LLMClientKitTests",
            dependencies: [
                "LLMClientKit", "LLMSimulator", "LLMSupport", "TestSupport",
                .product(name: "NIOEmbedded", package: "swift-nio"), .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(name: "LLMResultsTests", dependencies: ["LLMResults", "TestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "LLMExperimentTests", dependencies: ["LLMExperiment", "LLMResults", "TestSupport"]),
        .testTarget(name: "LLMBenchTests", dependencies: ["LLMBench", "LLMResults", "LLMSimulator", "LLMSupport", "TestSupport"]),
        .testTarget(
            name: "LLMSimulatorTests",
            dependencies: [
                "LLMSimulator", "LLMClientKit", "LLMSupport", "TestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
        .testTarget(name: "LLMReportTests", dependencies: ["LLMReport", "LLMResults", "TestSupport"]),
        .testTarget(
            name: "LLMTrackingTests", dependencies: ["LLMTracking", "LLMResults", "LLMExperiment", "LLMClientKit", "LLMSimulator", "TestSupport"]),
        .testTarget(name: "LLMChatTests", dependencies: ["LLMChat", "LLMResults", "LLMSimulator", "TestSupport"]),
        .testTarget(name: "CommandLineTests", dependencies: ["LLMSimulator", "LLMResults", "LLMExperiment", "LLMBench", "TestSupport"]),
        // Helpers shared by the test targets: running the simulator, finding the real model server.
        .target(
            name: "TestSupport",
            dependencies: ["LLMSimulator", "LLMClientKit", "LLMSupport"],
            path: "Tests/TestSupport"
        ),
    ]
)

for target in package.targets where target.type != .system {
    target.swiftSettings = (target.swiftSettings ?? []) + strictSettings
}
