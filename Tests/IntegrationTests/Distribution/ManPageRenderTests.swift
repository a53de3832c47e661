// SPDX-License-Identifier: Apache-2.0
import Foundation
import Testing

/// `man -l man/swift-unshare.1` renders without a single warning.
@Suite struct ManPageRenderTests {
    @Test(.requiresProgram("/usr/bin/man", package: "man-db"))
    func rendersWithoutWarnings() {
        let r = Harness.run(
            ["man", "--warnings", "-l", Harness.repoRoot + "/man/swift-unshare.1"],
            extraEnv: ["MANWIDTH": "80", "MAN_KEEP_FORMATTING": "0", "MANPAGER": "cat", "PAGER": "cat"])
        #expect(r.stderr == "")
        #expect(r.ending == .exit(0))
        // plain text: drop the overstrike (x BACKSPACE x) that marks bold and underline
        let text = r.stdout.replacingOccurrences(of: ".\u{8}", with: "", options: .regularExpression)
        #expect(text.contains("--map-auto"))
        #expect(text.contains("newuidmap"))
    }
}
