// SPDX-License-Identifier: Apache-2.0
import Testing

/// The child shares its caller's memory until exec (docs/library.md, "Sharing
/// the caller's memory"): what the caller must find unchanged after spawns,
/// through Tests/SpawnProbe (CallerMemory.swift), as root and as the
/// unprivileged test user.
extension LibrarySpawnTests {
    /// 32 tasks × 20 spawns of every strategy from a caller holding 1 GiB in
    /// 4 KiB pages with a pattern over it: the pattern intact, no descriptor
    /// gained or lost, no child left.
    @Test(.requiresRoot)
    func concurrentSpawnsFromACallerHoldingOneGiBAsRoot() {
        let r = Harness.run([Self.probe, "stress", "32", "20", "1"], timeout: 300)
        #expect(r == Outcome(stdout: "ok\n", stderr: "", ending: .exit(0)))
    }

    @Test(.requiresTester)
    func concurrentSpawnsFromACallerHoldingOneGiBAsTester() {
        let r = Harness.run([Self.probe, "stress", "32", "20", "1"], as: .tester, timeout: 300)
        #expect(r == Outcome(stdout: "ok\n", stderr: "", ending: .exit(0)))
    }

    /// A child that fails between clone and exec (chdir into a missing
    /// directory), in each sharing mode: the step and errno reported as
    /// always, and the spawning thread's errno and signal mask as they were.
    static func keepsLines(_ rangesStrategy: String) -> String {
        ["none none", "selfWrite selfWrite", "ranges \(rangesStrategy)"].map {
            let w = $0.split(separator: " ")
            return """
                \(w[0]): setup \(w[1]) 2 cannot change directory to /swift-unshare-no-such-dir: No such file or directory
                \(w[0]): errno kept
                \(w[0]): mask kept

                """
        }.joined()
    }

    @Test(.requiresRoot)
    func failingChildLeavesErrnoAndMaskAsRoot() {
        let r = Harness.run([Self.probe, "keeps"])
        #expect(r == Outcome(stdout: Self.keepsLines("privilegedHelper"), stderr: "", ending: .exit(0)))
    }

    @Test(.requiresTester)
    func failingChildLeavesErrnoAndMaskAsTester() {
        let r = Harness.run([Self.probe, "keeps"], as: .tester)
        #expect(r == Outcome(stdout: Self.keepsLines("newIDMapHelpers"), stderr: "", ending: .exit(0)))
    }
}
