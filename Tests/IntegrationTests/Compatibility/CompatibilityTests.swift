// SPDX-License-Identifier: Apache-2.0
import Foundation
import Glibc
import Testing

// swift-unshare, run under the name `unshare`, against Debian's
// util-linux 2.38.1 on every argument vector where that release and the spec
// (docs/unshare.md) agree; the cases are in CompatTable.swift and
// CompatTableByUser.swift, the launchers in CompatLaunchers.swift. Cases
// where they differ are in SpecDifferenceTests.swift.

@Suite(.requiresRoot, .requiresReference)
struct CompatibilityTests {
    static func compare(_ c: CompatCase, as runner: Runner) {
        let ours = CompatRun.ours(c.args, as: runner, extraEnv: c.env)
        let oracle = CompatRun.oracle(c.args, as: runner, extraEnv: c.env)
        #expect(ours == oracle, "\(runner): unshare \(c.args)\n=== ours:\n\(ours)\n=== util-linux:\n\(oracle)")
        // What ours must do on its own, so that two equal failures cannot pass.
        CompatSanity.check(ours, allowing: c.ending)
        #expect(ours.ending == c.ending, "\(ours)")
        if let stdout = c.stdout { #expect(ours.stdout == stdout) }
        if let stderr = c.stderr { #expect(ours.stderr == stderr) }
        if case .exit(let code) = c.ending, code != 0, c.stderr == nil {
            #expect(!ours.stderr.isEmpty)
        }
    }

    @Test("as root: ours and util-linux agree", arguments: CompatTable.root)
    func asRoot(_ c: CompatCase) {
        Self.compare(c, as: .root)
    }

    @Test("as unshare-tester: ours and util-linux agree", .requiresTester, arguments: CompatTable.tester)
    func asTester(_ c: CompatCase) {
        Self.compare(c, as: .tester)
    }

    /// A persistent namespace: bound onto the file from outside when a mount
    /// namespace is new too (a helper), directly otherwise.
    @Test(
        "persistent namespaces",
        arguments: [
            ["uts", "uts"], ["ipc", "ipc"], ["net", "net"], ["cgroup", "cgroup"], ["mount", "mnt"],
            ["time", "time", "--monotonic=7"],
            ["pid", "pid", "-f"], ["uts", "uts", "-m"], ["net", "net", "--mount-proc", "-f", "-p"],
            ["ipc", "ipc", "-m", "-f"],
        ] as [[String]])
    func persist(_ c: [String]) {
        let (ns, link, extra) = (c[0], c[1], Array(c.dropFirst(2)))
        let ours = CompatPersist.run(Harness.swiftUnshare, ns: ns, link: link, extra: extra)
        let oracle = CompatPersist.run(Harness.oracle, ns: ns, link: link, extra: extra)
        #expect(ours == oracle, "=== ours:\n\(ours)\n=== util-linux:\n\(oracle)")
        CompatSanity.check(ours.outcome)
        // A shared / (systemd's default) refuses --mount=FILE for both; here it must work.
        if oracle.outcome.ending == .exit(0) {
            #expect(ours.outcome == Outcome(stdout: "", stderr: "", ending: .exit(0)), "\(ours)")
            #expect(ours.mounted && ours.newNamespace, "\(ours)")
            #expect(ours.entered ?? true, "\(ours)")
        }
    }

    /// --kill-child: when unshare dies, the child gets the signal (its trap
    /// reports it); without it, the child lives on. The child kills unshare,
    /// waits until it has a new parent (unshare's death is complete, and with
    /// it the sending of the signal), runs one more program (whose fork waits
    /// for that to be over; the trap runs when it ends), and only then says
    /// it lived on.
    @Test(
        "--kill-child signals the child when unshare dies",
        arguments: [
            ["--kill-child=USR1"], ["--kill-child=usr1"], ["--kill-child=SIGUSR1"], ["-f"],
        ] as [[String]])
    func killChild(_ flags: [String]) throws {
        let expectSignal = flags != ["-f"]
        func attempt(_ binary: String) -> (Outcome, String?) {
            let report = Fifo(CompatFixtures.workDir + "/kill-child-\(UInt32.random(in: 0...UInt32.max))")
            let script = """
                trap 'echo got-usr1 > \(report.path); exit 0' USR1
                kill -KILL $PPID
                while [ "$(cut -d ' ' -f 4 /proc/$$/stat)" = "$PPID" ]; do :; done
                /bin/true
                echo lived-on > \(report.path)
                """
            let o = CompatRun.run(binary, flags + ["sh", "-c", script])
            return (o, report.readLine())
        }
        let ours = attempt(Harness.swiftUnshare)
        let oracle = attempt(Harness.oracle)
        #expect(ours.0 == Outcome(stdout: "", stderr: "", ending: .signal(SIGKILL)), "\(ours.0)")
        #expect(oracle.0 == ours.0)
        #expect(ours.1 == (expectSignal ? "got-usr1" : "lived-on"))
        #expect(oracle.1 == ours.1)
    }

    /// unshare's own stdout (--help) into a pipe nobody reads, SIGPIPE at its
    /// default: both die of it.
    @Test("--help into a closed pipe", arguments: [["--help"], ["-h"]] as [[String]])
    func helpIntoClosedPipe(_ args: [String]) {
        let ours = CompatStdout.run(Harness.swiftUnshare, args, stdout: .closedPipe)
        let oracle = CompatStdout.run(Harness.oracle, args, stdout: .closedPipe)
        #expect(ours == oracle, "=== ours:\n\(ours)\n=== util-linux:\n\(oracle)")
        #expect(ours == Outcome(stdout: "", stderr: "", ending: .signal(SIGPIPE)))
    }

    /// close_stdout(): a write error names errno ("write error: No space left
    /// on device"), exit 1.
    @Test(
        "--help to a full disk",
        arguments: [["--help"], ["-V"]] as [[String]])
    func helpToFullDisk(_ args: [String]) {
        let ours = CompatStdout.run(Harness.swiftUnshare, args, stdout: .full)
        let oracle = CompatStdout.run(Harness.oracle, args, stdout: .full)
        #expect(ours == oracle, "=== ours:\n\(ours)\n=== util-linux:\n\(oracle)")
        #expect(
            ours == Outcome(stdout: "", stderr: "unshare: write error: No space left on device\n", ending: .exit(1)))
    }

    /// close_stdout() ignores EPIPE: with SIGPIPE ignored, --help into a
    /// closed pipe is silent and exits 0.
    @Test(
        "--help into a closed pipe, SIGPIPE ignored",
        arguments: [["--help"], ["-V"]] as [[String]])
    func helpIntoClosedPipeIgnoringSIGPIPE(_ args: [String]) {
        let ours = CompatStdout.run(Harness.swiftUnshare, args, stdout: .closedPipeIgnoringSIGPIPE)
        let oracle = CompatStdout.run(Harness.oracle, args, stdout: .closedPipeIgnoringSIGPIPE)
        #expect(ours == oracle, "=== ours:\n\(ours)\n=== util-linux:\n\(oracle)")
        #expect(ours == Outcome(stdout: "", stderr: "", ending: .exit(0)))
    }

    /// Bytes that are not UTF-8, in options and values: getopt and unshare
    /// print them back as they are.
    @Test(
        "non-UTF-8 arguments",
        arguments: [
            [Array("-".utf8) + [0xff]],
            [Array("-r".utf8) + [0xfe, 0x41]],
            [Array("--".utf8) + [0xff, 0xfe]],
            [Array("--bogus=".utf8) + [0xc3, 0x28]],
            [Array("-S".utf8), [0xff]],
            [Array("--propagation".utf8), [0xe2, 0x82]],
            [Array("--kill-child=".utf8) + [0xff]],
            [Array("--setgroups=".utf8) + [0x80]],
            [[0xff, 0xfe]],
            [Array("--".utf8), [0x80]],
        ] as [[[UInt8]]])
    func nonUTF8(_ args: [[UInt8]]) {
        let ours = CompatRun.runBytes(Harness.swiftUnshare, args)
        let oracle = CompatRun.runBytes(Harness.oracle, args)
        #expect(ours == oracle, "\(args)\n=== ours:\n\(ours)\n=== util-linux:\n\(oracle)")
        CompatSanity.check(ours)
        #expect(ours.ending == .exit(1) || ours.ending == .exit(127), "\(ours)")
        #expect(ours.stderr.hasPrefix("unshare: "), "\(ours)")
    }

    /// Ignored signals and the blocked mask pass through unshare to the
    /// program, with or without --fork; only SIGCHLD's disposition is reset.
    @Test(
        "inherited signal dispositions and mask",
        arguments: [
            [], ["-f"], ["--kill-child"], ["-r", "-f"], ["-r"],
        ] as [[String]])
    func inheritedSignals(_ flags: [String]) {
        let args = flags + ["grep", "^Sig[BI]", "/proc/self/status"]
        let ignore = ["INT", "TERM", "HUP", "PIPE", "CHLD"]
        let block = [SIGINT, SIGTERM, SIGUSR1, SIGCHLD]
        let ours = CompatRun.runWithSignals(Harness.swiftUnshare, args, ignore: ignore, block: block)
        let oracle = CompatRun.runWithSignals(Harness.oracle, args, ignore: ignore, block: block)
        #expect(ours == oracle, "\(args)\n=== ours:\n\(ours)\n=== util-linux:\n\(oracle)")
        CompatSanity.check(ours)
        #expect(ours.ending == .exit(0) && ours.stderr == "", "\(ours)")
        // Signals 1-31 only: the test process hands 32 and 33 (glibc's own, which
        // posix_spawn cannot reset) down ignored.
        func standard(_ field: String) -> UInt64? {
            let line = ours.stdout.split(separator: "\n").first { $0.hasPrefix(field + ":\t") }
            return line.flatMap { UInt64($0.dropFirst(field.count + 2), radix: 16) }.map { $0 & 0x7fff_ffff }
        }
        // Blocked: INT, USR1, TERM, CHLD. Ignored: HUP, INT, PIPE, TERM (CHLD back to default).
        #expect(standard("SigBlk") == 0x14202, "\(ours)")
        #expect(standard("SigIgn") == 0x5003, "\(ours)")
    }

    /// Namespace inode numbers differ from run to run (and a freed one is
    /// reused), so the check is: both print a link of the right kind that is
    /// not the one the test process (in the initial namespaces) has.
    @Test("every namespace flag gives a new namespace", arguments: CompatNamespaceCase.all(as: .root))
    func namespaceFlag(_ c: CompatNamespaceCase) throws {
        try Self.checkNamespace(c)
    }

    @Test(
        "every namespace flag gives a new namespace, as unshare-tester", .requiresTester,
        arguments: CompatNamespaceCase.all(as: .tester))
    func namespaceFlagAsTester(_ c: CompatNamespaceCase) throws {
        try Self.checkNamespace(c)
    }

    static func checkNamespace(_ c: CompatNamespaceCase) throws {
        var buffer = [UInt8](repeating: 0, count: 256)
        let n = readlink("/proc/self/ns/\(c.link)", &buffer, buffer.count - 1)
        try #require(n > 0)
        let parent = String(decoding: buffer[..<n], as: UTF8.self) + "\n"
        let kind = c.link.hasPrefix("pid") ? "pid" : c.link.hasPrefix("time") ? "time" : c.link
        let args = c.args + ["readlink", "/proc/self/ns/\(c.link)"]
        for (who, outcome) in [
            ("ours", CompatRun.ours(args, as: c.runner)), ("util-linux", CompatRun.oracle(args, as: c.runner)),
        ] {
            CompatSanity.check(outcome)
            #expect(outcome.ending == .exit(0), "\(who): \(outcome)")
            #expect(outcome.stderr == "", "\(who): \(outcome)")
            #expect(outcome.stdout.hasPrefix("\(kind):[") && outcome.stdout.hasSuffix("]\n"), "\(who): \(outcome)")
            #expect(outcome.stdout != parent, "\(who): still in the parent's namespace \(parent)")
        }
    }
}
