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
        // Hardened as distributions build C: stack canaries, and checked
        // string and memory calls (_FORTIFY_SOURCE needs optimisation: release only).
        .target(name: "CUnshareSys", cSettings: [
            .define("_FORTIFY_SOURCE", to: "2", .when(configuration: .release)),
            .unsafeFlags(["-fstack-protector-strong"]),
        ]),
        // Parsing, planning and executing. Glibc only: no Foundation, no Dispatch.
        .target(name: "SwiftUnshare", dependencies: ["CUnshareSys"]),
        // A thin main.
        .executableTarget(name: "swift-unshare", dependencies: ["SwiftUnshare"]),
        .testTarget(name: "SwiftUnshareTests", dependencies: ["SwiftUnshare"]),
        .testTarget(name: "IntegrationTests", dependencies: ["SwiftUnshare"]),
    ]
)
