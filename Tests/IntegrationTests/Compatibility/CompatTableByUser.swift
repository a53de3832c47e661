// SPDX-License-Identifier: Apache-2.0
import Foundation
import Glibc
import Testing

/// The full case lists: as root (every case the same for any user, then
/// root's own) and as unshare-tester (its maps computed from this machine's ranges).
extension CompatTable {
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
