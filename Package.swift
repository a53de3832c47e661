// swift-tools-version:5.10
import PackageDescription

// No package dependencies: the toolchain only.
let package = Package(
    name: "swift-unshare",
    products: [
        .executable(name: "swift-unshare", targets: ["swift-unshare"]),
        .library(name: "SwiftUnshare", targets: ["SwiftUnshare"]),
    ],
    targets: [
        // The small C target: thin syscall wrappers and everything that runs
        // in a forked helper child (async-signal-safe only).
        .target(name: "CUnshareSys"),
        // Start-up trims for the static release link, and its name-service
        // set-up (BENCHMARKS.md).
        .target(name: "CStartup"),
        // Parsing, planning and executing. Glibc only: no Foundation, no Dispatch.
        .target(name: "SwiftUnshare", dependencies: ["CUnshareSys", "CStartup"]),
        // A thin main.
        .executableTarget(name: "swift-unshare", dependencies: ["SwiftUnshare"]),
        .testTarget(name: "SwiftUnshareTests", dependencies: ["SwiftUnshare"]),
        .testTarget(name: "IntegrationTests", dependencies: ["SwiftUnshare"]),
    ]
)
