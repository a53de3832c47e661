// SPDX-License-Identifier: Apache-2.0
import Glibc

@testable import SwiftUnshare

/// podman mode's effects, recorded one line each after the core's
/// (RecordingSystemCalls), answered from plain values: a file system of
/// `nodes` (owner and st_mode; a successful mkdir or create adds one),
/// `links` and file `contents`, the executables on PATH, and how each
/// spawned process ends. Nothing touches the system.
class RecordingPodmanCalls: RecordingSystemCalls, PodmanSystemCalls {
    var euid: UInt32 = 1001
    var variables: [String: ByteString] = ["PATH": "/usr/bin:/bin"]
    var environment: [ByteString] = ["PATH=/usr/bin:/bin", "HOME=/home/tester", "XDG_RUNTIME_DIR=/elsewhere"]
    var cwd: ByteString? = "/home/tester/work"
    var blocked: Set<Int32> = [SIGUSR1, SIGINT]
    var nodes: [ByteString: FileFacts] = [
        "/": FileFacts(uid: 0, mode: 0o40755), "/tmp": FileFacts(uid: 0, mode: 0o41777),
        "/home": FileFacts(uid: 0, mode: 0o40755), "/home/tester": FileFacts(uid: 1001, mode: 0o40755),
    ]
    var links: [ByteString: ByteString] = [:]
    var contents: [ByteString: [UInt8]] = [:]
    var executables: Set<ByteString> = ["/usr/bin/id", "/usr/bin/newuidmap", "/usr/bin/newgidmap"]
    /// Descriptors opened on these paths are namespace files.
    var namespaceFiles: Set<ByteString> = []
    /// Every command spawned, in order, and the processes they became.
    var spawned: [UnshareCommand] = []
    var spawnFailure: SpawnError?
    /// How each spawned process (by pid, from 5000 up) ends.
    var endings: [Int32: ProcessEnding] = [:]

    private var nextPid: Int32 = 5000

    private func octal(_ mode: mode_t) -> String { String(mode, radix: 8) }

    override func readAll(_ fd: Int32) -> Result<[UInt8], Errno> {
        guard let name = paths[fd], let text = contents[ByteString(name)] else { return super.readAll(fd) }
        return record("read \(name)").map { text }
    }

    func variable(_ name: String) -> ByteString? { variables[name] }
    func setVariable(_ name: String, _ value: ByteString) {
        calls.append("setenv \(name)=\(value)")
        variables[name] = value
    }
    func environmentList() -> [ByteString] { environment }
    func currentDirectory() -> ByteString? {
        calls.append("getcwd")
        return cwd
    }
    func blockedSignals() -> Set<Int32> { blocked }
    func isTerminal(_ fd: Int32) -> Bool { true }
    func timestamp() -> ByteString { "2026-01-02T03:04:05Z" }

    func stat(_ path: ByteString, followLinks: Bool) -> Result<FileFacts, Errno> {
        record("\(followLinks ? "stat" : "lstat") \(path)").flatMap {
            if !followLinks, links[path] != nil { return .success(FileFacts(uid: euid, mode: 0o120777)) }
            return nodes[path].map { .success($0) } ?? .failure(Errno(ENOENT))
        }
    }
    func readLink(_ path: ByteString) -> Result<ByteString, Errno> {
        record("readlink \(path)").flatMap { links[path].map { .success($0) } ?? .failure(Errno(EINVAL)) }
    }
    func isExecutableFile(_ path: ByteString) -> Bool {
        calls.append("executable? \(path)")
        return executables.contains(path)
    }
    func fileCapability(_ path: ByteString) -> [UInt8] {
        calls.append("getxattr security.capability \(path)")
        return []
    }
    func mkdir(_ path: ByteString, _ mode: mode_t) -> Result<Void, Errno> {
        if nodes[path] != nil {
            calls.append("mkdir \(path) \(octal(mode))")
            return .failure(Errno(EEXIST))
        }
        return record("mkdir \(path) \(octal(mode))").map {
            nodes[path] = FileFacts(uid: euid, mode: 0o40000 | UInt32(mode))
        }
    }
    func chmod(_ path: ByteString, _ mode: mode_t) -> Result<Void, Errno> { record("chmod \(path) \(octal(mode))") }
    func unlink(_ path: ByteString) -> Result<Void, Errno> {
        record("unlink \(path)").map { nodes[path] = nil }
    }
    func create(_ path: ByteString, _ flags: Int32, _ mode: mode_t) -> Result<Int32, Errno> {
        record("create \(path) \(octal(mode))").map {
            if nodes[path] == nil { nodes[path] = FileFacts(uid: euid, mode: 0o100000 | UInt32(mode)) }
            return newFD("\(path)")
        }
    }
    func makeTemporaryFile(_ prefix: ByteString) -> Result<(fd: Int32, path: ByteString), Errno> {
        let path = prefix + "tmp123"
        return record("mkstemp \(prefix)XXXXXX").map { (newFD("\(path)"), path) }
    }
    func renameNoReplace(_ from: ByteString, _ to: ByteString) -> Result<Void, Errno> {
        record("rename \(from) to \(to), not replacing").map {
            nodes[to] = nodes[from] ?? FileFacts(uid: euid, mode: 0o100600)
            nodes[from] = nil
        }
    }
    func lock(_ fd: Int32) -> Result<Void, Errno> { record("lock \(paths[fd] ?? "?")") }
    func read(_ fd: Int32, upTo count: Int) -> Result<[UInt8], Errno> {
        let name = paths[fd] ?? "fd \(fd)"
        return record("read \(name) up to \(count)").map { Array((contents[ByteString(name)] ?? []).prefix(count)) }
    }
    func rewind(_ fd: Int32) { calls.append("rewind \(paths[fd] ?? "?")") }
    func readable(_ fd: Int32, milliseconds: Int32) -> Result<Bool, Errno> {
        record("poll \(paths[fd] ?? "?") for \(milliseconds) ms").map { true }
    }
    func pipe() -> Result<(read: Int32, write: Int32), Errno> {
        record("pipe").map { (newFD("pipe (read)"), newFD("pipe (write)")) }
    }
    func setns(_ fd: Int32, _ type: Int32) -> Result<Void, Errno> { record("setns \(paths[fd] ?? "?")") }
    func isNamespace(_ fd: Int32) -> Bool { namespaceFiles.contains(ByteString(paths[fd] ?? "")) }
    func becomeRoot() -> Result<Void, Errno> { record("become root") }
    func bindNewNetns(_ path: ByteString) -> Result<Void, Errno> { record("bind a new network namespace on \(path)") }

    func spawn(_ command: UnshareCommand) -> Result<UnsharedProcess, SpawnError> {
        let ns = Namespace.allCases.filter { command.namespaces.contains($0) }.map { "\($0)" }.joined(separator: ",")
        let words = ([command.executable] + command.arguments).map(\.description).joined(separator: " ")
        if case .failure(let e) = record("spawn \(words)" + (ns.isEmpty ? "" : " in new \(ns) namespaces")) {
            return .failure(SpawnError(.clone, strategy: .none, failure: .system("unshare failed", e)))
        }
        spawned.append(command)
        if let spawnFailure { return .failure(spawnFailure) }
        nextPid += 1
        return .success(UnsharedProcess(pid: nextPid, pidfd: -1, strategy: .none))
    }
    func send(_ signal: Int32, to process: UnsharedProcess) { calls.append("kill \(process.pid) with \(signal)") }
    func wait(for process: UnsharedProcess) -> Result<ProcessEnding, Errno> {
        record("reap \(process.pid)").map { endings[process.pid] ?? .exited(0) }
    }
    func waitWithoutReaping(_ process: UnsharedProcess) { calls.append("wait for \(process.pid) to end") }
    func runCaptured(_ path: ByteString, _ argv: [ByteString], environment: [ByteString], devnull: Int32)
        -> Result<CapturedRun, Errno>
    {
        record("run \(argv.map(\.description).joined(separator: " "))").map {
            CapturedRun(output: contents["output of \(path)"] ?? [])
        }
    }
    func spawnDetached(_ program: DetachedProgram) -> Result<Int32, Errno> {
        let argv = program.argv.map(\.description).joined(separator: " ")
        return record("start detached \(argv) (log \(paths[program.logFD] ?? "?"))").map {
            nextPid += 1
            return nextPid
        }
    }
    func pollChild(_ pid: Int32) -> Result<Int32?, Errno> { record("waitpid \(pid), no hang").map { nil } }
}

/// The plan for `args` against `system`, carried out against `sys`.
func executePodman(
    _ sys: RecordingPodmanCalls, _ system: PodmanFakeSystem = PodmanFakeSystem(), args: [ByteString] = ["id"],
    rootlessNetns: Bool = false
) -> Ending? {
    guard case .success(let plan) = podmanPlan(system, args: args, rootlessNetns: rootlessNetns) else { return nil }
    return PodmanExecutor(plan: plan, system: sys).run()
}
