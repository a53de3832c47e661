// SPDX-License-Identifier: Apache-2.0
import Glibc

/// The runtime directories podman 4.3.1 picks from the environment
/// (docs/podman-unshare.md, steps 1 and 4): containers/common's, podman's
/// own for an unset XDG_RUNTIME_DIR, and containers/storage's for the runroot.
/// Pure: reads only through the context.
extension PodmanDirectories {
    /// containers/common's GetRuntimeDir (step 1): the directory and whether podman makes it.
    static func commonRuntimeDirectory(
        context: PodmanSystemContext, uid: UInt32, tempDir: ByteString
    ) -> Result<(dir: ByteString, make: Bool), Failure> {
        func logged(_ text: ByteString) -> Failure { .podmanLogged([PodmanLogLine(.error, text)]) }
        if let xdg = PodmanStorage.nonEmpty(context.environment("XDG_RUNTIME_DIR")),
            case .success(let resolved) = GoText.evalSymlinks(xdg, context: context)
        {
            switch context.fileFacts(resolved, followLinks: true) {
            case .failure(let e): return .failure(logged("stat \(resolved): \(GoText.errnoText(e.rawValue))"))
            case .success(let f) where f.uid != context.euid:
                return .failure(
                    logged("XDG_RUNTIME_DIR directory \(GoText.quote(resolved)) is not owned by the current user"))
            case .success: return .success((resolved, false))
            }
        }
        // Owned by the caller and writable by the owner alone.
        let candidates: [ByteString] = ["/run/user/\(uid)", GoText.joinPath(tempDir, "podman-run-\(uid)")]
        if let found = firstUsable(candidates, context: context, test: { $0.permissions & 0o722 == 0o700 }) {
            return .success(found)
        }
        guard let home = PodmanStorage.nonEmpty(context.environment("HOME")) else {
            return .failure(logged("neither XDG_RUNTIME_DIR nor HOME was set non-empty"))
        }
        switch GoText.evalSymlinks(home, context: context) {
        case .failure(let f): return .failure(logged("cannot resolve home: \(f.message ?? "")"))
        case .success(let resolved): return .success((GoText.joinPath(resolved, "rundir"), false))
        }
    }

    /// podman's own GetRuntimeDir, for an unset XDG_RUNTIME_DIR (podman sets
    /// it to this for itself): the same candidates with a weaker test (rwx for
    /// the owner), then $HOME/rundir. nil where podman would stop.
    static func podmanRuntimeDirectory(
        context: PodmanSystemContext, uid: UInt32, tempDir: ByteString
    ) -> (dir: ByteString, make: Bool)? {
        let candidates: [ByteString] = ["/run/user/\(uid)", GoText.joinPath(tempDir, "podman-run-\(uid)")]
        if let found = firstUsable(candidates, context: context, test: { $0.permissions & 0o700 == 0o700 }) {
            return found
        }
        guard let home = PodmanStorage.nonEmpty(context.environment("HOME")),
            case .success(let resolved) = GoText.evalSymlinks(home, context: context)
        else { return nil }
        return (GoText.joinPath(resolved, "rundir"), false)
    }

    /// The first candidate owned by the caller that passes `test`; one that is
    /// missing counts as made by podman (mkdir -p, 0700) when it can be.
    private static func firstUsable(
        _ candidates: [ByteString], context: PodmanSystemContext, test: (FileFacts) -> Bool
    ) -> (dir: ByteString, make: Bool)? {
        for dir in candidates {
            switch context.fileFacts(dir, followLinks: true) {
            case .success(let f) where f.uid == context.euid && test(f): return (dir, false)
            case .failure(let e) where e.rawValue == ENOENT && mkdirAllFailure(dir, context: context) == nil:
                return (dir, true)
            default: continue
            }
        }
        return nil
    }

    /// containers/storage's rootless runtime directory (step 4), and what it logs.
    static func storageRuntimeDirectory(
        xdg: ByteString?, context: PodmanSystemContext, uid: UInt32, tempDir: ByteString
    ) -> Result<(ByteString, [PodmanLogLine]), Failure> {
        if let xdg = PodmanStorage.nonEmpty(xdg),
            case .success(let resolved) = GoText.evalSymlinks(xdg, context: context)
        {
            return .success((resolved, []))
        }
        // Owned by the caller (its real uid, which is its effective one here),
        // rwx for it, nothing rw for group and others (lstat).
        func owned(_ dir: ByteString) -> Bool {
            guard case .success(let f) = context.fileFacts(dir, followLinks: false) else { return false }
            return f.uid == context.euid && f.mode & 0o700 == 0o700 && f.mode & 0o066 == 0
        }
        let comm = context.readFile("/proc/1/comm")
        if case .failure = comm, owned("/run/user/\(uid)") { return .success(("/run/user/\(uid)", [])) }
        if case .success(let text) = comm, text == Array("systemd".utf8), owned("/run/user/\(uid)") {
            return .success(("/run/user/\(uid)", []))
        }
        var lines: [PodmanLogLine] = []
        let perUser = GoText.joinPath(tempDir, "containers-user-\(uid)")
        switch context.fileFacts(perUser, followLinks: false) {
        case .failure(let e) where e.rawValue == ENOENT:
            guard let (_, why) = mkdirFailure(perUser, context: context) else { return .success((perUser, [])) }
            lines.append(
                PodmanLogLine(
                    .error, "Failed to create temp directory for user: mkdir \(perUser): \(GoText.errnoText(why))"))
        default:
            if owned(perUser) { return .success((perUser, [])) }
        }
        let home = PodmanStorage.home(context: context)
        if home.isEmpty {
            return .failure(
                .podmanLogged(
                    lines + [PodmanLogLine(.error, "neither XDG_RUNTIME_DIR nor temp dir nor HOME was set non-empty")]))
        }
        switch GoText.evalSymlinks(home, context: context) {
        case .failure(let f): return .failure(.podmanLogged(lines + [PodmanLogLine(.error, f.message ?? "")]))
        case .success(let resolved): return .success((GoText.joinPath(resolved, "rundir"), lines))
        }
    }

    /// containers/storage's expandEnvPath: `$UID` then `$VARIABLES`, then
    /// symbolic links resolved, or the path cleaned when that fails.
    static func expandPath(_ path: ByteString, context: PodmanSystemContext, uid: UInt32) -> ByteString {
        var bytes = path.bytes
        let token = Array("$UID".utf8)
        var out: [UInt8] = []
        var i = 0
        while i < bytes.count {
            if bytes[i...].starts(with: token) {
                out += Array("\(uid)".utf8)
                i += token.count
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        bytes = out
        let expanded = GoText.expandEnv(ByteString(bytes), lookup: { context.environment($0.description) })
        if case .success(let resolved) = GoText.evalSymlinks(expanded, context: context) { return resolved }
        return GoText.cleanPath(expanded)
    }
}
