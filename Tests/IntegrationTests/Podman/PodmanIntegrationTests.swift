// SPDX-License-Identifier: Apache-2.0
import Foundation
import Glibc
import SwiftUnshare
import Testing

/// podman 4.3.1 (Debian's /usr/bin/podman), run as the unprivileged test user.
enum PodmanOracle {
    static let path = "/usr/bin/podman"

    /// Installed, the tester account ready, and `podman unshare true` works for it
    /// (podman needs a writable HOME and runtime directory; the probe checks both).
    static let ready: Bool = {
        guard Harness.testerReady, FileManager.default.isExecutableFile(atPath: path) else { return false }
        let probe = run(["true"], as: .tester)
        return probe.ending == .exit(0)
    }()

    static let skipReason =
        "needs Debian's podman at /usr/bin/podman working for unshare-tester (`podman unshare true`), and the unshare-tester accounts: run scripts/test-setup.sh as root"

    /// `podman unshare ARGS` as `runner`; the pause process podman leaves
    /// behind is stopped afterwards, so every run starts afresh and nothing is left.
    static func run(_ args: [String], as runner: Runner, env: [String: String]? = nil) -> Outcome {
        let outcome = Harness.run([path, "unshare"] + args, as: runner, env: env)
        stopPause(for: runner)
        return outcome
    }

    static func stopPause(for runner: Runner) {
        guard let uid = runner.passwd?.uid else { return }
        for dir in ["/run/user/\(uid)", "/tmp/podman-run-\(uid)"] {
            guard let text = try? String(contentsOfFile: dir + "/libpod/tmp/pause.pid", encoding: .utf8),
                let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 1
            else { continue }
            var st = stat()
            // Only the test user's own pause process.
            if lstat("/proc/\(pid)", &st) == 0 && st.st_uid == uid {
                kill(pid, SIGKILL)
            }
        }
    }
}

extension Trait where Self == Requirement {
    /// podman itself, working for the tester account (PodmanOracle.ready).
    static var requiresPodman: Self {
        Requirement(reason: PodmanOracle.skipReason) { PodmanOracle.ready }
    }
}

/// A process started in the background (for signals), output to a file.
final class PodmanBackground {
    let pid: pid_t
    let outPath: String
    private var status: Int32 = 0
    private var reaped = false

    init(_ argv: [String], as runner: Runner, extraEnv: [String: String] = [:]) {
        var full = argv
        if runner != .root {
            full =
                ["setpriv", "--reuid=\(runner.rawValue)", "--regid=\(runner.rawValue)", "--init-groups", "--"] + argv
        }
        outPath = "/tmp/swift-unshare-podman-bg-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        pid = Harness.launch(
            full.map { Array($0.utf8) }, env: Harness.environment(for: runner, extra: extraEnv),
            stdout: outPath, stderr: "/dev/null")
    }

    var output: String { (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "" }

    /// Waits until the output holds `text` (false on timeout or exit).
    func waitFor(_ text: String, timeout: Double = 10) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if output.contains(text) { return true }
            if !reaped && waitpid(pid, &status, WNOHANG) == pid { reaped = true }
            if reaped { return output.contains(text) }
            usleep(10_000)
        }
        return false
    }

    /// How it ended (killed, with its group, after `timeout` seconds).
    func wait(timeout: Double = 10) -> Ending {
        let deadline = Date().addingTimeInterval(timeout)
        while !reaped {
            if waitpid(pid, &status, WNOHANG) == pid {
                reaped = true
                break
            }
            if Date() > deadline {
                kill(-pid, SIGKILL)
                kill(pid, SIGKILL)
                waitpid(pid, &status, 0)
                reaped = true
                return .timedOut
            }
            usleep(5_000)
        }
        return status & 0x7f == 0 ? .exit((status >> 8) & 0xff) : .signal(status & 0x7f)
    }

    deinit {
        if !reaped {
            kill(-pid, SIGKILL)
            kill(pid, SIGKILL)
            waitpid(pid, &status, 0)
        }
        unlink(outPath)
    }
}

/// The maps podman makes for `runner`: its own id at 0, then every
/// subordinate range in file order, one after the other from 1.
private func podmanLayout(_ runner: Runner, _ account: TestAccount?) -> String {
    guard let account else { return "(no account \(runner))\n" }
    func layout(_ id: UInt32, _ ranges: [SubIDRange]) -> String {
        var inner: UInt32 = 1
        var text = MapText.line(0, id, 1)
        for range in ranges {
            text += MapText.line(inner, range.start, range.count)
            inner += range.count
        }
        return text
    }
    return layout(account.uid, account.subuids) + layout(account.gid, account.subgids)
}

/// Whether a process is gone (or a zombie nobody has reaped yet).
private func podmanProcessGone(_ pid: Int32) -> Bool {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return true }
    guard let close = stat.lastIndex(of: ")") else { return true }
    let state = stat[stat.index(close, offsetBy: 2)]
    return state == "Z" || state == "X"
}

private var podmanUnshare: String { Harness.binDir + "/podman-unshare" }

/// The first line of stderr that starts with "Error:" (podman may log other things first).
private func podmanErrorLine(_ o: Outcome) -> String? {
    o.stderr.split(separator: "\n").first { $0.hasPrefix("Error:") }.map(String.init)
}

@Suite(.serialized) struct PodmanComparisonTests {
    /// Runs `args` through podman unshare and podman-unshare as the tester; same stdout and status.
    @discardableResult
    private func compare(
        _ args: [String], as runner: Runner = .tester, env: [String: String]? = nil,
        sourceLocation: SourceLocation = #_sourceLocation
    ) -> (ours: Outcome, podman: Outcome) {
        let podman = PodmanOracle.run(args, as: runner, env: env)
        let ours = Harness.run([podmanUnshare] + args, as: runner, env: env)
        #expect(ours.stdout == podman.stdout, "podman:\n\(podman)\nours:\n\(ours)", sourceLocation: sourceLocation)
        #expect(ours.ending == podman.ending, "podman:\n\(podman)\nours:\n\(ours)", sourceLocation: sourceLocation)
        return (ours, podman)
    }

    @Test(.requiresPodman)
    func maps() {
        // A runtime dir of its own: the maps are those of a namespace made now,
        // not of a pause process another run made earlier.
        let box = PodmanSandbox()
        defer { box.finish() }
        let r = compare(
            ["cat", "/proc/self/uid_map", "/proc/self/gid_map", "/proc/self/setgroups"],
            env: Harness.environment(for: .tester, extra: box.env))
        #expect(r.ours.stdout == podmanLayout(.tester, TestAccount.tester) + "allow\n")
    }

    @Test(.requiresPodman)
    func idInside() {
        let r = compare(["id"])
        #expect(r.ours.stdout == "uid=0(root) gid=0(root) groups=0(root)\n")
    }

    @Test(.requiresPodman)
    func environment() {
        let r = compare(["sh", "-c", "env | grep CONTAINERS_ | sort"])
        #expect(r.ours.stdout.contains("_CONTAINERS_USERNS_CONFIGURED=done\n"))
        let home = Runner.tester.passwd?.home ?? "?"
        #expect(r.ours.stdout.contains("CONTAINERS_GRAPHROOT=\(home)/.local/share/containers/storage\n"))
    }

    @Test(.requiresPodman)
    func exitStatuses() {
        #expect(compare(["false"]).ours.ending == .exit(1))
        #expect(compare(["sh", "-c", "exit 42"]).ours.ending == .exit(42))
        #expect(compare(["sh", "-c", "kill -TERM $$"]).ours.ending == .exit(255))
        for (args, status) in [(["/etc"], Int32(126)), (["nonexistent"], 127), (["/nonexistent"], 127), ([""], 125)] {
            let r = compare(args)
            #expect(r.ours.ending == .exit(status))
            #expect(podmanErrorLine(r.ours) != nil)
            #expect(podmanErrorLine(r.ours) == podmanErrorLine(r.podman))
        }
    }

    @Test(.requiresPodman)
    func podmansOwnErrors() {
        for args in [["--foo"], ["--foo=bar", "id"], ["-x"], ["--rootless-netns=xyz"], ["--help=3"], []] {
            let r = compare(args)  // no $SHELL in the harness's environment for the last one
            #expect(r.ours.ending == .exit(125))
            #expect(podmanErrorLine(r.ours) == podmanErrorLine(r.podman))
        }
        // The help text is podman's, with the program's own name (and without podman's stray comma).
        for flag in ["--help", "-h"] {
            let podman = PodmanOracle.run([flag], as: .tester)
            let ours = Harness.run([podmanUnshare, flag], as: .tester)
            let expected = podman.stdout.replacingOccurrences(of: "podman unshare", with: "podman-unshare")
                .replacingOccurrences(of: "uid_map,", with: "uid_map")
            #expect(ours == Outcome(stdout: expected, stderr: "", ending: podman.ending))
            #expect(ours.ending == .exit(0))
        }
    }

    @Test(.requiresRoot, .requiresPodman)
    func refusedForRoot() {
        let ours = Harness.run([podmanUnshare, "true"])
        let podman = Harness.run([PodmanOracle.path, "unshare", "true"])
        #expect(ours.ending == .exit(125))
        #expect(ours.ending == podman.ending)
        #expect(podmanErrorLine(ours) == "Error: please use unshare with rootless")
        #expect(podmanErrorLine(ours) == podmanErrorLine(podman))
    }

    @Test(.requiresPodman)
    func chownToASubordinateID() throws {
        let dir = Harness.scratch("podman-chown")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var owners: [String] = []
        for (name, tool) in [("ours", [podmanUnshare]), ("podman", [PodmanOracle.path, "unshare"])] {
            let file = dir + "/" + name
            #expect(Harness.run(["touch", file], as: .tester).ending == .exit(0))
            let r = Harness.run(tool + ["chown", "1:1", file], as: .tester)
            PodmanOracle.stopPause(for: .tester)
            #expect(r.ending == .exit(0), "\(r)")
            owners.append(Harness.run(["stat", "-c", "%u:%g", file]).stdout)
        }
        let t = try #require(TestAccount.tester)
        let owner = "\(t.subuid.start):\(t.subgid.start)\n"
        #expect(owners == [owner, owner])
    }

    @Test(.requiresPodman)
    func nestedCallsRunInPlace() {
        let ours = Harness.run(
            [podmanUnshare, podmanUnshare, "sh", "-c", "cat /proc/self/uid_map; env | grep CONTAINERS_ | sort"],
            as: .tester)
        let podman = PodmanOracle.run(
            [
                PodmanOracle.path, "unshare", "sh", "-c",
                "cat /proc/self/uid_map; env | grep CONTAINERS_ | sort",
            ], as: .tester)
        #expect(ours.stdout == podman.stdout, "podman:\n\(podman)\nours:\n\(ours)")
        #expect(ours.ending == podman.ending)
    }
}

@Suite struct PodmanUnshareTests {
    @Test(.requiresTester)
    func everyRangeEndToEnd() {
        // A runtime dir of its own: the pause process this call makes is stopped after it.
        let box = PodmanSandbox(.tester2)
        defer { box.finish() }
        let r = box.run([podmanUnshare, "cat", "/proc/self/uid_map", "/proc/self/gid_map", "/proc/self/setgroups"])
        // (stderr: podman's warning when this call makes the pause process)
        #expect(
            r
                == Outcome(
                    stdout: podmanLayout(.tester2, TestAccount.tester2) + "allow\n", stderr: r.stderr, ending: .exit(0))
        )
    }

    @Test(.requiresTester)
    func byTheDashDashPodmanSwitchToo() {
        let r = Harness.run([Harness.swiftUnshare, "--podman", "id", "-u"], as: .tester)
        #expect(r.stdout == "0\n" && r.ending == .exit(0), "\(r)")
        let bad = Harness.run([Harness.swiftUnshare, "--podman", "--foo"], as: .tester)
        #expect(bad.stderr == "Error: unknown flag: --foo\nSee 'swift-unshare --podman --help'\n")
        #expect(bad.ending == .exit(125))
    }

    @Test(.requiresTester)
    func aNewMountNamespace() {
        let outside = Harness.run(["readlink", "/proc/self/ns/mnt"], as: .tester)
        let inside = Harness.run([podmanUnshare, "readlink", "/proc/self/ns/mnt"], as: .tester)
        #expect(inside.ending == .exit(0))
        #expect(inside.stdout.hasPrefix("mnt:["))
        #expect(inside.stdout != outside.stdout)
    }

    @Test(.requiresTester)
    func storageConfOverridesAndMalformedFiles() throws {
        let dir = Harness.scratch("podman-conf")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/containers", withIntermediateDirectories: true)
        let file = dir + "/containers/storage.conf"
        try "[storage]\ndriver = \"overlay\"\ngraphroot = \"$HOME/g\"\nrunroot = \"/tmp/r\"\n"
            .write(toFile: file, atomically: true, encoding: .utf8)
        chmod(dir + "/containers", 0o755)
        chmod(file, 0o644)
        let args = [podmanUnshare, "sh", "-c", "echo $CONTAINERS_GRAPHROOT $CONTAINERS_RUNROOT"]
        let tester = try #require(Runner.tester.passwd)
        let r = Harness.run(args, as: .tester, extraEnv: ["XDG_CONFIG_HOME": dir])
        // (stderr may hold podman's warning when this call makes the pause process)
        #expect(r.stdout == "\(tester.home)/g /tmp/r\n", "\(r)")
        #expect(r.ending == .exit(0))
    }

    /// Go's exec gives the command default dispositions and an empty mask,
    /// whatever podman-unshare inherited (here SIGINT and SIGQUIT ignored).
    @Test(.requiresTester)
    func theCommandStartsWithDefaultSignals() {
        let r = Harness.run(
            ["sh", "-c", "trap '' INT QUIT; exec \(podmanUnshare) grep -E '^Sig(Ign|Blk)' /proc/self/status"],
            as: .tester)
        #expect(r.stdout == "SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n", "\(r)")
        #expect(r.ending == .exit(0))
    }

    @Test(
        .requiresTester,
        arguments: [(SIGTERM, "TERM", Int32(3)), (SIGHUP, "HUP", 4), (SIGINT, "INT", 5)])
    func signalsAreForwarded(signal: Int32, name: String, status: Int32) {
        let p = PodmanBackground(
            [
                podmanUnshare, "sh", "-c",
                "trap 'echo got-\(name); exit \(status)' \(name); echo ready; while :; do sleep 0.05; done",
            ],
            as: .tester)
        #expect(p.waitFor("ready\n"))
        kill(p.pid, signal)
        #expect(p.wait() == .exit(status))
        #expect(p.output == "ready\ngot-\(name)\n")
    }

    @Test(.requiresTester)
    func theCommandDiesWithPodmanUnshare() throws {
        let p = PodmanBackground([podmanUnshare, "sh", "-c", "echo ready $$; exec sleep 30"], as: .tester)
        #expect(p.waitFor("\n"))
        let fields = p.output.split(separator: " ")
        let pid = try #require(
            fields.count == 2 ? Int32(fields[1].trimmingCharacters(in: .whitespacesAndNewlines)) : nil)
        #expect(!podmanProcessGone(pid))
        kill(p.pid, SIGKILL)
        #expect(p.wait() == .signal(SIGKILL))
        let deadline = Date().addingTimeInterval(5)
        while !podmanProcessGone(pid) && Date() < deadline { usleep(10_000) }
        #expect(podmanProcessGone(pid))
    }
}
