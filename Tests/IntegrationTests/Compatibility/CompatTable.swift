// SPDX-License-Identifier: Apache-2.0
import Foundation
import Glibc
import Testing

// The argument vectors where util-linux 2.38.1 and the spec
// (docs/unshare.md) agree, each run by ours and by util-linux (CompatibilityTests.swift):
// those the same for every user here, the full lists as root and as the tester in
// CompatTableByUser.swift.

enum CompatTable {
    static let uidMap = "/proc/self/uid_map", gidMap = "/proc/self/gid_map", setgroups = "/proc/self/setgroups"
    static let noSuchProgram = "swift-unshare-no-such-program"

    /// Parsing and values: the same for root and for an unprivileged user
    /// (nothing here reaches unshare(2), or it fails before any privilege matters).
    static let parsing: [CompatCase] = [
        // Unrecognized and invalid options.
        .usage(["--bogus"], "unrecognized option '--bogus'"),
        .usage(["--bogus=1", "true"], "unrecognized option '--bogus=1'"),
        .usage(["--bogus", "value"], "unrecognized option '--bogus'"),
        .usage(["---x"], "unrecognized option '---x'"),
        .usage(["---"], "unrecognized option '---'"),
        .usage(["-x"], "invalid option -- 'x'"),
        .usage(["-rx", "true"], "invalid option -- 'x'"),
        .usage(["-r", "-fx", "true"], "invalid option -- 'x'"),
        .usage(["-m/x"], "invalid option -- '/'"),
        .usage(["-f=1", "true"], "invalid option -- '='"),
        .usage(["-Z"], "invalid option -- 'Z'"),
        // Missing required arguments, short and long.
        .usage(["-S"], "option requires an argument -- 'S'"),
        .usage(["-rS"], "option requires an argument -- 'S'"),
        .usage(["-G"], "option requires an argument -- 'G'"),
        .usage(["-R"], "option requires an argument -- 'R'"),
        .usage(["-w"], "option requires an argument -- 'w'"),
        .usage(["--setuid"], "option '--setuid' requires an argument"),
        .usage(["--setgid"], "option '--setgid' requires an argument"),
        .usage(["--map-user"], "option '--map-user' requires an argument"),
        .usage(["--map-users"], "option '--map-users' requires an argument"),
        .usage(["--map-group"], "option '--map-group' requires an argument"),
        .usage(["--map-groups"], "option '--map-groups' requires an argument"),
        .usage(["--propagation"], "option '--propagation' requires an argument"),
        .usage(["--setgroups"], "option '--setgroups' requires an argument"),
        .usage(["--monotonic"], "option '--monotonic' requires an argument"),
        .usage(["--boottime"], "option '--boottime' requires an argument"),
        .usage(["--root"], "option '--root' requires an argument"),
        .usage(["--wd"], "option '--wd' requires an argument"),
        .usage(["--ro"], "option '--root' requires an argument"),
        // Arguments where none is allowed.
        .usage(["--fork=1", "true"], "option '--fork' doesn't allow an argument"),
        .usage(["--map-root-user=1", "true"], "option '--map-root-user' doesn't allow an argument"),
        .usage(["--map-current-user=", "true"], "option '--map-current-user' doesn't allow an argument"),
        .usage(["--keep-caps=x", "true"], "option '--keep-caps' doesn't allow an argument"),
        .usage(["--map-auto=x", "true"], "option '--map-auto' doesn't allow an argument"),
        .usage(["--help=1"], "option '--help' doesn't allow an argument"),
        .usage(["--map-ro=1", "true"], "option '--map-root-user' doesn't allow an argument"),
        // Ambiguous prefixes whose candidates are the same in both option tables.
        .usage(["--se", "0"], "option '--se' is ambiguous; possibilities: '--setgroups' '--setuid' '--setgid'"),
        .usage(["--s"], "option '--s' is ambiguous; possibilities: '--setgroups' '--setuid' '--setgid'"),
        .usage(["--map-u"], "option '--map-u' is ambiguous; possibilities: '--map-user' '--map-users'"),
        .usage(["--map-g=0"], "option '--map-g=0' is ambiguous; possibilities: '--map-group' '--map-groups'"),
        .usage(["--k"], "option '--k' is ambiguous; possibilities: '--kill-child' '--keep-caps'"),
        .usage(["--k=1", "true"], "option '--k=1' is ambiguous; possibilities: '--kill-child' '--keep-caps'"),
        .usage(["--p"], "option '--p' is ambiguous; possibilities: '--pid' '--propagation'"),
        .usage(["--u"], "option '--u' is ambiguous; possibilities: '--uts' '--user'"),
        // The first error stops parsing.
        .usage(["--bogus", "-S", "abc"], "unrecognized option '--bogus'"),
        .error(["-S", "abc", "--bogus"], "failed to parse uid: 'abc'"),
        .error(["--propagation", "bogus", "--setgroups", "maybe", "true"], "unsupported propagation mode: bogus"),
        // Bad values.
        .error(["--propagation", "bogus", "true"], "unsupported propagation mode: bogus"),
        .error(["--propagation=Private", "true"], "unsupported propagation mode: Private"),
        .error(["--propagation=", "true"], "unsupported propagation mode: "),
        .error(["--setgroups", "maybe", "true"], "unsupported --setgroups argument 'maybe'"),
        .error(["--setgroups=ALLOW", "true"], "unsupported --setgroups argument 'ALLOW'"),
        .error(["--kill-child=NOPE", "true"], "unknown signal: NOPE"),
        .error(["--kill-child=15", "true"], "unknown signal: 15"),
        .error(["--kill-child=0", "true"], "unknown signal: 0"),
        .error(["--kill-child=", "true"], "unknown signal: "),
        .error(["--kill-child=SIG", "true"], "unknown signal: SIG"),
        .error(["--kill-child=RTMIN+99", "true"], "unknown signal: RTMIN+99"),
        .error(["-S", "abc", "true"], "failed to parse uid: 'abc'"),
        .error(["-S", "", "true"], "failed to parse uid: ''"),
        .error(["-S0x10", "true"], "failed to parse uid: '0x10'"),
        .ok(["-S", " 0", "-r", "id", "-u"], "0\n"),
        .ok(["-S", "+0", "-r", "id", "-u"], "0\n"),
        .ok(["-S", "000000000000000000000000000", "-r", "id", "-u"], "0\n"),
        .error(["--setuid=1.5", "true"], "failed to parse uid: '1.5'"),
        .error(["-G", "abc", "true"], "failed to parse gid: 'abc'"),
        .error(["-G", "12x", "true"], "failed to parse gid: '12x'"),
        .error(["--monotonic", "x", "true"], "failed to parse monotonic offset: 'x'"),
        .error(["--monotonic=", "true"], "failed to parse monotonic offset: ''"),
        .error(["--boottime", "x", "true"], "failed to parse boottime offset: 'x'"),
        .error(
            ["-T", "--boottime=999999999999999999999", "true"],
            "failed to parse boottime offset: '999999999999999999999': Numerical result out of range"),
        .error(
            ["-T", "--monotonic=-999999999999999999999", "true"],
            "failed to parse monotonic offset: '-999999999999999999999': Numerical result out of range"),
        .error(
            ["-r", "--setgroups=allow", "true"], "options --setgroups=allow and --map-group are mutually exclusive"),
        .error(
            ["--setgroups=allow", "--map-group=0", "true"],
            "options --setgroups=allow and --map-group are mutually exclusive"),
        // Exec failures: 127 for ENOENT, 126 otherwise.
        .error([noSuchProgram], "failed to execute \(noSuchProgram): No such file or directory", exit: 127),
        .error(
            [noSuchProgram, "-r", "--bogus"], "failed to execute \(noSuchProgram): No such file or directory", exit: 127
        ),
        .error(
            ["/nonexistent/program"], "failed to execute /nonexistent/program: No such file or directory", exit: 127),
        .error(["./foo"], "failed to execute ./foo: No such file or directory", exit: 127),
        .error([""], "failed to execute : No such file or directory", exit: 127),
        .error(["-"], "failed to execute -: No such file or directory", exit: 127),
        .error(["--", "-r"], "failed to execute -r: No such file or directory", exit: 127),
        .error(["--", "--", "true"], "failed to execute --: No such file or directory", exit: 127),
        .error(["/"], "failed to execute /: Permission denied", exit: 126),
        .error(["/tmp"], "failed to execute /tmp: Permission denied", exit: 126),
        .error(["/etc/passwd"], "failed to execute /etc/passwd: Permission denied", exit: 126),
        // Exit statuses pass through.
        .ok(["true"], ""),
        .ok(["--", "true"], ""),
        .ends(["false"], .exit(1), stdout: "", stderr: ""),
        .ends(["sh", "-c", "exit 42"], .exit(42), stdout: "", stderr: ""),
        .ends(["sh", "-c", "echo out; echo err >&2; exit 3"], .exit(3), stdout: "out\n", stderr: "err\n"),
        // The program's own death (no --fork: unshare became it).
        .ends(["sh", "-c", "kill -TERM $$"], .signal(SIGTERM), stdout: "", stderr: ""),
        .ends(["sh", "-c", "kill -USR1 $$"], .signal(SIGUSR1), stdout: "", stderr: ""),
        // The environment, descriptors and signal state reach the program unchanged.
        .ok(["env"]),
        .ok(["-r", "-f", "env"]),
        .ok(["sh", "-c", "ls /proc/$$/fd"]),
        .ok(["-r", "-f", "sh", "-c", "ls /proc/$$/fd"]),
        .ok(["-f", "grep", "^Sig[BI]", "/proc/self/status"]),
        .ok(["--kill-child", "-r", "grep", "^Sig[BI]", "/proc/self/status"]),
        // No program: the login shell (stdin is /dev/null, so it ends at once).
        .ends([], .exit(0)),
        .ends(["--"], .exit(0)),
    ]

    /// $SHELL, run as a login shell named "-" + its basename.
    static var loginShell: [CompatCase] {
        let home = CompatFixtures.shellHome
        return [
            .ends(
                [], .exit(0), stdout: "profile: -myshell\n", stderr: "",
                env: ["HOME": home, "SHELL": home + "/myshell"]),
            .ends(
                ["-r"], .exit(0), stdout: "profile: -myshell\n", stderr: "",
                env: ["HOME": home, "SHELL": home + "/myshell"]),
            .ends(
                ["-f", "--"], .exit(0), stdout: "profile: -myshell\n", stderr: "",
                env: ["HOME": home, "SHELL": home + "/myshell"]),
            .ends(
                [], .exit(127), stdout: "",
                stderr: "unshare: failed to execute /nonexistent/sh: No such file or directory\n",
                env: ["HOME": home, "SHELL": "/nonexistent/sh"]),
            // execv, not execvp: a bare name is not searched in PATH.
            .ends(
                [], .exit(127), stdout: "", stderr: "unshare: failed to execute myshell: No such file or directory\n",
                env: ["HOME": home, "SHELL": "myshell", "PATH": home + ":/usr/bin:/bin"]),
        ]
    }

    /// PATH search as execvp(3) does it (the same for every user).
    static var pathSearch: [CompatCase] {
        let p = CompatFixtures.path
        let denied = "failed to execute foo: Permission denied"
        let missing = "failed to execute foo: No such file or directory"
        return [
            .error(["foo"], denied, exit: 126, path: CompatFixtures.searchPath(p.noExec, p.empty)),
            .error(["foo"], denied, exit: 126, path: CompatFixtures.searchPath(p.empty, p.noExec)),
            .error(["foo"], denied, exit: 126, path: p.noExec),
            .error(["foo"], missing, exit: 127, path: p.empty),
            .error(["foo"], missing, exit: 127, path: CompatFixtures.searchPath("/nonexistent-dir", p.empty)),
            .error(["foo"], denied, exit: 126, path: CompatFixtures.searchPath(p.directory, p.empty)),
            .error(["foo"], denied, exit: 126, path: CompatFixtures.searchPath(p.empty, p.directory)),
            .ok(["foo", "x"], "from-exec x\n", path: CompatFixtures.searchPath(p.noExec, p.exec)),
            .ok(["foo", "x"], "from-exec x\n", path: CompatFixtures.searchPath(p.directory, p.exec)),
            .ok(["foo", "y"], "no-shebang y\n", path: p.noShebang),
            .ok(["-r", "foo", "x"], "from-exec x\n", path: CompatFixtures.searchPath(p.empty, p.exec)),
            .error(["-r", "foo"], denied, exit: 126, path: CompatFixtures.searchPath(p.noExec, p.empty)),
            .error(
                [p.noExec + "/foo"], "failed to execute \(p.noExec)/foo: Permission denied", exit: 126,
                path: p.exec),
        ]
    }
}
