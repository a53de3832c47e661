// SPDX-License-Identifier: Apache-2.0
import Glibc
import Testing

@testable import SwiftUnshare

@Suite struct PodmanExplainDirectoriesTests {
    @Test func saysWhereAndWhatIsMade() {
        let d = PodmanDirectories(
            runtimeDir: "/tmp/podman-run-1001", makeRuntimeDir: true, tmpDir: "/first/libpod/tmp",
            staticDir: "/g/libpod", graphroot: "/g", runroot: "/first/containers", database: "/g/libpod/bolt_state.db",
            messages: [PodmanLogLine(.error, "Failed to create temp directory for user: mkdir /x: permission denied")],
            exports: [], firstRun: false)
        #expect(
            PodmanExplain.directories(d) == [
                "directories: runtime /tmp/podman-run-1001, tmp dir /first/libpod/tmp, static dir /g/libpod",
                "  tmp dir, static dir and storage roots as recorded in /g/libpod/bolt_state.db",
                "  made when missing: /tmp/podman-run-1001 (0700), /tmp/podman-run-1001/libpod (01700), /g/libpod (0700)",
                #"log: level=error msg="Failed to create temp directory for user: mkdir /x: permission denied""#,
            ])
    }
}
