// swift-tools-version:6.0
// SPDX-License-Identifier: Apache-2.0
import PackageDescription

// No package dependencies: the toolchain only.
let package = Package(
    name: "swift-unshare",
    products: [
        .executable(name: "swift-unshare", targets: ["swift-unshare"]),
        .library(name: "SwiftUnshare", targets: ["SwiftUnshare", "SwiftUnshareAsync"]),
    ],
    targets: [
        // The small C target: thin syscall wrappers and everything that runs
        // in a forked helper child (async-signal-safe only). No unsafe flags
        // here (SwiftPM refuses them in a dependency taken by version): the
        // release build's hardening (stack canaries, _FORTIFY_SOURCE) is in
        // the Makefile's RELEASE_FLAGS.
        .target(name: "CUnshareSys"),
        // Start-up trims for the static release link (BENCHMARKS.md): linked
        // into the swift-unshare executable only, never into library users'
        // programs. Hardened as CUnshareSys.
        .target(name: "CStartup"),
        // Parsing, planning and executing. Glibc only: no Foundation, no Dispatch.
        .target(name: "SwiftUnshare", dependencies: ["CUnshareSys"]),
        // The library's `async` wait, kept out of the module the CLI links, so
        // that no concurrency runtime or libdispatch start-up reaches the CLI.
        .target(name: "SwiftUnshareAsync", dependencies: ["SwiftUnshare"]),
        // A thin main.
        .executableTarget(name: "swift-unshare", dependencies: ["SwiftUnshare", "CStartup"]),
        // Test-only: drives the library's spawn API for the tests, as any user.
        .executableTarget(
            name: "spawn-probe", dependencies: ["SwiftUnshare", "SwiftUnshareAsync"], path: "Tests/SpawnProbe"),
        // Not a test: the library's own spawn-rate client for make bench-library
        // (scripts/bench-library.sh builds it in release mode).
        .executableTarget(name: "bench-library", dependencies: ["SwiftUnshare"], path: "Tests/BenchLibrary"),
        .testTarget(name: "SwiftUnshareTests", dependencies: ["SwiftUnshare"]),
        .testTarget(name: "IntegrationTests", dependencies: ["SwiftUnshare", "SwiftUnshareAsync"]),
    ],
    swiftLanguageModes: [.v6]
)
