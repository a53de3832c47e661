// SPDX-License-Identifier: Apache-2.0
import Glibc
import Testing

@testable import SwiftUnshare

@Suite struct PodmanLogTests {
    @Test func logLines() {
        let w = PodmanLogLine(.warning, "Using rootless single mapping")
        #expect(
            PodmanLog.render(w, terminal: false, time: "2026-01-02T03:04:05Z")
                == "time=\"2026-01-02T03:04:05Z\" level=warning msg=\"Using rootless single mapping\"\n")
        #expect(
            PodmanLog.render(PodmanLogLine(.error, "a \"b\""), terminal: true, time: "")
                == "ERRO[0000] a \"b\"\n")
        #expect(
            PodmanLog.render(PodmanLogLine(.error, "plain"), terminal: false, time: "t")
                == "time=t level=error msg=plain\n")
    }
}
