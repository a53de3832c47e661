// SPDX-License-Identifier: Apache-2.0
import Glibc

/// What podman would fail to make, judged before anything is made, and
/// whether a directory another user could change lies on a path. Pure:
/// reads only through the context.
extension PodmanDirectories {
    /// What mkdir(2) of `path` would fail with (its path and errno), judged
    /// from its parent; nil when it would succeed or `path` is there.
    static func mkdirFailure(_ path: ByteString, context: PodmanSystemContext) -> (ByteString, Int32)? {
        if case .success = context.fileFacts(path, followLinks: false) { return nil }
        let parent = GoText.cleanPath(path + "/..")
        switch context.fileFacts(parent, followLinks: true) {
        case .failure(let e): return (path, e.rawValue)
        case .success(let f) where !f.isDirectory: return (path, ENOTDIR)
        case .success: return context.mayCreateIn(parent) ? nil : (path, EACCES)
        }
    }

    /// What os.MkdirAll(path) would fail with: the first directory it could
    /// not make (or a file in the way) and the errno; nil when it would succeed.
    static func mkdirAllFailure(_ path: ByteString, context: PodmanSystemContext) -> (ByteString, Int32)? {
        switch context.fileFacts(path, followLinks: true) {
        case .success(let f): return f.isDirectory ? nil : (path, ENOTDIR)
        case .failure(let e) where e.rawValue != ENOENT: return (path, e.rawValue)
        case .failure: break
        }
        let parent = GoText.cleanPath(path + "/..")
        if parent == path { return (path, ENOENT) }
        switch context.fileFacts(parent, followLinks: true) {
        case .success(let f) where !f.isDirectory: return (parent, ENOTDIR)
        case .success: return context.mayCreateIn(parent) ? nil : (path, EACCES)
        case .failure(let e) where e.rawValue != ENOENT: return (parent, e.rawValue)
        case .failure: return mkdirAllFailure(parent, context: context)  // made first, then this one in it
        }
    }

    /// podman's failure at step 2 for `<runtime>/libpod`, or nil.
    static func libpodFailure(_ libpod: ByteString, context: PodmanSystemContext) -> Failure? {
        func logged(_ text: ByteString) -> Failure { .podmanLogged([PodmanLogLine(.error, text)]) }
        switch context.fileFacts(libpod, followLinks: false) {
        case .success:
            // Something is there (EEXIST): podman changes its mode, following a link.
            switch context.fileFacts(libpod, followLinks: true) {
            case .failure(let e):
                return logged("set sticky bit on: chmod \(libpod): \(GoText.errnoText(e.rawValue))")
            case .success(let f) where f.uid != context.euid && context.euid != 0:
                return logged("set sticky bit on: chmod \(libpod): \(GoText.errnoText(EPERM))")
            case .success: return nil
            }
        case .failure(let e) where e.rawValue == ENOENT:
            guard let (_, why) = mkdirFailure(libpod, context: context) else { return nil }
            return logged("mkdir \(libpod): \(GoText.errnoText(why))")
        case .failure(let e):
            return logged("mkdir \(libpod): \(GoText.errnoText(e.rawValue))")
        }
    }

    /// Why a directory named by the database is not to be trusted: an
    /// existing directory on its way that another user (not root) owns, one
    /// of the caller's writable by group or others, or one of root's writable
    /// by others without the sticky bit. nil: every one passes.
    static func unsafeAncestor(of dir: ByteString, context: PodmanSystemContext) -> ByteString? {
        guard dir.bytes.first == UInt8(ascii: "/") else { return "it is not an absolute path" }
        var path = GoText.cleanPath(dir)
        while true {
            if case .success(let f) = context.fileFacts(path, followLinks: true) {
                let quoted = GoText.quote(path)
                if f.uid != 0 && f.uid != context.euid { return "\(quoted) is owned by uid \(f.uid)" }
                if f.uid == context.euid && context.euid != 0 && f.permissions & 0o022 != 0 {
                    return "\(quoted) is writable by other users"
                }
                if f.uid == 0 && f.permissions & 0o002 != 0 && f.mode & UInt32(S_ISVTX) == 0 {
                    return "\(quoted) is writable by other users"
                }
            }
            if path == "/" { return nil }
            path = GoText.cleanPath(path + "/..")
        }
    }
}
