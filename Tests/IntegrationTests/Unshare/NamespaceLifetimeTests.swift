// SPDX-License-Identifier: Apache-2.0
import Foundation
import Glibc
import Testing

/// Persistence, proc, child lifetime, capabilities, time, environment.
@Suite struct NamespaceLifetimeTests {
    /// Runs `body` with an empty file to bind a namespace onto, in a scratch
    /// folder removed afterwards.
    static func withEmptyFile(_ name: String, _ body: (String) throws -> Void) throws {
        try Harness.withScratch(name) { dir in
            let path = dir + "/ns"
            try #require(FileManager.default.createFile(atPath: path, contents: Data()))
            try body(path)
        }
    }

    @Test(.requiresRoot)
    func persistentUTSNamespace() throws {
        try Self.withEmptyFile("uts") { file in
            let made = Harness.run([Harness.swiftUnshare, "--uts=\(file)", "hostname", "persisted-x"])
            #expect(made == Outcome(stdout: "", stderr: "", ending: .exit(0)))
            defer { umount(file) }
            let seen = Harness.run(["nsenter", "--uts=\(file)", "hostname"])
            #expect(seen == Outcome(stdout: "persisted-x\n", stderr: "", ending: .exit(0)))
        }
    }

    @Test(.requiresRoot)
    func persistentUserNamespaceThroughTheHelper() throws {
        try Self.withEmptyFile("user") { file in
            let made = Harness.run([Harness.swiftUnshare, "--user=\(file)", "-r", "true"])
            #expect(made == Outcome(stdout: "", stderr: "", ending: .exit(0)))
            defer { umount(file) }
            let seen = Harness.run(["nsenter", "--user=\(file)", "cat", "/proc/self/uid_map"])
            #expect(seen == Outcome(stdout: MapText.line(0, 0, 1), stderr: "", ending: .exit(0)))
        }
    }

    @Test(.requiresRoot)
    func persistentPidNamespaceWithFork() throws {
        try Self.withEmptyFile("pid") { file in
            let made = Harness.run([
                Harness.swiftUnshare, "--pid=\(file)", "--fork", "--mount-proc", "readlink", "/proc/self",
            ])
            #expect(made == Outcome(stdout: "1\n", stderr: "", ending: .exit(0)))
            umount(file)
        }
    }

    @Test(.requiresRoot, .requiresProgram(Harness.oracle, package: "util-linux"))
    func bindOntoAMissingFileFailsLikeUtilLinux() {
        Harness.withScratch("missing") { dir in
            for (ns, args) in [
                ("uts", ["--uts=\(dir)/nope", "true"]), ("mnt", ["--mount=\(dir)/nope", "true"]),
                ("net", ["--net=\(dir)/nope", "-f", "true"]),
            ] {
                let (ours, oracle) = Harness.both(args)
                #expect(ours == oracle)
                #expect(
                    ours
                        == Outcome(
                            stdout: "",
                            stderr:
                                "unshare: mount /proc/PID/ns/\(ns) on \(dir)/nope failed: No such file or directory\n",
                            ending: .exit(1)))
            }
        }
    }

    @Test(.requiresTester)
    func mountProcInAPidNamespaceAsUser() {
        let r = Harness.run(
            [Harness.swiftUnshare, "-r", "-p", "-f", "--mount-proc", "readlink", "/proc/self"], as: .tester)
        #expect(r == Outcome(stdout: "1\n", stderr: "", ending: .exit(0)))
    }

    @Test(.requiresTester)
    func bootTimeOffset() {
        let r = Harness.run(
            [Harness.swiftUnshare, "-r", "-T", "-f", "--boottime", "100000000", "cat", "/proc/uptime"],
            as: .tester)
        #expect(r.ending == .exit(0))
        let uptime = Double(r.stdout.split(separator: " ").first ?? "") ?? 0
        #expect(uptime > 100_000_000)
    }

    @Test(.requiresRoot)
    func timeOffsetsAreWrittenBoottimeThenMonotonic() {
        let r = Harness.run([
            Harness.swiftUnshare, "-T", "--monotonic=-5", "--boottime=7", "-f", "cat",
            "/proc/self/timens_offsets",
        ])
        #expect(
            r
                == Outcome(
                    stdout: "monotonic          -5         0\nboottime            7         0\n", stderr: "",
                    ending: .exit(0)))
    }

    /// SIGKILL to swift-unshare leaves nothing of the tree alive.
    @Test(.requiresTester)
    func killChildTakesTheWholeTreeDown() throws {
        // a duration no other test uses, so pgrep counts this tree only
        let sleep = "sleep 60.\(getpid())"
        let pid = Harness.spawn([
            "setpriv", "--reuid=unshare-tester", "--regid=unshare-tester", "--init-groups", "--",
            Harness.swiftUnshare, "-r", "-p", "-f", "--mount-proc", "--kill-child",
            "sh", "-c", "\(sleep) & \(sleep)",
        ])
        func alive() -> Int {
            let r = Harness.run(["pgrep", "-x", "-f", "-c", sleep], timeout: 5)
            return Int(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        }
        var waited = 0
        while alive() < 2 && waited < 100 {
            usleep(50_000)
            waited += 1
        }
        #expect(alive() >= 2)
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        waited = 0
        while alive() > 0 && waited < 40 {
            usleep(50_000)
            waited += 1
        }
        #expect(alive() == 0)
    }

    /// Runs `args` + a child that exits 15 on SIGTERM and 2 on SIGINT, sends
    /// `signal` to swift-unshare once the child is ready, and returns how it
    /// ended. The child says it is ready through one named pipe and then waits,
    /// in a background `head`, for a line on another: the test sends that line
    /// only when the signal is to be held back (and so after checking it is),
    /// else when the child has not ended by itself in 20 s (a failure).
    static func signalled(_ args: [String], _ signal: Int32, heldBack: Bool) -> Ending {
        Harness.withScratch("sig") { dir in
            let ready = Fifo(dir + "/ready")
            let go = Fifo(dir + "/go")
            let script = """
                trap 'kill $! 2>/dev/null; exit 15' TERM
                trap 'kill $! 2>/dev/null; exit 2' INT
                head -n 1 \(go.path) > /dev/null &
                echo ready > \(ready.path)
                wait $!
                """
            let pid = Harness.spawn([Harness.swiftUnshare] + args + ["sh", "-c", script])
            guard ready.readLine() == "ready" else {
                // Nothing left behind: swift-unshare killed, the child let go (head sees the end of the file).
                kill(pid, SIGKILL)
                go.close()
                _ = Harness.end(of: pid)
                Issue.record("the child never said it was ready")
                return .timedOut
            }
            kill(pid, signal)
            if heldBack {
                // blocked in swift-unshare while it waits: held there, not passed on
                #expect(Harness.pendingSignals(of: pid).contains(signal))
                #expect(Harness.blockedSignals(of: pid).contains(signal))
                go.write("go")
                return Harness.end(of: pid)
            }
            let ending = Harness.end(of: pid, timeout: 20)
            if ending == .timedOut { go.write("go") }
            return ending
        }
    }

    @Test func forwardSignalsPassesSIGTERMToTheChild() {
        #expect(Self.signalled(["--forward-signals"], SIGTERM, heldBack: false) == .exit(15))
        #expect(Self.signalled(["--forward-signals"], SIGINT, heldBack: false) == .exit(2))
    }

    @Test func withoutForwardingTheSignalIsHeldBack() {
        #expect(Self.signalled(["-f"], SIGTERM, heldBack: true) == .exit(0))
    }

    @Test(.requiresTester)
    func keepCapsRaisesAmbient() {
        // every capability up to the kernel's last one: (1 << (cap_last_cap + 1)) - 1
        let last =
            Int(
                (try? String(contentsOfFile: "/proc/sys/kernel/cap_last_cap", encoding: .utf8))?
                    .trimmingCharacters(in: .whitespacesAndNewlines) ?? "") ?? 40
        let all = String(format: "%016llx", UInt64.max >> (63 - last))
        let r = Harness.run(
            [Harness.swiftUnshare, "-r", "--keep-caps", "grep", "^CapAmb", "/proc/self/status"], as: .tester)
        #expect(r == Outcome(stdout: "CapAmb:\t\(all)\n", stderr: "", ending: .exit(0)))
        let without = Harness.run([Harness.swiftUnshare, "-r", "grep", "^CapAmb", "/proc/self/status"], as: .tester)
        #expect(without.stdout == "CapAmb:\t0000000000000000\n")
    }

    @Test func clearAndWhitelistEnvironment() {
        let cleared = Harness.run([Harness.swiftUnshare, "--clear-env", "/usr/bin/env"])
        #expect(cleared == Outcome(stdout: "", stderr: "", ending: .exit(0)))
        let kept = Harness.run(
            [Harness.swiftUnshare, "--whitelist-env=FOO,NOPE,LANG", "/usr/bin/env"],
            env: ["FOO": "1", "BAR": "2", "LANG": "C", "PATH": "/usr/bin:/bin"])
        #expect(kept == Outcome(stdout: "LANG=C\nFOO=1\n", stderr: "", ending: .exit(0)))  // reversed, as util-linux
    }

    @Test func loginShellWhenNoProgram() {
        Harness.withScratch("shell") { dir in
            // dash, under another name, as a login shell: it reads $HOME/.profile, which prints $0.
            symlink("/bin/dash", dir + "/myshell")
            Harness.writeExecutable(dir + "/.profile", "echo \"$0\"; exit 0\n")
            let r = Harness.run([Harness.swiftUnshare], extraEnv: ["SHELL": dir + "/myshell", "HOME": dir])
            #expect(r == Outcome(stdout: "-myshell\n", stderr: "", ending: .exit(0)))
            let missing = Harness.run([Harness.ours], extraEnv: ["SHELL": dir + "/nope"])
            #expect(
                missing
                    == Outcome(
                        stdout: "", stderr: "unshare: failed to execute \(dir)/nope: No such file or directory\n",
                        ending: .exit(127)))
        }
    }

    @Test(.requiresRoot)
    func mountBinfmt() {
        let r = Harness.run([
            Harness.swiftUnshare, "-r", "-p", "--mount-binfmt", "-f", "cat",
            "/proc/sys/fs/binfmt_misc/status",
        ])
        // binfmt_misc in a user namespace needs Linux 6.7; older kernels refuse the mount.
        if r.ending == .exit(0) {
            #expect(r == Outcome(stdout: "enabled\n", stderr: "", ending: .exit(0)))
        } else {
            #expect(
                r
                    == Outcome(
                        stdout: "", stderr: "swift-unshare: mount /proc/sys/fs/binfmt_misc failed: Permission denied\n",
                        ending: .exit(1)))
        }
    }

    /// A new network namespace has only lo. /sys shows the namespace of whoever
    /// mounted it (util-linux behaves the same), so sysfs is mounted anew to look.
    @Test(.requiresTester)
    func networkNamespaceHasOnlyLoopback() {
        let r = Harness.run(
            [Harness.swiftUnshare, "-r", "-n", "-m", "sh", "-c", "mount -t sysfs sysfs /sys && ls /sys/class/net"],
            as: .tester)
        #expect(r == Outcome(stdout: "lo\n", stderr: "", ending: .exit(0)))
    }
}
