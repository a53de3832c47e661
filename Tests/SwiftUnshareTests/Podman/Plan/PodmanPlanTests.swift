// SPDX-License-Identifier: Apache-2.0
import Glibc
import Testing

@testable import SwiftUnshare

@Suite struct PodmanPlanTests {
    @Test func environmentDefaults() {
        guard case .success(let p) = podmanPlan(PodmanFakeSystem()) else {
            Issue.record("no plan")
            return
        }
        #expect(
            p.environment == [
                PodmanEnvVar("XDG_RUNTIME_DIR", "/tmp/podman-run-1001"),
                PodmanEnvVar("XDG_CONFIG_HOME", ""),  // no ~/.config
                PodmanEnvVar("_CONTAINERS_USERNS_CONFIGURED", "done"),
                PodmanEnvVar("_CONTAINERS_ROOTLESS_UID", "1001"),
                PodmanEnvVar("_CONTAINERS_ROOTLESS_GID", "1001"),
                PodmanEnvVar("CONTAINERS_GRAPHROOT", "/home/tester/.local/share/containers/storage"),
                PodmanEnvVar("CONTAINERS_RUNROOT", "/tmp/podman-run-1001/containers"),
            ])
        #expect(p.command == ["id"])
    }

    @Test func xdgDirectoriesAndRunUser() {
        var s = PodmanFakeSystem()
        s.nodes["/run/user/1001"] = FileFacts(uid: 1001, mode: 0o40700)
        guard case .success(let p) = podmanPlan(s) else {
            Issue.record("no plan")
            return
        }
        #expect(env(p, "CONTAINERS_RUNROOT") == "/run/user/1001/containers")

        s.nodes["/run/user/1001"] = FileFacts(uid: 0, mode: 0o40755)  // not ours
        guard case .success(let p2) = podmanPlan(s) else {
            Issue.record("no plan")
            return
        }
        #expect(env(p2, "CONTAINERS_RUNROOT") == "/tmp/podman-run-1001/containers")

        s.env["XDG_RUNTIME_DIR"] = "/xdg/run/"
        s.nodes["/xdg/run"] = FileFacts(uid: 1001, mode: 0o40700)
        s.env["XDG_DATA_HOME"] = "/xdg/data"
        guard case .success(let p3) = podmanPlan(s) else {
            Issue.record("no plan")
            return
        }
        #expect(env(p3, "CONTAINERS_RUNROOT") == "/xdg/run/containers")
        #expect(env(p3, "XDG_RUNTIME_DIR") == nil)  // the command keeps its own
        #expect(env(p3, "CONTAINERS_GRAPHROOT") == "/xdg/data/containers/storage")

        s.env["HOME"] = nil  // the passwd entry's home
        s.env["XDG_DATA_HOME"] = ""
        guard case .success(let p4) = podmanPlan(s) else {
            Issue.record("no plan")
            return
        }
        #expect(env(p4, "CONTAINERS_GRAPHROOT") == "/home/tester/.local/share/containers/storage")
    }

    @Test func storageConfOverridesTheDefaults() {
        var s = PodmanFakeSystem()
        s.files["/home/tester/.config/containers/storage.conf"] =
            Array("[storage]\ngraphroot = \"$HOME/graph\"\nrunroot = \"/r\"\n".utf8)
        guard case .success(let p) = podmanPlan(s) else {
            Issue.record("no plan")
            return
        }
        #expect(env(p, "CONTAINERS_GRAPHROOT") == "/home/tester/graph")
        #expect(env(p, "CONTAINERS_RUNROOT") == "/r")

        s.env["XDG_CONFIG_HOME"] = "/cfg"  // the file is looked for there instead
        guard case .success(let p2) = podmanPlan(s) else {
            Issue.record("no plan")
            return
        }
        #expect(env(p2, "CONTAINERS_GRAPHROOT") == "/home/tester/.local/share/containers/storage")
        s.files["/cfg/containers/storage.conf"] = Array("[storage]\nrunroot = \"/cfg-run\"\n".utf8)
        guard case .success(let p3) = podmanPlan(s) else {
            Issue.record("no plan")
            return
        }
        #expect(env(p3, "CONTAINERS_RUNROOT") == "/cfg-run")
    }

    @Test func malformedStorageConfIsPodmansError() {
        var s = PodmanFakeSystem()
        s.files["/home/tester/.config/containers/storage.conf"] = Array("[storage\ngraphroot = \"/g\"\n".utf8)
        let reason: ByteString = #"toml: line 2: expected '.' or ']' to end table name, but got '\n' instead"#
        #expect(
            podmanPlan(s)
                == .failure(
                    Failure.podman(
                        nil, exitCode: 1, log: [PodmanLogLine(.error, reason)],
                        stdout: "Failed to read /home/tester/.config/containers/storage.conf " + reason + "\n")))
    }

    @Test func podmansOwnErrors() {
        var root = PodmanFakeSystem()
        root.euid = 0
        #expect(podmanPlan(root) == .failure(Failure.podman("please use unshare with rootless")))
        var noShell = PodmanFakeSystem()
        noShell.env["SHELL"] = nil
        #expect(
            podmanPlan(noShell, args: []) == .failure(Failure.podman("no command specified and no $SHELL specified")))
        guard case .success(let p) = podmanPlan(PodmanFakeSystem(), args: []) else {
            Issue.record("no plan")
            return
        }
        #expect(p.command == ["/bin/bash"])
        var emptyShell = PodmanFakeSystem()
        emptyShell.env["SHELL"] = ""
        guard case .success(let p2) = podmanPlan(emptyShell, args: []) else {
            Issue.record("no plan")
            return
        }
        #expect(p2.command == [""])  // podman then says "exec: no command"
    }

    @Test func nestedCallsRunInPlace() {
        var s = PodmanFakeSystem()
        s.euid = 0
        s.egid = 0
        s.env["_CONTAINERS_USERNS_CONFIGURED"] = "done"
        s.env["_CONTAINERS_ROOTLESS_UID"] = "1001"
        s.env["_CONTAINERS_ROOTLESS_GID"] = "1001"
        guard case .success(let p) = podmanPlan(s) else {
            Issue.record("no plan")
            return
        }
        #expect(p.namespaces == .nested)
        #expect(p.rootlessNetns == nil)
        #expect(env(p, "_CONTAINERS_ROOTLESS_UID") == "1001")
        #expect(env(p, "CONTAINERS_RUNROOT") == "/tmp/podman-run-1001/containers")
    }

    @Test func pausePidFileAndRootlessNetnsPaths() {
        #expect(
            PodmanStorage.rootlessNetnsName(staticDir: "/home/unshare-tester/.local/share/containers/storage/libpod")
                == "rootless-netns-71926a05ba3e1249e0e8")
        guard case .success(let p) = podmanPlan(PodmanFakeSystem(), rootlessNetns: true) else {
            Issue.record("no plan")
            return
        }
        guard case .pause(let pidFile, _) = p.namespaces else {
            Issue.record("no pause")
            return
        }
        #expect(pidFile == "/tmp/podman-run-1001/libpod/tmp/pause.pid")
        let name = PodmanStorage.rootlessNetnsName(staticDir: "/home/tester/.local/share/containers/storage/libpod")
        #expect(p.rootlessNetns?.path == "/tmp/podman-run-1001/netns/" + name)
        #expect(p.rootlessNetns?.lockFile == "/tmp/podman-run-1001/libpod/tmp/rootless-netns.lock")
        #expect(p.rootlessNetns?.dir == "/tmp/podman-run-1001/libpod/tmp/rootless-netns")
    }
}
