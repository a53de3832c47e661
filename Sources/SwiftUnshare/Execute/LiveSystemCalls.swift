// SPDX-License-Identifier: Apache-2.0
import CUnshareSys
import Glibc

/// The real system: each call goes through `Sys` or CUnshareSys.
package struct LiveSystemCalls: SystemCalls {
    package init() {}

    package func unshare(_ flags: Int32) -> Result<Void, Errno> { Sys.unshare(flags) }
    package func mount(
        _ source: ByteString?, _ target: ByteString, _ type: ByteString?,
        _ flags: UInt
    ) -> Result<Void, Errno> { Sys.mount(source, target, type, flags) }
    package func setgroupsNone() -> Result<Void, Errno> { Sys.setgroupsNone() }
    package func setgid(_ gid: UInt32) -> Result<Void, Errno> { Sys.setgid(gid) }
    package func setuid(_ uid: UInt32) -> Result<Void, Errno> { Sys.setuid(uid) }
    package func chroot(_ path: ByteString) -> Result<Void, Errno> { Sys.chroot(path) }
    package func chdir(_ path: ByteString) -> Result<Void, Errno> { Sys.chdir(path) }
    package func open(_ path: ByteString, _ flags: Int32) -> Result<Int32, Errno> { Sys.open(path, flags) }
    package func openAt(_ dirfd: Int32, _ name: ByteString, _ flags: Int32) -> Result<Int32, Errno> {
        Sys.openAt(dirfd, name, flags)
    }
    package func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Result<Void, Errno> { Sys.writeAll(fd, bytes) }
    package func readAll(_ fd: Int32) -> Result<[UInt8], Errno> { Sys.readAll(fd) }
    package func close(_ fd: Int32) { Sys.close(fd) }

    package func raiseAmbientCapabilities() -> Result<Void, Failure> {
        let calls: [ByteString] = ["capget", "capset", "prctl(PR_CAP_AMBIENT)"]
        let lastCapability = Self.lastCapability()
        var step: Int32 = 0  // which call failed: 1 capget, 2 capset, 3 prctl
        let raised = nothingOrErrno(retryOnInterrupt: false) { () -> Int32 in
            step = cu_permitted_to_ambient(lastCapability)
            return step == 0 ? 0 : -1
        }
        return raised.mapError { Failure(.call(calls[Int(min(max(step, 1), 3)) - 1]), $0) }
    }

    /// /proc/sys/kernel/cap_last_cap (40 when it cannot be read).
    static func lastCapability() -> Int32 {
        guard case .success(let bytes) = Sys.readFile("/proc/sys/kernel/cap_last_cap"),
            case .success(let v) = NumberParsing.unsigned32(ByteString(Array(bytes.prefix(while: { $0 != 0x0a })))),
            v < 64
        else { return 40 }
        return Int32(v)
    }

    package func clearEnvironment(keeping names: [ByteString]) {
        var kept: [(ByteString, ByteString)] = []
        for name in names {
            if let value = name.withCString({ getenv($0) }) { kept.append((name, ByteString(cString: value))) }
        }
        clearenv()
        for (name, value) in kept {
            _ = name.withCString { n in value.withCString { v in setenv(n, v, 1) } }
        }
    }

    package func execvp(_ argv: [ByteString]) -> Errno { Sys.execvp(argv) }
    package func execv(_ path: ByteString, _ argv: [ByteString]) -> Errno { Sys.execv(path, argv) }
    /// Through LiveSystem's lookup: the static binary reads /etc/passwd (of
    /// the new root, after --root) and asks getent(1) on a miss.
    package func shellOfCurrentUser() -> ByteString? {
        guard let shell = LiveSystem().user(id: getuid())?.shell, !shell.isEmpty else { return nil }
        return shell
    }

    package func defaultSignal(_ signal: Int32) -> Result<Void, Errno> { Sys.defaultSignal(signal) }
    package func blockSignals(_ signals: [Int32]) -> Result<Void, Errno> { Sys.blockSignals(signals) }
    package func forwardSignals(_ signals: [Int32]) -> Result<Void, Errno> { Sys.forwardSignals(signals) }
    package func setForwardTarget(_ pid: Int32) { cu_set_forward_target(pid) }
    package func resetForwardedSignals() -> Result<Void, Errno> {
        Sys.resetForwardedSignals()
    }
    package func restoreSignalMask() -> Result<Void, Errno> { Sys.restoreSignalMask() }
    package func unblockSignal(_ signal: Int32) -> Result<Void, Errno> { Sys.unblockSignal(signal) }
    package func raise(_ signal: Int32) { _ = kill(getpid(), signal) }
    package func pidfdOpen(_ pid: Int32) -> Result<Int32, Errno> { Sys.pidfdOpen(pid) }
    package func pidfdEnded(_ fd: Int32) -> Result<Bool, Errno> { Sys.pidfdEnded(fd) }
    package func setParentDeathSignal(_ signal: Int32) -> Result<Void, Errno> { Sys.setParentDeathSignal(signal) }
    package func fork() -> Result<Int32, Errno> { Sys.fork() }
    package func wait(_ pid: Int32) -> Result<ProcessEnding, Errno> { Sys.wait(pid) }

    // MARK: Helper children (the C structs point at copies that live until exec or exit)

    package func spawnMapWriter(
        target: Int32, procDirFD: Int32, uidMap: ByteString?,
        gidMap: ByteString?
    ) -> Result<HelperHandle, Errno> {
        let arena = CArena(.process)
        var h = cu_map_writer()
        h.target = target
        h.proc_dirfd = procDirFD
        if let uidMap {
            h.uid_text = UnsafePointer(arena.string(uidMap))
            h.uid_len = uidMap.bytes.count
        }
        if let gidMap {
            h.gid_text = UnsafePointer(arena.string(gidMap))
            h.gid_len = gidMap.bytes.count
        }
        return Self.spawn { cu_spawn_map_writer(&h, $0) }
    }

    package func spawnIDMappers(_ tools: [IDMapperRequest], target: Int32, targetPidfd: Int32) -> Result<
        [HelperHandle], Errno
    > {
        let path = getenv("PATH").map { ByteString(cString: $0) }
        let arena = CArena(.process)
        // Plain C memory for the C structs, as for the bind helper: an array
        // of each would be two more types the runtime makes on this path.
        let n = tools.count
        let specs = UnsafeMutablePointer<cu_idmapper>.allocate(capacity: max(n, 1))
        let out = UnsafeMutablePointer<cu_helper_handle>.allocate(capacity: max(n, 1))
        defer {
            specs.deallocate()
            out.deallocate()
        }
        for (i, tool) in tools.enumerated() {
            specs[i] = cu_idmapper(
                target: target, target_pidfd: targetPidfd, step: tool.step.rawValue, hold_stderr: 0,
                argv: UnsafePointer(arena.array(tool.argv)),
                paths: UnsafePointer(arena.array(ExecPath.presentCandidates(tool.argv[0], path: path))),
                envp: UnsafePointer(environ))
            out[i] = cu_helper_handle(pid: 0, release_fd: -1, report_fd: -1, stderr_fd: -1, release_count: 0)
        }
        return nothingOrErrno(retryOnInterrupt: false) { cu_spawn_idmappers(specs, n, out) }.map {
            (0..<n).map { i in
                HelperHandle(
                    pid: out[i].pid, releaseFD: out[i].release_fd, reportFD: out[i].report_fd,
                    stderrFD: out[i].stderr_fd, releaseCount: out[i].release_count)
            }
        }
    }

    package func spawnBindHelper(
        target: Int32, sources: [ByteString],
        targets: [ByteString]
    ) -> Result<HelperHandle, Errno> {
        let count = sources.count
        let arena = CArena(.process)
        let src = UnsafeMutablePointer<UnsafePointer<CChar>>.allocate(capacity: max(count, 1))
        let dst = UnsafeMutablePointer<UnsafePointer<CChar>>.allocate(capacity: max(count, 1))
        for i in 0..<count {
            src[i] = UnsafePointer(arena.string(sources[i]))
            dst[i] = UnsafePointer(arena.string(targets[i]))
        }
        var h = cu_bind_helper(target: target, count: count, sources: src, targets: dst)
        return Self.spawn { cu_spawn_bind_helper(&h, $0) }
    }

    private static func spawn(_ call: (UnsafeMutablePointer<cu_helper_handle>) -> Int32) -> Result<HelperHandle, Errno>
    {
        var out = cu_helper_handle(pid: 0, release_fd: -1, report_fd: -1, stderr_fd: -1, release_count: 0)
        return nothingOrErrno(retryOnInterrupt: false) { call(&out) }.map {
            HelperHandle(
                pid: out.pid, releaseFD: out.release_fd, reportFD: out.report_fd, stderrFD: out.stderr_fd,
                releaseCount: out.release_count)
        }
    }

    package func releaseHelper(_ handle: HelperHandle) -> Result<Void, Errno> {
        var h = Self.cHandle(handle)
        return nothingOrErrno(retryOnInterrupt: false) { cu_release_helper(&h) }
    }

    package func waitHelper(_ handle: HelperHandle) -> Result<(ProcessEnding, HelperReport?), Errno> {
        var h = Self.cHandle(handle)
        var status: Int32 = 0
        var report = cu_report()
        return nothingOrErrno(retryOnInterrupt: false) { cu_wait_helper(&h, &status, &report) }.map {
            let step = HelperStep(rawValue: report.step)
            return (
                ProcessEnding(status: status),
                step.map { HelperReport(step: $0, errno: Errno(report.err), index: Int(report.index)) }
            )
        }
    }

    private static func cHandle(_ h: HelperHandle) -> cu_helper_handle {
        cu_helper_handle(
            pid: h.pid, release_fd: h.releaseFD, report_fd: h.reportFD, stderr_fd: h.stderrFD,
            release_count: h.releaseCount)
    }
}
