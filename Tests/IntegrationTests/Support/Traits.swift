// SPDX-License-Identifier: Apache-2.0
import Foundation
import Glibc
import Synchronization
import Testing

/// What a test needs beyond the built binary. A test (or suite) whose need is
/// not met is skipped: Swift Testing prints the reason beside it (`➜ Test …
/// skipped: "needs root …"`), and when the test process exits, a summary
/// counts the skips by reason, so a run as an ordinary user says what it
/// left out and why.
struct Requirement: TestTrait, SuiteTrait {
    let reason: String
    let isMet: @Sendable () -> Bool

    func prepare(for test: Test) async throws {
        if isMet() { return }
        SkipSummary.note(test, reason)
        // A ConditionTrait that does not hold throws Swift Testing's own "skip".
        try await ConditionTrait.enabled(if: false, Comment(rawValue: reason)).prepare(for: test)
    }
}

extension Trait where Self == Requirement {
    /// Root: namespaces other than a user namespace, direct id maps, mounts.
    static var requiresRoot: Self {
        Requirement(reason: "needs root: run the tests as root (sudo make check)") { Harness.isRoot }
    }

    /// Root (to switch users), the accounts unshare-tester (one subordinate
    /// range) and unshare-tester2 (two), and newuidmap.
    static var requiresTester: Self {
        Requirement(reason: Harness.testerProblem ?? "") { Harness.testerReady }
    }

    /// util-linux's unshare, the reference our output is compared with, and
    /// perl, which starts both under the name `unshare`.
    static var requiresReference: Self {
        Requirement(reason: Harness.referenceSkipReason) { Harness.referenceReady }
    }

    /// A program the test drives, from the Debian package `package`.
    static func requiresProgram(_ path: String, package: String) -> Self {
        Requirement(reason: "needs \(path) (Debian package \(package); scripts/test-setup.sh installs the test tools)")
        {
            FileManager.default.isExecutableFile(atPath: path)
        }
    }

    /// A file the test reads or links with (a library, a shell's completion
    /// framework), from the Debian package `package`.
    static func requiresFile(_ path: String, package: String) -> Self {
        Requirement(reason: "needs \(path) (Debian package \(package); scripts/test-setup.sh installs the test tools)")
        {
            FileManager.default.fileExists(atPath: path)
        }
    }

    /// An account the test runs a command as.
    static func requiresUser(_ name: String) -> Self {
        Requirement(reason: "needs the account \(name)") { getpwnam(name) != nil }
    }

    /// The release binary: $SWIFT_UNSHARE_RELEASE_BIN, or make (and swift on
    /// PATH) to build it with the Makefile's flags into .build, which the user
    /// running the tests must be able to write.
    static var requiresReleaseBuild: Self {
        Requirement(
            reason: "needs SWIFT_UNSHARE_RELEASE_BIN, or make (and swift on PATH) and a writable .build "
                + "to build the release binary"
        ) {
            ProcessInfo.processInfo.environment["SWIFT_UNSHARE_RELEASE_BIN"] != nil
                || (ReleaseBuild.haveMake && access(Harness.repoRoot + "/.build", W_OK) == 0)
        }
    }

    /// Anything else, with the reason shown when it does not hold.
    static func requires(_ reason: String, _ isMet: @escaping @Sendable () -> Bool) -> Self {
        Requirement(reason: reason, isMet: isMet)
    }
}

/// The skips of this run, printed by reason when the test process exits
/// (after Swift Testing's own summary line, which does not count them).
enum SkipSummary {
    private static let skipped = Mutex<[String: Set<String>]>([:])

    static func note(_ test: Test, _ reason: String) {
        let name = (test.isSuite ? "suite " : "") + test.name
        skipped.withLock { skipped in
            if skipped.isEmpty { atexit { SkipSummary.report() } }
            skipped[reason, default: []].insert(name)
        }
    }

    private static func report() {
        let byReason = skipped.withLock { $0 }
        let tests = byReason.values.reduce(0) { $0 + $1.filter { !$0.hasPrefix("suite ") }.count }
        let suites = byReason.values.reduce(0) { $0 + $1.filter { $0.hasPrefix("suite ") }.count }
        var text = "Skipped: \(tests) tests"
        if suites > 0 { text += " and \(suites) suites (with every test in them)" }
        text += ", because the machine lacks what they need:\n"
        for (reason, names) in byReason.sorted(by: { $0.key < $1.key }) {
            let shown = names.sorted().joined(separator: ", ")
            text += "  \(names.count) × \(reason)\n      \(shown)\n"
        }
        FileHandle.standardError.write(Data(text.utf8))
    }
}
