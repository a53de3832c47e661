// SPDX-License-Identifier: Apache-2.0
import CUnshareSys
import Glibc

/// The mounts podman's RootlessNetNS.Do makes in the command's new mount
/// namespace, in its order: the runtime dir kept reachable, /run/systemd
/// kept, the namespace's resolv.conf over /etc/resolv.conf (or over its
/// target under /run), podman's /var/lib/cni, and podman's /run.
enum RootlessNetnsMounts {
    static func apply(_ p: RootlessNetnsPlan, _ sys: some PodmanSystemCalls) -> Result<Void, Failure> {
        func bind(_ source: ByteString, _ target: ByteString, _ flags: UInt, _ what: ByteString) -> Failure? {
            guard case .failure(let e) = sys.mount(source, target, "none", flags) else { return nil }
            return Failure.podman("\(what): \(GoText.errnoText(e.rawValue))")
        }
        let shared = cu_MS_BIND | cu_MS_SHARED | cu_MS_REC
        if let e = bind(
            p.runtimeDir, p.inDir(p.runtimeDir), shared, "failed to mount runtime directory for rootless netns")
        {
            return .failure(e)
        }
        if case .success = sys.stat("/run/systemd", followLinks: true),
            let e = bind(
                "/run/systemd", p.inDir("/run/systemd"), cu_MS_BIND | cu_MS_REC,
                "failed to mount /run/systemd directory for rootless netns")
        {
            return .failure(e)
        }
        var resolvePath: ByteString
        switch resolvConfTarget(sys) {
        case .failure(let e): return .failure(e)
        case .success(let path): resolvePath = path
        }
        if resolvePath.hasPrefix("/run/systemd/resolve/") {
            let target = p.inDir("/run/systemd/resolve")
            if case .failure(let e) = sys.mount("", target, "tmpfs", cu_MS_NOEXEC | cu_MS_NOSUID | cu_MS_NODEV) {
                return .failure(
                    Failure.podman(
                        "failed to mount tmpfs on \(GoText.quote(target)) for rootless netns: \(GoText.errnoText(e.rawValue))"
                    ))
            }
        }
        if resolvePath.hasPrefix("/run/") {
            resolvePath = p.inDir(resolvePath)
            let made = PodmanIO.mkdirAll(GoText.cleanPath(resolvePath + "/.."), mode: 0o700, sys).flatMap {
                sys.create(resolvePath, O_RDONLY, 0o700).map { sys.close($0) }
            }
            if case .failure(let e) = made {
                return .failure(
                    Failure.podman("failed to create rootless-netns resolv.conf file: \(GoText.errnoText(e.rawValue))"))
            }
        }
        if let e = bind(
            p.inDir("resolv.conf"), resolvePath, cu_MS_BIND, "failed to mount resolv.conf for rootless netns")
        {
            return .failure(e)
        }
        var varTarget: ByteString = "/var/lib/cni"
        var varDir: ByteString?
        while true {
            if case .success = sys.stat(varTarget, followLinks: true) {
                varDir = p.inDir(varTarget)
                break
            }
            varTarget = GoText.cleanPath(varTarget + "/..")
            if varTarget == "/" { break }
        }
        guard let varDir else { return .failure(Failure.podman("failed to stat /var directory")) }
        if let e = bind(varDir, varTarget, cu_MS_BIND, "failed to mount \(varTarget) for rootless netns") {
            return .failure(e)
        }
        if let e = bind(p.inDir("run"), "/run", cu_MS_BIND | cu_MS_REC, "failed to mount /run for rootless netns") {
            return .failure(e)
        }
        return .success(())
    }

    /// /etc/resolv.conf with its symlinks followed one component at a time,
    /// stopping at the first target under /run/ (podman's walk).
    static func resolvConfTarget(_ sys: some PodmanSystemCalls) -> Result<ByteString, Failure> {
        var path = Array("/etc/resolv.conf".utf8)
        var links = 0
        var i = 1
        while i <= path.count {
            if i < path.count && path[i] != UInt8(ascii: "/") {
                i += 1
                continue
            }
            let prefix = ByteString(Array(path[..<i]))
            let facts: FileFacts
            switch sys.stat(prefix, followLinks: false) {
            case .failure(let e):
                return .failure(
                    Failure.podman("failed to stat resolv.conf path: lstat \(prefix): \(GoText.errnoText(e.rawValue))"))
            case .success(let f): facts = f
            }
            guard facts.isSymlink else {
                i += 1
                continue
            }
            let link: ByteString
            switch sys.readLink(prefix) {
            case .failure(let e):
                return .failure(
                    Failure.podman(
                        "failed to read resolv.conf symlink: readlink \(prefix): \(GoText.errnoText(e.rawValue))"))
            case .success(let l): link = l
            }
            links += 1
            let rest = ByteString(Array(path[i...]))
            let joined =
                link.hasPrefix("/")
                ? GoText.joinPath(link, rest)
                : GoText.joinPath(GoText.joinPath(GoText.cleanPath(prefix + "/.."), link), rest)
            path = joined.bytes
            i = 1
            if joined.hasPrefix("/run/") { break }
            if links == 255 { return .failure(Failure.podman("too many symlinks while resolving /etc/resolv.conf")) }
        }
        return .success(ByteString(path))
    }
}
