import CUnshareSys
import Glibc

/// The mounts podman's RootlessNetNS.Do makes in the command's new mount
/// namespace, in its order: the runtime dir kept reachable, /run/systemd
/// kept, the namespace's resolv.conf over /etc/resolv.conf (or over its
/// target under /run), podman's /var/lib/cni, and podman's /run.
enum RootlessNetnsMounts {
    static func apply(_ p: RootlessNetnsPlan) -> Result<Void, PodmanError> {
        func bind(_ source: ByteString, _ target: ByteString, _ flags: UInt) -> Int32 {
            source.withCString { s in target.withCString { t in cu_mount(s, t, "none", flags) } }
        }
        func failed(_ what: ByteString) -> Result<Void, PodmanError> {
            .failure(PodmanError("\(what): \(GoText.errnoText(errno))"))
        }
        if bind(p.runtimeDir, p.inDir(p.runtimeDir), cu_MS_BIND | cu_MS_SHARED | cu_MS_REC) != 0 {
            return failed("failed to mount runtime directory for rootless netns")
        }
        var st = stat()
        if stat("/run/systemd", &st) == 0, bind("/run/systemd", p.inDir("/run/systemd"), cu_MS_BIND | cu_MS_REC) != 0 {
            return failed("failed to mount /run/systemd directory for rootless netns")
        }
        var resolvePath: ByteString
        switch resolvConfTarget() {
        case .failure(let e): return .failure(e)
        case .success(let path): resolvePath = path
        }
        if resolvePath.hasPrefix("/run/systemd/resolve/") {
            let target = p.inDir("/run/systemd/resolve")
            if target.withCString({ cu_mount("", $0, "tmpfs", cu_MS_NOEXEC | cu_MS_NOSUID | cu_MS_NODEV) }) != 0 {
                return failed("failed to mount tmpfs on \(GoText.quote(target)) for rootless netns")
            }
        }
        if resolvePath.hasPrefix("/run/") {
            resolvePath = p.inDir(resolvePath)
            if case .failure(let e) = PodmanIO.mkdirAll(GoText.cleanPath(resolvePath + "/.."), mode: 0o700) {
                errno = e.rawValue
                return failed("failed to create rootless-netns resolv.conf directory")
            }
            let fd = resolvePath.withCString { open($0, O_RDONLY | O_CREAT | O_CLOEXEC, 0o700) }
            if fd < 0 { return failed("failed to create rootless-netns resolv.conf file") }
            close(fd)
        }
        if bind(p.inDir("resolv.conf"), resolvePath, cu_MS_BIND) != 0 {
            return failed("failed to mount resolv.conf for rootless netns")
        }
        var varTarget: ByteString = "/var/lib/cni"
        var varDir: ByteString?
        while true {
            if varTarget.withCString({ stat($0, &st) }) == 0 {
                varDir = p.inDir(varTarget)
                break
            }
            varTarget = GoText.cleanPath(varTarget + "/..")
            if varTarget == "/" { break }
        }
        guard let varDir else { return .failure(PodmanError("failed to stat /var directory")) }
        if bind(varDir, varTarget, cu_MS_BIND) != 0 { return failed("failed to mount \(varTarget) for rootless netns") }
        if bind(p.inDir("run"), "/run", cu_MS_BIND | cu_MS_REC) != 0 {
            return failed("failed to mount /run for rootless netns")
        }
        return .success(())
    }

    /// /etc/resolv.conf with its symlinks followed one component at a time,
    /// stopping at the first target under /run/ (podman's walk).
    static func resolvConfTarget() -> Result<ByteString, PodmanError> {
        var path = Array("/etc/resolv.conf".utf8)
        var links = 0
        var i = 1
        while i <= path.count {
            if i < path.count && path[i] != UInt8(ascii: "/") {
                i += 1
                continue
            }
            let prefix = ByteString(Array(path[..<i]))
            var st = stat()
            if prefix.withCString({ lstat($0, &st) }) != 0 {
                return .failure(
                    PodmanError("failed to stat resolv.conf path: lstat \(prefix): \(GoText.errnoText(errno))"))
            }
            guard st.st_mode & S_IFMT == S_IFLNK else {
                i += 1
                continue
            }
            var buffer = [CChar](repeating: 0, count: 4096)
            let n = prefix.withCString { readlink($0, &buffer, buffer.count) }
            if n < 0 {
                return .failure(
                    PodmanError("failed to read resolv.conf symlink: readlink \(prefix): \(GoText.errnoText(errno))"))
            }
            let link = ByteString(buffer[..<n].map { UInt8(bitPattern: $0) })
            links += 1
            let rest = ByteString(Array(path[i...]))
            let joined =
                link.hasPrefix("/")
                ? GoText.joinPath(link, rest)
                : GoText.joinPath(GoText.joinPath(GoText.cleanPath(prefix + "/.."), link), rest)
            path = joined.bytes
            i = 1
            if joined.hasPrefix("/run/") { break }
            if links == 255 { return .failure(PodmanError("too many symlinks while resolving /etc/resolv.conf")) }
        }
        return .success(ByteString(path))
    }
}
