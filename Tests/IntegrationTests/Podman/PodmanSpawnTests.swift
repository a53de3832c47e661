// SPDX-License-Identifier: Apache-2.0
import Foundation
import Glibc
import SwiftUnshare
import Testing

/// Podman mode as a user of the library's spawn API: the pause process it
/// spawns is podman's in every way a process shows, a race between two calls
/// ends in one shared pause process, podman's fallback pause loop, podman's
/// log lines for newgidmap, and the command's inherited descriptors.
@Suite(.serialized) struct PodmanSpawnTests {
    private var podmanUnshare: String { Harness.binDir + "/podman-unshare" }

    /// What a pause process shows of itself: maps, setgroups, signal state, stdio, command line.
    /// (glibc's own signals 32 and 33 aside: podman cannot reset them, and
    /// passes on whatever it inherited for them.)
    private func portrait(_ pid: Int32) -> String {
        func read(_ file: String) -> String {
            (try? String(contentsOfFile: "/proc/\(pid)/\(file)", encoding: .utf8)) ?? "?"
        }
        let signals = read("status").split(separator: "\n").filter { $0.hasPrefix("SigBlk") || $0.hasPrefix("SigIgn") }
            .map { line in
                let parts = line.split(separator: "\t")
                let bits = parts.count == 2 ? UInt64(parts[1], radix: 16) ?? 0 : 0
                return "\(parts[0]) \(String(bits & ~UInt64(0x1_8000_0000), radix: 16))"
            }
        let fds = (0...2).map {
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\($0)")) ?? "?"
        }
        return read("uid_map") + read("gid_map") + read("setgroups") + signals.joined(separator: "\n") + "\n"
            + fds.joined(separator: " ") + "\n" + read("cmdline").replacingOccurrences(of: "\0", with: " ") + "\n"
    }

    /// The processes (other than zombies) whose environment names the sandbox's runtime directory.
    private func processes(of box: PodmanSandbox) -> [Int32] {
        let mark = Data("XDG_RUNTIME_DIR=\(box.base)/run".utf8)
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).filter { pid in
            guard let env = FileManager.default.contents(atPath: "/proc/\(pid)/environ") else { return false }
            return env.split(separator: 0).contains(mark)
        }.sorted()
    }

    @Test(.requiresPodman)
    func thePauseProcessIsPodmans() throws {
        let box = PodmanSandbox()
        defer { box.finish() }
        #expect(box.run([PodmanOracle.path, "unshare", "true"]).ending == .exit(0))
        let podmans = try #require(box.pid(box.pidFile))
        let expected = portrait(podmans)
        box.stop(podmans)
        let r = box.run([podmanUnshare, "true"])
        #expect(r.ending == .exit(0), "\(r)")
        let ours = try #require(box.pid(box.pidFile))
        #expect(ours != podmans)
        #expect(portrait(ours) == expected)
        #expect(expected.hasSuffix("/dev/null /dev/null /dev/null\ncatatonit -P \n"), "\(expected)")
        #expect(processes(of: box) == [ours])
    }

    /// Two calls find no pause process at once; a fake newuidmap holds both
    /// until both have started theirs. The one whose pid file loses joins the
    /// winner's and ends its own: one pause process, one user namespace.
    @Test(.requiresPodman)
    func twoCallsAtOnceShareOnePauseProcess() throws {
        let box = PodmanSandbox()
        defer {
            for pid in processes(of: box) { kill(pid, SIGKILL) }
            box.finish()
        }
        let bin = Harness.scratch("podman-race")
        defer { try? FileManager.default.removeItem(atPath: bin) }
        let arrived = Fifo(bin + "/arrived")
        let go = Fifo(bin + "/go")
        Harness.writeExecutable(
            bin + "/newuidmap",
            "#!/bin/sh\n{ echo arrived > \(arrived.path); head -n 1 > /dev/null; } < \(go.path)\n"
                + "exec /usr/bin/newuidmap \"$@\"\n")
        let env = box.env.merging(["PATH": bin + ":/usr/bin:/bin"]) { $1 }
        let calls = (0..<2).map { _ in
            PodmanBackground([podmanUnshare, "readlink", "/proc/self/ns/user"], as: .tester, extraEnv: env)
        }
        #expect(arrived.readLine() == "arrived")
        #expect(arrived.readLine() == "arrived")
        go.close()  // both newuidmap runs go on
        for call in calls { #expect(call.wait() == .exit(0)) }
        let pause = try #require(box.pid(box.pidFile))
        let expected = box.namespace(pause, "user") + "\n"
        #expect(calls.map(\.output) == [expected, expected])
        #expect(processes(of: box) == [pause])
    }

    /// No catatonit anywhere (podman's own copy hidden, none in PATH): the
    /// pause process is the spawned child itself, named "podman pause",
    /// waiting; later calls, and podman, join it.
    @Test(.requiresRoot, .requiresPodman)
    func withoutCatatonitThePauseProcessWaitsByItself() throws {
        let box = PodmanSandbox()
        defer { box.finish() }
        let bin = Harness.scratch("podman-no-catatonit")
        defer { try? FileManager.default.removeItem(atPath: bin) }
        for tool in ["newuidmap", "newgidmap", "readlink"] { symlink("/usr/bin/" + tool, bin + "/" + tool) }
        let tester = try #require(Runner.tester.passwd)
        let env = Harness.environment(for: .tester, extra: box.env.merging(["PATH": bin]) { $1 })
        let script =
            "/usr/bin/mount -t tmpfs none /usr/libexec/podman && exec /usr/bin/setpriv --reuid=\(tester.uid) "
            + "--regid=\(tester.gid) --init-groups -- \(podmanUnshare) readlink /proc/self/ns/user"
        let r = Harness.run(["/usr/bin/unshare", "--mount", "/bin/sh", "-c", script], as: .root, env: env)
        #expect(r.ending == .exit(0), "\(r)")
        let pause = try #require(box.pid(box.pidFile))
        #expect(r.stdout == box.namespace(pause, "user") + "\n")
        #expect((try? String(contentsOfFile: "/proc/\(pause)/comm", encoding: .utf8)) == "podman pause\n")
        #expect(box.run([podmanUnshare, "readlink", "/proc/self/ns/user"]).stdout == r.stdout)
        #expect(box.run([PodmanOracle.path, "unshare", "readlink", "/proc/self/ns/user"]).stdout == r.stdout)
    }

    /// newgidmap failing, or missing, after newuidmap succeeded: podman's lines, in podman's order.
    @Test(
        .requiresPodman,
        arguments: ["#!/bin/sh\necho 'newgidmap: refused by the test'\nexit 1\n", nil])
    func newgidmapFailuresArePodmans(script: String?) throws {
        let bin = Harness.scratch("podman-newgidmap")
        defer { try? FileManager.default.removeItem(atPath: bin) }
        for tool in ["newuidmap", "id"] { symlink("/usr/bin/" + tool, bin + "/" + tool) }
        if let script { Harness.writeExecutable(bin + "/newgidmap", script) }
        let outcomes = podmanAndOursWithoutPause(path: bin) { #expect(processes(of: $0) == []) }
        #expect(outcomes[1] == outcomes[0])
        #expect(outcomes[1].ending == .exit(1))
        let expected =
            script == nil
            ? #"command required for rootless mode with multiple IDs: exec: \"newgidmap\": executable file not found in $PATH""#
            : #"should have setgid or have filecaps setgid: exit status 1""#
        #expect(outcomes[1].stderr.hasSuffix(expected + "\n"), "\(outcomes[1])")
    }

    /// A descriptor podman-unshare inherited open reaches the command, as with podman.
    @Test(.requiresPodman)
    func inheritedDescriptorsReachTheCommand() throws {
        let box = PodmanSandbox()
        defer { box.finish() }
        let file = box.base + "/data/five"
        try "from descriptor 5\n".write(toFile: file, atomically: false, encoding: .utf8)
        chmod(file, 0o644)
        // The pause process first, so that both calls below only join it (and log nothing).
        #expect(box.run([PodmanOracle.path, "unshare", "true"]).ending == .exit(0))
        let outcomes = [[PodmanOracle.path, "unshare"], [podmanUnshare]].map { tool in
            box.run(["/bin/sh", "-c", "exec 5<\(file); exec \"$@\" cat /dev/fd/5", "sh"] + tool)
        }
        #expect(outcomes[1] == Outcome(stdout: "from descriptor 5\n", stderr: "", ending: .exit(0)))
        #expect(outcomes[1] == outcomes[0])
    }
}
