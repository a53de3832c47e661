// SPDX-License-Identifier: Apache-2.0
import Glibc
import Testing

@testable import SwiftUnshare

/// SystemFacts made of plain values, over FakeSystem (user "tester", uid 1001).
struct FakeFacts: SystemFacts, ForwardingContext {
    var base = FakeSystem()
    var sysctls: [String: ByteString] = ["user/max_user_namespaces": "15000"]
    var noNewPrivs = false
    var helpers: [ByteString: MapHelperFacts] = [
        "newuidmap": .found(path: "/usr/bin/newuidmap", setuidRoot: true, fileCapabilities: false),
        "newgidmap": .found(path: "/usr/bin/newgidmap", setuidRoot: true, fileCapabilities: false),
    ]

    /// What is there (every namespace kind's file, unless a test takes it away).
    var paths: Set<String> = Set(
        ["mnt", "uts", "ipc", "net", "pid", "user", "cgroup", "time"].map { "/proc/self/ns/" + $0 } + [
            "/proc/self/setgroups"
        ])

    func sysctl(_ name: String) -> ByteString? { sysctls[name] }
    func mapHelper(_ name: ByteString) -> MapHelperFacts { helpers[name] ?? .missing }
    func pathExists(_ path: String) -> Bool { paths.contains(path) }
}

/// The hints for `words` (after "unshare"), parsed and planned against `facts`,
/// when `failure` happened (nil: predicted, as --explain does).
func hints(_ words: [String], _ failure: FailedOperation?, _ facts: FakeFacts = FakeFacts()) -> [Hint] {
    let args = (["unshare"] + words).map { ByteString($0) }
    var options: Options?
    var plan: Plan?
    if case .success(.run(let o)) = Options.parse(args, context: facts) {
        options = o
        if case .success(let p) = Plan.build(o, context: facts, pid: 42) { plan = p }
    }
    return Hints.all(HintSituation(arguments: args, options: options, plan: plan, failure: failure), facts: facts)
}

func causes(_ words: [String], _ failure: FailedOperation?, _ facts: FakeFacts = FakeFacts()) -> [Hint.Cause] {
    hints(words, failure, facts).map(\.cause)
}

@Suite struct FailedOperationTests {
    @Test func readsTheErrorValue() {
        #expect(FailedOperation(Failure(.call("unshare"), Errno(EPERM))) == .unshare(Errno(EPERM)))
        #expect(FailedOperation(Failure(.call("setgroups"), Errno(EPERM))) == .other)
        #expect(
            FailedOperation(Failure(.helper(.executeNewuidmap, object: "newuidmap"), Errno(ENOENT)))
                == .helperExec("newuidmap", Errno(ENOENT)))
        #expect(
            FailedOperation(Failure(.helper(.executeNewgidmap, object: "newgidmap"), Errno(ENOENT)))
                == .helperExec("newgidmap", Errno(ENOENT)))
        #expect(FailedOperation(Failure(.execute("9"), Errno(ENOENT), exitCode: 127)) == .exec("9", Errno(ENOENT)))
        #expect(FailedOperation(Failure(.writeFile("/proc/self/uid_map"), Errno(EPERM))) == .mapWrite(Errno(EPERM)))
        #expect(FailedOperation(Failure(.writeFile("/proc/self/timens_offsets"), Errno(EPERM))) == .other)
        #expect(
            FailedOperation(Failure(.helper(.writeGIDMap, object: "/proc/7/gid_map"), Errno(EINVAL)))
                == .mapWrite(Errno(EINVAL)))
        #expect(FailedOperation(Failure(.helperExited(tool: "newuidmap", status: 1))) == .helperRefused)
        #expect(FailedOperation(Failure(.noSubordinateRange(user: "x", file: "/etc/subuid"))) == .noSubordinateRange)
        #expect(
            FailedOperation(Failure(.noSubordinateRangeFromNSS(kind: "uid", user: "x", module: "sss")))
                == .noSubordinateRange)
        // Keyed on the operation, not on its words: the same text as a plain message is no such failure.
        #expect(FailedOperation(Failure("no line matching user \"x\" in /etc/subuid")) == .other)
        #expect(FailedOperation(Failure("unsupported propagation mode: x")) == .other)
    }

    @Test func theHintLineFollowsEvenAfterAHelpersOwnMessage() {
        var f = Failure(.helperExited(tool: "newuidmap", status: 1))
        f.hint = "hint: x"
        #expect(f.rendered(program: "unshare") == "unshare: hint: x\n")
        var g = Failure(.call("unshare"), Errno(EPERM))
        g.hint = "hint: y"
        #expect(
            g.rendered(program: "unshare") == "unshare: unshare failed: Operation not permitted\nunshare: hint: y\n")
    }
}

@Suite struct HintsTests {
    let eperm = FailedOperation.unshare(Errno(EPERM))

    @Test func optionalValueWithoutEquals() {
        let h = hints(["--kill-child", "9"], .exec("9", Errno(ENOENT)))
        #expect(
            h == [
                Hint(
                    cause: .optionalValueWithoutEquals,
                    text: "--kill-child takes a value only as --kill-child=9: '9' was taken for the program")
            ])
        // an abbreviation
        #expect(causes(["--kill", "15"], .exec("15", Errno(ENOENT))) == [.optionalValueWithoutEquals])
        #expect(
            hints(["-r", "--mount", "/x"], .exec("/x", Errno(EACCES))).first?.text
                == "--mount takes a value only as --mount=/x: '/x' was taken for the program")
        #expect(causes(["-r", "--mount", "/x"], nil).isEmpty)  // predicted only for a signal after --kill-child
        #expect(causes(["--kill-child", "TERM", "true"], nil) == [.optionalValueWithoutEquals])
        #expect(causes(["--kill-child", "9"], nil) == [.optionalValueWithoutEquals])
        #expect(causes(["-r", "--mount-proc", "ls"], nil).isEmpty)
        #expect(causes(["--kill-child=9", "nothere"], .exec("nothere", Errno(ENOENT))).isEmpty)
        // a required value
        #expect(causes(["--root", "/x", "nothere"], .exec("nothere", Errno(ENOENT))).isEmpty)
        #expect(causes(["--kill-child", "9"], .unshare(Errno(EPERM))).isEmpty)
    }

    @Test func maxUserNamespacesZero() {
        var facts = FakeFacts()
        facts.sysctls["user/max_user_namespaces"] = "0"
        #expect(causes(["-U"], .unshare(Errno(ENOSPC)), facts) == [.maxUserNamespacesZero])
        #expect(causes(["-U"], nil, facts) == [.maxUserNamespacesZero])
        #expect(causes(["-n"], nil, facts) == [.namespaceWithoutUser])  // no user namespace asked for
        #expect(causes(["-U"], .exec("x", Errno(ENOENT)), facts).isEmpty)
    }

    @Test func nestingTooDeep() {
        #expect(causes(["-U"], .unshare(Errno(ENOSPC))) == [.nestingTooDeep])
        #expect(causes(["-U"], .unshare(Errno(EUSERS))) == [.nestingTooDeep])
        #expect(
            hints(["-U"], .unshare(Errno(ENOSPC))).first?.text
                == "no user namespace can be made here: user namespaces nest at most 32 deep (is this process that deep?), and at most user.max_user_namespaces (15000) may exist: start from a shallower namespace, or raise the limit"
        )
        #expect(causes(["-U"], nil).isEmpty)  // cannot be predicted
    }

    @Test func unprivilegedUsernsCloneOff() {
        var facts = FakeFacts()
        facts.sysctls["kernel/unprivileged_userns_clone"] = "0"
        #expect(
            hints(["-U"], eperm, facts) == [
                Hint(
                    cause: .unprivilegedUsernsCloneOff,
                    text:
                        "kernel.unprivileged_userns_clone is 0, so only root may make user namespaces: enable it (sysctl -w kernel.unprivileged_userns_clone=1)"
                )
            ])
        #expect(causes(["-U"], nil, facts) == [.unprivilegedUsernsCloneOff])
        facts.base.euid = 0
        #expect(causes(["-U"], eperm, facts).isEmpty)  // root is not bound by it
    }

    @Test func apparmorRestrictsUserns() {
        var facts = FakeFacts()
        facts.sysctls["kernel/apparmor_restrict_unprivileged_userns"] = "1"
        #expect(causes(["-r"], .mapWrite(Errno(EPERM)), facts) == [.apparmorRestrictsUserns])
        #expect(causes(["--map-auto"], .helperRefused, facts) == [.apparmorRestrictsUserns])
        #expect(
            hints(["-U"], eperm, facts).first?.text
                == "AppArmor denies unprivileged user namespaces (kernel.apparmor_restrict_unprivileged_userns=1): give this program an AppArmor profile with `userns,`, or set the sysctl to 0"
        )
        facts.sysctls["kernel/apparmor_restrict_unprivileged_userns"] = "0"
        #expect(causes(["-r"], .mapWrite(Errno(EPERM)), facts).isEmpty)
    }

    @Test func namespaceWithoutUser() {
        #expect(
            hints(["-m"], eperm) == [
                Hint(
                    cause: .namespaceWithoutUser,
                    text:
                        "only root may unshare a mount namespace: as a user add -r (--map-root-user) to make it inside a new user namespace"
                )
            ])
        #expect(causes(["-mr"], eperm).isEmpty)
        var root = FakeFacts()
        root.base.euid = 0
        #expect(causes(["-m"], eperm, root).isEmpty)
    }

    @Test func mapHelperMissing() {
        var facts = FakeFacts()
        facts.helpers["newgidmap"] = .missing
        #expect(
            hints(["--map-auto"], .helperExec("newgidmap", Errno(ENOENT)), facts)
                == [
                    Hint(
                        cause: .mapHelperMissing,
                        text: "newgidmap is not installed (or not on PATH): install the package uidmap")
                ])
        #expect(causes(["--map-auto"], nil, facts) == [.mapHelperMissing])
        #expect(causes(["-r"], nil, facts).isEmpty)  // no helper needed
    }

    @Test func mapHelperUnprivileged() {
        var facts = FakeFacts()
        facts.helpers["newuidmap"] = .found(path: "/opt/newuidmap", setuidRoot: false, fileCapabilities: false)
        #expect(
            hints(["--map-auto"], .helperRefused, facts) == [
                Hint(
                    cause: .mapHelperUnprivileged,
                    text:
                        "/opt/newuidmap is neither setuid root nor given file capabilities, so it cannot write the map: chmod u+s /opt/newuidmap (or setcap cap_setuid+ep /opt/newuidmap), as the package uidmap installs it"
                )
            ])
        facts.helpers["newuidmap"] = .found(path: "/opt/newuidmap", setuidRoot: false, fileCapabilities: true)
        #expect(causes(["--map-auto"], .helperRefused, facts).isEmpty)
    }

    @Test func noNewPrivs() {
        var facts = FakeFacts()
        facts.noNewPrivs = true
        #expect(causes(["--map-auto"], .helperRefused, facts) == [.noNewPrivs])
        #expect(causes(["--map-auto"], nil, facts) == [.noNewPrivs])
        #expect(causes(["-r"], nil, facts).isEmpty)  // writes its own maps: no setuid helper
    }

    @Test func noSubordinateIDs() {
        var facts = FakeFacts()
        facts.base.files["/etc/subgid"] = "other:1:2\n"
        // Only the file that lacks a line is named, and only its option proposed.
        #expect(
            hints(["--map-users=0:100000:10"], .helperRefused, facts) == [
                Hint(
                    cause: .noSubordinateIDs,
                    text:
                        "/etc/subgid gives tester no subordinate ids: ask root to add them (usermod --add-subgids 100000-165535 tester)"
                )
            ])
        facts.base.files["/etc/subuid"] = ""
        #expect(
            hints([], .noSubordinateRange, facts).first?.text
                == "/etc/subuid and /etc/subgid give tester no subordinate ids: ask root to add them (usermod --add-subuids 100000-165535 --add-subgids 100000-165535 tester)"
        )
        #expect(causes(["--map-auto"], .helperRefused).isEmpty)  // both files have a line
    }

    /// The proposed block is one no line holds, in each file on its own, as useradd picks it.
    @Test func theProposedRangeIsFreeInItsFile() {
        var facts = FakeFacts()
        facts.base.files["/etc/subuid"] = "decoy:100000:65536\nother:165536:65536\n"
        facts.base.files["/etc/subgid"] = "decoy:100000:1000\n"
        #expect(
            hints([], .noSubordinateRange, facts).first?.text
                == "/etc/subuid and /etc/subgid give tester no subordinate ids: ask root to add them (usermod --add-subuids 231072-296607 --add-subgids 101000-166535 tester)"
        )
        // login.defs's keys are read as shadow reads them (octal, hex, quotes, comments, the last one wins).
        facts.base.files["/etc/login.defs"] =
            "# SUB_UID_MIN 1\nSUB_UID_MIN 0x30D40\nSUB_UID_COUNT \"1000\"\nSUB_GID_MIN 0400000\nSUB_GID_MIN 300000\n"
        #expect(
            hints([], .noSubordinateRange, facts).first?.text
                == "/etc/subuid and /etc/subgid give tester no subordinate ids: ask root to add them (usermod --add-subuids 231072-232071 --add-subgids 300000-365535 tester)"
        )
        // Nothing free: said, with no option that would hand out held ids.
        facts.base.files["/etc/login.defs"] = "SUB_UID_MIN 100000\nSUB_UID_MAX 231071\n"
        facts.base.files["/etc/subgid"] = "tester:1:1\n"
        #expect(
            hints([], .noSubordinateRange, facts).first?.text
                == "/etc/subuid gives tester no subordinate ids, and no block of 65536 ids between 100000 and 231071 (SUB_UID_MIN, SUB_UID_MAX, SUB_UID_COUNT of /etc/login.defs) is free in /etc/subuid: ask root to free a block or widen the range, then add one"
        )
        facts.base.files["/etc/login.defs"] = "SUB_UID_MIN 200000\nSUB_UID_MAX 100000\n"
        #expect(
            hints([], .noSubordinateRange, facts).first?.text
                == "/etc/subuid gives tester no subordinate ids, and SUB_UID_MIN 200000, SUB_UID_MAX 100000 and SUB_UID_COUNT 65536 of /etc/login.defs leave no block to give: ask root to free a block or widen the range, then add one"
        )
    }

    @Test func noSubordinateIDsFromNSSNamesTheModule() {
        var facts = FakeFacts()
        facts.base.files["/etc/nsswitch.conf"] = "subid: sss\n"
        #expect(
            hints([], .noSubordinateRange, facts).first?.text
                == "the NSS module sss (subid: in /etc/nsswitch.conf) gives tester no subordinate ids: ask the administrator of sss to add them"
        )
    }

    @Test func rootIsToldToAddTheRangeItself() {
        var facts = FakeFacts()
        facts.base.euid = 0
        facts.base.egid = 0
        #expect(
            hints(["--map-auto"], .noSubordinateRange, facts).first?.text
                == "/etc/subuid and /etc/subgid give root no subordinate ids: add them (usermod --add-subuids 165536-231071 --add-subgids 100000-165535 root)"
        )
        #expect(causes(["--map-users=0:100000:10"], .helperRefused, facts).isEmpty)  // root runs no newuidmap
    }

    @Test func ownIDInRange() {
        #expect(
            hints(["--map-users=0:1001:10"], .helperRefused) == [
                Hint(
                    cause: .ownIDInRange,
                    text:
                        "the uid range 0 1001 10 holds your own uid 1001, which newuidmap maps only as a single id: map it alone (-r, -c, --map-user) and take the range from /etc/subuid"
                )
            ])
        #expect(causes(["--map-groups=0:1000:5"], nil) == [.ownIDInRange])
        #expect(causes(["--map-users=0:100000:10"], nil).isEmpty)
    }

    @Test func overlappingRanges() {
        let words = ["--map-users=0:100000:10", "--map-users=5:100005:10"]
        #expect(
            hints(words, .helperRefused) == [
                Hint(
                    cause: .overlappingRanges,
                    text:
                        "the uid map lines 0 100000 10 and 5 100005 10 overlap (outside ids 100005-100009): the kernel refuses overlapping ranges, make them disjoint"
                )
            ])
        #expect(
            hints(["--map-groups=0:100000:10", "--map-groups=5:200000:10"], nil).first?.text
                == "the gid map lines 0 100000 10 and 5 200000 10 overlap (inside ids 5-9): the kernel refuses overlapping ranges, make them disjoint"
        )
        #expect(causes(["--map-users=0:100000:10", "--map-users=10:100010:10"], .helperRefused).isEmpty)
    }

    @Test func pidWithoutFork() {
        #expect(
            hints(["-pr"], nil) == [
                Hint(
                    cause: .pidWithoutFork,
                    text:
                        "-p without -f: the program stays outside the new pid namespace and its first child becomes pid 1 there; once that child exits no process can be made in it (fork: Cannot allocate memory): add -f"
                )
            ])
        #expect(causes(["-prf"], nil).isEmpty)
        #expect(causes(["-pr"], .exec("x", Errno(ENOENT))).isEmpty)  // only predicted
    }

    @Test func aFailureGetsOneLineAndNothingIsInventedForOtherFailures() {
        var facts = FakeFacts()
        facts.noNewPrivs = true
        facts.helpers["newuidmap"] = .found(path: "/x/newuidmap", setuidRoot: false, fileCapabilities: false)
        let args: [ByteString] = ["unshare", "--map-auto"]
        let o = options(["--map-auto"])
        let s = HintSituation(arguments: args, options: o, plan: nil, failure: .helperRefused)
        #expect(Hints.first(s, facts: facts)?.cause == nil)  // no plan: no helper strategy known
        #expect(causes(["-r"], .other, facts).isEmpty)
        #expect(Hint(cause: .noNewPrivs, text: "x").rendered(program: "unshare") == "unshare: hint: x\n")
    }
}

@Suite struct ExplainOptionTests {
    @Test func explainIsMatchedOnlyInFull() {
        #expect(options(["--explain", "true"])?.explain == true)
        #expect(failure(["--expl"]) == .usage("unrecognized option '--expl'"))
        #expect(failure(["--=x"])?.message?.description.contains("--explain") == false)
    }
}
