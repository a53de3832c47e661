// SPDX-License-Identifier: Apache-2.0
import Foundation
import Glibc
import SwiftUnshare
import Testing

/// A runtime dir, data home and config home of the tester's own, so that
/// podman and podman-unshare make their pause process (and rootless network
/// namespace) there, away from other runs. `finish()` stops what was started
/// in it and removes it.
final class PodmanSandbox {
    let base: String
    let runner: Runner

    init(_ runner: Runner = .tester) {
        self.runner = runner
        base = Harness.scratch("podman-sandbox")
        for sub in ["run", "data", "config/containers"] {
            try? FileManager.default.createDirectory(atPath: base + "/" + sub, withIntermediateDirectories: true)
        }
        let p = runner.passwd!
        for sub in ["", "/run", "/data", "/config", "/config/containers"] { chown(base + sub, p.uid, p.gid) }
        chmod(base, 0o755)
        chmod(base + "/run", 0o700)
    }

    var env: [String: String] {
        ["XDG_RUNTIME_DIR": base + "/run", "XDG_DATA_HOME": base + "/data", "XDG_CONFIG_HOME": base + "/config"]
    }

    var pidFile: String { base + "/run/libpod/tmp/pause.pid" }
    var slirpPidFile: String { base + "/run/libpod/tmp/rootless-netns/rootless-netns-slirp4netns.pid" }

    func pid(_ file: String) -> Int32? { Self.pid(file) }

    static func pid(_ file: String) -> Int32? {
        (try? String(contentsOfFile: file, encoding: .utf8)).flatMap {
            Int32($0.trimmingCharacters(in: .whitespacesAndNewlines))
        }
    }

    func namespace(_ pid: Int32, _ kind: String) -> String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/ns/\(kind)")) ?? "?"
    }

    func run(_ argv: [String], extra: [String: String] = [:]) -> Outcome {
        Harness.run(argv, as: runner, extraEnv: env.merging(extra) { $1 })
    }

    /// Kills a process started here (a pause process) and waits until it is gone.
    func stop(_ pid: Int32) {
        kill(pid, SIGKILL)
        while namespace(pid, "user") != "?" { usleep(1000) }
    }

    /// Kills the pause process (and slirp4netns) started here, then removes the folder.
    func finish() {
        for file in [pidFile, slirpPidFile] {
            if let pid = pid(file), pid > 1 { kill(pid, SIGKILL) }
        }
        try? FileManager.default.removeItem(atPath: base)
    }
}

private var podmanUnshare: String { Harness.binDir + "/podman-unshare" }

/// `podman unshare id`, then ours, each in a fresh sandbox with `path` as PATH and no
/// pause process: podman set the runtime dir up first (it reports helper failures
/// this way only once its "alive" file is there), then its pause process was
/// stopped. `check` looks at each sandbox after its run.
func podmanAndOursWithoutPause(path: String, check: (PodmanSandbox) -> Void = { _ in }) -> [Outcome] {
    var outcomes: [Outcome] = []
    for tool in [[PodmanOracle.path, "unshare"], [Harness.binDir + "/podman-unshare"]] {
        let box = PodmanSandbox()
        defer { box.finish() }
        _ = box.run([PodmanOracle.path, "unshare", "true"])
        if let pid = box.pid(box.pidFile) { box.stop(pid) }
        let r = box.run(tool + ["id"], extra: ["PATH": path])
        outcomes.append(Outcome(stdout: r.stdout, stderr: untimed(r.stderr), ending: r.ending))
        check(box)
    }
    return outcomes
}

/// `podman unshare id`, then ours, each in a fresh sandbox with `path` as PATH:
/// podman's first run there (no "alive" file yet). `check` looks at each
/// sandbox after its run.
func podmanAndOursFirstRun(path: String, check: (PodmanSandbox) -> Void = { _ in }) -> [Outcome] {
    [[PodmanOracle.path, "unshare"], [Harness.binDir + "/podman-unshare"]].map { tool in
        let box = PodmanSandbox()
        defer { box.finish() }
        let r = box.run(tool + ["id"], extra: ["PATH": path])
        check(box)
        return Outcome(stdout: r.stdout, stderr: untimed(r.stderr), ending: r.ending)
    }
}

/// podman's log lines with their time stamps and helper pids made constant.
func untimed(_ s: String) -> String {
    s.replacingOccurrences(of: #"time="[^"]*""#, with: #"time="T""#, options: .regularExpression)
        .replacingOccurrences(of: #"newuidmap [0-9]+ "#, with: "newuidmap PID ", options: .regularExpression)
        .replacingOccurrences(of: #"newgidmap [0-9]+ "#, with: "newgidmap PID ", options: .regularExpression)
        .replacingOccurrences(of: "/usr/bin/podman system migrate", with: "podman system migrate")
}

@Suite(.serialized) struct PodmanPauseProcessTests {
    @Test(.requiresPodman)
    func madeWhenAbsentThenSharedWithPodman() throws {
        let box = PodmanSandbox()
        defer { box.finish() }
        let made = box.run([podmanUnshare, "readlink", "/proc/self/ns/user", "/proc/self/ns/mnt"])
        #expect(made.ending == .exit(0), "\(made)")
        let pause = try #require(box.pid(box.pidFile))
        let cmdline = (try? String(contentsOfFile: "/proc/\(pause)/cmdline", encoding: .utf8)) ?? ""
        #expect(cmdline == "catatonit\0-P\0")
        let expected = box.namespace(pause, "user") + "\n" + box.namespace(pause, "mnt") + "\n"
        #expect(made.stdout == expected)
        // Again, then podman itself: the same namespaces, no new pause process.
        #expect(box.run([podmanUnshare, "readlink", "/proc/self/ns/user", "/proc/self/ns/mnt"]).stdout == expected)
        let podman = box.run([PodmanOracle.path, "unshare", "readlink", "/proc/self/ns/user", "/proc/self/ns/mnt"])
        #expect(podman.stdout == expected, "\(podman)")
        #expect(box.pid(box.pidFile) == pause)
        // A mount made in one call is there in the next.
        let dir = box.base + "/m"
        #expect(box.run(["mkdir", dir]).ending == .exit(0))
        #expect(
            box.run([podmanUnshare, "sh", "-c", "mount -t tmpfs none \(dir) && touch \(dir)/x"]).ending == .exit(0))
        #expect(box.run([podmanUnshare, "ls", dir]).stdout == "x\n")
        #expect(box.run([PodmanOracle.path, "unshare", "ls", dir]).stdout == "x\n")
    }

    @Test(.requiresPodman)
    func podmansPauseProcessIsJoinedAndAStaleOneIgnored() throws {
        let box = PodmanSandbox()
        defer { box.finish() }
        #expect(box.run([PodmanOracle.path, "unshare", "true"]).ending == .exit(0))
        let pause = try #require(box.pid(box.pidFile))
        let r = box.run([podmanUnshare, "readlink", "/proc/self/ns/user"])
        #expect(r == Outcome(stdout: box.namespace(pause, "user") + "\n", stderr: "", ending: .exit(0)))
        // Stale: the pause process is gone; a new one is made and its pid written.
        box.stop(pause)
        let again = box.run([podmanUnshare, "true"])
        #expect(again.ending == .exit(0), "\(again)")
        let fresh = try #require(box.pid(box.pidFile))
        #expect(fresh != pause)
    }

    /// podman 4.3.1 when a pause process must be made and newuidmap fails:
    /// its log lines and exit status 1 (time stamps and pids aside).
    @Test(
        .requiresPodman,
        arguments: [
            "#!/bin/sh\necho 'newuidmap: refused by the test' >&2\nexit 1\n", "#!/bin/sh\nkill -SEGV $$\n",
            // a core dump (core_pattern permitting) is named as podman names it, through the helper's guard
            "#!/bin/sh\ncd \"$(dirname \"$0\")\" && ulimit -c unlimited && kill -SEGV $$\n",
        ])
    func failingNewuidmapIsPodmansError(script: String) throws {
        let fake = Harness.scratch("podman-fake-newuidmap")
        defer { try? FileManager.default.removeItem(atPath: fake) }
        Harness.writeExecutable(fake + "/newuidmap", script)
        let outcomes = podmanAndOursWithoutPause(path: fake + ":/usr/bin:/bin")
        #expect(outcomes[1] == outcomes[0])
        #expect(outcomes[1].ending == .exit(1))
        let p = try #require(Runner.tester.passwd)
        let t = try #require(TestAccount.tester)
        let args = "0 \(p.uid) 1 1 \(t.subuid.start) \(t.subuid.count)"
        #expect(outcomes[1].stderr.contains(#"level=error msg="running `\#(fake)/newuidmap PID \#(args)`: "#))
        #expect(
            outcomes[1].stderr.contains(
                #"cannot set up namespace using \"\#(fake)/newuidmap\": should have setuid or have filecaps setuid: "#))
    }

    /// No newuidmap on PATH: podman's words, in the later-run form (alive
    /// there: exit 1) and the first-run form (none yet: `Error:`, exit 125).
    @Test(.requiresPodman)
    func missingNewuidmapIsPodmansError() throws {
        let bin = Harness.scratch("podman-no-newuidmap")
        defer { try? FileManager.default.removeItem(atPath: bin) }
        symlink("/usr/bin/id", bin + "/id")
        let reason =
            #"command required for rootless mode with multiple IDs: exec: \"newuidmap\": executable file not found in $PATH"#
        let later = podmanAndOursWithoutPause(path: bin)
        #expect(later[1] == later[0])
        #expect(later[1].ending == .exit(1))
        #expect(
            later[1].stderr.hasSuffix(
                #"time="T" level=error msg="invalid internal status, try resetting the pause process with \"podman system migrate\": \#(reason)""#
                    + "\n"), "\(later[1])")
        let first = podmanAndOursFirstRun(path: bin)
        #expect(first[1] == first[0])
        #expect(first[1].ending == .exit(125))
        #expect(first[1].stderr.hasSuffix("Error: " + reason.replacingOccurrences(of: "\\\"", with: "\"") + "\n"))
    }

    /// nobody has no /etc/subuid line: podman's two lines and the single
    /// mapping, for podman and for us (each in a runtime dir of nobody's own).
    @Test(.requiresPodman)
    func noRangesGiveTheWarningAndTheSingleMapping() {
        let nobody = getpwnam("nobody")?.pointee.pw_uid ?? 65534
        let nogroup = getgrnam("nogroup")?.pointee.gr_gid ?? 65534
        let outcomes = [[PodmanOracle.path, "unshare"], [podmanUnshare]].map { tool -> Outcome in
            let run = Harness.scratch("podman-nobody")
            defer {
                if let pid = PodmanSandbox.pid(run + "/run/libpod/tmp/pause.pid") { kill(pid, SIGKILL) }
                try? FileManager.default.removeItem(atPath: run)
            }
            for sub in ["run", "data", "config"] {
                mkdir(run + "/" + sub, 0o700)
                chown(run + "/" + sub, nobody, nogroup)
            }
            let r = Harness.run(
                ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--"] + tool + [
                    "cat", "/proc/self/uid_map", "/proc/self/gid_map", "/proc/self/setgroups",
                ],
                env: [
                    "PATH": "/usr/bin:/bin", "HOME": "/nonexistent", "LANG": "C", "XDG_RUNTIME_DIR": run + "/run",
                    "XDG_DATA_HOME": run + "/data", "XDG_CONFIG_HOME": run + "/config",
                ])
            return Outcome(stdout: r.stdout, stderr: untimed(r.stderr), ending: r.ending)
        }
        #expect(outcomes[1] == outcomes[0])
        #expect(outcomes[1].stdout == MapText.line(0, nobody, 1) + MapText.line(0, nogroup, 1) + "deny\n")
        #expect(outcomes[1].ending == .exit(0))
        #expect(
            outcomes[1].stderr.hasSuffix(
                #"time="T" level=error msg="cannot find UID/GID for user nobody: no subuid ranges found for user \"nobody\" in /etc/subuid - check rootless mode in man pages.""#
                    + "\n"
                    + #"time="T" level=warning msg="Using rootless single mapping into the namespace. This might break some images. Check /etc/subuid and /etc/subgid for adding sub*ids if not using a network user""#
                    + "\n"))
    }
}

extension Trait where Self == Requirement {
    /// /dev/net/tun usable by the tester account (test-setup.sh sets mode 0666).
    static var requiresTun: Self {
        Requirement(reason: "needs /dev/net/tun mode 0666: run scripts/test-setup.sh as root") {
            var st = stat()
            return stat("/dev/net/tun", &st) == 0 && st.st_mode & 0o006 == 0o006
        }
    }
}

@Suite(.serialized) struct PodmanRootlessNetnsTests {
    @Test(
        .requiresPodman, .requiresProgram("/usr/bin/slirp4netns", package: "slirp4netns"), .requiresTun)
    func madeWithTap0ThenSharedWithPodman() throws {
        let box = PodmanSandbox()
        defer { box.finish() }
        let script = "readlink /proc/self/ns/net; ip -o -4 addr show | awk '{print $2, $4}'; ip route"
        let ours = box.run([podmanUnshare, "--rootless-netns", "sh", "-c", script])
        #expect(ours.ending == .exit(0), "\(ours)")
        let lines = ours.stdout.split(separator: "\n").map(String.init)
        #expect(
            Array(lines.dropFirst()) == [
                "lo 127.0.0.1/8", "tap0 10.0.2.100/24", "default via 10.0.2.2 dev tap0 ",
                "10.0.2.0/24 dev tap0 proto kernel scope link src 10.0.2.100 ",
            ], "\(ours)")
        let podman = box.run([PodmanOracle.path, "unshare", "--rootless-netns", "sh", "-c", script])
        #expect(podman.stdout == ours.stdout, "\(podman)")
        #expect(box.pid(box.slirpPidFile) != nil)
    }
}

@Suite struct PodmanStorageConfErrorTests {
    @Test(
        .requiresPodman,
        arguments: [
            "[storage\ngraphroot = \"/g\"\n", "[storage]\n\ngraphroot = 3\n", "\n\na = 1\na = 2\n",
            "[storage]\nx = \"a\n", "a = [1 2]\n",
        ])
    func malformedIsPodmansError(text: String) throws {
        let box = PodmanSandbox()
        defer { box.finish() }
        let file = box.base + "/config/containers/storage.conf"
        try text.write(toFile: file, atomically: false, encoding: .utf8)
        chmod(file, 0o644)
        let podman = box.run([PodmanOracle.path, "unshare", "true"])
        let ours = box.run([podmanUnshare, "true"])
        #expect(ours.ending == .exit(1))
        #expect(ours.stdout.hasPrefix("Failed to read \(file) toml: line "))
        #expect(
            Outcome(stdout: ours.stdout, stderr: untimed(ours.stderr), ending: ours.ending)
                == Outcome(stdout: podman.stdout, stderr: untimed(podman.stderr), ending: podman.ending))
    }

    /// Hostile files: deep nesting and random bytes never crash it (exit 0 or 1, one report).
    @Test(.requiresTester)
    func fuzzNeverCrashes() throws {
        let box = PodmanSandbox()
        defer { box.finish() }
        let file = box.base + "/config/containers/storage.conf"
        var generator = SystemRandomNumberGenerator()
        var inputs: [[UInt8]] = [70_000, 200_000].flatMap { depth in
            [
                Array(("a = " + String(repeating: "[", count: depth)).utf8),
                Array(("a = " + String(repeating: "{b=", count: depth)).utf8),
            ]
        }
        for _ in 0..<12 {
            inputs.append(
                (0..<Int.random(in: 1...400, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator)
                })
        }
        for bytes in inputs {
            _ = FileManager.default.createFile(atPath: file, contents: Data(bytes))
            chmod(file, 0o644)
            let r = box.run([podmanUnshare, "true"])
            #expect(r.ending == .exit(0) || r.ending == .exit(1), "\(r)")
            if r.ending == .exit(1) { #expect(r.stdout.hasPrefix("Failed to read \(file) ")) }
        }
    }
}
