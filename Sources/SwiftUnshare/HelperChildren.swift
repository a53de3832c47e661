import CUnshareSys
import Glibc

/// The helper children forked before unshare: they stay in the original
/// namespaces and act on this process from outside once released.
extension Executor {
    mutating func startMapHelper() -> Failure? {
        var h = cu_map_helper()
        h.target = pid
        h.proc_dirfd = -1
        h.target_pidfd = -1
        h.envp = UnsafePointer(environ)
        if plan.strategy == .privilegedHelper {
            // Hold the target by a directory fd: no pid is named after this.
            h.privileged = 1
            h.proc_dirfd = open("/proc/\(pid)", cu_O_PATH | O_DIRECTORY | O_CLOEXEC)
            if h.proc_dirfd < 0 { return .system("cannot open /proc/\(pid)", .current) }
            if let lines = plan.uidMap {
                let text = Plan.mapText(lines)
                h.uid_text = UnsafePointer(CArrays.string(text))
                h.uid_len = text.bytes.count
            }
            if let lines = plan.gidMap {
                let text = Plan.mapText(lines)
                h.gid_text = UnsafePointer(CArrays.string(text))
                h.gid_len = text.bytes.count
            }
        } else {
            h.target_pidfd = cu_pidfd_open(pid)   // -1 on kernels without pidfds: the ppid check remains
            let path = getenv("PATH").map { ByteString(cString: $0) }
            if let lines = plan.uidMap {
                h.uid_argv = UnsafePointer(CArrays.array(Self.idmapperArguments("newuidmap", pid: pid, lines)))
                h.uid_paths = UnsafePointer(CArrays.array(CArrays.pathCandidates("newuidmap", path: path)))
            }
            if let lines = plan.gidMap {
                h.gid_argv = UnsafePointer(CArrays.array(Self.idmapperArguments("newgidmap", pid: pid, lines)))
                h.gid_paths = UnsafePointer(CArrays.array(CArrays.pathCandidates("newgidmap", path: path)))
            }
        }
        if cu_spawn_map_helper(&h, &mapHelper) != 0 { return .system("fork failed", .current) }
        if h.proc_dirfd >= 0 { close(h.proc_dirfd) }
        if h.target_pidfd >= 0 { close(h.target_pidfd) }
        return nil
    }

    /// `newuidmap <pid> inner outer count ...`
    static func idmapperArguments(_ tool: ByteString, pid: Int32, _ lines: [IDRange]) -> [ByteString] {
        [tool, "\(pid)"] + lines.flatMap { [ByteString("\($0.inner)"), "\($0.outer)", "\($0.count)"] }
    }

    func bindSources() -> [ByteString] {
        plan.persistTargets.map { "/proc/\(pid)/\($0.namespace.procFile)" }
    }

    mutating func startBindHelper() -> Failure? {
        let sources = bindSources().map { UnsafePointer(CArrays.string($0)) }
        let targets = plan.persistTargets.map { UnsafePointer(CArrays.string($0.file)) }
        let srcArray = UnsafeMutablePointer<UnsafePointer<CChar>>.allocate(capacity: max(sources.count, 1))
        let dstArray = UnsafeMutablePointer<UnsafePointer<CChar>>.allocate(capacity: max(targets.count, 1))
        for i in sources.indices {
            srcArray[i] = sources[i]
            dstArray[i] = targets[i]
        }
        var h = cu_bind_helper(target: pid, count: sources.count, sources: srcArray, targets: dstArray)
        if cu_spawn_bind_helper(&h, &bindHelper) != 0 { return .system("fork failed", .current) }
        return nil
    }

    /// Releases a helper and waits for it: its failure is ours, with its exit status.
    func release(_ handle: cu_helper_handle) -> Failure? {
        var helper = handle
        var report = cu_report()
        let status = cu_release_helper(&helper, &report)
        if status < 0 { return .system("waitpid failed", .current) }
        let code: Int32 = cu_wifexited(status) != 0 ? cu_wexitstatus(status) : 1
        if code == 0 { return nil }
        let e = Errno(report.err)
        switch Int(report.step) {
        case Int(CU_STEP_OPEN_UID_MAP.rawValue): return .system("failed to open /proc/\(pid)/uid_map", e, exitCode: code)
        case Int(CU_STEP_WRITE_UID_MAP.rawValue): return .system("failed to write /proc/\(pid)/uid_map", e, exitCode: code)
        case Int(CU_STEP_OPEN_GID_MAP.rawValue): return .system("failed to open /proc/\(pid)/gid_map", e, exitCode: code)
        case Int(CU_STEP_WRITE_GID_MAP.rawValue): return .system("failed to write /proc/\(pid)/gid_map", e, exitCode: code)
        case Int(CU_STEP_EXEC_NEWUIDMAP.rawValue): return .system("failed to execute newuidmap", e, exitCode: code)
        case Int(CU_STEP_EXEC_NEWGIDMAP.rawValue): return .system("failed to execute newgidmap", e, exitCode: code)
        case Int(CU_STEP_FORK.rawValue): return .system("fork failed", e, exitCode: code)
        case Int(CU_STEP_BIND.rawValue):
            let i = Int(report.index)
            let source = i < plan.persistTargets.count ? bindSources()[i] : ""
            let file = i < plan.persistTargets.count ? plan.persistTargets[i].file : ""
            return .system("mount \(source) on \(file) failed", e, exitCode: code)
        default:
            // The helper (newuidmap, say) printed its own message.
            return Failure(ByteString([]), exitCode: code)
        }
    }

    mutating func persist(_ action: PersistAction) -> Failure? {
        switch action {
        case .releaseHelper:
            return release(bindHelper)
        case .bindDirectly:
            for (source, target) in zip(bindSources(), plan.persistTargets) {
                let rc = source.withCString { s in target.file.withCString { t in cu_mount(s, t, nil, cu_MS_BIND) } }
                if rc != 0 { return .system("mount \(source) on \(target.file) failed", .current) }
            }
            return nil
        }
    }
}
