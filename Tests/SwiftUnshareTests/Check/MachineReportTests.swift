// SPDX-License-Identifier: Apache-2.0
import Foundation
import Glibc
import Testing

@testable import SwiftUnshare

/// MachineFacts of plain values over FakeFacts (user "tester", uid 1001): every
/// trial's steps work unless a rule makes one fail; the nesting count, the
/// helpers' usage line and podman's facts are given.
struct FakeMachine: MachineFacts {
    var facts = FakeFacts()
    /// A step that fails: in a probe `probe` picks (by its words), the first step `step` picks.
    struct Rule {
        var probe: ([ByteString]) -> Bool = { _ in true }
        var step: (Step) -> Bool
        var failure: CheckFailure
    }
    var rules: [Rule] = []
    var output: [UInt8] = []
    var nesting: (count: Int, stop: Errno?) = (32, Errno(ENOSPC))
    var usageLine: ByteString? = "usage: newuidmap <pid> <uid> <loweruid> <count> [ <uid> <loweruid> <count> ] ... "
    var podmanFacts = PodmanFacts(plan: .failure(Failure.podman("please use unshare with rootless")))

    init() {
        facts.base.files["/proc/filesystems"] = "nodev\tproc\nnodev\tbinfmt_misc\n\text4\n"
    }

    var euid: UInt32 { facts.euid }
    var egid: UInt32 { facts.egid }
    func user(named name: ByteString) -> PasswdEntry? { facts.user(named: name) }
    func user(id: UInt32) -> PasswdEntry? { facts.user(id: id) }
    func groupID(named name: ByteString) -> UInt32? { facts.groupID(named: name) }
    func readFile(_ path: String) -> Result<[UInt8], Errno> { facts.readFile(path) }
    func environment(_ name: String) -> ByteString? { facts.environment(name) }
    func sysctl(_ name: String) -> ByteString? { facts.sysctl(name) }
    var noNewPrivs: Bool { facts.noNewPrivs }
    func mapHelper(_ name: ByteString) -> MapHelperFacts { facts.mapHelper(name) }
    func pathExists(_ path: String) -> Bool { facts.pathExists(path) }

    func trials(_ probes: [ReportProbe]) -> [CheckResult?] {
        probes.map { probe in
            var steps: [StepOutcome] = []
            var failed: CheckFailure?
            for step in probe.plan.steps {
                if failed != nil {
                    steps.append(.notReached)
                } else if let rule = rules.first(where: { $0.probe(probe.arguments) && $0.step(step) }) {
                    failed = rule.failure
                    steps.append(.failed(rule.failure))
                } else {
                    steps.append(.ok)
                }
            }
            return CheckResult(
                plan: probe.plan, pid: 4321, steps: steps, ending: .exited(failed?.exitCode ?? 0),
                output: failed == nil ? [] : output, substituted: [])
        }
    }
    func nestingLeft() -> (count: Int, stop: Errno?) { nesting }
    func usage(of path: ByteString) -> ByteString? { usageLine }
    func podman(tryMaps: Bool) -> PodmanFacts { podmanFacts }
}

extension Step {
    var isUnshare: Bool {
        if case .unshare = self { return true }
        return false
    }
    var isPropagation: Bool {
        if case .setPropagation = self { return true }
        return false
    }
}

/// The report's lines, through the facts seam: no root, no namespace made.
@Suite struct MachineReportTests {
    func report(_ m: FakeMachine) -> String { MachineReport.build(m).map(\.line.description).joined() }
    func lines(_ m: FakeMachine) -> [String: String] {
        Dictionary(
            uniqueKeysWithValues: MachineReport.build(m).map { ($0.name, String($0.line.description.dropLast())) })
    }
    let podmanAbsent =
        "podman-mode: absent (podman unshare is for rootless users; root gets: please use unshare with rootless)\n"
        + "podman-catatonit: absent (the pause process then waits by itself, named podman pause)\n"
        + "podman-slirp4netns: no: slirp4netns is not installed (or not on PATH), so --rootless-netns cannot make podman's network namespace; install the package slirp4netns\n"
        + "podman-dev-net-tun: ok (/dev/net/tun)\n"

    @Test func everythingWorks() {
        #expect(
            report(FakeMachine()) == """
                user-namespace: ok
                mount-namespace: ok
                uts-namespace: ok
                ipc-namespace: ok
                net-namespace: ok
                pid-namespace: ok
                cgroup-namespace: ok
                time-namespace: ok
                single-map: ok (uid 0 1001 1, gid 0 1001 1, written by the process itself)
                setgroups: ok (deny)
                newuidmap: ok (/usr/bin/newuidmap, setuid root, takes a pid only: shadow before 4.14)
                newgidmap: ok (/usr/bin/newgidmap, setuid root, takes a pid only: shadow before 4.14)
                subordinate-ids: ok (/etc/subuid 100000:65536, /etc/subgid 200000:65536; newuidmap and newgidmap accept them)
                map-auto: ok
                mount-proc: ok (with -f -p)
                binfmt-misc: ok
                time-offsets: ok (monotonic and boottime)
                max-user-namespaces: ok (15000)
                nesting-depth: ok (32 more user namespaces can be made one inside the other)
                unprivileged-userns-clone: absent (only Debian's older kernels have it)
                apparmor-userns-restriction: absent (no AppArmor restriction of user namespaces here)
                userns-capabilities: ok

                """ + podmanAbsent)
    }

    /// Ubuntu's restriction: the namespace is made, its root may do nothing
    /// (setgroups and mounts refused), and each line says why in one wording.
    @Test func theAppArmorSysctlAndAPowerlessNamespace() throws {
        var m = FakeMachine()
        m.facts.sysctls["kernel/apparmor_restrict_unprivileged_userns"] = "1"
        m.rules = [
            .init(
                step: \.isPropagation,
                failure: CheckFailure(
                    operation: .propagation(Errno(EPERM)),
                    message: "cannot change root filesystem propagation: Operation not permitted", exitCode: 1)),
            .init(
                step: { $0.selfWrite?.file == .setgroups },
                failure: CheckFailure(
                    operation: .mapWrite(Errno(EPERM)),
                    message: "write failed /proc/self/setgroups: Operation not permitted",
                    exitCode: 1)),
        ]
        let l = lines(m)
        let apparmor =
            "no: AppArmor denies unprivileged user namespaces (kernel.apparmor_restrict_unprivileged_userns=1); give this program an AppArmor profile with `userns,`, or set the sysctl to 0"
        #expect(l["user-namespace"] == "user-namespace: ok")
        #expect(l["time-offsets"] == "time-offsets: ok (monotonic and boottime)")
        #expect(l["single-map"] == "single-map: " + apparmor)
        #expect(l["setgroups"] == "setgroups: " + apparmor)
        #expect(l["mount-proc"] == "mount-proc: " + apparmor)
        #expect(l["map-auto"] == "map-auto: ok")
        #expect(l["apparmor-userns-restriction"] == "apparmor-userns-restriction: " + apparmor)
        #expect(
            l["userns-capabilities"]
                == "userns-capabilities: no: the new user namespace is made but powerless: AppArmor (kernel.apparmor_restrict_unprivileged_userns=1) takes its capabilities away; give this program an AppArmor profile with `userns,`, or set the sysctl to 0"
        )
        // The same lines in the JSON, member by member.
        let json = CheckOutput.reportJSON(
            MachineReport.build(m), mode: "report", user: PasswdEntry(name: "tester", uid: 1001, gid: 1001), uid: 1001,
            gid: 1001)
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(json.bytes)) as? [String: Any])
        #expect(object["ok"] as? Bool == false)
        let capabilities = try #require(object["capabilities"] as? [[String: Any]])
        let byName = Dictionary(uniqueKeysWithValues: capabilities.map { ($0["name"] as? String ?? "", $0) })
        let restriction = try #require(byName["apparmor-userns-restriction"])
        #expect(Set(restriction.keys) == ["name", "status", "detail", "reason", "fix", "hint"])
        #expect(restriction["status"] as? String == "no")
        #expect(restriction["detail"] is NSNull)
        #expect(
            restriction["reason"] as? String
                == "AppArmor denies unprivileged user namespaces (kernel.apparmor_restrict_unprivileged_userns=1)")
        #expect(
            restriction["fix"] as? String
                == "give this program an AppArmor profile with `userns,`, or set the sysctl to 0")
        #expect(restriction["hint"] as? String == "apparmorRestrictsUserns")
        let powers = try #require(byName["userns-capabilities"])
        #expect(powers["status"] as? String == "no")
        #expect(powers["detail"] is NSNull)
        #expect(
            powers["reason"] as? String
                == "the new user namespace is made but powerless: AppArmor (kernel.apparmor_restrict_unprivileged_userns=1) takes its capabilities away"
        )
        #expect(
            powers["fix"] as? String == "give this program an AppArmor profile with `userns,`, or set the sysctl to 0")
        #expect(powers["hint"] as? String == "powerlessNamespace")
        let namespace = try #require(byName["user-namespace"])
        #expect(namespace["status"] as? String == "ok" && namespace["reason"] is NSNull && namespace["hint"] is NSNull)

        // A program whose profile allows user namespaces: the sysctl binds it not.
        m.rules = []
        #expect(
            lines(m)["apparmor-userns-restriction"]
                == "apparmor-userns-restriction: ok (1, but this program's AppArmor profile allows user namespaces)")
        m.facts.sysctls["kernel/apparmor_restrict_unprivileged_userns"] = "0"
        #expect(lines(m)["apparmor-userns-restriction"] == "apparmor-userns-restriction: ok (0)")
    }

    @Test func aPowerlessNamespaceWithoutAppArmor() {
        var m = FakeMachine()
        m.rules = [
            .init(
                step: \.isPropagation,
                failure: CheckFailure(
                    operation: .propagation(Errno(EPERM)),
                    message: "cannot change root filesystem propagation: Operation not permitted", exitCode: 1))
        ]
        let l = lines(m)
        #expect(
            l["userns-capabilities"]
                == "userns-capabilities: no: the new user namespace is made but powerless: its root may not even make / private in a mount namespace of its own; a security module (AppArmor, SELinux) or a seccomp filter around this process takes its capabilities away: run outside it, or allow user namespaces there"
        )
        #expect(l["mount-namespace"] == "mount-namespace: ok")  // made, if powerless
    }

    @Test func maxUserNamespacesReached() {
        var m = FakeMachine()
        m.facts.sysctls["user/max_user_namespaces"] = "0"
        m.nesting = (0, Errno(ENOSPC))
        m.rules = [
            .init(
                step: { if case .unshare(let set) = $0 { return set.contains(.user) } else { return false } },
                failure: CheckFailure(
                    operation: .unshare(Errno(ENOSPC)), message: "unshare failed: No space left on device", exitCode: 1)
            )
        ]
        let words =
            "no: user.max_user_namespaces is 0, so no user namespace can be made; raise it (sysctl -w user.max_user_namespaces=15000)"
        let l = lines(m)
        for name in ["user", "mount", "uts", "ipc", "net", "pid", "cgroup", "time"] {
            #expect(l["\(name)-namespace"] == "\(name)-namespace: " + words)
        }
        #expect(l["max-user-namespaces"] == "max-user-namespaces: " + words)
        #expect(l["nesting-depth"] == "nesting-depth: " + words)
        #expect(l["single-map"] == "single-map: " + words)
        // The other limit: namespaces nested as deep as they go.
        m.facts.sysctls["user/max_user_namespaces"] = "15000"
        #expect(
            lines(m)["nesting-depth"]
                == "nesting-depth: no: no user namespace can be made here: user namespaces nest at most 32 deep (is this process that deep?), and at most user.max_user_namespaces (15000) may exist; start from a shallower namespace, or raise the limit"
        )
    }

    @Test func unprivilegedUsernsCloneOff() {
        var m = FakeMachine()
        m.facts.sysctls["kernel/unprivileged_userns_clone"] = "0"
        m.rules = [
            .init(
                step: \.isUnshare,
                failure: CheckFailure(
                    operation: .unshare(Errno(EPERM)), message: "unshare failed: Operation not permitted", exitCode: 1))
        ]
        let words =
            "no: kernel.unprivileged_userns_clone is 0, so only root may make user namespaces; enable it (sysctl -w kernel.unprivileged_userns_clone=1)"
        let l = lines(m)
        #expect(l["user-namespace"] == "user-namespace: " + words)
        #expect(l["unprivileged-userns-clone"] == "unprivileged-userns-clone: " + words)
    }

    /// A newuidmap without its setuid bit: the helper step fails, and the
    /// lines that need it say so in the hint's words.
    @Test func aMapHelperWithoutPrivilege() {
        var m = FakeMachine()
        m.facts.helpers["newuidmap"] = .found(path: "/opt/newuidmap", setuidRoot: false, fileCapabilities: false)
        m.output = Array("newuidmap: write to uid_map failed: Operation not permitted\n".utf8)
        m.rules = [
            .init(
                step: { if case .releaseMapHelper = $0 { return true } else { return false } },
                failure: CheckFailure(operation: .helperRefused, message: nil, exitCode: 1))
        ]
        let words =
            "no: /opt/newuidmap is neither setuid root nor given file capabilities, so it cannot write the map; chmod u+s /opt/newuidmap (or setcap cap_setuid+ep /opt/newuidmap), as the package uidmap installs it"
        let l = lines(m)
        #expect(l["newuidmap"] == "newuidmap: " + words)
        #expect(
            l["newgidmap"] == "newgidmap: ok (/usr/bin/newgidmap, setuid root, takes a pid only: shadow before 4.14)")
        #expect(l["map-auto"] == "map-auto: " + words)
        #expect(l["subordinate-ids"] == "subordinate-ids: " + words)
        // A cause no detector names: the helper's own words.
        m.facts.helpers["newuidmap"] = .found(path: "/opt/newuidmap", setuidRoot: true, fileCapabilities: false)
        #expect(lines(m)["map-auto"] == "map-auto: no: newuidmap: write to uid_map failed: Operation not permitted")
        m.facts.helpers["newuidmap"] = .missing
        #expect(
            lines(m)["newuidmap"]
                == "newuidmap: no: newuidmap is not installed (or not on PATH); install the package uidmap")
        m.facts.helpers["newuidmap"] = .found(path: "/usr/bin/newuidmap", setuidRoot: true, fileCapabilities: false)
        m.facts.noNewPrivs = true
        #expect(
            lines(m)["newuidmap"]
                == "newuidmap: no: no_new_privs is set for this process, so the setuid newuidmap cannot gain privilege; run outside what sets it (NoNewPrivileges=, setpriv --no-new-privs, a container)"
        )
        m.facts.noNewPrivs = false
        m.usageLine = "usage: newuidmap [<pid>|fd:<pidfd>] <uid> <loweruid> <count> ..."
        #expect(
            lines(m)["newuidmap"]
                == "newuidmap: ok (/usr/bin/newuidmap, setuid root, takes a pid or fd:<pidfd>: shadow 4.14 or later)")
    }

    @Test func noSubordinateIDs() {
        var m = FakeMachine()
        m.facts.base.files["/etc/subuid"] = "other:100000:65536\n"
        m.facts.base.files["/etc/subgid"] = ""
        let words =
            "no: /etc/subuid and /etc/subgid give tester no subordinate ids; ask root to add them (usermod --add-subuids 165536-231071 --add-subgids 100000-165535 tester)"
        let l = lines(m)
        #expect(l["subordinate-ids"] == "subordinate-ids: " + words)
        #expect(l["map-auto"] == "map-auto: " + words)
    }

    @Test func everyRangeIsTriedWhenThereAreSeveral() {
        var m = FakeMachine()
        m.facts.base.files["/etc/subuid"] = "tester:100000:10\ntester:300000:5\n"
        m.rules = [
            .init(
                probe: { $0.contains("--map-users=10:300000:5") },
                step: { if case .releaseMapHelper = $0 { return true } else { return false } },
                failure: CheckFailure(operation: .helperRefused, message: nil, exitCode: 1))
        ]
        m.output = Array("newuidmap: uid range [10-15) -> [300000-300005) not allowed\n".utf8)
        let l = lines(m)
        #expect(l["map-auto"] == "map-auto: ok")  // the first range only
        #expect(
            l["subordinate-ids"]
                == "subordinate-ids: no: newuidmap: uid range [10-15) -> [300000-300005) not allowed")
        m.rules = []
        #expect(
            lines(m)["subordinate-ids"]
                == "subordinate-ids: ok (/etc/subuid 100000:10 300000:5, /etc/subgid 200000:65536; newuidmap and newgidmap accept every one)"
        )
    }

    @Test func aMissingKindIsAbsent() {
        var m = FakeMachine()
        m.facts.paths.remove("/proc/self/ns/time")
        m.facts.base.files["/proc/filesystems"] = "nodev\tproc\n"
        let l = lines(m)
        #expect(l["time-namespace"] == "time-namespace: absent (this kernel has no time namespaces)")
        #expect(l["time-offsets"] == "time-offsets: absent (this kernel has no time namespaces)")
        #expect(l["binfmt-misc"] == "binfmt-misc: absent (no binfmt_misc file system in /proc/filesystems)")
    }

    @Test func asRoot() {
        var m = FakeMachine()
        m.facts.base.euid = 0
        m.facts.base.egid = 0
        let l = lines(m)
        #expect(l["single-map"] == "single-map: ok (uid 0 0 1, gid 0 0 1, written by the process itself)")
        #expect(
            l["newuidmap"]
                == "newuidmap: ok (/usr/bin/newuidmap, setuid root, takes a pid only: shadow before 4.14; not needed: root writes its maps itself)"
        )
        #expect(l["subordinate-ids"] == "subordinate-ids: absent (root maps any ids without them)")
        #expect(
            l["map-auto"]
                == "map-auto: no: /etc/subuid and /etc/subgid give root no subordinate ids; add them (usermod --add-subuids 165536-231071 --add-subgids 100000-165535 root)"
        )
        m.facts.sysctls["kernel/apparmor_restrict_unprivileged_userns"] = "1"
        #expect(
            lines(m)["apparmor-userns-restriction"] == "apparmor-userns-restriction: ok (1; root is not bound by it)")
    }

    @Test func theReportAsJSON() throws {
        let text = CheckOutput.reportJSON(
            MachineReport.build(FakeMachine()), mode: "report", user: PasswdEntry(name: "tester", uid: 1001, gid: 1001),
            uid: 1001, gid: 1001)
        #expect(text.bytes.last == 0x0a)
        #expect(
            text.description.hasPrefix(
                #"{"schema":"swift-unshare-check","version":1,"mode":"report","user":{"name":"tester","uid":1001,"gid":1001},"ok":false,"capabilities":[{"name":"user-namespace","status":"ok","detail":null,"reason":null,"fix":null,"hint":null},"#
            ))
        #expect(
            text.description.contains(
                #"{"name":"podman-slirp4netns","status":"no","detail":null,"reason":"slirp4netns is not installed (or not on PATH), so --rootless-netns cannot make podman's network namespace","fix":"install the package slirp4netns","hint":"slirp4netnsMissing"}"#
            ))
    }
}

/// podman mode's lines, from plain facts.
@Suite struct PodmanReportTests {
    func lines(_ p: PodmanFacts) -> String { PodmanReport.lines(p).map(\.line.description).joined() }

    @Test func aJoinablePauseProcess() throws {
        var p = PodmanFacts(plan: podmanPlan(PodmanFakeSystem()))
        p.pause = .running(pid: 4242, failure: nil)
        p.pauseUIDMap = Array("         0       1001          1\n         1     100000      65536\n".utf8)
        p.pauseGIDMap = Array("         0       1001          1\n".utf8)
        p.catatonit = "/usr/libexec/podman/catatonit"
        p.slirp4netns = "/usr/bin/slirp4netns"
        let plan = try podmanPlan(PodmanFakeSystem()).get()
        let netns = PodmanReport.rootlessNetnsPlan(plan).path
        #expect(
            lines(p) == """
                podman-mode: ok (runtime \(plan.directories.runtimeDir), tmp dir \(plan.directories.tmpDir))
                podman-pause: ok (pid 4242, joinable)
                podman-maps: ok (the pause process's: uid 0 1001 1, 1 100000 65536; gid 0 1001 1)
                podman-catatonit: ok (/usr/libexec/podman/catatonit)
                podman-rootless-netns: absent (made by the first --rootless-netns: \(netns))
                podman-slirp4netns: ok (/usr/bin/slirp4netns)
                podman-dev-net-tun: ok (/dev/net/tun)

                """)
    }

    @Test func noPauseProcessAndTheMapsTried() {
        var p = PodmanFacts(plan: podmanPlan(PodmanFakeSystem()))
        p.mapsTrial = .worked
        p.tun = Errno(ENOENT)
        p.rootlessNetns = true
        let text = lines(p)
        #expect(text.contains("podman-pause: absent (none runs: the next podman command starts one)\n"))
        #expect(
            text.contains(
                "podman-maps: ok (uid 0 1001 1, 1 100000 65536; gid 0 1001 1, 1 100000 65536; written by newuidmap and newgidmap; tried on a pause process, killed at once)\n"
            ))
        #expect(text.contains("podman-rootless-netns: ok ("))
        #expect(
            text.contains(
                "podman-dev-net-tun: no: /dev/net/tun cannot be opened (No such file or directory), and slirp4netns needs it for --rootless-netns; load the tun module (modprobe tun)\n"
            ))
        p.mapsTrial = .failed(Failure.podman("cannot set up namespace using \"/usr/bin/newuidmap\": exit status 1"))
        #expect(
            lines(p).contains("podman-maps: no: cannot set up namespace using \"/usr/bin/newuidmap\": exit status 1\n"))
        p.pause = .running(pid: 9, failure: "cannot set user namespace")
        #expect(
            lines(p).contains(
                "podman-pause: no: podman's pause process (pid 9) runs but cannot be joined (cannot set user namespace); reset it with podman system migrate\n"
            ))
    }
}
