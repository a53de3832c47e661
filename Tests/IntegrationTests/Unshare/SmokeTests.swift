// SPDX-License-Identifier: Apache-2.0
import Testing

@Suite struct SmokeTests {
    @Test(.requiresRoot) func mapRootUserAsRoot() {
        let r = Harness.run([Harness.swiftUnshare, "-r", "sh", "-c", "id -u; cat /proc/self/uid_map"])
        #expect(r == Outcome(stdout: "0\n         0          0          1\n", stderr: "", ending: .exit(0)))
    }
}
