// SPDX-License-Identifier: Apache-2.0
import CUnshareSys
import Glibc

/// Joining (or first making) podman's rootless network namespace, from inside
/// podman's user and mount namespace, as root there: the namespace is bound
/// at `path` and given `tap0` (10.0.2.100/24, default route) by slirp4netns;
/// the command then runs in it, in a new mount namespace where /run and
/// /var/lib/cni are podman's copies for the namespace (RootlessNetns+Mounts).
enum RootlessNetns {
    static func enter(_ p: RootlessNetnsPlan, _ sys: some PodmanSystemCalls) -> Result<Void, Failure> {
        if case .failure(let e) = PodmanIO.mkdirAll(p.tmpDir, mode: 0o700, sys) {
            return .failure(
                Failure.podman(
                    "failed to get rootless-netns lockfile: mkdir \(p.tmpDir): \(GoText.errnoText(e.rawValue))")
            )
        }
        let lock: Int32
        switch sys.create(p.lockFile, O_RDWR, 0o644) {
        case .failure(let e):
            return .failure(
                Failure.podman(
                    "failed to get rootless-netns lockfile: open \(p.lockFile): \(GoText.errnoText(e.rawValue))"))
        case .success(let fd): lock = fd
        }
        _ = sys.lock(lock)
        let made = prepare(p, sys)
        sys.close(lock)  // unlocked before the command runs, as podman does
        if case .failure(let e) = made { return .failure(e) }
        return enterNamespace(p, sys)
    }

    /// Under the lock: the namespace, made when it is not there.
    private static func prepare(_ p: RootlessNetnsPlan, _ sys: some PodmanSystemCalls) -> Result<Void, Failure> {
        if case .failure(let e) = PodmanIO.mkdirAll(p.dir, mode: 0o700, sys) {
            return .failure(
                Failure.podman(
                    "could not create rootless-netns directory: mkdir \(p.dir): \(GoText.errnoText(e.rawValue))"))
        }
        if !isNamespace(p.path, sys) {
            if case .failure(let e) = create(p, sys) { return .failure(e) }
        }
        // podman adds /usr/sbin to PATH for the programs it runs there.
        let path = sys.variable("PATH") ?? ""
        if !path.bytes.containsSequence(Array("/usr/sbin".utf8)) { sys.setVariable("PATH", path + ":/usr/sbin") }
        return .success(())
    }

    /// Whether `path` opens as a namespace file (nsfs or proc).
    static func isNamespace(_ path: ByteString, _ sys: some PodmanSystemCalls) -> Bool {
        guard case .success(let fd) = sys.open(path, O_RDONLY | O_CLOEXEC) else { return false }
        defer { sys.close(fd) }
        return sys.isNamespace(fd)
    }

    private static func create(_ p: RootlessNetnsPlan, _ sys: some PodmanSystemCalls) -> Result<Void, Failure> {
        let fail = { (what: ByteString) in Failure.podman("creating rootless network namespace: \(what)") }
        if case .failure(let e) = PodmanIO.mkdirAll(p.nsDir, mode: 0o755, sys) {
            return .failure(fail("mkdir \(p.nsDir): \(GoText.errnoText(e.rawValue))"))
        }
        // The folder is made a shared mount (bound on itself first if need be).
        var shared = sys.mount("", p.nsDir, "none", cu_MS_SHARED | cu_MS_REC)
        if case .failure(let e) = shared, e.rawValue == EINVAL {
            shared = sys.mount(p.nsDir, p.nsDir, "none", cu_MS_BIND | cu_MS_REC).flatMap {
                sys.mount("", p.nsDir, "none", cu_MS_SHARED | cu_MS_REC)
            }
        }
        if case .failure(let e) = shared {
            return .failure(
                fail(
                    "mount --make-rshared \(p.nsDir) failed: \(GoText.quote(ByteString(GoText.errnoText(e.rawValue))))")
            )
        }
        if case .failure(let e) = PodmanIO.createFile(p.path, "", mode: 0o666, sys) {
            return .failure(fail("open \(p.path): \(GoText.errnoText(e.rawValue))"))
        }
        if case .failure(let e) = sys.bindNewNetns(p.path) {
            _ = sys.unlink(p.path)
            return .failure(fail("failed to bind mount ns at \(p.path): \(GoText.errnoText(e.rawValue))"))
        }
        switch Slirp4netns.start(p, sys) {
        case .failure(let e):
            return .failure(e)
        case .success:
            break
        }
        if case .failure(let e) = PodmanIO.createFile(
            p.inDir("resolv.conf"), Slirp4netns.resolvConf(sys), mode: 0o644, sys)
        {
            return .failure(
                Failure.podman(
                    "failed to create rootless netns resolv.conf: open \(p.inDir("resolv.conf")): \(GoText.errnoText(e.rawValue))"
                ))
        }
        for (sub, what) in [("var/lib/cni", "var"), ("run", "run"), ("run/systemd", "systemd")] {
            if case .failure(let e) = PodmanIO.mkdirAll(p.inDir(ByteString(sub)), mode: 0o700, sys) {
                return .failure(
                    Failure.podman("could not create rootless-netns \(what) directory: \(GoText.errnoText(e.rawValue))")
                )
            }
        }
        if case .failure(let e) = PodmanIO.mkdirAll(GoText.joinPath(p.dir, p.nsDir), mode: 0o700, sys) {
            return .failure(
                Failure.podman("could not create rootless-netns netns directory: \(GoText.errnoText(e.rawValue))"))
        }
        return .success(())
    }

    /// Into the network namespace, then a new mount namespace with podman's binds.
    private static func enterNamespace(_ p: RootlessNetnsPlan, _ sys: some PodmanSystemCalls) -> Result<Void, Failure> {
        let joined = sys.open(p.path, O_RDONLY | O_CLOEXEC).flatMap { fd in
            defer { sys.close(fd) }
            return sys.setns(fd, cu_CLONE_NEWNET)
        }
        if case .failure(let e) = joined {
            return .failure(
                Failure.podman(
                    "getting rootless network namespace: failed to Statfs \"\(p.path)\": \(GoText.errnoText(e.rawValue))"
                ))
        }
        if case .failure(let e) = sys.unshare(cu_CLONE_NEWNS) {
            return .failure(Failure.podman("cannot create a new mount namespace: \(GoText.errnoText(e.rawValue))"))
        }
        return RootlessNetnsMounts.apply(p, sys)
    }
}
