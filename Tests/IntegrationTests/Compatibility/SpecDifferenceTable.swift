// SPDX-License-Identifier: Apache-2.0
import Foundation
import Glibc
import SwiftUnshare
import Testing

// The cases where the spec (docs/unshare.md) and util-linux 2.38.1 differ
// (SpecDifferenceTests.swift runs them).

/// One argument vector, who runs it, and the exact outcome the spec asks for.
struct CompatSpecCase: Sendable, CustomTestStringConvertible {
    var args: [String]
    var runner: Runner = .root
    var expected: Outcome
    /// util-linux 2.38.1's behaviour, which the spec overrides.
    var was: String
    var env: [String: String] = [:]

    var testDescription: String { "\(runner): unshare \(args.joined(separator: " ")) (2.38.1: \(was))" }

    static func usage(_ args: [String], _ message: String, was: String, as runner: Runner = .root) -> CompatSpecCase {
        CompatSpecCase(
            args: args, runner: runner,
            expected: Outcome(
                stdout: "", stderr: "unshare: \(message)\nTry 'unshare --help' for more information.\n",
                ending: .exit(1)), was: was)
    }

    static func error(_ args: [String], _ message: String, was: String, as runner: Runner = .root) -> CompatSpecCase {
        CompatSpecCase(
            args: args, runner: runner,
            expected: Outcome(stdout: "", stderr: "unshare: \(message)\n", ending: .exit(1)),
            was: was)
    }

    static func ok(
        _ args: [String], _ stdout: String, was: String, as runner: Runner = .root,
        env: [String: String] = [:]
    ) -> CompatSpecCase {
        CompatSpecCase(
            args: args, runner: runner, expected: Outcome(stdout: stdout, stderr: "", ending: .exit(0)), was: was,
            env: env)
    }
}

enum CompatSpecTable {
    static let uidMap = "/proc/self/uid_map", gidMap = "/proc/self/gid_map", setgroups = "/proc/self/setgroups"
    static let erange = "Numerical result out of range"

    /// Parsing and messages: the same for every user.
    static let parsing: [CompatSpecCase] = [
        // Newer options make more prefixes ambiguous (possibilities in table order).
        .usage(
            ["--map"],
            "option '--map' is ambiguous; possibilities: '--map-user' '--map-users' '--map-group' "
                + "'--map-groups' '--map-root-user' '--map-current-user' '--map-auto' '--map-subids'",
            was: "the same list without '--map-subids'"),
        .usage(
            ["--ma=x"],
            "option '--ma=x' is ambiguous; possibilities: '--map-user' '--map-users' '--map-group' "
                + "'--map-groups' '--map-root-user' '--map-current-user' '--map-auto' '--map-subids'",
            was: "the same list without '--map-subids'"),
        .usage(
            ["--m"],
            "option '--m' is ambiguous; possibilities: '--mount' '--mount-proc' '--mount-binfmt' "
                + "'--map-user' '--map-users' '--map-group' '--map-groups' '--map-root-user' '--map-current-user' "
                + "'--map-auto' '--map-subids' '--monotonic'",
            was: "no '--mount-binfmt', '--map-subids'"),
        // Several 2.38.1 options match: every candidate is listed, newer ones too.
        .usage(
            ["--mo"],
            "option '--mo' is ambiguous; possibilities: '--mount' '--mount-proc' '--mount-binfmt' '--monotonic'",
            was: "no '--mount-binfmt'"),
        // Prefixes of newer options only.
        .ok(["--cl", "env"], "", was: "unrecognized option '--cl'"),
        .ok(["--forw", "true"], "", was: "unrecognized option '--forw'"),
        .usage(
            ["--=x"],
            "option '--=x' is ambiguous; possibilities: '--help' '--version' '--mount' '--uts' '--ipc' "
                + "'--net' '--pid' '--user' '--cgroup' '--time' '--fork' '--kill-child' '--forward-signals' "
                + "'--mount-proc' '--mount-binfmt' '--map-user' '--map-users' '--map-group' '--map-groups' "
                + "'--map-root-user' '--map-current-user' '--map-auto' '--map-subids' '--owner' '--propagation' "
                + "'--setgroups' '--keep-caps' '--setuid' '--setgid' '--root' '--wd' '--monotonic' '--boottime' "
                + "'--load-interp' '--clear-env' '--whitelist-env'",
            was: "the list of 2.38.1's options"),
        .usage(["-l"], "option requires an argument -- 'l'", was: "invalid option -- 'l'"),
        .usage(["--owner"], "option '--owner' requires an argument", was: "unrecognized option '--owner'"),
        // Reworded messages.
        .error(
            ["--monotonic=1", "true"],
            "options --monotonic and --boottime require unsharing of a time namespace (-T)", was: "(-t)"),
        .error(
            ["--boottime=1", "true"],
            "options --monotonic and --boottime require unsharing of a time namespace (-T)", was: "(-t)"),
        .error(
            ["--map-user=no_such_user", "true"], "failed to parse uid 'no_such_user': Invalid argument",
            was: "failed to parse uid: 'no_such_user'"),
        .error(
            ["--map-group=no_such_group", "true"], "failed to parse gid 'no_such_group': Invalid argument",
            was: "failed to parse gid: 'no_such_group'"),
        .error(
            ["--map-user=0x1", "true"], "failed to parse uid '0x1': Invalid argument",
            was: "failed to parse uid: '0x1'"),
        .error(
            ["-w", "/nonexistent", "pwd"], "cannot change directory to /nonexistent: No such file or directory",
            was: "cannot chdir to '/nonexistent': ..."),
        .error(
            ["--wd=", "pwd"], "cannot change directory to : No such file or directory",
            was: "cannot chdir to '': ..."),
        // Out-of-range numbers are refused, not wrapped.
        .error(
            ["-S", "-1", "true"], "failed to parse uid: '-1': \(erange)",
            was: "-1 wraps: setuid failed: Invalid argument"),
        .error(
            ["-S", "4294967296", "true"], "failed to parse uid: '4294967296': \(erange)", was: "wraps to 0: success"),
        .error(
            ["--setuid=99999999999999999999999", "true"], "failed to parse uid: '99999999999999999999999': \(erange)",
            was: "the same (strtoul's own ERANGE)"),
        .error(["-G", "-1", "true"], "failed to parse gid: '-1': \(erange)", was: "setgid failed: Invalid argument"),
        .error(
            ["-G", "4294967296", "true"], "failed to parse gid: '4294967296': \(erange)", was: "wraps to 0: success"),
        .error(
            ["--map-user=4294967296", "true"], "failed to parse uid '4294967296': \(erange)", was: "wraps to 0: success"
        ),
        .error(["--map-user=-1", "true"], "failed to parse uid '-1': \(erange)", was: "wraps: success"),
        .error(
            ["-T", "--monotonic=9223372036854775808", "true"],
            "failed to parse monotonic offset: '9223372036854775808': \(erange)",
            was: "wraps to INT64_MIN: failed to write to /proc/self/timens_offsets"),
        // Mappings: inner:outer:count (2.38.1 knows only outer,inner,count).
        .error(
            ["--map-users=4294967296:0:1", "true"], "invalid mapping '4294967296:0:1'",
            was: "could not parse ID: '4294967296:0:1'"),
        .error(["--map-users=0,0,4294967296", "true"], "invalid mapping '0,0,4294967296'", was: "wraps"),
        .error(["--map-users=1:2", "true"], "invalid mapping '1:2'", was: "could not parse ID: '1:2'"),
        .error(["--map-users=1,2", "true"], "invalid mapping '1,2'", was: "mapping '1,2' contains only 2 elements"),
        .error(["--map-users=1:2:3:4", "true"], "invalid mapping '1:2:3:4'", was: "could not parse ID"),
        .error(["--map-users=-1:0:1", "true"], "invalid mapping '-1:0:1'", was: "could not parse ID"),
        .error(["--map-groups=a:b:c", "true"], "invalid mapping 'a:b:c'", was: "could not parse ID: 'a:b:c'"),
        .error(["--map-users=", "true"], "invalid mapping ''", was: "too many elements for mapping ''"),
        .error(["--owner=x", "true"], "failed to parse owner", was: "unrecognized option '--owner=x'"),
        .error(["--owner=1", "true"], "failed to parse owner", was: "unrecognized option"),
        .error(["--owner=1:2:3", "true"], "failed to parse owner", was: "unrecognized option"),
        // Version.
        .ok(
            ["-V"], "unshare from util-linux 2.43 (swift-unshare \(Version.swiftUnshare))\n",
            was: "unshare from util-linux 2.38.1"),
        .ok(
            ["--version"], "unshare from util-linux 2.43 (swift-unshare \(Version.swiftUnshare))\n",
            was: "unshare from util-linux 2.38.1"),
        .ok(
            ["-rV"], "unshare from util-linux 2.43 (swift-unshare \(Version.swiftUnshare))\n",
            was: "unshare from util-linux 2.38.1"),
        // Newer options.
        .ok(["--clear-env", "env"], "", was: "unrecognized option '--clear-env'"),
        .ok(["--forward-signals", "sh", "-c", "exit 0"], "", was: "unrecognized option '--forward-signals'"),
        .ok(["--whitelist-env=LANG,NO_SUCH_VARIABLE", "env"], "LANG=C\n", was: "unrecognized option"),
    ]

    static var root: [CompatSpecCase] {
        let m = MapText.line
        return parsing + [
            // SIGKILL of the child is simply re-sent.
            CompatSpecCase(
                args: ["-f", "sh", "-c", "kill -KILL $$"],
                expected: Outcome(stdout: "", stderr: "", ending: .signal(SIGKILL)),
                was: "sigprocmask unblock failed: Invalid argument, exit 1"),
            CompatSpecCase(
                args: ["-r", "-f", "sh", "-c", "kill -KILL $$"],
                expected: Outcome(stdout: "", stderr: "", ending: .signal(SIGKILL)),
                was: "sigprocmask unblock failed: Invalid argument, exit 1"),
            .error(["-S", "1", "-r", "id", "-u"], "setuid() failed: Invalid argument", was: "setuid failed: ..."),
            .error(
                ["--map-users=0:0:1", "--map-groups=0:0:1", "-G", "5", "true"], "setgid() failed: Invalid argument",
                was: "could not parse ID: '0:0:1'"),
            // Ranges as root: written by a privileged helper, not newuidmap.
            .ok(
                ["--map-users=0:100000:1000", "--map-users=1000:200000:1000", "-r", "cat", uidMap],
                m(0, 0, 1) + m(1, 100000, 999) + m(1000, 200000, 1000), was: "could not parse ID: '0:100000:1000'"),
            .ok(
                ["--map-users=1001,100000,1", "-r", "cat", uidMap], m(0, 0, 1) + m(100000, 1001, 1),
                was: "newuidmap: uid range [100000-100001) -> [1001-1002) not allowed"),
            .ok(
                ["--map-groups=0:100000:1000", "cat", uidMap, gidMap, setgroups], m(0, 100000, 1000) + "allow\n",
                was: "could not parse ID"),
            .ok(["--map-users=all", "cat", uidMap], m(0, 0, 4_294_967_295), was: "could not parse ID: 'all'"),
            .error(
                ["--map-auto", "true"], "no line matching user \"root\" in /etc/subuid",
                was: "takes unshare-tester's line: newuidmap: uid range [0-65536) -> [100000-165536) not allowed"),
        ]
    }

    /// The cases for unshare-tester: every expected map is computed from the
    /// account's ids and its subordinate range (outer start S, length N) on
    /// this machine.
    static var tester: [CompatSpecCase] {
        guard let tester = TestAccount.tester else { return [] }
        let m = MapText.line
        let u = tester.uid
        let g = tester.gid
        let (s, n) = (tester.subuid.start, tester.subuid.count)
        let (sg, ng) = (tester.subgid.start, tester.subgid.count)
        let auto = MapText.singleBesideAuto
        return parsing.map {
            var c = $0
            c.runner = .tester
            return c
        } + [
            CompatSpecCase(
                args: ["-r", "-f", "sh", "-c", "kill -KILL $$"], runner: .tester,
                expected: Outcome(stdout: "", stderr: "", ending: .signal(SIGKILL)),
                was: "sigprocmask unblock failed: Invalid argument, exit 1"),
            .error(
                ["-S", "0", "true"], "setuid() failed: Operation not permitted", was: "setuid failed: ...",
                as: .tester),
            // `auto` keeps its full length (2.38.1 dropped one id).
            .ok(["-r", "--map-auto", "cat", uidMap], m(0, u, 1) + m(1, s, n), was: "1 S N-1", as: .tester),
            .ok(
                ["-r", "--map-auto", "cat", gidMap, setgroups], m(0, g, 1) + m(1, sg, ng) + "allow\n",
                was: "1 S N-1", as: .tester),
            .ok(
                ["-c", "--map-auto", "cat", uidMap], auto(u, u, tester.subuid), was: "last line one shorter",
                as: .tester),
            .ok(
                ["-c", "--map-auto", "cat", gidMap], auto(g, g, tester.subgid), was: "last line one shorter",
                as: .tester),
            .ok(
                ["--map-auto", "--map-user=5", "cat", uidMap], auto(5, u, tester.subuid), was: "6 S+5 N-6", as: .tester),
            .ok(["-r", "--map-users=auto", "cat", uidMap], m(0, u, 1) + m(1, s, n), was: "1 S N-1", as: .tester),
            .ok(["-r", "--map-groups=auto", "cat", gidMap], m(0, g, 1) + m(1, sg, ng), was: "1 S N-1", as: .tester),
            // The spec's examples with inner:outer:count.
            .ok(
                ["-r", "--map-users=1:\(s):1000", "cat", uidMap], m(0, u, 1) + m(1, s, 1000),
                was: "could not parse ID", as: .tester),
            .ok(
                ["-r", "--map-users=0:\(s):1000", "cat", uidMap], m(0, u, 1) + m(1, s, 999),
                was: "could not parse ID", as: .tester),
            // --map-users accumulates.
            .ok(
                ["--map-users=\(s),0,1000", "--map-users=\(s + 1000),1000,1000", "cat", uidMap],
                m(0, s, 1000) + m(1000, s + 1000, 1000), was: "only the last range", as: .tester),
            .ok(
                [
                    "--map-users=0:\(s):10", "--map-users=10:\(s + 10):10", "--map-groups=0:\(sg):1", "cat", uidMap,
                    gidMap,
                ],
                m(0, s, 10) + m(10, s + 10, 10) + m(0, sg, 1), was: "could not parse ID", as: .tester),
            // --map-subids: the subordinate range mapped to itself.
            .ok(
                ["--map-subids", "cat", uidMap, gidMap], m(s, s, n) + m(sg, sg, ng),
                was: "unrecognized option '--map-subids'", as: .tester),
            .ok(
                ["-r", "--map-subids", "cat", uidMap], m(0, u, 1) + m(s, s, n),
                was: "unrecognized option '--map-subids'", as: .tester),
        ]
    }
}
