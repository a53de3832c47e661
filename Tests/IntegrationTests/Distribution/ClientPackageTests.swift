// SPDX-License-Identifier: Apache-2.0
import Foundation
import Glibc
import Testing

/// A package that depends on this one by version, as SwiftPM users take it:
/// a bare clone of the checkout's committed HEAD, tagged with VERSION, and a
/// client whose Package.swift says `.package(url: "file://…", from: VERSION)`.
/// Its executables are the README's ```swift examples, taken from the README
/// so that they cannot drift. Built once per test run, shared by the tests.
enum ClientPackage {
    struct BuildFailure: Error, CustomStringConvertible {
        var description: String
    }

    /// The README's "Library" section's ```swift blocks, in order.
    static func readmeExamples() throws -> [String] {
        let readme = try DocsRepo.text("README.md")
        guard let section = readme.range(of: "\n## Library\n") else { throw BuildFailure(description: "no Library") }
        let end = readme[section.upperBound...].range(of: "\n## ")?.lowerBound ?? readme.endIndex
        var rest = readme[section.upperBound..<end]
        var blocks: [String] = []
        while let open = rest.range(of: "```swift\n"), let close = rest[open.upperBound...].range(of: "\n```\n") {
            blocks.append(String(rest[open.upperBound..<close.lowerBound]) + "\n")
            rest = rest[close.upperBound...]
        }
        return blocks
    }

    /// The built client's folder (its executables `example1`, `example2`, …
    /// in .build/debug), or why there is none.
    static let built: Result<String, BuildFailure> = {
        do {
            return .success(try build())
        } catch let e as BuildFailure {
            return .failure(e)
        } catch {
            return .failure(BuildFailure(description: "\(error)"))
        }
    }()

    static func build() throws -> String {
        let version = try DocsRepo.text("VERSION").trimmingCharacters(in: .whitespacesAndNewlines)
        let dir = Harness.scratch("client")
        chmod(dir, 0o755)
        let bare = dir + "/swift-unshare.git"
        let env = [
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "HOME": NSHomeDirectory(),
            // SwiftPM's lock files go with the folder
            "TMPDIR": dir + "/tmp", "GIT_TERMINAL_PROMPT": "0",
        ]
        try FileManager.default.createDirectory(atPath: dir + "/tmp", withIntermediateDirectories: true)
        let head = Harness.run(["git", "-C", Harness.repoRoot, "rev-parse", "HEAD"], extraEnv: env)
        guard head.ending == .exit(0) else { throw BuildFailure(description: "git rev-parse: \(head)") }
        for step in [
            ["git", "clone", "--bare", "--quiet", "--no-local", Harness.repoRoot, bare],
            ["git", "-C", bare, "tag", "-f", version, head.stdout.trimmingCharacters(in: .whitespacesAndNewlines)],
        ] {
            let r = Harness.run(step, extraEnv: env)
            guard r.ending == .exit(0) else { throw BuildFailure(description: "\(step.joined(separator: " ")): \(r)") }
        }
        let examples = try readmeExamples()
        guard examples.count >= 2 else { throw BuildFailure(description: "README has \(examples.count) examples") }
        var targets: [String] = []
        for (i, code) in examples.enumerated() {
            let name = "example\(i + 1)"
            try FileManager.default.createDirectory(
                atPath: dir + "/Sources/" + name, withIntermediateDirectories: true)
            try code.write(toFile: dir + "/Sources/\(name)/main.swift", atomically: true, encoding: .utf8)
            targets.append(
                #".executableTarget(name: "\#(name)", dependencies: [.product(name: "SwiftUnshare", package: "swift-unshare")])"#
            )
        }
        try """
        // swift-tools-version:6.0
        import PackageDescription
        let package = Package(
            name: "client",
            dependencies: [.package(url: "file://\(bare)", from: "\(version)")],
            targets: [
                \(targets.joined(separator: ",\n        "))
            ]
        )
        """.write(toFile: dir + "/Package.swift", atomically: true, encoding: .utf8)
        let build = Harness.run(
            ["swift", "build", "--package-path", dir, "--scratch-path", dir + "/.build", "--disable-dependency-cache"],
            extraEnv: env, timeout: 1800)
        guard build.ending == .exit(0) else { throw BuildFailure(description: "swift build: \(build)") }
        return dir
    }
}

@Suite struct ClientPackageTests {
    /// The client resolved this package by version from the tagged bare clone
    /// (no unsafe flags in it), checked out exactly the tagged commit.
    @Test(.requiresRoot)
    func resolvesByVersion() throws {
        let dir = try ClientPackage.built.get()
        let version = try DocsRepo.text("VERSION").trimmingCharacters(in: .whitespacesAndNewlines)
        let resolved = try String(contentsOfFile: dir + "/Package.resolved", encoding: .utf8)
        #expect(resolved.contains(#""version" : "\#(version)""#), "\(resolved)")
        let head = Harness.run(["git", "-C", Harness.repoRoot, "rev-parse", "HEAD"]).stdout
        #expect(resolved.contains(#""revision" : "\#(head.trimmingCharacters(in: .whitespacesAndNewlines))""#))
        #expect(!(try DocsRepo.text("Package.swift")).contains("unsafeFlags"))
    }

    /// Both README examples, built in that client, run as the unprivileged
    /// user: each prints the user's first subordinate range mapped from 0.
    @Test(.requiresRoot, .requiresTester, arguments: [1, 2])
    func readmeExampleRunsAsTheTester(example: Int) throws {
        let dir = try ClientPackage.built.get()
        let t = try #require(LibrarySpawnTests.tester)
        let r = Harness.run([dir + "/.build/debug/example\(example)"], as: .tester)
        #expect(r == Outcome(stdout: LibrarySpawnTests.line(0, t.sub.start, t.sub.count), stderr: "", ending: .exit(0)))
    }
}
