import Foundation
import Testing

/// `man -l man/swift-unshare.1` renders without a single warning.
@Suite struct ManPageRenderTests {
    static let manAvailable = FileManager.default.isExecutableFile(atPath: "/usr/bin/man")

    @Test(.enabled(if: manAvailable, "man is not installed (scripts/test-setup.sh installs man-db)"))
    func rendersWithoutWarnings() {
        let r = Harness.run(["man", "--warnings", "-l", Harness.repoRoot + "/man/swift-unshare.1"],
                            extraEnv: ["MANWIDTH": "80", "MAN_KEEP_FORMATTING": "0", "MANPAGER": "cat", "PAGER": "cat"])
        #expect(r.stderr == "")
        #expect(r.ending == .exit(0))
        #expect(r.stdout.contains("--map-auto"))
        #expect(r.stdout.contains("newuidmap"))
    }
}
