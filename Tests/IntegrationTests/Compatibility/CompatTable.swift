// SPDX-License-Identifier: Apache-2.0
import Foundation
import Glibc
import Testing

// The argument vectors where util-linux 2.38.1 and the spec
// (docs/unshare.md) agree, each run by ours and by util-linux (CompatibilityTests.swift).

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

    static var root: [CompatCase] {
        let m = MapText.line
        return parsing + pathSearch + loginShell + [
            // --, + and clusters.
            .ok(["-r", "sh", "-c", "echo $0 $1", "-x", "-y"], "-x -y\n"),
            .ok(["-r", "echo", "-r", "--bogus"], "-r --bogus\n"),
            .ok(["-r", "--", "sh", "-c", "echo $#", "--", "--"], "1\n"),
            .ok(["-r", "--", "id", "-u"], "0\n"),
            .ok(["-rfu", "id", "-u"], "0\n"),
            .ok(["-fr", "id", "-u"], "0\n"),
            .ok(["-rfuinm", "id", "-u"], "0\n"),
            // Attached and separate arguments.
            .ok(["-S0", "-r", "id", "-u"], "0\n"),
            .ok(["-S", "0", "-r", "id", "-u"], "0\n"),
            .ok(["-rS0", "id", "-u"], "0\n"),
            .ok(["-rS", "0", "id", "-u"], "0\n"),
            .ok(["--setuid=0", "-r", "id", "-u"], "0\n"),
            .ok(["--setuid", "0", "-r", "id", "-u"], "0\n"),
            .ok(["-S", "1", "-S", "0", "-r", "id", "-u"], "0\n"),
            .ok(["-S", "0", "-G", "0", "id", "-u"], "0\n"),
            .ok(["-S", "1", "-G", "1", "id"]),
            .ok(["-G", "1", "id", "-G"], "1\n"),
            // Optional arguments only with "=".
            .error(["--mount", "/x"], "failed to execute /x: No such file or directory", exit: 127),
            .error(["--uts", "/x"], "failed to execute /x: No such file or directory", exit: 127),
            .error(["--kill-child", "TERM"], "failed to execute TERM: No such file or directory", exit: 127),
            // Abbreviations. A prefix unique among 2.38.1's options keeps its
            // meaning even where a newer option shares it (--fo: --forward-signals,
            // --mount-: --mount-binfmt, --c: --clear-env, --w: --whitelist-env).
            .ok(["--fo", "true"], ""),
            .ends(["--f", "sh", "-c", "exit 4"], .exit(4), stdout: "", stderr: ""),
            .ok(["--mount-", "-fp", "readlink", "/proc/self"], "1\n"),
            .ok(["--mount-=/proc", "-fp", "readlink", "/proc/self"], "1\n"),
            .ok(["--c", "true"], ""),
            .ok(["--w", "/tmp", "pwd"], "/tmp\n"),
            .ok(["--w=/tmp", "pwd"], "/tmp\n"),
            .ok(["--map-ro", "id", "-u"], "0\n"),
            .ok(["--map-root", "id", "-u"], "0\n"),
            .ok(["--map-cu", "id", "-u"], "0\n"),
            .ok(["--us", "id", "-u"], "65534\n"),
            .ok(["--ne", "true"], ""),
            .ok(["--keep", "-U", "true"], ""),
            .ok(["--kill=TERM", "true"], ""),
            .ok(["--prop=private", "-m", "true"], ""),
            .ok(["--propagation", "private", "-m", "true"], ""),
            .ok(["--propagation=slave", "true"], ""),
            // --kill-child names.
            .ok(["--kill-child", "true"], ""),
            .ok(["--kill-child=term", "true"], ""),
            .ok(["--kill-child=SIGTERM", "true"], ""),
            .ok(["--kill-child=sigterm", "true"], ""),
            .ok(["--kill-child=RTMIN+1", "true"], ""),
            .ok(["--kill-child=RTMAX-2", "true"], ""),
            .ends(["--kill-child=TERM", "sh", "-c", "exit 3"], .exit(3), stdout: "", stderr: ""),
            // --fork: the child's end is unshare's.
            .ends(["-f", "sh", "-c", "exit 42"], .exit(42), stdout: "", stderr: ""),
            .ends(["-f", "sh", "-c", "exit 255"], .exit(255), stdout: "", stderr: ""),
            .ends(["-f", "sh", "-c", "kill -TERM $$"], .signal(SIGTERM), stdout: "", stderr: ""),
            .ends(["-f", "sh", "-c", "kill -INT $$"], .signal(SIGINT), stdout: "", stderr: ""),
            .ends(["-f", "sh", "-c", "kill -HUP $$"], .signal(SIGHUP), stdout: "", stderr: ""),
            .ends(["-f", "sh", "-c", "kill -USR1 $$"], .signal(SIGUSR1), stdout: "", stderr: ""),
            .ends(["-f", "sh", "-c", "kill -PIPE $$"], .signal(SIGPIPE), stdout: "", stderr: ""),
            .ends(["-f", "sh", "-c", "kill -SEGV $$"], .signal(SIGSEGV), stdout: "", stderr: ""),
            .ends(["-f", "sh", "-c", "kill -ABRT $$"], .signal(SIGABRT), stdout: "", stderr: ""),
            .ends(["-r", "-f", "sh", "-c", "kill -TERM $$"], .signal(SIGTERM), stdout: "", stderr: ""),
            // User namespaces and single maps.
            .ok(["-U", "id", "-u"], "65534\n"),
            .ok(["-U", "id", "-g"], "65534\n"),
            .ok(["-U", "grep", "^CapEff", "/proc/self/status"], "CapEff:\t0000000000000000\n"),
            .ok(["--keep-caps", "-U", "grep", "^CapAmb", "/proc/self/status"]),
            .ok(["-r", "id", "-u"], "0\n"),
            .ok(["-r", "cat", uidMap, gidMap, setgroups], m(0, 0, 1) + m(0, 0, 1) + "deny\n"),
            .ok(["-c", "cat", uidMap, gidMap, setgroups], m(0, 0, 1) + m(0, 0, 1) + "deny\n"),
            .ok(["--map-user=0", "--map-group=0", "cat", uidMap, gidMap], m(0, 0, 1) + m(0, 0, 1)),
            .ok(["--map-user=root", "cat", uidMap, gidMap, setgroups], m(0, 0, 1) + "allow\n"),
            .ok(["--map-group=root", "cat", uidMap, gidMap, setgroups], m(0, 0, 1) + "deny\n"),
            .ok(["--map-user", "7", "cat", uidMap], m(7, 0, 1)),
            .ok(["-r", "--map-user=7", "cat", uidMap], m(7, 0, 1)),
            .ok(["--map-user=7", "-r", "cat", uidMap], m(0, 0, 1)),
            .ok(["-U", "--map-user=0", "--map-group=0", "id", "-u"], "0\n"),
            .ok(["--setgroups=allow", "-U", "--map-user=0", "cat", setgroups, uidMap], "allow\n" + m(0, 0, 1)),
            .ok(["--setgroups=deny", "-U", "cat", setgroups], "deny\n"),
            .error(["-r", "--setgroups=deny", "true"], "write failed /proc/self/setgroups: Operation not permitted"),
            .ok(["-r", "-f", "id", "-u"], "0\n"),
            .error(["-r", "-S", "0", "-G", "0", "id"], "setgroups failed: Operation not permitted"),
            // Root directory and working directory.
            .ok(["-R", "/", "-w", "/tmp", "pwd"], "/tmp\n"),
            .ok(["-w", "/tmp", "-R", "/", "pwd"], "/tmp\n"),
            .ok(["-R", "/", "pwd"], "/\n"),
            .ok(["--root", "/", "pwd"], "/\n"),
            .ok(["-w", "/tmp", "pwd"], "/tmp\n"),
            .ok(["--wd=/tmp", "pwd"], "/tmp\n"),
            .error(
                ["-R", "/nonexistent", "pwd"],
                "cannot change root directory to '/nonexistent': No such file or directory"),
            // Other namespaces.
            .ok(["-fp", "sh", "-c", "echo $$"], "1\n"),
            .ok(["-fp", "--mount-proc", "readlink", "/proc/self"], "1\n"),
            .ok(["--mount-proc", "-fp", "readlink", "/proc/self"], "1\n"),
            .error(
                ["--mount-proc=/nonexistent", "-f", "true"], "mount /nonexistent failed: No such file or directory"),
            .ok(["-u", "sh", "-c", "hostname swift-unshare-test; hostname"], "swift-unshare-test\n"),
            .ok(["-n", "sh", "-c", "wc -l < /proc/net/dev"], "3\n"),
            .ok(["-i", "true"], ""),
            .ok(["-C", "true"], ""),
            .ok(
                ["-T", "--monotonic=86400", "--boottime=-5", "cat", "/proc/self/timens_offsets"],
                "monotonic       86400         0\nboottime           -5         0\n"),
            .ok(["-T", "--monotonic", "-1", "true"], ""),
            .ok(
                ["-T", "--monotonic=+5", "--monotonic= 7", "cat", "/proc/self/timens_offsets"],
                "monotonic           7         0\nboottime            0         0\n"),
            .error(
                ["-T", "--monotonic=9223372036854775807", "true"],
                "failed to write to /proc/self/timens_offsets: Numerical result out of range"),
            .ok(["-m", "--propagation", "shared", "findmnt", "-no", "PROPAGATION", "/"], "shared\n"),
            .ok(["-m", "--propagation", "private", "findmnt", "-no", "PROPAGATION", "/"], "private\n"),
            .ok(["-m", "findmnt", "-no", "PROPAGATION", "/"], "private\n"),
            .ok(["-m", "--propagation", "slave", "findmnt", "-no", "PROPAGATION", "/"]),
            .ok(["-m", "--propagation", "unchanged", "findmnt", "-no", "PROPAGATION", "/"]),
            // Persistent namespaces onto files that are not there (nothing persists).
            .error(
                ["--mount=/nonexistent/f", "true"],
                "mount /proc/PID/ns/mnt on /nonexistent/f failed: No such file or directory"),
            .error(["--mount=", "true"], "mount /proc/PID/ns/mnt on  failed: No such file or directory"),
            .error(
                ["--uts=/nonexistent/f", "true"],
                "mount /proc/PID/ns/uts on /nonexistent/f failed: No such file or directory"),
            .error(
                ["--ipc=/nonexistent/f", "true"],
                "mount /proc/PID/ns/ipc on /nonexistent/f failed: No such file or directory"),
            .error(
                ["--net=/nonexistent/f", "true"],
                "mount /proc/PID/ns/net on /nonexistent/f failed: No such file or directory"),
            .error(
                ["--pid=/nonexistent/f", "-f", "true"],
                "mount /proc/PID/ns/pid_for_children on /nonexistent/f failed: No such file or directory"),
            .error(
                ["--user=/nonexistent/f", "true"],
                "mount /proc/PID/ns/user on /nonexistent/f failed: No such file or directory"),
            .error(
                ["--cgroup=/nonexistent/f", "true"],
                "mount /proc/PID/ns/cgroup on /nonexistent/f failed: No such file or directory"),
        ] + rootNamingTheTester
    }

    /// A user named in a map, when the account is there.
    static var rootNamingTheTester: [CompatCase] {
        guard let tester = Runner.tester.passwd else { return [] }
        return [
            .ok(["--map-user=unshare-tester", "cat", uidMap], MapText.line(tester.uid, 0, 1)),
            .ok(["--map-group=unshare-tester", "cat", gidMap], MapText.line(tester.gid, 0, 1)),
        ]
    }

    /// The cases for unshare-tester, whose ids and subordinate ranges are this
    /// machine's: every expected map is computed from them.
    static var tester: [CompatCase] {
        guard let tester = TestAccount.tester, let other = TestAccount.tester2 else { return [] }
        let m = MapText.line
        let u = tester.uid
        let g = tester.gid
        // The tester's ranges (outer start S, length N) and one it does not own.
        let (s, n) = (tester.subuid.start, tester.subuid.count)
        let (sg, ng) = (tester.subgid.start, tester.subgid.count)
        let notOwned = other.subuid.start
        // Inner ids 0..<c stay clear of the tester's own uid (its single map).
        let c = min(1000, u - 1)
        return parsing + pathSearch + loginShell + [
            .ok(["-r", "sh", "-c", "echo $0 $1", "-x", "-y"], "-x -y\n"),
            .ok(["-rfu", "id", "-u"], "0\n"),
            .ok(["-S0", "-r", "id", "-u"], "0\n"),
            .ok(["-S", "1", "-S", "0", "-r", "id", "-u"], "0\n"),
            .ok(["--map-ro", "id", "-u"], "0\n"),
            .ok(["--us", "id", "-u"], "65534\n"),
            .ok(["--fo", "-r", "id", "-u"], "0\n"),
            .error(["--mount-", "true"], "unshare failed: Operation not permitted"),
            .ok(["-r", "--mount-", "-fp", "readlink", "/proc/self"], "1\n"),
            .ok(["-r", "--w", "/", "pwd"], "/\n"),
            .error(["-r", "--mount", "/x"], "failed to execute /x: No such file or directory", exit: 127),
            // Privilege.
            .error(["-m", "true"], "unshare failed: Operation not permitted"),
            .error(["-n", "true"], "unshare failed: Operation not permitted"),
            .error(["-R", "/", "pwd"], "cannot change root directory to '/': Operation not permitted"),
            .ok(["-r", "-R", "/", "pwd"], "/\n"),
            // Single maps.
            .ok(["-U", "id", "-u"], "65534\n"),
            .ok(["-r", "id", "-u"], "0\n"),
            .ok(["-r", "cat", uidMap, gidMap, setgroups], m(0, u, 1) + m(0, g, 1) + "deny\n"),
            .ok(["-c", "cat", uidMap, gidMap, setgroups], m(u, u, 1) + m(g, g, 1) + "deny\n"),
            .ok(["--map-user=0", "--map-group=0", "cat", uidMap, gidMap], m(0, u, 1) + m(0, g, 1)),
            .ok(["--map-user=root", "cat", uidMap, gidMap], m(0, u, 1)),
            .ok(["--map-group=root", "cat", uidMap, gidMap, setgroups], m(0, g, 1) + "deny\n"),
            .ok(["--map-user=unshare-tester", "cat", uidMap], m(u, u, 1)),
            .ok(["-r", "--map-user=7", "cat", uidMap], m(7, u, 1)),
            .ok(["--setgroups=allow", "-U", "--map-user=0", "cat", setgroups, uidMap], "allow\n" + m(0, u, 1)),
            .error(["-r", "--setgroups=deny", "true"], "write failed /proc/self/setgroups: Operation not permitted"),
            .ok(["-r", "-f", "id", "-u"], "0\n"),
            .ends(["-r", "-f", "sh", "-c", "kill -TERM $$"], .signal(SIGTERM), stdout: "", stderr: ""),
            .ends(["-r", "-f", "sh", "-c", "exit 7"], .exit(7), stdout: "", stderr: ""),
            .error(["-r", "-S", "0", "-G", "0", "id"], "setgroups failed: Operation not permitted"),
            .ok(["-r", "--keep-caps", "grep", "^CapAmb", "/proc/self/status"]),
            // Range maps through newuidmap/newgidmap (util-linux 2.38.1's comma form: outer,inner,count).
            .ok(["--map-users=\(s),1,1000", "-r", "cat", uidMap, gidMap], m(0, u, 1) + m(1, s, 1000) + m(0, g, 1)),
            .ok(["--map-users=\(s),0,1000", "-r", "cat", uidMap], m(0, u, 1) + m(1, s, 999)),
            .ok(["--map-users=\(s),0,1000", "cat", uidMap, gidMap], m(0, s, 1000)),
            .ok(["--map-users=\(s),0,\(c)", "-c", "cat", uidMap], m(u, u, 1) + m(0, s, c)),
            .ok(
                ["--map-users=\(s),0,1000", "--map-groups=\(sg),0,1000", "cat", uidMap, gidMap, setgroups],
                m(0, s, 1000) + m(0, sg, 1000) + "allow\n"),
            .ok(
                ["-r", "--map-groups=\(sg),1,10", "cat", uidMap, gidMap, setgroups],
                m(0, u, 1) + m(0, g, 1) + m(1, sg, 10) + "allow\n"),
            .ok(["--map-users=\(s),0,\(n)", "--setgroups=deny", "cat", uidMap, setgroups], m(0, s, n) + "deny\n"),
            // One id more than the range holds; a range someone else owns.
            .ends(
                ["--map-users=\(s),0,\(n + 1)", "true"], .exit(1), stdout: "",
                stderr: "newuidmap: uid range [0-\(n + 1)) -> [\(s)-\(s + n + 1)) not allowed\n"),
            .ends(
                ["--map-users=\(notOwned),0,1000", "true"], .exit(1), stdout: "",
                stderr: "newuidmap: uid range [0-1000) -> [\(notOwned)-\(notOwned + 1000)) not allowed\n"),
            // auto ranges with no single id: the same in 2.38.1 and the spec.
            .ok(["--map-auto", "cat", uidMap, gidMap, setgroups], m(0, s, n) + m(0, sg, ng) + "allow\n"),
            .ok(["--map-users=auto", "--map-groups=auto", "cat", uidMap, gidMap], m(0, s, n) + m(0, sg, ng)),
            .ok(["--map-users=auto", "cat", uidMap, gidMap], m(0, s, n)),
            // Other namespaces inside the user's own.
            .ok(["-r", "-fp", "--mount-proc", "readlink", "/proc/self"], "1\n"),
            .ok(["-r", "-u", "sh", "-c", "hostname swift-unshare-test; hostname"], "swift-unshare-test\n"),
            .ok(["-r", "-n", "sh", "-c", "wc -l < /proc/net/dev"], "3\n"),
            .ok(["-r", "-i", "-C", "true"], ""),
            .ok(
                ["-r", "-T", "--monotonic=5", "--boottime=-3", "cat", "/proc/self/timens_offsets"],
                "monotonic           5         0\nboottime           -3         0\n"),
            .ok(["-r", "-m", "--propagation", "slave", "true"], ""),
            .ok(["--map-auto", "sh", "-c", "ls /proc/$$/fd"]),
            .ok(["-f", "--map-auto", "sh", "-c", "ls /proc/$$/fd"]),
            .ok(["--map-auto", "env"]),
            .ends(["-r", "--kill-child=TERM", "sh", "-c", "exit 3"], .exit(3), stdout: "", stderr: ""),
        ]
    }
}
