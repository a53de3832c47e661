// SPDX-License-Identifier: Apache-2.0
import Glibc

/// What podman mode may read from the system besides SystemContext: the owner
/// and permission bits of a directory (for /run/user/<uid>).
public protocol PodmanSystemContext: SystemContext {
    /// stat(2) of `path`, following symlinks: owner uid and mode bits, or nil.
    func ownerAndMode(of path: ByteString) -> (uid: UInt32, mode: UInt32)?
}

extension LiveSystem: PodmanSystemContext {
    public func ownerAndMode(of path: ByteString) -> (uid: UInt32, mode: UInt32)? {
        var st = stat()
        guard path.withCString({ fstatat(AT_FDCWD, $0, &st, 0) }) == 0 else { return nil }
        return (st.st_uid, UInt32(st.st_mode))
    }
}

/// Where rootless podman keeps things (containers-storage.conf(5), podman's
/// runtime directory), decided from the environment and the user's
/// storage.conf. Pure: reads only through the context.
public enum PodmanStorage {
    public struct Locations: Equatable, Sendable {
        public var graphroot: ByteString
        public var runroot: ByteString
        public var runtimeDir: ByteString
    }

    static func nonEmpty(_ value: ByteString?) -> ByteString? {
        guard let value, !value.isEmpty else { return nil }
        return value
    }

    /// $HOME, else the passwd entry's home.
    static func home(context: SystemContext) -> ByteString {
        if let home = nonEmpty(context.environment("HOME")) { return home }
        return context.user(id: context.euid)?.home ?? "/"
    }

    /// podman's rootless runtime directory: $XDG_RUNTIME_DIR, else /run/user/<uid>
    /// when it is ours (owner and rwx for the owner), else /tmp/podman-run-<uid>.
    public static func runtimeDirectory(context: PodmanSystemContext, rootlessUID: UInt32) -> ByteString {
        if let dir = nonEmpty(context.environment("XDG_RUNTIME_DIR")) { return dir }
        let run: ByteString = "/run/user/\(rootlessUID)"
        if let st = context.ownerAndMode(of: run), st.uid == context.euid, st.mode & 0o700 == 0o700 { return run }
        return "/tmp/podman-run-\(rootlessUID)"
    }

    /// The user's storage.conf: $XDG_CONFIG_HOME/containers/storage.conf, else ~/.config/containers/storage.conf.
    public static func storageConfPath(context: SystemContext) -> ByteString {
        if let config = nonEmpty(context.environment("XDG_CONFIG_HOME")) {
            return GoText.joinPath(config, "containers/storage.conf")
        }
        return GoText.joinPath(home(context: context), ".config/containers/storage.conf")
    }

    /// Graph root and run root: storage.conf's values (with $VARIABLES expanded,
    /// as podman does) over the rootless defaults. A file that exists but cannot
    /// be read or parsed is podman's error: its words on stdout, logged, exit 1.
    public static func locations(context: PodmanSystemContext, rootlessUID: UInt32) -> Result<Locations, Failure> {
        let runtimeDir = runtimeDirectory(context: context, rootlessUID: rootlessUID)
        let dataHome =
            nonEmpty(context.environment("XDG_DATA_HOME"))
            ?? GoText.joinPath(home(context: context), ".local/share")
        var locations = Locations(
            graphroot: GoText.joinPath(dataHome, "containers/storage"),
            runroot: GoText.joinPath(runtimeDir, "containers"), runtimeDir: runtimeDir)
        let path = storageConfPath(context: context)
        switch context.readFile(path.description) {
        case .failure(let e):
            if e.rawValue != ENOENT && e.rawValue != ENOTDIR {
                return .failure(unreadable(path, reason: "open \(path): \(GoText.errnoText(e.rawValue))"))
            }
        case .success(let text):
            switch StorageConf.parse(text) {
            case .failure(let malformed):
                return .failure(unreadable(path, reason: malformed.message ?? ""))
            case .success(let roots):
                let lookup = { (name: ByteString) in context.environment(name.description) }
                if let g = roots.graphroot { locations.graphroot = GoText.expandEnv(g, lookup: lookup) }
                if let r = roots.runroot { locations.runroot = GoText.expandEnv(r, lookup: lookup) }
            }
        }
        return .success(locations)
    }

    /// containers/storage's report of a storage.conf it cannot use.
    static func unreadable(_ path: ByteString, reason: ByteString) -> Failure {
        Failure.podman(
            nil, exitCode: 1, log: [PodmanLogLine(.error, reason)],
            stdout: "Failed to read \(path) \(reason)\n")
    }

    /// podman 4.3.1's name for its rootless network namespace: `rootless-netns-`
    /// and the first 10 bytes (hex) of the SHA-256 of its static dir, <graphroot>/libpod.
    public static func rootlessNetnsName(graphroot: ByteString) -> ByteString {
        let digest = SHA256.digest(GoText.joinPath(graphroot, "libpod").bytes)
        return "rootless-netns-\(SHA256.hex(Array(digest.prefix(10))))"
    }
}
