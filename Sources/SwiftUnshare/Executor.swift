import CUnshareSys
import Glibc

/// Carries out a Plan, step by step, in the order it lists. Single-threaded
/// throughout; the only code that runs in forked helpers is CUnshareSys's.
public struct Executor {
    public let plan: Plan
    public let pid: Int32
    var mapHelper = cu_helper_handle(pid: 0, release_fd: -1, report_fd: -1)
    var bindHelper = cu_helper_handle(pid: 0, release_fd: -1, report_fd: -1)

    public init(plan: Plan, pid: Int32 = getpid()) {
        self.plan = plan
        self.pid = pid
    }

    /// Runs every step. Returns only on failure (success ends in exec, or in
    /// the fork parent mirroring the child's end).
    public mutating func run() -> Failure {
        _ = cu_default_signal(SIGCHLD)   // clear an inherited SIG_IGN, or waitpid fails
        for step in plan.steps {
            if let failure = perform(step) { return failure }
        }
        return Failure("nothing to execute")
    }

    private mutating func perform(_ step: Step) -> Failure? {
        switch step {
        case .startBindHelper: return startBindHelper()
        case .startMapHelper: return startMapHelper()
        case .becomeOwner(let owner):
            if cu_setgroups_none() != 0 { return .system("setgroups failed", .current) }
            if Glibc.setgid(owner.gid) != 0 { return .system("setgid() failed", .current) }
            if Glibc.setuid(owner.uid) != 0 { return .system("setuid() failed", .current) }
        case .unshare(let namespaces):
            if cu_unshare(Namespace.flags(namespaces)) != 0 { return .system("unshare failed", .current) }
        case .releaseMapHelper: return release(mapHelper)
        case .setTimeOffset(let clock, let seconds):
            return writeFile("/proc/self/timens_offsets", "\(clock.clockID) \(seconds) 0", openText: "failed to open",
                             writeText: "failed to write to")
        case .fork(let killChild, let forwardSignals, let persist):
            return forkAndWait(killChild: killChild, forwardSignals: forwardSignals, persist: persist)
        case .persist(let action): return self.persist(action)
        case .writeUIDMap(let id):
            return writeFile("/proc/self/uid_map", "\(id.inner) \(id.outer) 1", openText: "cannot open", writeText: "write failed")
        case .writeGIDMap(let id):
            return writeFile("/proc/self/gid_map", "\(id.inner) \(id.outer) 1", openText: "cannot open", writeText: "write failed")
        case .writeSetgroups(let mode):
            return writeFile("/proc/self/setgroups", ByteString(mode.rawValue), openText: "cannot open",
                             writeText: "write failed", ignoreMissing: true)
        case .setPropagation(let mode):
            if cu_mount("none", "/", nil, Self.flags(mode)) != 0 {
                return .system("cannot change root filesystem propagation", .current)
            }
        case .loadFixedInterpreterBeforeChroot(let definition):
            let dir: ByteString = "/proc/sys/fs/binfmt_misc"
            if let f = mountBinfmt(dir) { return f }
            return loadInterpreter(directory: dir, definition: definition)
        case .chroot(let dir):
            if dir.withCString({ Glibc.chroot($0) }) != 0 {
                return .system("cannot change root directory to '\(dir)'", .current)
            }
        case .chdir(let dir):
            if dir.withCString({ Glibc.chdir($0) }) != 0 {
                return .system("cannot change directory to \(dir)", .current)
            }
        case .makeMountPointPrivate(let dir):
            if dir.withCString({ cu_mount("none", $0, nil, cu_MS_PRIVATE | cu_MS_REC) }) != 0, errno != EINVAL {
                return .system("cannot change \(dir) filesystem propagation", .current)
            }
        case .mountProc(let dir):
            if dir.withCString({ cu_mount("proc", $0, "proc", cu_MS_NOSUID | cu_MS_NOEXEC | cu_MS_NODEV) }) != 0 {
                return .system("mount \(dir) failed", .current)
            }
        case .mountBinfmt(let dir): return mountBinfmt(dir)
        case .loadInterpreter(let dir, let definition): return loadInterpreter(directory: dir, definition: definition)
        case .setgid(let gid):
            if cu_setgroups_none() != 0 { return .system("setgroups failed", .current) }
            if Glibc.setgid(gid) < 0 { return .system("setgid() failed", .current) }
        case .setuid(let uid):
            if Glibc.setuid(uid) < 0 { return .system("setuid() failed", .current) }
        case .keepCapabilities:
            switch cu_permitted_to_ambient(Self.lastCapability()) {
            case 0: break
            case 1: return .system("capget failed", .current)
            case 2: return .system("capset failed", .current)
            default: return .system("prctl(PR_CAP_AMBIENT) failed", .current)
            }
        case .clearEnvironment(let keep):
            Self.clearEnvironment(keeping: keep)
        case .exec(let command):
            let argv = CArrays.array(command)
            execvp(argv[0]!, argv)
            return Self.execFailure(command[0])
        case .execShell(let path, let argv0):
            let argv = CArrays.array([argv0])
            execv(CArrays.string(path), argv)
            return Self.execFailure(path)
        }
        return nil
    }

    /// util-linux's errexec(): 127 when the program is not there, else 126.
    static func execFailure(_ program: ByteString) -> Failure {
        let e = Errno.current
        return .system("failed to execute \(program)", e, exitCode: e.rawValue == ENOENT ? 127 : 126)
    }

    static func flags(_ mode: Propagation) -> UInt {
        switch mode {
        case .slave: return cu_MS_REC | cu_MS_SLAVE
        case .shared: return cu_MS_REC | cu_MS_SHARED
        case .private: return cu_MS_REC | cu_MS_PRIVATE
        case .unchanged: return 0
        }
    }

    // MARK: Files

    private func writeFile(_ path: ByteString, _ text: ByteString, openText: String, writeText: String,
                           ignoreMissing: Bool = false) -> Failure? {
        let fd = path.withCString { open($0, O_WRONLY | O_CLOEXEC) }
        if fd < 0 {
            if ignoreMissing && errno == ENOENT { return nil }
            return .system("\(openText) \(path)", .current)
        }
        defer { close(fd) }
        if !Self.writeAll(fd, text.bytes) { return .system("\(writeText) \(path)", .current) }
        return nil
    }

    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                return false
            }
            offset += n
        }
        return true
    }

    private func mountBinfmt(_ dir: ByteString) -> Failure? {
        if dir.withCString({ cu_mount("binfmt_misc", $0, "binfmt_misc", cu_MS_NOSUID | cu_MS_NOEXEC | cu_MS_NODEV) }) != 0 {
            return .system("mount \(dir) failed", .current)
        }
        return nil
    }

    private func loadInterpreter(directory: ByteString, definition: ByteString) -> Failure? {
        let dirfd = directory.withCString { open($0, cu_O_PATH | O_DIRECTORY | O_CLOEXEC) }
        if dirfd < 0 { return .system("cannot open \(directory)", .current) }
        defer { close(dirfd) }
        let fd = openat(dirfd, "register", O_WRONLY | O_CLOEXEC)
        if fd < 0 { return .system("cannot open \(directory)/register", .current) }
        defer { close(fd) }
        if !Self.writeAll(fd, definition.bytes) { return .system("write failed \(directory)/register", .current) }
        return nil
    }

    static func lastCapability() -> Int32 {
        let fd = open("/proc/sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return 40 }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 16)
        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard n > 0, case .success(let v) = NumberParsing.unsigned32(
            ByteString(Array(buffer[..<n].prefix(while: { $0 != 0x0a })))), v < 64 else { return 40 }
        return Int32(v)
    }

    static func clearEnvironment(keeping names: [ByteString]) {
        var kept: [(ByteString, ByteString)] = []
        for name in names {
            if let value = name.withCString({ getenv($0) }) { kept.append((name, ByteString(cString: value))) }
        }
        clearenv()
        for (name, value) in kept {
            _ = name.withCString { n in value.withCString { v in setenv(n, v, 1) } }
        }
    }
}
