// SPDX-License-Identifier: Apache-2.0
import Testing

@testable import SwiftUnshare

@Suite struct PlanTests {
    func plan(_ words: [String], _ system: FakeSystem = FakeSystem()) -> Result<Plan, Failure> {
        guard let o = options(words, system) else { return .failure(Failure("parse failed")) }
        return Plan.build(o, context: system, pid: 4321)
    }

    func steps(_ words: [String], _ system: FakeSystem = FakeSystem()) -> [Step] {
        (try? plan(words, system).get())?.steps ?? []
    }

    @Test func singleIDsAreWrittenByTheProcessItself() throws {
        let p = try plan(["-r", "id"]).get()
        #expect(p.strategy == .selfWrite)
        #expect(p.uidMap == nil && p.gidMap == nil)
        #expect(
            p.steps == [
                .unshare([.user]),
                .writeUIDMap(SingleID(inner: 0, outer: 1001)),
                .writeSetgroups(.deny),
                .writeGIDMap(SingleID(inner: 0, outer: 1001)),
                .exec(["id"]),
            ])
    }

    @Test func plainUserNamespaceHasNoMaps() throws {
        let p = try plan(["-U", "id"]).get()
        #expect(p.strategy == .none)
        #expect(p.steps == [.unshare([.user]), .exec(["id"])])
    }

    @Test func rangesUnprivilegedUseNewIDMap() throws {
        let p = try plan(["-r", "--map-auto", "bash"]).get()
        #expect(p.strategy == .newIDMapHelpers)
        #expect(p.uidMap == [IDRange(inner: 0, outer: 1001, count: 1), IDRange(inner: 1, outer: 100000, count: 65536)])
        #expect(p.gidMap == [IDRange(inner: 0, outer: 1001, count: 1), IDRange(inner: 1, outer: 200000, count: 65536)])
        #expect(
            p.steps == [
                .startMapHelper(.newIDMap(uid: p.uidMap, gid: p.gidMap)), .unshare([.user]),
                .releaseMapHelper, .exec(["bash"]),
            ])
    }

    @Test func rangesAsRootUseThePrivilegedHelper() throws {
        var root = FakeSystem()
        root.euid = 0
        root.egid = 0
        root.files["/etc/subuid"] = "root:100000:65536\n"
        root.files["/etc/subgid"] = "root:100000:65536\n"
        let p = try plan(["--map-users=0:100000:10", "true"], root).get()
        #expect(p.strategy == .privilegedHelper)
        #expect(p.uidMap == [IDRange(inner: 0, outer: 100000, count: 10)])
        #expect(p.gidMap == nil)
    }

    @Test func mixedRangesAndSingleGroup() throws {
        // uid ranges through the helper; the single gid written by the process.
        let p = try plan(["-r", "--map-users=1:100000:10", "true"]).get()
        #expect(p.strategy == .newIDMapHelpers)
        #expect(
            p.steps == [
                .startMapHelper(
                    .newIDMap(
                        uid: [IDRange(inner: 0, outer: 1001, count: 1), IDRange(inner: 1, outer: 100000, count: 10)],
                        gid: nil)),
                .unshare([.user]), .releaseMapHelper, .writeSetgroups(.deny),
                .writeGIDMap(SingleID(inner: 0, outer: 1001)), .exec(["true"]),
            ])
    }

    @Test func ownerMergesTheSingleIDIntoTheHelpersMap() throws {
        var root = FakeSystem()
        root.euid = 0
        root.egid = 0
        let p = try plan(["--owner=1000:1000", "-r", "true"], root).get()
        #expect(p.strategy == .privilegedHelper)
        #expect(p.uidMap == [IDRange(inner: 0, outer: 0, count: 1)])
        #expect(
            p.steps == [
                .startMapHelper(
                    .privileged(
                        uid: [IDRange(inner: 0, outer: 0, count: 1)],
                        gid: [IDRange(inner: 0, outer: 0, count: 1)])), .becomeOwner(Owner(uid: 1000, gid: 1000)),
                .unshare([.user]),
                .releaseMapHelper, .exec(["true"]),
            ])
    }

    @Test func setgroupsAllowConflictsWithASelfWrittenGroupMap() {
        let text: ByteString = "options --setgroups=allow and --map-group are mutually exclusive"
        #expect(plan(["-r", "--setgroups=allow"]) == .failure(Failure(text)))
        #expect(plan(["--map-group=0", "--setgroups", "allow"]) == .failure(Failure(text)))
        // with a range map for groups the helper writes it, and allow is fine
        #expect(
            (try? plan(["-r", "--map-auto", "--setgroups=allow"]).get())?.steps.contains(.writeSetgroups(.allow))
                == true)
    }

    @Test func tooLargeForThePrivilegedHelper() {
        var root = FakeSystem()
        root.euid = 0
        let many = (0..<300).map { "--map-users=\($0 * 100000 + 1):\($0 * 100000 + 1):1000" }
        #expect(plan(many + ["true"], root) == .failure(Failure("/proc/4321/uid_map too large for kernel 4k limit")))
    }

    @Test func theFullOrderOfOperations() {
        var root = FakeSystem()
        root.euid = 0
        root.egid = 0
        let s = steps(
            [
                "--mount=/m", "-p", "-T", "--boottime=5", "--monotonic=7", "-f", "--kill-child=TERM",
                "--map-users=0:100000:10", "--map-group=0", "--setgroups=deny", "--propagation=slave",
                "-R", "/r", "--mount-proc", "-S", "1", "-G", "2", "--keep-caps", "-U",
                "--whitelist-env=PATH", "prog", "arg",
            ], root)
        #expect(
            s == [
                .startBindHelper([PersistTarget(namespace: .mount, file: "/m")]),
                .startMapHelper(.privileged(uid: [IDRange(inner: 0, outer: 100000, count: 10)], gid: nil)),
                .unshare([.mount, .pid, .time, .user]), .releaseMapHelper,
                .setTimeOffset(.boottime, 5), .setTimeOffset(.monotonic, 7),
                .fork(killChild: 15, forwardSignals: false, persist: .releaseHelper),
                .writeSetgroups(.deny), .writeGIDMap(SingleID(inner: 0, outer: 0)), .writeSetgroups(.deny),
                .setPropagation(.slave), .chroot("/r"), .chdir("/"), .mountProc("/proc"),
                .setgid(2), .setuid(1), .keepCapabilities, .clearEnvironment(keep: ["PATH"]), .exec(["prog", "arg"]),
            ])
    }

    @Test func persistenceWithoutUserOrMountNamespaceBindsDirectly() {
        #expect(
            steps(["--uts=/u", "true"]) == [
                .unshare([.uts]), .persist(.bindDirectly([PersistTarget(namespace: .uts, file: "/u")])),
                .exec(["true"]),
            ])
        let p = try? plan(["--uts=/u", "--net=/n", "true"]).get()
        #expect(
            p?.persistTargets == [
                PersistTarget(namespace: .uts, file: "/u"), PersistTarget(namespace: .net, file: "/n"),
            ])
    }

    @Test func mountProcMakesTheMountPointPrivateWhenPropagationChanged() {
        #expect(
            steps(["--mount-proc", "true"]) == [
                .unshare([.mount]), .setPropagation(.private), .mountProc("/proc"),
                .exec(["true"]),
            ])
        #expect(
            steps(["--mount-proc=/p", "--propagation=unchanged", "true"])
                == [.unshare([.mount]), .makeMountPointPrivate("/p"), .mountProc("/p"), .exec(["true"])])
        #expect(
            steps(["--mount-proc", "--propagation=shared", "-R", "/r", "true"])
                == [
                    .unshare([.mount]), .setPropagation(.shared), .chroot("/r"), .chdir("/"), .mountProc("/proc"),
                    .exec(["true"]),
                ])
    }

    @Test func propagationOnlyWithAMountNamespace() {
        #expect(steps(["--propagation=shared", "-u", "true"]) == [.unshare([.uts]), .exec(["true"])])
    }

    @Test func binfmtInterpreters() {
        let fixed = ":qemu:M::\\x7fELF::/usr/bin/qemu:F"
        #expect(
            steps(["-l", fixed, "-R", "/r", "true"]) == [
                .unshare([.mount, .user]), .setPropagation(.private),
                .loadFixedInterpreterBeforeChroot(directory: "/proc/sys/fs/binfmt_misc", definition: ByteString(fixed)),
                .chroot("/r"), .chdir("/"), .mountProc("/proc"), .mountBinfmt("/proc/sys/fs/binfmt_misc"),
                .exec(["true"]),
            ])
        let plain = ":qemu:M::\\x7fELF::/usr/bin/qemu:"
        #expect(
            steps(["-l", plain, "true"]) == [
                .unshare([.mount, .user]), .setPropagation(.private), .mountProc("/proc"),
                .mountBinfmt("/proc/sys/fs/binfmt_misc"),
                .loadInterpreter(directory: "/proc/sys/fs/binfmt_misc", definition: ByteString(plain)), .exec(["true"]),
            ])
    }

    @Test func wdWithoutRoot() {
        #expect(steps(["-w", "/tmp", "true"]) == [.unshare([]), .chdir("/tmp"), .exec(["true"])])
        #expect(
            steps(["-R", "/r", "-w", "/w", "true"]) == [.unshare([]), .chroot("/r"), .chdir("/w"), .exec(["true"])])
    }

    /// $SHELL is decided here, as the shell will see it; the passwd entry is
    /// left to exec (inside the namespace), so the plan never reads it.
    @Test func loginShellWhenNoProgram() {
        #expect(steps([]).last == .execShell(environment: "/bin/bash"))
        #expect(steps(["-r"]).last == .execShell(environment: "/bin/bash"))
        var noShellVar = FakeSystem()
        noShellVar.env = [:]
        #expect(steps([], noShellVar).last == .execShell(environment: nil))
        #expect(steps(["-r"], noShellVar).last == .execShell(environment: nil))
        var emptyShellVar = FakeSystem()
        emptyShellVar.env["SHELL"] = ""
        #expect(steps([], emptyShellVar).last == .execShell(environment: nil))
        #expect(steps(["--clear-env"]).last == .execShell(environment: nil))
        #expect(steps(["--whitelist-env=PATH"]).last == .execShell(environment: nil))
        #expect(steps(["--whitelist-env=SHELL"]).last == .execShell(environment: "/bin/bash"))
    }

    @Test func keepCapsOnlyWithAUserNamespace() {
        #expect(steps(["--keep-caps", "true"]) == [.unshare([]), .exec(["true"])])
        #expect(steps(["--keep-caps", "-U", "true"]) == [.unshare([.user]), .keepCapabilities, .exec(["true"])])
    }
}
