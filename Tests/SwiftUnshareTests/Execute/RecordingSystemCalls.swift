// SPDX-License-Identifier: Apache-2.0
import Glibc

@testable import SwiftUnshare

/// A SystemCalls that does nothing but record each call as one line, and
/// answers from plain values: the executor's effects, checked without root.
/// RecordingPodmanCalls (Podman/Execute) adds podman mode's.
class RecordingSystemCalls: SystemCalls {
    var calls: [String] = []
    /// A call (its recorded line) that fails, with this errno.
    var failures: [String: Errno] = [:]
    /// What fork returns: 0 plays the child, a pid plays the parent.
    var forkResult: Int32 = 0
    /// How the forked child ends, for the parent's wait.
    var childEnd: ProcessEnding = .exited(0)
    /// How each helper (by name: newuidmap, newgidmap, map helper, bind helper) ends.
    var helperEnds: [String: (ProcessEnding, HelperReport?)] = [:]
    /// What a helper with held stderr wrote there.
    var heldStderr: [String: [UInt8]] = [:]
    var execErrno = Errno(ENOENT)
    /// The shell of the passwd entry of getuid() at exec.
    var currentUserShell: ByteString? = "/bin/zsh"

    /// What each descriptor is, as the lines name it.
    var paths: [Int32: String] = [1: "stdout", 2: "stderr"]
    private var helperNames: [Int32: String] = [:]
    private var nextFD: Int32 = 10

    /// Called with each line as it is recorded, before it is answered (a test's
    /// way to change the world at a given call).
    var onCall: ((String) -> Void)?

    func record(_ line: String) -> Result<Void, Errno> {
        calls.append(line)
        onCall?(line)
        if let e = failures[line] { return .failure(e) }
        return .success(())
    }

    func newFD(_ name: String) -> Int32 {
        nextFD += 1
        paths[nextFD] = name
        return nextFD
    }

    private func names(_ flags: Int32) -> String {
        let all: [(Namespace, String)] = [
            (.user, "user"), (.cgroup, "cgroup"), (.ipc, "ipc"), (.uts, "uts"),
            (.net, "net"), (.pid, "pid"), (.mount, "mount"), (.time, "time"),
        ]
        return all.filter { flags & $0.0.cloneFlag != 0 }.map(\.1).joined(separator: ",")
    }

    func unshare(_ flags: Int32) -> Result<Void, Errno> { record("unshare \(names(flags))") }
    func mount(_ source: ByteString?, _ target: ByteString, _ type: ByteString?, _ flags: UInt) -> Result<Void, Errno> {
        record(
            "mount \(source.map(String.init(describing:)) ?? "-") \(target) \(type.map(String.init(describing:)) ?? "-")"
        )
    }
    func setgroupsNone() -> Result<Void, Errno> { record("setgroups none") }
    func setgid(_ gid: UInt32) -> Result<Void, Errno> { record("setgid \(gid)") }
    func setuid(_ uid: UInt32) -> Result<Void, Errno> { record("setuid \(uid)") }
    func chroot(_ path: ByteString) -> Result<Void, Errno> { record("chroot \(path)") }
    func chdir(_ path: ByteString) -> Result<Void, Errno> { record("chdir \(path)") }
    func open(_ path: ByteString, _ flags: Int32) -> Result<Int32, Errno> {
        record("open \(path)").map { newFD("\(path)") }
    }
    func openAt(_ dirfd: Int32, _ name: ByteString, _ flags: Int32) -> Result<Int32, Errno> {
        let path = "\(paths[dirfd] ?? "?")/\(name)"
        return record("open \(path)").map { newFD(path) }
    }
    func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Result<Void, Errno> {
        record("write \(paths[fd] ?? "fd \(fd)"): \(String(decoding: bytes, as: UTF8.self))")
    }
    func readAll(_ fd: Int32) -> Result<[UInt8], Errno> {
        let name = paths[fd] ?? "fd \(fd)"
        return record("read \(name)").map { heldStderr[helperNames[fd] ?? ""] ?? [] }
    }
    func close(_ fd: Int32) { calls.append("close \(paths[fd] ?? "fd \(fd)")") }
    func raiseAmbientCapabilities() -> Result<Void, Failure> {
        record("raise ambient capabilities").mapError { Failure(.call("capset"), $0) }
    }
    func clearEnvironment(keeping names: [ByteString]) { calls.append("clear environment keeping \(names)") }
    func execvp(_ argv: [ByteString]) -> Errno {
        calls.append("execvp \(argv.map(\.description).joined(separator: " "))")
        return execErrno
    }
    func execv(_ path: ByteString, _ argv: [ByteString]) -> Errno {
        calls.append("execv \(path) \(argv.map(\.description).joined(separator: " "))")
        return execErrno
    }
    func shellOfCurrentUser() -> ByteString? {
        calls.append("passwd entry of getuid()")
        return currentUserShell
    }

    func defaultSignal(_ signal: Int32) -> Result<Void, Errno> { record("default signal \(signal)") }
    func blockSignals(_ signals: [Int32]) -> Result<Void, Errno> { record("block signals \(signals)") }
    func forwardSignals(_ signals: [Int32]) -> Result<Void, Errno> { record("forward signals \(signals)") }
    func setForwardTarget(_ pid: Int32) { calls.append("forward to \(pid)") }
    func resetForwardedSignals() -> Result<Void, Errno> {
        record("reset forwarded signals to default")
    }
    func restoreSignalMask() -> Result<Void, Errno> { record("restore signal mask") }
    func unblockSignal(_ signal: Int32) -> Result<Void, Errno> { record("unblock signal \(signal)") }
    func raise(_ signal: Int32) { calls.append("raise \(signal)") }
    func pidfdOpen(_ pid: Int32) -> Result<Int32, Errno> { record("pidfd_open \(pid)").map { newFD("pidfd \(pid)") } }
    func pidfdEnded(_ fd: Int32) -> Result<Bool, Errno> { record("poll \(paths[fd] ?? "?")").map { false } }
    func setParentDeathSignal(_ signal: Int32) -> Result<Void, Errno> { record("pdeathsig \(signal)") }
    func fork() -> Result<Int32, Errno> { record("fork").map { forkResult } }
    func wait(_ pid: Int32) -> Result<ProcessEnding, Errno> { record("wait \(pid)").map { childEnd } }

    private func helper(_ name: String, holdStderr: Bool = false) -> HelperHandle {
        let handle = HelperHandle(
            pid: 100 + Int32(helperNames.count), releaseFD: newFD("release \(name)"),
            reportFD: newFD("report \(name)"),
            stderrFD: holdStderr ? newFD("held stderr of \(name)") : -1)
        for fd in [handle.releaseFD, handle.reportFD, handle.stderrFD] where fd >= 0 { helperNames[fd] = name }
        return handle
    }

    func spawnMapWriter(
        target: Int32, procDirFD: Int32, uidMap: ByteString?,
        gidMap: ByteString?
    ) -> Result<HelperHandle, Errno> {
        record(
            "spawn map helper for \(target) via \(paths[procDirFD] ?? "?"): uid_map \(uidMap.map(\.description) ?? "-")"
                + ", gid_map \(gidMap.map(\.description) ?? "-")"
        ).map { helper("map helper") }
    }
    func spawnIDMappers(_ tools: [IDMapperRequest], target: Int32, targetPidfd: Int32) -> Result<
        [HelperHandle], Errno
    > {
        var handles: [HelperHandle] = []
        for tool in tools {
            let holdStderr = !handles.isEmpty
            let held = holdStderr ? " (stderr held)" : ""
            let closing = handles.first.map { " (closes \(paths[$0.releaseFD] ?? "?"))" } ?? ""
            if case .failure(let e) = record(
                "spawn \(tool.argv.map(\.description).joined(separator: " "))\(held)\(closing)")
            {
                return .failure(e)
            }
            handles.append(helper("\(tool.argv[0])", holdStderr: holdStderr))
        }
        return .success(handles)
    }
    func spawnBindHelper(target: Int32, sources: [ByteString], targets: [ByteString]) -> Result<HelperHandle, Errno> {
        record("spawn bind helper: \(zip(sources, targets).map { "\($0) on \($1)" }.joined(separator: ", "))")
            .map { helper("bind helper") }
    }
    func releaseHelper(_ handle: HelperHandle) -> Result<Void, Errno> {
        record("release \(helperNames[handle.releaseFD] ?? "?")")
    }
    func waitHelper(_ handle: HelperHandle) -> Result<(ProcessEnding, HelperReport?), Errno> {
        let name = helperNames[handle.releaseFD] ?? "?"
        return record("wait \(name)").map { helperEnds[name] ?? (.exited(0), nil) }
    }
}

/// The plan for `words` (after "unshare"), as FakeSystem's user with pid 4321.
func planFor(_ words: [String], _ system: FakeSystem = FakeSystem()) -> Plan? {
    guard let o = options(words, system) else { return nil }
    return try? Plan.build(o, context: system, pid: 4321).get()
}

/// Runs the plan for `words` against `sys`; the ending (exec fails in the fake).
func execute(_ words: [String], _ sys: RecordingSystemCalls, _ system: FakeSystem = FakeSystem()) -> Ending? {
    guard let p = planFor(words, system) else { return nil }
    var executor = Executor(plan: p, pid: 4321, system: sys)
    return executor.run()
}

var rootContext: FakeSystem {
    var system = FakeSystem()
    system.euid = 0
    system.egid = 0
    system.files["/etc/subuid"] = "root:100000:65536\n"
    system.files["/etc/subgid"] = "root:100000:65536\n"
    return system
}
