// SPDX-License-Identifier: Apache-2.0
import Foundation
import Glibc
import Testing

/// The binary `make release` builds (and `make install` installs): one static
/// executable. A static glibc serves passwd and group from the /etc files
/// itself and cannot load other name services, so names are checked here on
/// that binary, not only on the debug build the other tests run.
enum ReleaseBuild {
    /// $SWIFT_UNSHARE_RELEASE_BIN, else `make release` with the Makefile's own
    /// flags into a scratch path of its own under .build (incremental after
    /// the first run). The path, or why there is none.
    static let built: Result<String, BuildFailure> = {
        if let path = ProcessInfo.processInfo.environment["SWIFT_UNSHARE_RELEASE_BIN"] { return .success(path) }
        return make(into: scratch + "/release-install/swift-unshare")  // not the RELEASE_BIN make install takes
    }()

    static let scratch = Harness.repoRoot + "/.build/release-binary-tests"

    /// `make release` with `variables` (PIE=1, say) in the scratch path, the
    /// binary copied to `path`. Relinks the scratch path's own binary, never
    /// the copies the tests run.
    static func make(into path: String, _ variables: [String] = []) -> Result<String, BuildFailure> {
        // TMPDIR under the scratch path: SwiftPM leaves its lock files there, not in /tmp.
        try? FileManager.default.createDirectory(atPath: scratch + "/tmp", withIntermediateDirectories: true)
        let r = Harness.run(
            [
                "make", "-s", "-C", Harness.repoRoot, "release", "SWIFT_FLAGS=--scratch-path " + scratch,
                "RELEASE_BIN=" + path,
            ] + variables,
            env: ProcessInfo.processInfo.environment.merging(["TMPDIR": scratch + "/tmp"]) { $1 }, timeout: 1800)
        guard r.ending == .exit(0), FileManager.default.isExecutableFile(atPath: path) else {
            return .failure(BuildFailure(outcome: r))
        }
        return .success(path)
    }

    struct BuildFailure: Error, CustomStringConvertible {
        var outcome: Outcome
        var description: String { "make release failed: \(outcome)" }
    }

    static let haveMake = ["/usr/bin/make", "/bin/make"].contains { FileManager.default.isExecutableFile(atPath: $0) }

    /// Runs `body` with a world-readable folder holding a copy of the binary as
    /// `swift-unshare` and its `podman-unshare` link; removes the folder after.
    static func withCopy<R>(_ body: (String) throws -> R) throws -> R {
        let path = try built.get()
        let dir = "/tmp/swift-unshare-release-tests-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        chmod(dir, 0o755)
        try copyExecutable(path, to: dir + "/swift-unshare")
        symlink("swift-unshare", dir + "/podman-unshare")
        return try body(dir)
    }

    /// Copies as Harness.writeExecutable does: a parallel test's child must
    /// not hold it open for writing (exec would fail with ETXTBSY).
    static func copyExecutable(_ source: String, to target: String) throws {
        Harness.writeExecutable(target, try Data(contentsOf: URL(fileURLWithPath: source)))
    }

    /// The first range of `user` in /etc/subuid or /etc/subgid.
    static func firstRange(_ file: String, _ user: String) -> (start: UInt32, count: UInt32)? {
        let text = (try? String(contentsOfFile: file, encoding: .utf8)) ?? ""
        for line in text.split(separator: "\n") {
            let f = line.split(separator: ":", omittingEmptySubsequences: false)
            if f.count == 3, f[0] == user, let start = UInt32(f[1]), let count = UInt32(f[2]) { return (start, count) }
        }
        return nil
    }
}

@Suite(.requiresReleaseBuild)
struct ReleaseBinaryTests {
    static var line: (UInt32, UInt32, UInt32) -> String { IDMapIntegrationTests.line }

    @Test("the release binary is static and stripped: no dynamic section, no RUNPATH, no symbols")
    func staticAndStripped() throws {
        let path = try ReleaseBuild.built.get()
        let dynamic = Harness.run(["readelf", "-d", path])
        #expect(
            dynamic == Outcome(stdout: "\nThere is no dynamic section in this file.\n", stderr: "", ending: .exit(0)))
        let sections = Harness.run(["readelf", "-S", "-W", path])
        #expect(sections.ending == .exit(0))
        #expect(sections.stdout.contains(" .text "))
        for name in [" .symtab ", " .debug_info ", " .interp "] { #expect(!sections.stdout.contains(name), "\(name)") }
    }

    @Test(
        "--map-user and --map-group take names, as util-linux resolves them",
        .requiresTester, .requiresProgram(Harness.oracle, package: "util-linux"))
    func mapUserAndGroupByName() throws {
        let uid = try #require(Runner.tester.passwd).uid
        let gid = try #require(getgrnam(Runner.tester.rawValue)).pointee.gr_gid
        let args = [
            "--map-user=\(Runner.tester.rawValue)", "--map-group=\(Runner.tester.rawValue)",
            "cat", "/proc/self/uid_map", "/proc/self/gid_map",
        ]
        let ours = try ReleaseBuild.withCopy { Harness.run([$0 + "/swift-unshare"] + args) }
        #expect(ours == Outcome(stdout: Self.line(uid, 0, 1) + Self.line(gid, 0, 1), stderr: "", ending: .exit(0)))
        #expect(ours == Harness.run([Harness.oracle] + args))
    }

    /// The static binary reads /etc/passwd itself (glibc's files service):
    /// with no program and no SHELL, the entry of getuid() inside the namespace
    /// gives the shell, as the debug build's full name service does.
    @Test("no program, no SHELL: root's shell with -r, the caller's with -c", .requiresTester)
    func loginShellFromTheFilesService() throws {
        for args in [["-r"], ["-c"]] {
            let ours = try ReleaseBuild.withCopy {
                CompatRun.run($0 + "/swift-unshare", args, as: .tester, extraEnv: ["HOME": CompatFixtures.shellHome])
            }
            let debug = CompatRun.run(
                Harness.swiftUnshare, args, as: .tester, extraEnv: ["HOME": CompatFixtures.shellHome])
            #expect(ours == debug && ours.stdout.hasPrefix("profile: -") && ours.ending == .exit(0), "\(args): \(ours)")
        }
    }

    @Test(
        "--map-group takes a name that only the group file has",
        .requiresRoot,
        .requires("needs a group adm that is no user's name") { getgrnam("adm") != nil && getpwnam("adm") == nil })
    func mapGroupByGroupOnlyName() throws {
        let gid = try #require(getgrnam("adm")).pointee.gr_gid
        let r = try ReleaseBuild.withCopy {
            Harness.run([$0 + "/swift-unshare", "--map-group=adm", "cat", "/proc/self/gid_map"])
        }
        #expect(r == Outcome(stdout: Self.line(gid, 0, 1), stderr: "", ending: .exit(0)))
    }

    @Test(
        "a name no service knows is refused with one line, exactly as the debug build does",
        arguments: ["--map-user=swift-unshare-no-such-user", "--map-group=swift-unshare-no-such-group"])
    func unknownNamesFailCleanly(option: String) throws {
        let r = try ReleaseBuild.withCopy { Harness.run([$0 + "/swift-unshare", option, "true"]) }
        let name = String(option.split(separator: "=")[1])
        #expect(r.ending == .exit(1) && r.stdout.isEmpty)
        #expect(r.stderr.hasPrefix("swift-unshare: ") && r.stderr.contains("'\(name)'"))
        #expect(r.stderr.split(separator: "\n").count == 1 && r.stderr.hasSuffix("\n"))
        #expect(r == Harness.run([Harness.swiftUnshare, option, "true"]), "the debug build's exact outcome")
    }

    @Test(
        "--map-auto finds the caller's name for /etc/subuid and /etc/subgid",
        .requiresTester)
    func mapAutoFindsTheName() throws {
        let r = try ReleaseBuild.withCopy {
            Harness.run(
                [$0 + "/swift-unshare", "-r", "--map-auto", "cat", "/proc/self/uid_map", "/proc/self/gid_map"],
                as: .tester)
        }
        #expect(r == Outcome(stdout: try Self.expectedMaps(), stderr: "", ending: .exit(0)))
    }

    @Test(
        "podman-unshare finds the caller's name for /etc/subuid and /etc/subgid",
        .requiresTester)
    func podmanModeFindsTheName() throws {
        // The first call may create podman's pause process (and log podman's
        // warning about "/"); the second joins it, as every later call does.
        let r = try ReleaseBuild.withCopy {
            _ = Harness.run([$0 + "/podman-unshare", "true"], as: .tester)
            return Harness.run(
                [$0 + "/podman-unshare", "cat", "/proc/self/uid_map", "/proc/self/gid_map"], as: .tester)
        }
        let expected = Outcome(stdout: try Self.expectedMaps(), stderr: "", ending: .exit(0))
        #expect(r == expected, "\(r)")
    }

    /// The tester as root inside, its whole first subordinate range behind it.
    static func expectedMaps() throws -> String {
        let p = try #require(Runner.tester.passwd)
        let u = try #require(ReleaseBuild.firstRange("/etc/subuid", Runner.tester.rawValue))
        let g = try #require(ReleaseBuild.firstRange("/etc/subgid", Runner.tester.rawValue))
        return line(0, p.uid, 1) + line(1, u.start, u.count) + line(0, p.gid, 1) + line(1, g.start, g.count)
    }
}
